/**
 * SMS and WhatsApp end to end through the REST API in sandbox mode: the Twilio connector talks to
 * the Twilio emulator over HTTP, and statuses come back as status callbacks signed with the
 * emulator's Auth Token, verified by the hub's /webhooks/twilio.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature, type TwilioEmulator } from '../src/providers/twilio/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
let emu: TwilioEmulator;

beforeAll(async () => {
  t = await startTestHub({ SMS_PROVIDERS: 'twilio', RATE_LIMIT_TWILIO: '200/s' });
  emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
});
afterAll(async () => {
  await t?.close();
});

const status = async (id: string) => (await t.api(`/api/v1/integrations/sms/${id}/status`)).body;
/** The event types recorded for a message (the status may run ahead of them: GET …/status also asks Twilio). */
const eventTypes = async (id: string) => ((await status(id)).events as { type: string }[]).map((e) => e.type).sort();

describe('POST /api/v1/integrations/sms/send', () => {
  it("the guide's { phoneNumber, message } answers id, messageSid, status, provider and segments; callbacks take it to delivered", async () => {
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155552671', message: 'Your verification code is: 123456' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^sms_/), messageSid: expect.stringMatching(/^SM[0-9a-f]{32}$/), status: 'queued', provider: 'twilio', segments: 1 });
    const sent = emu.messages.get(res.body.messageSid)!;
    expect(sent.resource).toMatchObject({ to: '+14155552671', from: emu.credentials.phoneNumber, body: 'Your verification code is: 123456' });
    await expect.poll(() => eventTypes(res.body.messageSid), { timeout: 10_000, interval: 50 }).toEqual(['sms.delivered', 'sms.queued', 'sms.sent']);
    const got = await status(res.body.id);
    expect(got).toMatchObject({ id: res.body.id, messageSid: res.body.messageSid, status: 'delivered', channel: 'sms', to: '+14155552671', provider: 'twilio' });
    const events = await t.api('/api/v1/events?type=sms.delivered');
    expect(JSON.stringify(events.body)).toContain(res.body.id);
  });

  it('{ to, body, mediaUrls } sends an MMS; hub.sms.send does the same for library users', async () => {
    const res = await t.api('/api/v1/integrations/sms/send', { body: { to: '+14155552672', body: 'Look', mediaUrls: ['https://example.com/a.jpg'] } });
    expect(res.status).toBe(200);
    expect(emu.messages.get(res.body.messageSid)!.mediaUrls).toEqual(['https://example.com/a.jpg']);
    const lib = await t.hub.sms.send('default', { phoneNumber: '+14155552673', message: 'from the library' });
    expect(lib).toMatchObject({ provider: 'twilio', messageSid: expect.stringMatching(/^SM/) });
    expect(emu.messages.get(lib.messageSid!)!.resource.body).toBe('from the library');
  });

  it('counts segments: GSM-7 160/153, extension characters as two, UCS-2 70/67', async () => {
    const send = async (message: string) => (await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155552674', message } })).body.segments;
    expect(await send('a'.repeat(160))).toBe(1);
    expect(await send('a'.repeat(161))).toBe(2);
    expect(await send('€'.repeat(80))).toBe(1); // 160 septets
    expect(await send('€'.repeat(81))).toBe(2);
    expect(await send('é'.repeat(160))).toBe(1); // é is in GSM-7's basic table
    expect(await send('ç'.repeat(70))).toBe(1); // ç is not (Ç is): UCS-2
    expect(await send('ç'.repeat(71))).toBe(2);
    expect(await send('😀'.repeat(35))).toBe(1); // 70 UTF-16 units
  });

  it('a number not in E.164 is a 400 that suggests the E.164 form; no provider is asked', async () => {
    const before = emu.messages.size;
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '(415) 555-2671', message: 'x' } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ field: 'phoneNumber', message: 'use E.164, e.g. +14155552671' }]);
    const short = await t.api('/api/v1/integrations/sms/send', { body: { to: '+1415', body: 'x' } });
    expect(short.body.errors[0]).toMatchObject({ field: 'to', message: expect.stringContaining('too short') });
    const none = await t.api('/api/v1/integrations/sms/send', { body: {} });
    expect(none.body.errors.map((e: { field: string }) => e.field)).toEqual(expect.arrayContaining(['phoneNumber', 'message']));
    expect(emu.messages.size).toBe(before);
  });

  it("Twilio's refusals map to the category's codes (21211 invalid number)", async () => {
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+15005550001', message: 'x' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'invalid_phone_number', provider: 'twilio', providerCode: '21211' });
  });

  it('async answers 202 pending and the queue sends it', async () => {
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155552675', message: 'later', async: true } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'pending', messageSid: null });
    await expect.poll(async () => (await status(res.body.id)).messageSid, { timeout: 10_000, interval: 50 }).toMatch(/^SM/);
  });
});

