/**
 * Verification codes: hub-made codes (hashed at rest, expiry, attempt limit, resend cool-down)
 * and Twilio Verify (a tenant whose connection has TWILIO_VERIFY_SERVICE_SID), against the
 * Twilio emulator.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TwilioEmulator } from '../src/providers/twilio/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
let emu: TwilioEmulator;

beforeAll(async () => {
  t = await startTestHub({ SMS_PROVIDERS: 'twilio', SMS_CODE_MAX_ATTEMPTS: '3', SMS_CODE_RESEND_SECONDS: '30' });
  emu = t.hub.connections.emulator('twilio') as TwilioEmulator;
});
afterAll(async () => {
  await t?.close();
});

/** The code in the text the emulator received for `to` (the hub keeps none). */
function codeSentTo(to: string): string {
  const m = [...emu.messages.values()].filter((x) => x.resource.to === to).at(-1)!;
  return /(\d{4,10})/.exec(m.resource.body)![1]!;
}

describe('hub-made verification codes', () => {
  it('/verification-code sends a code that /verify accepts once; the code is stored only as a hash', async () => {
    const phone = '+14155550201';
    const sent = await t.api('/api/v1/integrations/sms/verification-code', { body: { phoneNumber: phone, appName: 'Acme' } });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ id: expect.stringMatching(/^ver_/), phoneNumber: phone, channel: 'sms', method: 'local', messageSid: expect.stringMatching(/^SM/) });
    const code = codeSentTo(phone);
    expect(code).toHaveLength(6);
    expect(emu.messages.get(sent.body.messageSid)!.resource.body).toBe(`Acme: your verification code is ${code}. It expires in 10 minutes.`);

    // Nowhere in the hub's tables in plaintext: the verification row, the message row, its status answer.
    const rows = JSON.stringify([
      await t.hub.store.db.selectFrom('sms_verifications').selectAll().execute(),
      await t.hub.store.db.selectFrom('sms_messages').selectAll().where('purpose', '=', 'verification').execute(),
      (await t.api(`/api/v1/integrations/sms/${sent.body.messageId}/status`)).body,
    ]);
    expect(rows).not.toContain(code);

    const ok = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code } });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ verified: true, phoneNumber: phone });
    const again = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code } });
    expect(again.status).toBe(410);
    expect(again.body.code).toBe('verification_code_expired');
  });

  it('a second code within the cool-down is 429 with Retry-After', async () => {
    const phone = '+14155550202';
    expect((await t.api('/api/v1/integrations/sms/otp', { body: { phoneNumber: phone } })).status).toBe(200);
    const res = await t.api('/api/v1/integrations/sms/otp', { body: { phoneNumber: phone } });
    expect(res.status).toBe(429);
    expect(res.body.code).toBe('verification_resend_too_soon');
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(30);
  });

  it('wrong codes count down, then the code is spent even when the right one comes', async () => {
    const phone = '+14155550203';
    await t.api('/api/v1/integrations/sms/otp', { body: { phoneNumber: phone, length: 8, message: 'Code: {{code}}' } });
    const code = codeSentTo(phone);
    expect(code).toHaveLength(8);
    const wrong = code === '00000000' ? '11111111' : '00000000';
    const first = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code: wrong } });
    expect(first.status).toBe(422);
    expect(first.body).toMatchObject({ code: 'verification_code_invalid', details: { attemptsLeft: 2 } });
    expect((await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code: wrong } })).body.details.attemptsLeft).toBe(1);
    const last = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code: wrong } });
    expect(last.status).toBe(429);
    expect(last.body.code).toBe('verification_too_many_attempts');
    expect((await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code } })).status).toBe(410);
  });

  it('an expired code is refused', async () => {
    const phone = '+14155550204';
    await t.api('/api/v1/integrations/sms/otp', { body: { phoneNumber: phone } });
    const code = codeSentTo(phone);
    await t.hub.store.write((trx) => trx.updateTable('sms_verifications').set({ expires_at: Date.now() - 1 }).where('phone_number', '=', phone).execute());
    const res = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: phone, code } });
    expect(res.status).toBe(410);
    expect(res.body.detail ?? res.body.message).toMatch(/expired/);
  });

  it('bad input names the field', async () => {
    const res = await t.api('/api/v1/integrations/sms/verify', { body: { phoneNumber: '4155550205', code: 'abc' } });
    expect(res.status).toBe(400);
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['code', 'phoneNumber']);
  });
});

describe('Twilio Verify (TWILIO_VERIFY_SERVICE_SID on the connection)', () => {
  it('the code is made, sent and checked by Verify v2; the hub keeps no code at all', async () => {
    const serviceSid = `VA${'b'.repeat(32)}`;
    // The tenant connects the (emulated) account with its own Verify service.
    await t.hub.connections.create('verify-tenant', 'twilio', 'with verify', { accountSid: emu.credentials.accountSid, authToken: emu.credentials.authToken, verifyServiceSid: serviceSid });
    const { key } = await t.hub.apiKeys.create({ name: 'verify-tenant', tenantId: 'verify-tenant' });
    const phone = '+14155550206';
    const before = emu.messages.size;
    const sent = await t.as(key, '/api/v1/integrations/sms/verification-code', { phoneNumber: phone });
    expect(sent.status, JSON.stringify(sent.body)).toBe(200);
    expect(sent.body).toMatchObject({ method: 'twilio', messageId: null });
    expect(emu.messages.size).toBe(before); // Verify sends its own text
    const code = emu.verificationCode(phone)!;
    expect(code).toMatch(/^\d{6}$/);
    const rows = await t.hub.store.db.selectFrom('sms_verifications').selectAll().where('tenant_id', '=', 'verify-tenant').execute();
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ code_hash: null, salt: null, method: 'twilio' });

    const wrong = await t.as(key, '/api/v1/integrations/sms/verify', { phoneNumber: phone, code: code === '000000' ? '111111' : '000000' });
    expect(wrong.status).toBe(422);
    const ok = await t.as(key, '/api/v1/integrations/sms/verify', { phoneNumber: phone, code });
    expect(ok.status).toBe(200);
    expect(ok.body).toMatchObject({ verified: true, method: 'twilio' });
    expect(emu.verificationCode(phone)).toBeUndefined(); // approved: gone at Verify too
  });
});
