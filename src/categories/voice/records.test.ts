/**
 * The voice tables on SQLite and PostgreSQL: a call's status only moves forward, a placed call
 * takes over a row a callback made first, menus per tenant.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allFixtures, type StoreFixture } from '../../../test/helpers/stores.js';
import { systemClock } from '../../core/clock.js';
import { openStore, type Store } from '../../store/store.js';
import { parseEnvVars } from '../../core/config.js';
import { voiceCategory } from './index.js';
import { CallRecords, MenuStore, voiceMigrations } from './records.js';

const fixtures = await allFixtures();
const SID = `CA${'1'.repeat(32)}`;

describe.each(fixtures.map((f) => [f.dialect, f] as const))('voice records on %s', (_dialect, fixture: StoreFixture) => {
  let store: Store;
  let calls: CallRecords;
  let menus: MenuStore;
  beforeAll(async () => {
    await fixture.open().then((s) => s.close());
    store = await openStore({ ...fixture.options, migrations: voiceMigrations });
    calls = new CallRecords(store, systemClock);
    menus = new MenuStore(store, systemClock);
  });
  afterAll(async () => {
    await store?.close();
    await fixture.cleanup();
  });

  it('moves a call forward only, and lets the placing tenant take over a row a callback made first', async () => {
    const step = (status: 'initiated' | 'ringing' | 'answered' | 'completed' | 'failed') => store.write((trx) => calls.advance(trx, 'default', 'twilio', SID, status, Date.now()));
    expect((await step('ringing')).moved).toBe(true);
    const placed = await calls.placed('t1', 'twilio', SID, { agent: '+14155550100', customer: '+14155550111', callerId: '+15005550006' }, 'initiated');
    expect(placed).toMatchObject({ tenantId: 't1', status: 'ringing', callSid: SID });
    expect((await step('initiated')).moved).toBe(false);
    expect((await step('ringing')).moved).toBe(false);
    expect((await step('completed')).moved).toBe(true);
    expect((await step('failed')).moved).toBe(false);
    expect((await step('answered')).moved).toBe(false);
    expect(await calls.find('twilio', SID)).toMatchObject({ id: placed.id, tenantId: 't1', status: 'completed' });
    expect(await calls.providerOf('t1', SID)).toBe('twilio');
    expect(await calls.providerOf('t2', SID)).toBeUndefined();
  });

  it('keeps menus per tenant: replace, list, remove, not_found', async () => {
    await menus.put('t1', { id: 'main', prompt: 'one', options: { '1': { hangup: true } } });
    await menus.put('t1', { id: 'main', prompt: 'two', options: { '1': { say: 'bye' } } });
    await menus.put('t2', { id: 'main', prompt: 'other', options: { '2': { hangup: true } } });
    expect(await menus.get('t1', 'main')).toMatchObject({ prompt: 'two' });
    expect((await menus.list('t1')).map((m) => m.prompt)).toEqual(['two']);
    await menus.remove('t1', 'main');
    await expect(menus.get('t1', 'main')).rejects.toMatchObject({ code: 'not_found' });
    await expect(menus.remove('t1', 'main')).rejects.toMatchObject({ code: 'not_found' });
    expect(await menus.get('t2', 'main')).toMatchObject({ prompt: 'other' });
  });

  it('serves menus configured in VOICE_IVR_MENUS to every tenant, a tenant\'s own of the same id first', async () => {
    const settings = parseEnvVars(voiceCategory.settings as never, { VOICE_IVR_MENUS: JSON.stringify({ hours: { prompt: 'We are open 9 to 5.', options: { '0': { hangup: true } } } }) }) as { VOICE_IVR_MENUS: Record<string, never> };
    const withConfig = new MenuStore(store, systemClock, settings.VOICE_IVR_MENUS);
    expect(await withConfig.get('t3', 'hours')).toEqual({ id: 'hours', prompt: 'We are open 9 to 5.', options: { '0': { hangup: true } } });
    await withConfig.put('t3', { id: 'hours', prompt: 'Closed today.', options: { '0': { hangup: true } } });
    expect((await withConfig.get('t3', 'hours')).prompt).toBe('Closed today.');
    expect((await withConfig.get('t4', 'hours')).prompt).toBe('We are open 9 to 5.');
    expect((await withConfig.list('t4')).map((m) => m.id)).toEqual(['hours']);
    await withConfig.remove('t3', 'hours');
    await expect(withConfig.remove('t3', 'hours')).rejects.toThrow(/configured in VOICE_IVR_MENUS/);
    expect(() => parseEnvVars(voiceCategory.settings as never, { VOICE_IVR_MENUS: '{"main": {"prompt": "x", "options": {"1": {"dial": "555"}}}}' })).toThrow(/VOICE_IVR_MENUS: .*E\.164/);
    expect(() => parseEnvVars(voiceCategory.settings as never, { VOICE_IVR_MENUS: 'main' })).toThrow(/VOICE_IVR_MENUS: must be JSON/);
  });
});
