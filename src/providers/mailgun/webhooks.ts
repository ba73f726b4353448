/**
 * Mailgun's JSON webhooks: verify the signature carried inside the body, then normalize the one
 * event of each request.
 *
 * Unlike most vendors, Mailgun signs no header and not the body: it signs `timestamp + token`
 * with the account's HTTP webhook signing key and puts all three in the body's `signature`
 * object. The event itself is not covered by the signature: a captured signature object can carry
 * another body. The inbox therefore de-duplicates on the token and refuses the same token with
 * another body (401, and a `webhook.replay_conflict` operational event).
 *
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/securing-webhooks
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/events/
 */
import { HubError } from '../../core/errors.js';
import { HUB_ID_FIELD, type EmailEventData, type EmailEventType } from '../../categories/email/contract.js';
import type { InboundEvent, WebhookHandler, WebhookVerifyInput } from '../../kit/inbound.js';
import { checkTimestamp, hmacSha256, matchSecret, noSecrets } from '../../kit/webhook-verify.js';

const PROVIDER = 'mailgun';

/**
 * Mailgun's webhook signature: hex HMAC-SHA256 of `timestamp + token` under the signing key.
 *
 * @example
 * mailgunSignature('key-3ax6xnjp29jd6fds4gc373sgvjxteol0', '1403645220', '5egbgr1vjgqxtrnp65xfznchgdccwh5d6i09vijqi3whgowmn6')
 * // '9cfc5c41582e51246e73c88d34db3af0a3a2692a76fbab81492842f000256d33'
 */
export function mailgunSignature(key: string, timestamp: string, token: string): string {
  return hmacSha256(key, timestamp, token).toString('hex');
}

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

function parseBody(rawBody: Buffer, code: 'webhook_signature_missing' | 'validation_failed'): Json {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    body = undefined;
  }
  if (!isObject(body)) {
    throw new HubError(
      code,
      'Mailgun webhook body is not a JSON object, so it carries no signature: pass the raw request bytes (not ' +
        'parsed or re-encoded JSON), and use webhooks of the current JSON format (legacy form-encoded webhooks are not supported)',
      { provider: PROVIDER },
    );
  }
  return body;
}

/**
 * Throws unless `signature.signature` (or, for a subaccount's domain, `signature.parent-signature`)
 * matches one of `input.secrets` and the timestamp is within `input.toleranceSec` of `input.now`.
 */
function verify(input: WebhookVerifyInput): void {
  const body = parseBody(input.rawBody, 'webhook_signature_missing');
  const sig = body.signature;
  if (!isObject(sig)) {
    throw new HubError('webhook_signature_missing', 'Mailgun webhook body has no "signature" object; is this a Mailgun JSON webhook?', {
      provider: PROVIDER,
    });
  }
  const timestamp = typeof sig.timestamp === 'number' ? String(sig.timestamp) : str(sig.timestamp);
  const token = str(sig.token);
  const given = [str(sig.signature), str(sig['parent-signature'])].filter((s): s is string => s !== undefined);
  if (timestamp === undefined || token === undefined || given.length === 0) {
    throw new HubError('webhook_signature_missing', 'Mailgun webhook "signature" lacks timestamp, token or signature', {
      provider: PROVIDER,
    });
  }
  if (input.secrets.length === 0) throw noSecrets('Mailgun webhook', { provider: PROVIDER, check: 'set MAILGUN_WEBHOOK_SIGNING_KEY' });
  if (matchSecret(input.secrets, (key) => mailgunSignature(key, timestamp, token), given.map((g) => g.toLowerCase())) === undefined) {
    throw new HubError(
      'webhook_signature_invalid',
      'Mailgun webhook signature does not match: check MAILGUN_WEBHOOK_SIGNING_KEY is the "HTTP webhook signing key" ' +
        '(Mailgun → API Security), not the API key',
      { provider: PROVIDER },
    );
  }
  checkTimestamp(timestamp, input.now, input.toleranceSec, 'Mailgun webhook', PROVIDER);
}

