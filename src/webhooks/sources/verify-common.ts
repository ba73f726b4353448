/**
 * What every custom-source verifier shares: the input shape, header lookup, the constant-time
 * comparison, and the timestamp tolerance. The verifiers are pure functions of the raw bytes,
 * the headers, the accepted secrets and the time; they throw nothing but {@link HubError}
 * (`webhook_signature_missing`, `webhook_signature_invalid`, `webhook_timestamp_stale`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HubError } from '../../core/errors.js';

export interface SourceVerifyInput {
  /** The request body exactly as received: signatures cover bytes, not parsed JSON. */
  rawBody: Buffer;
  /** Request headers; names are matched case-insensitively. */
  headers: Record<string, string | undefined>;
  /** Every secret accepted now: several during a rotation. */
  secrets: string[];
  /** Milliseconds since the epoch. */
  now: number;
  /** Seconds; a signed timestamp further away than this (either way) is refused. */
  toleranceSec: number;
  /** `hmac-sha256` only: the header carrying the signature. */
  header?: string;
  /** `hmac-sha256` only: how the signature is written (default `hex`). */
  encoding?: 'hex' | 'base64';
}

/** Throws a HubError unless the request is signed by one of `input.secrets`. */
export type SourceVerifier = (input: SourceVerifyInput) => void;

/**
 * A header's value by case-insensitive name; undefined when absent or blank.
 *
 * @example
 * headerOf({ 'X-Hub-Signature-256': 'sha256=ab' }, 'x-hub-signature-256') // 'sha256=ab'
 */
export function headerOf(headers: Record<string, string | undefined>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted && typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/**
 * HMAC-SHA256 of the concatenated parts (bytes are used as they are, strings as UTF-8).
 *
 * @example
 * hmacSha256('secret', Buffer.from('body')).toString('hex')
 */
export function hmacSha256(key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

/**
 * Constant-time equality of two strings (false at once when the lengths differ: the length of
 * a signature is no secret).
 *
 * @example
 * safeEqual(expectedHex, givenHex.toLowerCase())
 */
export function safeEqual(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(given, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * Refuses a signed Unix timestamp (seconds) that is not a number or is more than `toleranceSec`
 * away from `nowMs`, in either direction.
 *
 * @example
 * checkTimestamp('1614265330', Date.now(), 300, 'Standard Webhooks')
 */
export function checkTimestamp(value: string, nowMs: number, toleranceSec: number, scheme: string): void {
  if (!/^\d{1,12}$/.test(value)) {
    throw new HubError('webhook_signature_invalid', `${scheme} timestamp "${value.slice(0, 40)}" is not a Unix time in seconds`);
  }
  const skew = nowMs / 1000 - Number(value);
  if (Math.abs(skew) > toleranceSec) {
    const where = skew > 0 ? 'old' : 'in the future';
    throw new HubError('webhook_timestamp_stale', `${scheme} timestamp is ${Math.round(Math.abs(skew))} s ${where} (tolerance ${toleranceSec} s): a replay, or a clock is wrong`);
  }
}

/** The refusal when no secret matched. */
export function noSecretMatched(scheme: string, secrets: number): HubError {
  if (secrets === 0) return new HubError('webhook_signature_invalid', `No ${scheme} secret is configured for this source`);
  return new HubError(
    'webhook_signature_invalid',
    `${scheme} signature matches none of the source's ${secrets} secret(s): check the secret, and that the raw body reaches the hub unchanged (no re-encoded JSON)`,
  );
}
