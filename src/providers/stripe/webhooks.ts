/**
 * Stripe webhooks: `Stripe-Signature` verification and normalization of Stripe events into the
 * hub's payment events.
 *
 * Stripe signs `${t}.${rawBody}` with HMAC-SHA256, keyed by the endpoint's signing secret used
 * as a plain string (the `whsec_` prefix included, not base64-decoded), and sends
 * `t=<unix seconds>,v1=<hex>`; while a secret is being rolled it sends one `v1` per secret, and
 * test-mode deliveries add a `v0` entry that must be ignored.
 *
 * @see https://docs.stripe.com/webhooks#verify-manually
 * @see https://docs.stripe.com/api/events/types
 */
import { HubError } from '../../core/errors.js';
import type { InboundEvent, WebhookHandler, WebhookVerifyInput } from '../../kit/inbound.js';
import { bodyProblem, checkTimestamp, headerOf, hmacSha256, matchSecret, noSecrets } from '../../kit/webhook-verify.js';
import { stripeEventToInbound } from './webhooks-normalize.js';

/** Header name as the hub passes it (lower-cased). */
export const STRIPE_SIGNATURE_HEADER = 'stripe-signature';

const PROVIDER = 'stripe';

/** The parts of a `Stripe-Signature` header the hub uses. */
export interface StripeSignatureHeader {
  timestamp: number;
  /** Every `v1` signature, raw bytes (hex-decoded); entries that are not 64 hex digits are dropped. */
  signatures: Buffer[];
}

/**
 * Parses `t=…,v1=…[,v1=…][,v0=…]`; null when there is no usable timestamp or `v1` entry.
 *
 * @example
 * parseStripeSignatureHeader('t=1700000000,v1=5257a869…,v0=6ffbb59b…') // { timestamp: 1700000000, signatures: [<Buffer 52 57 …>] }
 */
export function parseStripeSignatureHeader(header: string): StripeSignatureHeader | null {
  let timestamp: number | undefined;
  const signatures: Buffer[] = [];
  for (const item of header.split(',')) {
    const at = item.indexOf('=');
    if (at < 0) continue;
    const key = item.slice(0, at).trim();
    const value = item.slice(at + 1).trim();
    if (key === 't' && /^\d{1,12}$/.test(value)) timestamp = Number(value);
    else if (key === 'v1' && /^[0-9a-fA-F]{64}$/.test(value)) signatures.push(Buffer.from(value, 'hex'));
  }
  return timestamp === undefined || signatures.length === 0 ? null : { timestamp, signatures };
}

/**
 * Stripe's signature of one delivery: hex HMAC-SHA256 of `${timestamp}.${rawBody}` under `secret`.
 *
 * @example
 * stripeSignature('whsec_test', 1700000000, Buffer.from('{"id":"evt_1"}')) // '…64 hex digits…'
 */
export function stripeSignature(secret: string, timestamp: number, rawBody: Buffer): string {
  return hmacSha256(secret, `${timestamp}.`, rawBody).toString('hex');
}

/**
 * Verifies one Stripe webhook request; throws HubError `webhook_signature_missing`,
 * `webhook_signature_invalid` or `webhook_timestamp_stale`. Any configured secret may match any
 * `v1` entry (secret rotation). As Stripe's libraries do, the signature is checked before the
 * timestamp, so only an authentic delivery is reported as stale.
 *
 * @example
 * verifyStripeWebhook({ rawBody, headers, secrets: [process.env.STRIPE_WEBHOOK_SECRET!], now: Date.now(), toleranceSec: 300 });
 */
export function verifyStripeWebhook(input: WebhookVerifyInput): void {
  const header = headerOf(input.headers, STRIPE_SIGNATURE_HEADER);
  if (!header) {
    throw new HubError('webhook_signature_missing', 'Stripe webhook without the Stripe-Signature header: is this request from Stripe, and does the proxy in front of the hub keep that header?', { provider: PROVIDER });
  }
  const parsed = parseStripeSignatureHeader(header);
  if (!parsed) {
    throw new HubError('webhook_signature_missing', 'Stripe-Signature header has no timestamp (t=…) or no v1 signature: expected "t=<unix seconds>,v1=<64 hex digits>".', { provider: PROVIDER });
  }
  const secrets = input.secrets.map((s) => s.trim()).filter((s) => s !== '');
  if (secrets.length === 0) {
    throw noSecrets('Stripe webhook', { provider: PROVIDER, check: "set STRIPE_WEBHOOK_SECRET to the endpoint's secret (whsec_…) from the Stripe dashboard or `stripe listen`" });
  }
  if (matchSecret(secrets, (s) => Buffer.from(stripeSignature(s, parsed.timestamp, input.rawBody), 'hex'), parsed.signatures) === undefined) {
    const problem = bodyProblem(input.rawBody);
    throw new HubError(
      'webhook_signature_invalid',
      `No Stripe signature matches the payload and a configured secret: did you pass the raw request body you received from Stripe (the exact bytes, not parsed and re-serialized JSON)? ${problem ? `Here ${problem}. ` : ''}Also check that STRIPE_WEBHOOK_SECRET is the signing secret (whsec_…) of this endpoint.`,
      { provider: PROVIDER },
    );
  }
  checkTimestamp(parsed.timestamp, input.now, input.toleranceSec, 'Stripe webhook', PROVIDER);
}

/**
 * Turns a verified Stripe event body into normalized payment events (zero or one); event types
 * the hub does not map are skipped.
 *
 * @example
 * parseStripeEvents(Buffer.from('{"id":"evt_1","object":"event","type":"payment_intent.succeeded","created":1700000000,"data":{"object":{"id":"pi_1","object":"payment_intent","amount":9999,"currency":"usd","status":"succeeded"}}}'))
 * // [{ type: 'payment.succeeded', providerEventId: 'evt_1', occurredAt: 1700000000000, ref: { providerObjectId: 'pi_1' }, data: { objectId: 'pi_1', amount: 9999, currency: 'USD', status: 'succeeded' }, raw: {…} }]
 */
export function parseStripeEvents(rawBody: Buffer): InboundEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new HubError('validation_failed', 'Stripe webhook body is not JSON; Stripe posts one event object per request.', { provider: PROVIDER, cause: err });
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new HubError('validation_failed', 'Stripe webhook body is not a JSON object; Stripe posts one event object per request.', { provider: PROVIDER });
  }
  const event = stripeEventToInbound(body as Record<string, unknown>);
  return event ? [event] : [];
}

/**
 * The Stripe webhook handler the hub's inbound pipeline uses.
 *
 * @example
 * stripeWebhooks.verify(input); const events = stripeWebhooks.parse(input.rawBody, input.headers);
 */
export const stripeWebhooks: WebhookHandler = {
  secretFields: ['webhookSecret'],
  signatureHeaders: [STRIPE_SIGNATURE_HEADER],
  verify: verifyStripeWebhook,
  parse: (rawBody) => parseStripeEvents(rawBody),
};
