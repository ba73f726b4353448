/**
 * SendGrid's Event Webhook: ECDSA verification and normalization of its event batches.
 *
 * SendGrid signs `timestamp + raw body` with ECDSA P-256 / SHA-256 and sends the DER signature in
 * base64. The verification key is shown once in the UI as base64 DER SPKI without PEM armour
 * (`MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…`). Bodies separate events with `\r\n`, so any
 * re-serialization of the JSON breaks the signature.
 *
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 */
import { createHash, createPublicKey, verify as verifySignature, type KeyObject } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import { HUB_ID_FIELD, type EmailEventData, type EmailEventType } from '../../categories/email/contract.js';
import type { InboundEvent, WebhookHandler, WebhookVerifyInput } from '../../kit/inbound.js';
import { checkTimestamp, headerOf, noSecretMatched, noSecrets } from '../../kit/webhook-verify.js';

/** Header names as SendGrid sends them (lower-cased, as the hub passes them). */
export const SENDGRID_SIGNATURE_HEADER = 'x-twilio-email-event-webhook-signature';
export const SENDGRID_TIMESTAMP_HEADER = 'x-twilio-email-event-webhook-timestamp';

const PROVIDER = 'sendgrid';
const keyCache = new Map<string, KeyObject | null>();

/**
 * Parses a SendGrid verification key (base64 DER SPKI, PEM tolerated); null unless it is an
 * ECDSA P-256 public key.
 *
 * @example
 * parseSendgridPublicKey('MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/…') // KeyObject
 * parseSendgridPublicKey('not a key') // null
 */
