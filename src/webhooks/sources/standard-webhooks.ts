/**
 * Standard Webhooks: `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`, keyed
 * with the base64-decoded part of a `whsec_…` secret. Several space-separated signatures may be
 * sent (the sender is rotating); one matching any accepted secret is enough. Svix sends the same
 * scheme under `svix-id`, `svix-timestamp`, `svix-signature`, read as a fallback.
 *
 * @see https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md
 * @see https://docs.svix.com/receiving/verifying-payloads/how-manual
 */
import { HubError } from '../../core/errors.js';
import { checkTimestamp, headerOf, hmacSha256, noSecretMatched, safeEqual, type SourceVerifyInput } from './verify-common.js';

const SCHEME = 'Standard Webhooks';
const PREFIX = 'whsec_';

/** `whsec_` followed by standard base64 (the spec's secret format). */
export const STANDARD_SECRET = /^whsec_[A-Za-z0-9+/]+={0,2}$/;

/**
 * The HMAC key of a `whsec_…` secret (the prefix is optional, as in the reference library).
 *
 * @example
 * standardWebhooksKey('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw').length // 24
 */
export function standardWebhooksKey(secret: string): Buffer {
  return Buffer.from(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret, 'base64');
}

/**
 * The `v1,<base64>` signature of one message.
 *
 * @example
 * standardWebhooksSignature('whsec_…', 'msg_1', '1614265330', Buffer.from('{"a":1}')) // 'v1,g0hM…='
 */
export function standardWebhooksSignature(secret: string, id: string, timestamp: string, rawBody: Buffer): string {
  return `v1,${hmacSha256(standardWebhooksKey(secret), `${id}.${timestamp}.`, rawBody).toString('base64')}`;
}

/** The message id, timestamp and signature headers (`webhook-*`, else `svix-*`). */
export function standardWebhooksHeaders(headers: Record<string, string | undefined>): { id?: string; timestamp?: string; signature?: string } {
  const get = (name: string) => headerOf(headers, `webhook-${name}`) ?? headerOf(headers, `svix-${name}`);
  return { id: get('id'), timestamp: get('timestamp'), signature: get('signature') };
}

/**
 * Throws unless a `v1` signature of the request matches one of the secrets and
 * `webhook-timestamp` is within the tolerance (both directions).
 *
 * @example
 * verifyStandardWebhooks({ rawBody, headers, secrets: ['whsec_…'], now: Date.now(), toleranceSec: 300 });
 */
export function verifyStandardWebhooks(input: SourceVerifyInput): void {
  const found = standardWebhooksHeaders(input.headers);
  const { id, timestamp, signature } = found;
  if (id === undefined || timestamp === undefined || signature === undefined) {
    const missing = (['id', 'timestamp', 'signature'] as const).filter((k) => found[k] === undefined).map((k) => `webhook-${k}`);
    throw new HubError('webhook_signature_missing', `${SCHEME} request lacks the header(s) ${missing.join(', ')}`);
  }
  checkTimestamp(timestamp, input.now, input.toleranceSec, SCHEME);
  const given = signature
    .split(' ')
    .filter((s) => s.startsWith('v1,'))
    .map((s) => s.slice(3));
  if (given.length === 0) throw new HubError('webhook_signature_invalid', `${SCHEME} webhook-signature holds no "v1,<base64>" signature`);
  for (const secret of input.secrets) {
    const expected = standardWebhooksSignature(secret, id, timestamp, input.rawBody).slice(3);
    // Every candidate is compared, so the time taken does not tell which one matched.
    let ok = false;
    for (const g of given) ok = safeEqual(expected, g) || ok;
    if (ok) return;
  }
  throw noSecretMatched(SCHEME, input.secrets.length);
}
