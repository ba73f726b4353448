/**
 * The official `twilio` REST client drives the Twilio emulator (its domains' base URL pointed at
 * the emulator): messages are created, fetched and listed with the client's own parsing, Twilio's
 * errors arrive as its RestException, and Verify v2 works through `client.verify.v2`.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTwilioEmulator, type TwilioEmulator } from '../src/providers/twilio/index.js';

let emu: TwilioEmulator;
let client: ReturnType<typeof twilio>;

/** A client whose API and Verify domains talk to the emulator. */
function clientFor(accountSid: string, authToken: string) {
  const c = twilio(accountSid, authToken, { autoRetry: false });
  c.api.baseUrl = emu.url;
  c.verify.baseUrl = emu.url;
  return c;
}

beforeAll(async () => {
  emu = await startTwilioEmulator({ eventDelayMs: 1 });
  client = clientFor(emu.credentials.accountSid, emu.credentials.authToken);
});
afterAll(async () => {
  await emu?.close();
});

describe('twilio REST client against the emulator', () => {
  it('creates a message, fetches it and lists it', async () => {
    const created = await client.messages.create({ to: '+14155552671', from: emu.credentials.phoneNumber, body: 'Hello from twilio-node' });
    expect(created.sid).toMatch(/^SM[0-9a-f]{32}$/);
    expect(created).toMatchObject({ accountSid: emu.credentials.accountSid, to: '+14155552671', from: emu.credentials.phoneNumber, body: 'Hello from twilio-node', status: 'queued', numSegments: '1', direction: 'outbound-api', apiVersion: '2010-04-01', errorCode: null });
    expect(created.dateCreated).toBeInstanceOf(Date);
    expect(Number.isNaN(created.dateCreated.getTime())).toBe(false);
    expect(created.uri).toBe(`/2010-04-01/Accounts/${emu.credentials.accountSid}/Messages/${created.sid}.json`);

    const fetched = await client.messages(created.sid).fetch();
    expect(fetched.sid).toBe(created.sid);
    expect(fetched.body).toBe('Hello from twilio-node');
    const listed = await client.messages.list({ to: '+14155552671', limit: 20 });
    expect(listed.map((m) => m.sid)).toContain(created.sid);
  });

  it('sends WhatsApp and MMS with the client spelling', async () => {
    const wa = await client.messages.create({ to: 'whatsapp:+14155552671', from: `whatsapp:${emu.credentials.whatsappNumber}`, body: 'hi' });
    expect(wa.to).toBe('whatsapp:+14155552671');
    const mms = await client.messages.create({ to: '+14155552671', from: emu.credentials.phoneNumber, mediaUrl: ['https://example.com/a.png', 'https://example.com/b.png'] });
    expect(mms.numMedia).toBe('2');
    expect(emu.messages.get(mms.sid)!.mediaUrls).toEqual(['https://example.com/a.png', 'https://example.com/b.png']);
  });

  it("Twilio's errors reach the client as RestException with Twilio's code", async () => {
    await expect(client.messages.create({ to: '+1', from: emu.credentials.phoneNumber, body: 'x' })).rejects.toMatchObject({ status: 400, code: 21211, moreInfo: 'https://www.twilio.com/docs/errors/21211' });
    await expect(client.messages.create({ to: '+14155552671', from: emu.credentials.phoneNumber })).rejects.toMatchObject({ status: 400, code: 21602 });
    await expect(client.messages('SM' + '0'.repeat(32)).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    const stranger = clientFor(emu.credentials.accountSid, 'wrong-token');
    await expect(stranger.messages.create({ to: '+14155552671', from: emu.credentials.phoneNumber, body: 'x' })).rejects.toMatchObject({ status: 401, code: 20003 });
    emu.chaos.rateLimitNext = 1;
    await expect(client.messages.create({ to: '+14155552671', from: emu.credentials.phoneNumber, body: 'x' })).rejects.toMatchObject({ status: 429, code: 20429 });
  });

  it('Verify v2: a verification and its check', async () => {
    const service = `VA${'d'.repeat(32)}`;
    const v = await client.verify.v2.services(service).verifications.create({ to: '+14155552671', channel: 'sms' });
    expect(v).toMatchObject({ serviceSid: service, to: '+14155552671', channel: 'sms', status: 'pending', valid: false });
    expect(v.sid).toMatch(/^VE[0-9a-f]{32}$/);
    const bad = await client.verify.v2.services(service).verificationChecks.create({ to: '+14155552671', code: '000000' === emu.verificationCode('+14155552671') ? '111111' : '000000' });
    expect(bad).toMatchObject({ status: 'pending', valid: false });
    const good = await client.verify.v2.services(service).verificationChecks.create({ to: '+14155552671', code: emu.verificationCode('+14155552671')! });
    expect(good).toMatchObject({ status: 'approved', valid: true });
    await expect(client.verify.v2.services(service).verificationChecks.create({ to: '+14155552671', code: '123456' })).rejects.toMatchObject({ status: 404, code: 20404 });
  });
});