describe('an answer lost after Twilio took the message', () => {
  it('a queued send whose connection dropped is looked up at Twilio, not sent twice', async () => {
    emu.chaos.dropAfterAcceptNext = 1; // Twilio keeps the message, the hub never hears back
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550120', message: 'exactly once', async: true } });
    expect(res.status).toBe(202);
    await expect.poll(async () => (await status(res.body.id)).messageSid, { timeout: 10_000, interval: 50 }).toMatch(/^SM/);
    const sent = [...emu.messages.values()].filter((m) => m.resource.to === '+14155550120');
    expect(sent).toHaveLength(1);
    expect((await status(res.body.id)).messageSid).toBe(sent[0]!.resource.sid);
    const lookups = emu.state.requests.filter((r) => r.method === 'GET' && r.route.endsWith('/Messages.json') && r.params.To === '+14155550120');
    expect(lookups).toHaveLength(1);
  });
});

describe('delivery tracking', () => {
  it('an undeliverable number ends undelivered with its error code', async () => {
    emu.setUndeliverable('+14155550100');
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550100', message: 'hello?' } });
    await expect.poll(() => eventTypes(res.body.id), { timeout: 10_000, interval: 50 }).toContain('sms.undelivered');
    expect(await status(res.body.id)).toMatchObject({ status: 'undelivered', error: { code: 30003 } });
  });

  it('callbacks out of order: a "sent" that arrives after "delivered" is recorded and moves nothing back', async () => {
    emu.setStatusCallbacks(false);
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550101', message: 'order' } });
    emu.setStatusCallbacks(true);
    const callback = (MessageStatus: string) =>
      emu.state.callbacks.post(emu.state.hubTarget!, { AccountSid: emu.credentials.accountSid, MessageSid: res.body.messageSid, MessageStatus, SmsStatus: MessageStatus, To: '+14155550101', From: emu.credentials.phoneNumber, ApiVersion: '2010-04-01' });
    const stored = async () => (await t.hub.store.db.selectFrom('sms_messages').select('status').where('id', '=', res.body.id).executeTakeFirstOrThrow()).status;
    expect((await callback('delivered')).status).toBe(200);
    await expect.poll(stored, { timeout: 10_000, interval: 20 }).toBe('delivered');
    expect((await callback('sent')).status).toBe(200);
    await expect.poll(() => eventTypes(res.body.id), { timeout: 10_000, interval: 20 }).toEqual(['sms.delivered', 'sms.sent']);
    expect(await stored()).toBe('delivered');
  });

  it('STOP puts the number on the opt-out list: later sends are 422 recipient_opted_out; START lifts it', async () => {
    const answer = await emu.receiveMessage({ from: '+14155550111', body: 'Stop' });
    expect(answer.status).toBe(200);
    // Twilio waits for TwiML after an incoming message: an empty Response sends no reply.
    expect(answer.body).toBe('<?xml version="1.0" encoding="UTF-8"?><Response></Response>');
    await expect.poll(async () => (await t.api('/api/v1/integrations/sms/opt-outs')).body.data.map((o: { phoneNumber: string }) => o.phoneNumber), { timeout: 10_000, interval: 50 }).toContain('+14155550111');
    const refused = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550111', message: 'sale!' } });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe('recipient_opted_out');
    const received = await t.api('/api/v1/events?type=sms.received');
    expect(JSON.stringify(received.body)).toContain('+14155550111');
    const optedOut = await t.api('/api/v1/events?type=sms.opted_out');
    expect(JSON.stringify(optedOut.body)).toContain('STOP');

    await emu.receiveMessage({ from: '+14155550111', body: 'START' });
    await expect.poll(async () => (await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550111', message: 'welcome back' } })).status, { timeout: 10_000, interval: 100 }).toBe(200);
  });

  it("Twilio's 21610 (unsubscribed at Twilio) adds the number to the list", async () => {
    // The emulator keeps Twilio's own opt-out; the hub learns it from the refusal.
    await emu.receiveMessage({ from: '+14155550112', body: 'UNSUBSCRIBE' });
    await expect.poll(async () => (await t.api('/api/v1/integrations/sms/opt-outs')).body.data.map((o: { phoneNumber: string }) => o.phoneNumber), { timeout: 10_000, interval: 50 }).toContain('+14155550112');
    const del = await t.api('/api/v1/integrations/sms/opt-outs/%2B14155550112', { method: 'DELETE' });
    expect(del.status).toBe(204);
    const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155550112', message: 'x' } });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'recipient_opted_out', providerCode: '21610' });
    const list = await t.api('/api/v1/integrations/sms/opt-outs');
    expect(list.body.data).toEqual(expect.arrayContaining([expect.objectContaining({ phoneNumber: '+14155550112', source: 'provider' })]));
  });
});

describe("a tenant's own Twilio connection", () => {
  it('its webhook URL verifies with its Auth Token, and a STOP there opts out in that tenant only', async () => {
    const token = 'acme0tenant0auth0token0000000001';
    const conn = await t.hub.connections.create('acme', 'twilio', 'acme account', { accountSid: emu.credentials.accountSid, authToken: token });
    const { key } = await t.hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    const url = `${t.url}/webhooks/twilio/${conn.id}`;
    const params = { AccountSid: emu.credentials.accountSid, MessageSid: `SM${'7'.repeat(32)}`, SmsMessageSid: `SM${'7'.repeat(32)}`, SmsStatus: 'received', From: '+14155550130', To: emu.credentials.phoneNumber, Body: 'STOP', NumMedia: '0', ApiVersion: '2010-04-01' };
    const post = (signedWith: string) =>
      fetch(url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(signedWith, url, params) }, body: new URLSearchParams(params) });
    expect((await post('someone-elses-token')).status).toBe(401);
    const res = await post(token);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/xml');
    await expect.poll(async () => (await t.as(key, '/api/v1/integrations/sms/opt-outs')).body.data.map((o: { phoneNumber: string }) => o.phoneNumber), { timeout: 10_000, interval: 50 }).toEqual(['+14155550130']);
    const mine = (await t.api('/api/v1/integrations/sms/opt-outs')).body.data.map((o: { phoneNumber: string }) => o.phoneNumber);
    expect(mine).not.toContain('+14155550130');
    // In sandbox mode its calls go to the emulator with the emulator's token (its own would be
    // refused, 20003); its own token still verifies its webhook URL, as above.
    const sent = await t.as(key, '/api/v1/integrations/sms/send', { phoneNumber: '+14155550131', message: 'from acme' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ provider: 'twilio', messageSid: expect.stringMatching(/^SM/) });
  });
});

