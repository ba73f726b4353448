/**
 * Standard Webhooks, both halves: `webhook-signature: v1,<base64 HMAC-SHA256 of
 * "id.timestamp.body">` keyed with the base64-decoded part of a `whsec_…` secret. Several
 * space-separated signatures may travel together (a rotation): the sender signs with each secret,
 * the receiver accepts one matching any of its secrets. Svix sends the same scheme under
 * `svix-id`, `svix-timestamp`, `svix-signature`, read as a fallback.
 *
 * Outgoing webhooks sign with {@link signedHeaders}; custom sources verify with
 * {@link verifyStandardWebhooks}.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * @see https://docs.svix.com/receiving/verifying-payloads/how-manual
 */
import { randomBytes } from 'node:crypto';
import { HubError } from '../core/errors.js';
import { checkTimestamp, headerOf, hmacSha256, matchSecret, noSecretMatched, type VerifyInput } from '../kit/webhook-verify.js';

const SCHEME = 'Standard Webhooks';
export const SECRET_PREFIX = 'whsec_';

const keys = new Map<string, Buffer>();

/** `whsec_` followed by standard base64 (the spec's secret format). */
export const STANDARD_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

type Headers = Record<string, string | undefined>;

/**
 * A new signing secret: `whsec_` + base64 of 32 random bytes.
 *
 * @example
 * generateSecret() // 'whsec_3q2+7w…'
 */
export function generateSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/**
 * The HMAC key of a `whsec_…` secret (the prefix is optional, as in the reference library).
 *
 * @example
 * standardWebhooksKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').length // 24
 */
export function standardWebhooksKey(secret: string): Buffer {
  // Decoded once per secret (a delivery run signs thousands of times with a few secrets); never modify the answer.
  let key = keys.get(secret);
  if (!key) {
    key = Buffer.from(secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret, 'base64');
    if (keys.size >= 1000) keys.delete(keys.keys().next().value!);
    keys.set(secret, key);
  }
  return key;
}

/**
 * One `v1,<base64>` signature.
 *
 * @example
 * sign('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}')
 * // 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE='
 */
export function sign(secret: string, id: string, timestamp: number | string, body: string | Buffer): string {
  return `v1,${hmacSha256(standardWebhooksKey(secret), `${id}.${timestamp}.`, body).toString('base64')}`;
}

/**
 * The three headers of one message, signed by every secret given (rotation: old and new).
 *
 * @example
 * signedHeaders([current, previous], 'msg_1', Date.now(), payload)
 * // { 'webhook-id': 'msg_1', 'webhook-timestamp': '1700000000', 'webhook-signature': 'v1,… v1,…' }
 */
export function signedHeaders(secrets: string[], id: string, nowMs: number, body: string | Buffer): Record<'webhook-id' | 'webhook-timestamp' | 'webhook-signature', string> {
  const timestamp = Math.floor(nowMs / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((s) => sign(s, id, timestamp, body)).join(' '),
  };
}

/**
 * The message id, timestamp and signature headers (`webhook-*`, else `svix-*`).
 *
 * @example
 * standardWebhooksHeaders({ 'svix-id': 'msg_1' }).id // 'msg_1'
 */
export function standardWebhooksHeaders(headers: Headers): { id?: string; timestamp?: string; signature?: string } {
  const get = (name: string) => headerOf(headers, `webhook-${name}`) ?? headerOf(headers, `svix-${name}`);
  return { id: get('id'), timestamp: get('timestamp'), signature: get('signature') };
}

/**
 * Throws unless `webhook-timestamp` is within the tolerance (both directions) and a `v1`
 * signature of the request matches one of the secrets.
 *
 * @example
 * verifyStandardWebhooks({ rawBody, headers, secrets: ['whsec_…'], now: Date.now(), toleranceSec: 300 });
 */
export function verifyStandardWebhooks(input: VerifyInput): void {
  const found = standardWebhooksHeaders(input.headers);
  const { id, timestamp, signature } = found;
  if (id === undefined || timestamp === undefined || signature === undefined) {
    const missing = (['id', 'timestamp', 'signature'] as const).filter((k) => found[k] === undefined).map((k) => `webhook-${k}`);
    throw new HubError('webhook_signature_missing', `${SCHEME} request lacks the header(s) ${missing.join(', ')}`);
  }
  if (!/^\d{1,12}$/.test(timestamp)) throw new HubError('webhook_signature_invalid', `${SCHEME} timestamp "${timestamp.slice(0, 40)}" is not a Unix time in seconds`);
  checkTimestamp(timestamp, input.now, input.toleranceSec, SCHEME);
  const given = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
  if (given.length === 0) throw new HubError('webhook_signature_invalid', `${SCHEME} webhook-signature holds no "v1,<base64>" signature`);
  if (matchSecret(input.secrets, (s) => sign(s, id, timestamp, input.rawBody).slice(3), given) === undefined) {
    throw noSecretMatched(SCHEME, input, { check: 'check the whsec_ secret' });
  }
}
