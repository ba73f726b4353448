/**
 * Verification codes (`/otp`, `/verification-code`, `/verify`). Without a hosted service the hub
 * makes the code: random digits, kept only as a salted scrypt hash, valid `SMS_CODE_TTL_SECONDS`,
 * `SMS_CODE_MAX_ATTEMPTS` tries, a new one no sooner than `SMS_CODE_RESEND_SECONDS` after the
 * last (429 with Retry-After); the text that carries it is stored with the code masked. With a
 * hosted service on the connection (Twilio Verify: `TWILIO_VERIFY_SERVICE_SID`) the provider makes,
 * sends and checks the code, and the hub keeps the cool-down and the attempt count.
 */
import { randomBytes, randomInt, scrypt as scryptCb, timingSafeEqual } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import { zodToHubError } from '../../core/validation.js';
import type { Store } from '../../store/store.js';
import type { SmsChannel, SmsProvider, SmsSendAnswer, SmsVerification } from './contract.js';
import type { SmsPurpose } from './messages.js';
import type { SendCodeInput, SmsSchemas, VerifyCodeInput } from './schemas.js';
import './errors.js';

const scrypt = promisify(scryptCb) as (password: string, salt: Buffer, keylen: number, options: { N: number; r: number; p: number }) => Promise<Buffer>;
/** What verification needs of the SMS service (the service gives itself). */
export interface CodeSender {
  readonly schemas: Pick<SmsSchemas, 'codeInput' | 'verifyInput'>;
  connector(tenantId: string, providerId: string): Promise<{ sms: SmsProvider }>;
  sendParsed(tenantId: string, channel: SmsChannel, v: { to: string; body: string }, purpose: SmsPurpose, extra?: { redactedBody?: string }): Promise<SmsSendAnswer>;
}

/** Cheap enough for a request (~2 ms), costly enough that a stolen table is not read in a blink. */
const SCRYPT = { N: 1 << 12, r: 8, p: 1 };

export interface VerificationSettings {
  ttlSeconds: number;
  maxAttempts: number;
  resendSeconds: number;
}

async function hashCode(code: string, salt: Buffer): Promise<Buffer> {
  return scrypt(code, salt, 32, SCRYPT);
}

export class Verifications {
  constructor(
    private readonly o: { store: Store; clock: Clock; sms: CodeSender; settings: VerificationSettings; chain: string[] },
  ) {}

  /** The first provider of the chain whose connection has a hosted verification service. */
  private async hosted(tenantId: string): Promise<{ provider: string; verification: SmsVerification } | undefined> {
    const first = this.o.chain[0];
    if (!first) return undefined;
    try {
      const { sms } = await this.o.sms.connector(tenantId, first);
      return sms.verification ? { provider: first, verification: sms.verification } : undefined;
    } catch {
      return undefined;
    }
  }

  /**
   * Send a code to a number. Answers the verification's id, where it went and when it expires.
   *
   * @example
   * await hub.sms.verification.send('default', { phoneNumber: '+14155552671' })
   * // { id: 'ver_…', phoneNumber: '+14155552671', channel: 'sms', method: 'local', expiresAt: '…', messageId: 'sms_…' }
   */
  async send(tenantId: string, input: SendCodeInput) {
    const parsed = this.o.sms.schemas.codeInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const v = parsed.data;
    const s = this.o.settings;
    const now = this.o.clock.now();
    const last = await this.o.store.db
      .selectFrom('sms_verifications')
      .select('sent_at')
      .where('tenant_id', '=', tenantId)
      .where('phone_number', '=', v.phoneNumber)
      .orderBy('sent_at', 'desc')
      .executeTakeFirst();
    const wait = last ? Math.ceil((Number(last.sent_at) + s.resendSeconds * 1000 - now) / 1000) : 0;
    if (wait > 0) {
      throw new HubError('verification_resend_too_soon', `A code was sent to ${v.phoneNumber} less than ${s.resendSeconds} s ago: wait ${wait} s before asking for another.`, { retryAfter: wait, details: { retryAfter: wait } });
    }
    const id = newId('ver', now);
    const expiresAt = now + s.ttlSeconds * 1000;
    const hosted = await this.hosted(tenantId);
    // Older codes of this number stop working: only the newest may be used.
    const retire = () => this.o.store.write((trx) => trx.updateTable('sms_verifications').set({ consumed_at: now }).where('tenant_id', '=', tenantId).where('phone_number', '=', v.phoneNumber).where('consumed_at', 'is', null).execute());
    if (hosted) {
      await hosted.verification.start(v.phoneNumber, v.channel);
      await retire();
      await this.o.store.write((trx) =>
        trx.insertInto('sms_verifications').values({ id, tenant_id: tenantId, phone_number: v.phoneNumber, channel: v.channel, method: hosted.provider, code_hash: null, salt: null, attempts: 0, max_attempts: s.maxAttempts, expires_at: expiresAt, sent_at: now, consumed_at: null, message_id: null, created_at: now }).execute(),
      );
      return { id, phoneNumber: v.phoneNumber, channel: v.channel, method: hosted.provider, expiresAt: new Date(expiresAt).toISOString(), messageId: null };
    }
    const code = String(randomInt(0, 10 ** v.length)).padStart(v.length, '0');
    const salt = randomBytes(16);
    const hash = await hashCode(code, salt);
    const minutes = String(Math.max(1, Math.round(s.ttlSeconds / 60)));
    const template = v.message ?? `${v.appName ? `${v.appName}: your` : 'Your'} verification code is {{code}}. It expires in {{minutes}} minutes.`;
    const text = template.replaceAll('{{minutes}}', minutes);
    await retire();
    // The row first: a code that was sent can always be checked.
    await this.o.store.write((trx) =>
      trx.insertInto('sms_verifications').values({ id, tenant_id: tenantId, phone_number: v.phoneNumber, channel: v.channel, method: 'local', code_hash: hash.toString('base64'), salt: salt.toString('base64'), attempts: 0, max_attempts: s.maxAttempts, expires_at: expiresAt, sent_at: now, consumed_at: null, message_id: null, created_at: now }).execute(),
    );
    let sent;
    try {
      sent = await this.o.sms.sendParsed(tenantId, v.channel, { to: v.phoneNumber, body: text.replaceAll('{{code}}', code) }, 'verification', { redactedBody: text.replaceAll('{{code}}', '•'.repeat(v.length)) });
    } catch (err) {
      await this.o.store.write((trx) => trx.updateTable('sms_verifications').set({ consumed_at: now }).where('id', '=', id).execute());
      throw err;
    }
    await this.o.store.write((trx) => trx.updateTable('sms_verifications').set({ message_id: sent.id }).where('id', '=', id).execute());
    return { id, phoneNumber: v.phoneNumber, channel: v.channel, method: 'local', expiresAt: new Date(expiresAt).toISOString(), messageId: sent.id, messageSid: sent.messageSid, segments: sent.segments };
  }