describe('WhatsApp', () => {
  it('text, media and approved templates go out as whatsapp:+E164 and come back as whatsapp.* events', async () => {
    const text = await t.api('/api/v1/integrations/whatsapp/send', { body: { phoneNumber: '+14155552680', message: 'Hello from WhatsApp!' } });
    expect(text.status).toBe(200);
    expect(text.body).toMatchObject({ id: expect.stringMatching(/^wa_/), provider: 'twilio', segments: 1 });
    expect(emu.messages.get(text.body.messageSid)!.resource).toMatchObject({ to: 'whatsapp:+14155552680', from: `whatsapp:${emu.credentials.whatsappNumber}` });
    const media = await t.api('/api/v1/integrations/whatsapp/send', { body: { phoneNumber: '+14155552680', mediaUrls: ['https://example.com/menu.pdf'] } });
    expect(media.status).toBe(200);
    const contentSid = `HX${'a'.repeat(32)}`;
    const template = await t.api('/api/v1/integrations/whatsapp/send', { body: { phoneNumber: '+14155552680', contentSid, contentVariables: { 1: '12/1', 2: '3pm' } } });
    expect(template.status).toBe(200);
    expect(emu.messages.get(template.body.messageSid)).toMatchObject({ contentSid, contentVariables: { 1: '12/1', 2: '3pm' } });
    await expect.poll(() => eventTypes(text.body.id), { timeout: 10_000, interval: 50 }).toEqual(['whatsapp.delivered', 'whatsapp.queued', 'whatsapp.read', 'whatsapp.sent']);
    expect((await t.api(`/api/v1/integrations/whatsapp/${text.body.id}/status`)).body.status).toBe('read');
    const events = await t.api('/api/v1/events?type=whatsapp.read');
    expect(JSON.stringify(events.body)).toContain(text.body.id);
  });

  it('an incoming WhatsApp message is whatsapp.received', async () => {
    await emu.receiveMessage({ from: 'whatsapp:+14155552681', to: `whatsapp:${emu.credentials.whatsappNumber}`, body: 'hi there' });
    await expect.poll(async () => JSON.stringify((await t.api('/api/v1/events?type=whatsapp.received')).body), { timeout: 10_000, interval: 50 }).toContain('+14155552681');
  });
});

describe('alerts', () => {
  it('go to each number with the severity in front; one bad number does not stop the others', async () => {
    const res = await t.api('/api/v1/integrations/sms/alert', { body: { phoneNumbers: ['+14155552690', '+15005550001'], message: 'Disk full on db-1', severity: 'critical' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ severity: 'critical', sent: 1, failed: 1 });
    const ok = res.body.results.find((r: { phoneNumber: string }) => r.phoneNumber === '+14155552690');
    expect(emu.messages.get(ok.messageSid)!.resource.body).toBe('[CRITICAL] Disk full on db-1');
  });
});

describe('scopes', () => {
  it('401 without a key, 403 without sms:send', async () => {
    const anon = await fetch(`${t.url}/api/v1/integrations/sms/send`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
    expect(anon.status).toBe(401);
    const { key } = await t.hub.apiKeys.create({ name: 'sms-reader', scopes: ['sms:read'] });
    const res = await t.as(key, '/api/v1/integrations/sms/send', { phoneNumber: '+14155552671', message: 'x' });
    expect(res.status).toBe(403);
  });
});