/** The normalized type and extra data of one Mailgun `event-data`, or undefined to skip it. */
function normalize(event: Json): { type: EmailEventType; data: Partial<EmailEventData> } | undefined {
  const status = isObject(event['delivery-status']) ? event['delivery-status'] : {};
  const smtpReason = str(status.description) ?? str(status.message);
  const reason = str(event.reason);
  switch (event.event) {
    case 'accepted':
      return { type: 'email.processed', data: {} };
    case 'delivered':
      return { type: 'email.delivered', data: {} };
    case 'failed':
      if (event.severity === 'temporary') return { type: 'email.deferred', data: { reason: smtpReason ?? reason } };
      // `suppress-bounce`, `suppress-unsubscribe`, `suppress-complaint`: Mailgun never tried.
      if (reason?.startsWith('suppress-')) return { type: 'email.dropped', data: { reason } };
      // `old`: Mailgun gave up retrying a temporary failure; the address itself may be fine.
      if (reason === 'old') return { type: 'email.bounced', data: { bounceType: 'soft', reason: smtpReason ?? reason } };
      return { type: 'email.bounced', data: { bounceType: 'hard', reason: smtpReason ?? reason } };
    case 'opened':
      return { type: 'email.opened', data: {} };
    case 'clicked':
      return { type: 'email.clicked', data: { url: str(event.url) } };
    case 'complained':
      return { type: 'email.spam_report', data: {} };
    case 'unsubscribed':
      return { type: 'email.unsubscribed', data: {} };
    default:
      return undefined;
  }
}

/**
 * Normalizes one Mailgun `event-data` object (a webhook's, or an item of the Events API).
 *
 * @example
 * parseMailgunEvent({ event: 'delivered', id: 'ev1', timestamp: 1700000000.5, recipient: 'a@example.com' })?.type // 'email.delivered'
 */
export function parseMailgunEvent(event: Json, raw: unknown = event): InboundEvent | undefined {
  const normalized = normalize(event);
  if (!normalized) return undefined;
  const recipient = str(event.recipient) ?? '';
  const message = isObject(event.message) ? event.message : {};
  const headers = isObject(message.headers) ? message.headers : {};
  const variables = isObject(event['user-variables']) ? event['user-variables'] : {};
  const providerObjectId = str(headers['message-id']);
  const hubId = str(variables[HUB_ID_FIELD]);
  const seconds = Number(event.timestamp);
  const data: EmailEventData = { recipient };
  for (const [k, v] of Object.entries(normalized.data)) if (v !== undefined) data[k] = v;
  return {
    providerEventId: str(event.id) ?? `${String(event.event)}:${providerObjectId ?? ''}:${recipient}:${String(event.timestamp)}`,
    type: normalized.type,
    occurredAt: Number.isFinite(seconds) ? Math.round(seconds * 1000) : 0,
    ref: { ...(hubId ? { hubId } : {}), ...(providerObjectId ? { providerObjectId } : {}) },
    data,
    raw,
  };
}

/**
 * Mailgun's {@link WebhookHandler}: one event per request; unknown event types are skipped.
 *
 * @example
 * mailgunWebhooks.verify({ rawBody, headers, secrets: [signingKey], now: Date.now(), toleranceSec: 300 });
 * const [event] = mailgunWebhooks.parse(rawBody, headers);
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/webhooks/webhooks
 */
export const mailgunWebhooks: WebhookHandler = {
  secretFields: ['webhookSigningKey'],
  verify,
  // The token is what is signed; Mailgun advises refusing a token seen before (replays).
  replayKey: (rawBody) => String((parseBody(rawBody, 'validation_failed').signature as Json).token),
  parse(rawBody) {
    const body = parseBody(rawBody, 'validation_failed');
    const event = body['event-data'];
    if (!isObject(event)) return [];
    const parsed = parseMailgunEvent(event, body);
    return parsed ? [parsed] : [];
  },
};
