/**
 * Click-to-call under the `not-acted` policy: a call that may have been placed (a timeout, a
 * dropped answer) is never placed again at the next provider; one surely not placed (a refused
 * connection, an open breaker) is. Connectors are stand-ins counting their calls; the chain is the
 * hub's own `runChain`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import type { ConnectionManager } from '../../connections/connections.js';
import { runChain } from '../../routing/failover.js';
import { openStore, type Store } from '../../store/store.js';
import type { Call, VoiceProvider } from './contract.js';
import { CallRecords, MenuStore, voiceMigrations } from './records.js';
import { VoiceService } from './service.js';

const callbacks: (string | undefined)[] = [];
let store: Store;

beforeAll(async () => {
  store = await openStore({ databaseUrl: `sqlite:${join(mkdtempSync(join(tmpdir(), 'sb-voice-')), 'voice.db')}`, migrations: voiceMigrations });
});
afterAll(async () => {
  await store?.close();
});

function fakeProvider(id: string, placed: string[], failure?: HubError): VoiceProvider {
  return {
    id,
    placeCall: async (input) => {
      placed.push(id);
      callbacks.push(input.statusCallbackUrl);
      if (failure) throw failure;
      return { provider: id, sid: `CA${'0'.repeat(32)}`, from: input.callerId ?? '', to: input.agent, status: 'initiated', providerStatus: 'queued', direction: 'outbound-api', startedAt: null, endedAt: null, durationSec: null, price: null, priceUnit: null, parentCallSid: null, raw: {} } satisfies Call;
    },
  } as VoiceProvider;
}

function service(providers: Record<string, VoiceProvider>, publicUrl?: string): VoiceService {
  const connections = {
    connector: async (_t: string, p: string) => providers[p],
    // Tenant t2 has a connection of its own; the others use the provider's default one.
    forTenant: async (tenant: string, p: string) => ({ id: tenant === 't2' ? 'conn_t2' : `conn_default_${p}` }),
  } as unknown as ConnectionManager;
  const chain = Object.keys(providers);
  return new VoiceService({
    connections, chain, records: new CallRecords(store, systemClock), menus: new MenuStore(store, systemClock), publicUrl,
    failover: (attempt, o = {}) => runChain(o.providers ?? chain, attempt, { policy: 'not-acted', ...o }),
  });
}

const input = { agent: '+14155550100', customer: '+14155550111', callerId: '+15005550006' };

describe('click-to-call failover (not-acted)', () => {
  it('never places the call again elsewhere when the first provider may have placed it', async () => {
    const placed: string[] = [];
    const voice = service({ a: fakeProvider('a', placed, new HubError('provider_timeout', 'no answer in 10 s', { provider: 'a' })), b: fakeProvider('b', placed) });
    await expect(voice.call('t1', input)).rejects.toMatchObject({ code: 'provider_timeout' });
    expect(placed).toEqual(['a']);
  });

  it('moves on when the first provider surely placed nothing', async () => {
    const placed: string[] = [];
    const voice = service({ a: fakeProvider('a', placed, new HubError('provider_unavailable', 'connection refused', { provider: 'a', details: { sent: false } })), b: fakeProvider('b', placed) });
    expect(await voice.call('t1', input)).toMatchObject({ provider: 'b', hubCallId: expect.stringMatching(/^call_/) });
    expect(placed).toEqual(['a', 'b']);
  });

  it('refuses a bad number before any provider is called', async () => {
    const placed: string[] = [];
    const voice = service({ a: fakeProvider('a', placed) });
    await expect(voice.call('t1', { ...input, customer: '0044 20 7946 0958' })).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'customer', message: expect.stringContaining('+442079460958') }] });
    expect(placed).toEqual([]);
  });

  it('names the hub\'s webhook route as the status callback when a public URL is set: the tenant\'s own connection\'s, or the default', async () => {
    const voice = service({ a: fakeProvider('a', []) }, 'https://hub.example.com/');
    callbacks.length = 0;
    await voice.call('t1', input);
    await voice.call('t2', input);
    await service({ a: fakeProvider('a', []) }).call('t1', input);
    expect(callbacks).toEqual(['https://hub.example.com/webhooks/a', 'https://hub.example.com/webhooks/a/conn_t2', undefined]);
  });
});
