/**
 * X-Twilio-Signature, judged by twilio's own library: the twilio-php published vector, requests
 * signed with `getExpectedTwilioSignature` (form parameters, and JSON bodies with `bodySHA256`)
 * accepted by the hub's /webhooks/twilio and refused (401) once tampered; the emulator's status
 * callbacks pass `validateRequest`.
 */
import twilio from 'twilio';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { twilioSignature, verifyTwilioWebhook, type TwilioEmulator } from '../src/providers/twilio/index.js';
import { vectors } from './fixtures/vectors/index.js';
import { captureServer } from './helpers/capture-server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const CONFIGURED_TOKEN = 'configured0auth0token0000000000ab';
let t: TestHub;
let emu: TwilioEmulator;

beforeAll(async () => {
  // A configured TWILIO_AUTH_TOKEN (no account SID: still sandbox) is accepted beside the emulator's.
  // TWILIO_PHONE_NUMBER is kept in sandbox mode: the emulated account sends from it.
  t = await startTestHub({ SMS_PROVIDERS: 'twilio', TWILIO_AUTH_TOKEN: CONFIGURED_TOKEN, TWILIO_PHONE_NUMBER: '+14155550000' });
  emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
});
afterAll(async () => {
  await t?.close();
});

const form = (params: Record<string, string>) => new URLSearchParams(params).toString();

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers, body });
  return { status: res.status, body: (await res.json()) as { code?: string; received?: boolean } };
}

describe('the twilio-php vector', () => {
  it('gives the published signature, which the verifier accepts; a changed parameter is refused', () => {
    const v = vectors.twilio();
    expect(twilioSignature(v.authToken, v.url, v.params)).toBe(v.signature);
    expect(twilio.getExpectedTwilioSignature(v.authToken, v.url, v.params)).toBe(v.signature);
    const input = { rawBody: Buffer.from(form(v.params)), headers: { 'x-twilio-signature': v.signature }, publicUrl: v.url, secrets: [v.authToken], now: Date.now(), toleranceSec: 300 };
    expect(() => verifyTwilioWebhook(input)).not.toThrow();
    expect(() => verifyTwilioWebhook({ ...input, rawBody: Buffer.from(form({ ...v.params, Digits: '1235' })) })).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
    // The URL as configured with the default port is the same request to twilio's validators.
    expect(() => verifyTwilioWebhook({ ...input, publicUrl: v.url.replace('mycompany.com', 'mycompany.com:443') })).not.toThrow();
  });
});

describe('POST /webhooks/twilio', () => {
  const params = () => ({ AccountSid: emu.credentials.accountSid, MessageSid: `SM${'0'.repeat(31)}${Math.floor(Math.random() * 10)}`, MessageStatus: 'delivered', To: '+14155552671', From: '+15005550006', ApiVersion: '2010-04-01' });

  it('accepts form callbacks signed by twilio.getExpectedTwilioSignature with the emulator token or the configured one', async () => {
    const url = `${t.url}/webhooks/twilio`;
    for (const token of [emu.credentials.authToken, CONFIGURED_TOKEN]) {
      const p = params();
      const signature = twilio.getExpectedTwilioSignature(token, url, p);
      expect(twilio.validateRequest(token, signature, url, p)).toBe(true);
      const res = await post('/webhooks/twilio', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
      expect(res.status).toBe(200);
      expect(res.body.received).toBe(true);
    }
  });

  it('refuses a tampered parameter, another token, a missing signature and a different URL (401)', async () => {
    const url = `${t.url}/webhooks/twilio`;
    const p = params();
    const signature = twilio.getExpectedTwilioSignature(emu.credentials.authToken, url, p);
    const tampered = await post('/webhooks/twilio', form({ ...p, MessageStatus: 'failed' }), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signature });
    expect(tampered).toMatchObject({ status: 401, body: { code: 'webhook_signature_invalid' } });
    const other = twilio.getExpectedTwilioSignature('not-the-token', url, p);
    expect((await post('/webhooks/twilio', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': other })).status).toBe(401);
    const missing = await post('/webhooks/twilio', form(p), { 'content-type': 'application/x-www-form-urlencoded' });
    expect(missing).toMatchObject({ status: 401, body: { code: 'webhook_signature_missing' } });
    const elsewhere = twilio.getExpectedTwilioSignature(emu.credentials.authToken, `${t.url}/webhooks/elsewhere`, p);
    expect((await post('/webhooks/twilio', form(p), { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': elsewhere })).status).toBe(401);
  });

  it('JSON bodies: the signature covers the URL with bodySHA256, and the hash the body (validateRequestWithBody agrees)', async () => {
    const body = JSON.stringify({ MessageSid: `SM${'1'.repeat(32)}`, MessageStatus: 'sent', To: '+14155552671', From: '+15005550006' });
    const url = `${t.url}/webhooks/twilio?bodySHA256=${twilio.getExpectedBodyHash(body)}`;
    const signature = twilio.getExpectedTwilioSignature(emu.credentials.authToken, url, {});
    expect(twilio.validateRequestWithBody(emu.credentials.authToken, signature, url, body)).toBe(true);
    const path = url.slice(t.url.length);
    const ok = await post(path, body, { 'content-type': 'application/json', 'x-twilio-signature': signature });
    expect(ok.status).toBe(200);
    const changed = body.replace('sent', 'failed');
    expect(twilio.validateRequestWithBody(emu.credentials.authToken, signature, url, changed)).toBe(false);
    const refused = await post(path, changed, { 'content-type': 'application/json', 'x-twilio-signature': signature });
    expect(refused).toMatchObject({ status: 401, body: { code: 'webhook_signature_invalid' } });
  });
});

describe('the emulator signs as Twilio does', () => {
  it("its status callbacks to a message's StatusCallback pass twilio.validateRequest", async () => {
    const capture = await captureServer();
    try {
      const callback = `${capture.url}/status?tenant=a`;
      const res = await t.api('/api/v1/integrations/sms/send', { body: { phoneNumber: '+14155552671', message: 'signed?', statusCallback: callback } });
      expect(res.status).toBe(200);
      expect(emu.messages.get(res.body.messageSid)!.resource.from).toBe('+14155550000');
      await expect.poll(() => capture.captured.length, { timeout: 10_000, interval: 20 }).toBe(3);
      for (const c of capture.captured) {
        const p = Object.fromEntries(new URLSearchParams(c.body.toString()));
        expect(p.MessageSid).toBe(res.body.messageSid);
        expect(twilio.validateRequest(emu.credentials.authToken, String(c.headers['x-twilio-signature']), callback, p)).toBe(true);
      }
      expect(capture.captured.map((c) => new URLSearchParams(c.body.toString()).get('MessageStatus'))).toEqual(['queued', 'sent', 'delivered']);
    } finally {
      await capture.close();
    }
  });
});
