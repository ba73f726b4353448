/**
 * Bulk SMS: 1,000 recipients with their own variables, 202 with a job id, progress at
 * GET /api/v1/jobs/:id, paced by the transport under the account's rate so the emulator (which
 * answers 429 past its rate) refuses none; validation names the recipient; opted-out numbers are
 * not sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../src/providers/twilio/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
let emu: TwilioEmulator;

beforeAll(async () => {
  // Twilio's own name for the pace (the generic RATE_LIMIT_TWILIO works too); at the default 10/s this file would time out.
  t = await startTestHub({ SMS_PROVIDERS: 'twilio', TWILIO_RATE_LIMIT: '500/s', SMS_BULK_MAX_RECIPIENTS: '1000' });
  emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
  emu.setStatusCallbacks(false); // 3,000 callbacks would only slow this file down
});
afterAll(async () => {
  await t?.close();
});

const number = (i: number) => `+1415555${String(1000 + i).padStart(4, '0')}`;

describe('POST /api/v1/integrations/sms/bulk', () => {
  it('a pace that is not one is refused at start, naming TWILIO_RATE_LIMIT', async () => {
    await expect(startTestHub({ TWILIO_RATE_LIMIT: 'fast' })).rejects.toThrow(/TWILIO_RATE_LIMIT: Invalid rate limit "fast"/);
  });

  it('sends 1,000 personalised messages paced under the account rate: no 429 from Twilio', { timeout: 30_000 }, async () => {
    // Twilio's side: 550 requests a second (a little above the hub's 500/s), beyond that 429 + 20429.
    emu.setRateLimit({ limit: 550, intervalMs: 1000 });
    const before = { ...emu.stats };
    const recipients = Array.from({ length: 1000 }, (_, i) => ({ phoneNumber: number(i), variables: { name: `User ${i}`, n: i } }));
    const res = await t.api('/api/v1/integrations/sms/bulk', { body: { message: 'Hi {{name}}, your number is {{n}}', recipients } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^smsbulk_/), status: 'queued', total: 1000, optedOut: 0, segments: 1000 });
    await expect.poll(async () => (await t.api(`/api/v1/jobs/${res.body.id}?limit=1`)).body.status, { timeout: 25_000, interval: 100 }).toBe('completed');
    const progress = await t.api(`/api/v1/jobs/${res.body.id}?limit=3`);
    expect(progress.body).toMatchObject({ type: 'sms.bulk', total: 1000, sent: 1000, failed: 0, pending: 0, nextOffset: 3 });
    expect(progress.body.results[0]).toMatchObject({ messageSid: expect.stringMatching(/^SM/), provider: 'twilio', status: 'queued' });
    expect(emu.stats.rateLimited - before.rateLimited).toBe(0);
    expect(emu.stats.requests - before.requests).toBe(1000);
    const bodies = new Map([...emu.messages.values()].map((m) => [m.resource.to, m.resource.body]));
    expect(bodies.get(number(7))).toBe('Hi User 7, your number is 7');
    expect(bodies.get(number(999))).toBe('Hi User 999, your number is 999');
    emu.setRateLimit(undefined);
  });

  it('names each recipient that cannot be rendered or has a bad number; nothing is queued', async () => {
    const res = await t.api('/api/v1/integrations/sms/bulk', {
      body: { message: 'Hi {{name}}', recipients: [{ phoneNumber: '+14155550300', variables: { name: 'A' } }, { phoneNumber: '+14155550301' }, { phoneNumber: '555-0302' }] },
    });
    expect(res.status).toBe(400);
    const fields = res.body.errors.map((e: { field: string }) => e.field);
    expect(fields).toContain('recipients.2.phoneNumber');
    const again = await t.api('/api/v1/integrations/sms/bulk', { body: { message: 'Hi {{name}}', recipients: [{ phoneNumber: '+14155550300', variables: { name: 'A' } }, { phoneNumber: '+14155550301' }] } });
    expect(again.status).toBe(400);
    expect(again.body.errors).toEqual([{ field: 'recipients.1.variables.name', message: 'is missing: the message uses {{name}}' }]);
    const tooMany = await t.api('/api/v1/integrations/sms/bulk', { body: { message: 'x', recipients: Array.from({ length: 1001 }, (_, i) => ({ phoneNumber: number(i) })) } });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.errors[0].field).toBe('recipients');
  });

  it('opted-out recipients are failed at once and never sent', async () => {
    await t.api('/api/v1/integrations/sms/opt-outs', { body: { phoneNumber: '+14155550310' } });
    const res = await t.api('/api/v1/integrations/sms/bulk', { body: { message: 'News', recipients: [{ phoneNumber: '+14155550310' }, { phoneNumber: '+14155550311' }] } });
    expect(res.body).toMatchObject({ total: 2, optedOut: 1 });
    await expect.poll(async () => (await t.api(`/api/v1/jobs/${res.body.id}`)).body.status, { timeout: 10_000, interval: 50 }).toBe('completed');
    const p = (await t.api(`/api/v1/jobs/${res.body.id}`)).body;
    expect(p).toMatchObject({ sent: 1, failed: 1 });
    expect(p.results.find((r: { to: string }) => r.to === '+14155550310').error).toMatchObject({ code: 'recipient_opted_out' });
    expect([...emu.messages.values()].some((m) => m.resource.to === '+14155550310')).toBe(false);
  });
});
