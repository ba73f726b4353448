/**
 * SMS, WhatsApp, calls and chat on a hub whose store is PostgreSQL (the other suites run on
 * SQLite): their own tables, the forward-only status writes, bulk progress and their events work
 * the same. Skipped loudly without PostgreSQL; fails under CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { postgresAvailable, postgresFixture, type StoreFixture } from './helpers/stores.js';

const available = await postgresAvailable();
let fixture: StoreFixture;
let t: TestHub;

const types = async () => ((await t.api('/api/v1/events?limit=200')).body.data as { type: string }[]).map((e) => e.type);

describe.skipIf(!available)('messaging on PostgreSQL', () => {
  beforeAll(async () => {
    fixture = postgresFixture();
    await (await fixture.open()).close(); // the schema
    t = await startTestHub({ DATABASE_URL: fixture.options.databaseUrl!, TWILIO_RATE_LIMIT: '200/s' });
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.cleanup();
  });

  it('an SMS and a WhatsApp message go out and their status callbacks move them forward to delivered and read', async () => {
    const sms = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155552671', message: 'On PostgreSQL' } });
    expect(sms.status).toBe(200);
    const wa = await t.api('/api/v1/integrations/whatsapp/send', { body: { phoneNumber: '+14155552672', message: 'On PostgreSQL' } });
    expect(wa.status).toBe(200);
    await expect.poll(async () => (await t.api(`/api/v1/integrations/sms/${sms.body.messageSid}/status`)).body.status, { timeout: 10_000, interval: 50 }).toBe('delivered');
    await expect.poll(types, { timeout: 10_000, interval: 50 }).toEqual(expect.arrayContaining(['sms.queued', 'sms.sent', 'sms.delivered', 'whatsapp.delivered', 'whatsapp.read']));
  });

  it('a bulk send completes with its progress at /api/v1/jobs/:id', async () => {
    const recipients = Array.from({ length: 20 }, (_, i) => ({ phoneNumber: `+1415555${String(2000 + i)}`, variables: { name: `P${i}` } }));
    const res = await t.api('/api/v1/integrations/sms/bulk', { body: { message: 'Hi {{name}}', recipients } });
    expect(res.status).toBe(202);
    await expect.poll(async () => (await t.api(`/api/v1/jobs/${res.body.id}`)).body, { timeout: 10_000, interval: 100 }).toMatchObject({ status: 'completed', total: 20, sent: 20, failed: 0 });
  });

  it('a click-to-call is initiated (the callback after the hub\'s own placement still counts), rings, is answered and ends; a chat message is posted', async () => {
    const call = await t.api('/api/v1/voice/calls', { body: { agent: '+14155550100', customer: '+14155550199' } });
    expect(call.status).toBe(201);
    await expect.poll(async () => (await types()).filter((x) => x.startsWith('call.')), { timeout: 10_000, interval: 50 }).toEqual(expect.arrayContaining(['call.initiated', 'call.ringing', 'call.answered']));
    expect((await t.api(`/api/v1/voice/calls/${call.body.sid}/end`, { method: 'POST', body: {} })).status).toBe(200);
    await expect.poll(async () => (await types()).filter((x) => x.startsWith('call.')), { timeout: 10_000, interval: 50 }).toContain('call.completed');
    const chat = await t.api('/api/v1/integrations/chat/send', { body: { channel: '#general', text: 'On PostgreSQL' } });
    expect(chat.status).toBe(200);
    expect(chat.body).toMatchObject({ provider: 'slack', ts: expect.any(String) });
  });
});