export function parseSendgridPublicKey(value: string): KeyObject | null {
  const cached = keyCache.get(value);
  if (cached !== undefined) return cached;
  let key: KeyObject | null = null;
  try {
    const text = value.trim();
    key = text.startsWith('-----BEGIN')
      ? createPublicKey(text)
      : /^[A-Za-z0-9+/=\s]+$/.test(text)
        ? createPublicKey({ key: Buffer.from(text, 'base64'), format: 'der', type: 'spki' })
        : null;
    if (key && (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')) key = null;
  } catch {
    key = null;
  }
  if (keyCache.size > 100) keyCache.clear();
  keyCache.set(value, key);
  return key;
}

/**
 * Verifies one Event Webhook request; throws HubError `webhook_signature_missing`,
 * `webhook_timestamp_stale` or `webhook_signature_invalid`. Any of `secrets` (public keys) may match.
 *
 * @example
 * verifySendgridWebhook({ rawBody, headers, secrets: [process.env.SENDGRID_WEBHOOK_PUBLIC_KEY!], now: Date.now(), toleranceSec: 300 });
 */
export function verifySendgridWebhook(input: WebhookVerifyInput): void {
  const signature = headerOf(input.headers, SENDGRID_SIGNATURE_HEADER);
  const timestamp = headerOf(input.headers, SENDGRID_TIMESTAMP_HEADER);
  if (!signature || !timestamp) {
    throw new HubError('webhook_signature_missing', `SendGrid webhook without the ${!signature ? 'X-Twilio-Email-Event-Webhook-Signature' : 'X-Twilio-Email-Event-Webhook-Timestamp'} header: enable "Signed Event Webhook Requests" in SendGrid (Settings → Mail Settings → Event Webhook).`, { provider: PROVIDER });
  }
  checkTimestamp(timestamp, input.now, input.toleranceSec, 'SendGrid webhook', PROVIDER);
  const keys = input.secrets.map(parseSendgridPublicKey).filter((k): k is KeyObject => k !== null);
  if (keys.length === 0) {
    throw noSecrets('usable SendGrid', { provider: PROVIDER, check: 'SENDGRID_WEBHOOK_PUBLIC_KEY must be the base64 ECDSA P-256 public key shown under Settings → Mail Settings → Event Webhook' });
  }
  const signed = Buffer.concat([Buffer.from(timestamp, 'utf8'), input.rawBody]);
  const sig = Buffer.from(signature, 'base64');
  const ok = keys.some((key) => {
    try {
      return verifySignature('sha256', signed, { key, dsaEncoding: 'der' }, sig);
    } catch {
      return false;
    }
  });
  if (!ok) {
    // SendGrid separates events with \r\n: any re-serialization breaks the signature.
    throw noSecretMatched('SendGrid webhook', input, { provider: PROVIDER, check: 'check SENDGRID_WEBHOOK_PUBLIC_KEY is the key of this Event Webhook (the raw body keeps SendGrid\'s \\r\\n between events)' });
  }
}

/** SendGrid `event` → normalized type. Others (`group_resubscribe`, …) are skipped. */
const EVENT_TYPES: Record<string, EmailEventType> = {
  processed: 'email.processed',
  deferred: 'email.deferred',
  delivered: 'email.delivered',
  open: 'email.opened',
  click: 'email.clicked',
  bounce: 'email.bounced',
  dropped: 'email.dropped',
  spamreport: 'email.spam_report',
  unsubscribe: 'email.unsubscribed',
  group_unsubscribe: 'email.unsubscribed',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : undefined);

function dataOf(e: Record<string, unknown>): EmailEventData {
  const data: EmailEventData = { recipient: str(e.email) ?? '' };
  // SendGrid reports a block (a soft, temporary refusal) as event "bounce" with type "blocked".
  if (e.event === 'bounce') data.bounceType = e.type === 'blocked' ? 'soft' : 'hard';
  const extra: Record<string, unknown> = {
    reason: str(e.reason) ?? (e.event === 'deferred' ? str(e.response) : undefined),
    url: str(e.url),
    status: str(e.status),
    bounceClassification: str(e.bounce_classification),
    response: str(e.response),
    attempt: str(e.attempt),
    ip: str(e.ip),
    userAgent: str(e.useragent),
    asmGroupId: typeof e.asm_group_id === 'number' ? e.asm_group_id : undefined,
    categories: typeof e.category === 'string' ? [e.category] : Array.isArray(e.category) ? e.category : undefined,
  };
  for (const [k, v] of Object.entries(extra)) if (v !== undefined) data[k] = v;
  return data;
}

function toEvent(e: Record<string, unknown>, type: EmailEventType): InboundEvent {
  const seconds = Number(e.timestamp);
  const smtpId = str(e['smtp-id'])?.match(/^<([^@>]+)@/)?.[1];
  const providerObjectId = str(e.sg_message_id)?.split('.')[0] ?? smtpId;
  const hubId = str(e[HUB_ID_FIELD]);
  return {
    providerEventId: str(e.sg_event_id) ?? `sha256:${createHash('sha256').update(JSON.stringify(e)).digest('base64url')}`,
    type,
    occurredAt: Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : Date.now(),
    ref: { ...(hubId ? { hubId } : {}), ...(providerObjectId ? { providerObjectId } : {}) },
    data: dataOf(e),
    raw: e,
  };
}

/**
 * Turns a verified Event Webhook body (a JSON array) into normalized events; unknown event types
 * are skipped.
 *
 * @example
 * parseSendgridEvents(Buffer.from('[{"event":"delivered","email":"a@x.io","timestamp":1700000000,"sg_event_id":"e1"}]'))
 * // [{ type: 'email.delivered', providerEventId: 'e1', occurredAt: 1700000000000, ... }]
 */
export function parseSendgridEvents(rawBody: Buffer): InboundEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new HubError('validation_failed', 'SendGrid webhook body is not JSON; SendGrid posts a JSON array of events.', { provider: PROVIDER, cause: err });
  }
  const list = Array.isArray(body) ? body : [body];
  const events: InboundEvent[] = [];
  for (const item of list) {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) continue;
    const e = item as Record<string, unknown>;
    const type = typeof e.event === 'string' ? EVENT_TYPES[e.event] : undefined;
    if (type) events.push(toEvent(e, type));
  }
  return events;
}

/**
 * The SendGrid webhook handler the hub's inbound pipeline uses.
 *
 * @example
 * sendgridWebhooks.verify(input); const events = sendgridWebhooks.parse(input.rawBody, input.headers);
 */
export const sendgridWebhooks: WebhookHandler = {
  secretFields: ['webhookPublicKey'],
  signatureHeaders: [SENDGRID_SIGNATURE_HEADER],
  verify: verifySendgridWebhook,
  parse: (rawBody) => parseSendgridEvents(rawBody),
};
