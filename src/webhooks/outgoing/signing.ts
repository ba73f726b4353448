/**
 * Standard Webhooks signing: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`
 * keyed with the base64-decoded part of a `whsec_` secret. During a rotation the old secret signs
 * beside the new one (space-separated signatures), so receivers verify with either.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 */
import { createHmac, randomBytes } from 'node:crypto';

export const SECRET_PREFIX = 'whsec_';

/** The secrets of an endpoint, sealed at rest as one object. */
export interface EndpointSecrets {
  current: string;
  /** The secret before the last rotation, still signing until `previousUntil` (epoch ms). */
  previous?: string;
  previousUntil?: number;
}

/** How long a rotated-out secret keeps signing. */
export const ROTATION_OVERLAP_MS = 24 * 60 * 60_000;

/**
 * A new signing secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * generateSecret() // 'whsec_3q2+7w…'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

function keyOf(secret: string): Buffer {
  return Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
}

/**
 * One `v1,<base64>` signature.
 *
 * @example
 * sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function sign(secret: string, id: string, timestampSec: number, body: string): string {
  return `v1,${createHmac('sha256', keyOf(secret)).update(`${id}.${timestampSec}.${body}`).digest('base64')}`;
}

/** The secrets that sign at `now`: the current one, and the previous one inside its overlap. */
export function signingSecrets(secrets: EndpointSecrets, now: number): string[] {
  const out = [secrets.current];
  if (secrets.previous && (secrets.previousUntil ?? 0) > now) out.push(secrets.previous);
  return out;
}

/**
 * The three Standard Webhooks headers plus content-type for one attempt.
 *
 * @example
 * const headers = signedHeaders(secrets, msg.id, Date.now(), msg.payload);
 * // { 'webhook-id': 'msg_…', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,… v1,…', … }
 */
export function signedHeaders(secrets: EndpointSecrets, id: string, now: number, body: string): Record<string, string> {
  const timestamp = Math.floor(now / 1000);
  return {
    'content-type': 'application/json',
    'user-agent': 'Switchboard-Webhooks/1.0',
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': signingSecrets(secrets, now)
      .map((s) => sign(s, id, timestamp, body))
      .join(' '),
  };
}