  /**
   * Check a code: `{ verified: true }`, or `verification_code_invalid` (422, attempts left),
   * `verification_too_many_attempts` (429), `verification_code_expired` (410).
   *
   * @example
   * await hub.sms.verification.check('default', { phoneNumber: '+14155552671', code: '123456' }) // { verified: true, … }
   */
  async check(tenantId: string, input: VerifyCodeInput) {
    const parsed = this.o.sms.schemas.verifyInput.safeParse(input);
    if (!parsed.success) throw zodToHubError(parsed.error);
    const { phoneNumber, code } = parsed.data;
    const now = this.o.clock.now();
    const row = await this.o.store.db
      .selectFrom('sms_verifications')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('phone_number', '=', phoneNumber)
      .where('consumed_at', 'is', null)
      .orderBy('sent_at', 'desc')
      .executeTakeFirst();
    if (!row || Number(row.expires_at) <= now) {
      throw new HubError('verification_code_expired', `No code is pending for ${phoneNumber}${row ? ' (it expired)' : ''}: send a new one.`, { details: { phoneNumber } });
    }
    if (row.attempts >= row.max_attempts) {
      throw new HubError('verification_too_many_attempts', `${row.max_attempts} wrong codes were tried for ${phoneNumber}: this code no longer works, send a new one.`, { details: { phoneNumber } });
    }
    // Count the attempt before judging it: parallel guesses cannot get more tries than allowed.
    const counted = await this.o.store.write((trx) =>
      trx.updateTable('sms_verifications').set((eb) => ({ attempts: eb('attempts', '+', 1) })).where('id', '=', row.id).where('attempts', '=', row.attempts).where('consumed_at', 'is', null).executeTakeFirst(),
    );
    if (Number(counted.numUpdatedRows) === 0) throw new HubError('verification_code_invalid', 'Another check of this code ran at the same moment: try again.', { details: { attemptsLeft: Math.max(0, row.max_attempts - row.attempts - 1) } });
    let ok: boolean;
    if (row.method === 'local') {
      const expected = Buffer.from(row.code_hash ?? '', 'base64');
      const given = await hashCode(code, Buffer.from(row.salt ?? '', 'base64'));
      ok = expected.length === given.length && timingSafeEqual(expected, given);
    } else {
      const { sms } = await this.o.sms.connector(tenantId, row.method);
      if (!sms.verification) throw new HubError('not_configured', `${row.method} no longer has a verification service configured`, { provider: row.method });
      ok = (await sms.verification.check(phoneNumber, code)).approved;
    }
    if (ok) {
      await this.o.store.write((trx) => trx.updateTable('sms_verifications').set({ consumed_at: now }).where('id', '=', row.id).execute());
      return { verified: true, id: row.id, phoneNumber, method: row.method };
    }
    const attemptsLeft = row.max_attempts - row.attempts - 1;
    if (attemptsLeft <= 0) {
      await this.o.store.write((trx) => trx.updateTable('sms_verifications').set({ consumed_at: now }).where('id', '=', row.id).execute());
      throw new HubError('verification_too_many_attempts', `That was the last of ${row.max_attempts} tries for ${phoneNumber}: send a new code.`, { details: { phoneNumber, attemptsLeft: 0 } });
    }
    throw new HubError('verification_code_invalid', `The code does not match; ${attemptsLeft} ${attemptsLeft === 1 ? 'try' : 'tries'} left.`, {
      errors: [{ field: 'code', message: 'does not match' }],
      details: { phoneNumber, attemptsLeft },
    });
  }
}
