/**
 * Signed provider webhooks made by the tests themselves (not by the emulators' signers), and small
 * readers for what the hub did with them (inbox rows, events, metrics).
 *
 * - SendGrid: ECDSA P-256 over `timestamp + raw body`, DER signature in base64; the public key is
 *   base64 DER SPKI as SendGrid shows it. Checked against `@sendgrid/eventwebhook` in the tests.
 * - Mailgun: hex HMAC-SHA256 of `timestamp + token` in the body's `signature` object. Checked
 *   against the published mailgun-php vector (`test/fixtures/vectors/mailgun.json`).
 */
import { createHmac, generateKeyPairSync, randomBytes, sign } from 'node:crypto';
import { vectors } from '../fixtures/vectors/index.js';
import type { TestHub } from './hub.js';

/** A unique, url-safe id for markers and event ids. */
export const uid = (prefix = '') => `${prefix}${randomBytes(9).toString('base64url').replace(/[-_]/g, 'x')}`;

export const nowSec = () => Math.floor(Date.now() / 1000);

// ---------------------------------------------------------------- SendGrid

export interface SendgridTestSigner {
  /** base64 DER SPKI: the value of SENDGRID_WEBHOOK_PUBLIC_KEY. */
  publicKey: string;
  signature(body: string, timestamp: string): string;
  /** The headers SendGrid sends for `body` signed at `timestamp` (Unix seconds). */
  headers(body: string, timestamp?: number): Record<string, string>;
}

export function sendgridTestSigner(): SendgridTestSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const signature = (body: string, timestamp: string) =>
    sign('sha256', Buffer.from(timestamp + body, 'utf8'), { key: privateKey, dsaEncoding: 'der' }).toString('base64');
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    signature,
    headers(body, timestamp = nowSec()) {
      return {
        'content-type': 'application/json',
        'x-twilio-email-event-webhook-signature': signature(body, String(timestamp)),
        'x-twilio-email-event-webhook-timestamp': String(timestamp),
      };
    },
  };
}

/** SendGrid's body: a JSON array, one event per line, `\r\n` between events and at the end. */
export const sendgridBody = (events: Record<string, unknown>[]) => `[${events.map((e) => JSON.stringify(e)).join(',\r\n')}]\r\n`;

// ---------------------------------------------------------------- Mailgun

/** Hex HMAC-SHA256 of `timestamp + token`, as Mailgun signs. */
export const mailgunHmac = (key: string, timestamp: string, token: string) => createHmac('sha256', key).update(timestamp + token).digest('hex');

export interface MailgunSignatureObject {
  timestamp: string;
  token: string;
  signature: string;
}

/** A Mailgun JSON webhook body for one `event-data`, signed with `key` (or a given signature object). */
export function mailgunBody(eventData: Record<string, unknown>, key: string, options: { timestamp?: number; signature?: MailgunSignatureObject } = {}): string {
  const timestamp = String(options.timestamp ?? nowSec());
  const token = randomBytes(25).toString('hex');
  const signature = options.signature ?? { timestamp, token, signature: mailgunHmac(key, timestamp, token) };
  return JSON.stringify({ signature, 'event-data': eventData });
}

/** The mailgun-php vector (kept in test/fixtures/vectors). */
export function mailgunPublishedVector(): { key: string; timestamp: string; token: string; signature: string } {
  const { signingKey: key, timestamp, token, signature } = vectors.mailgun();
  return { key, timestamp, token, signature };
}

// ---------------------------------------------------------------- the hub's side

export interface WebhookAnswer {
  status: number;
  contentType: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  body: any;
}

/** POST raw bytes to `/webhooks/:provider` (no API key: the route is public). */
export async function postWebhook(t: TestHub, provider: string, body: string | Buffer, headers: Record<string, string> = { 'content-type': 'application/json' }): Promise<WebhookAnswer> {
  const res = await fetch(`${t.url}/webhooks/${provider}`, { method: 'POST', headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // not JSON
  }
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: parsed };
}

/** Inbox rows of `provider` whose stored body contains `marker`. */
export function inboxRows(t: TestHub, provider: string, marker: string) {
  return t.hub.store.db.selectFrom('webhook_inbox').select(['id', 'status', 'dedupe_key']).where('provider', '=', provider).where('body', 'like', `%${marker}%`).execute();
}

/** `email_events` rows of `provider` with this provider event id. */
export function eventRows(t: TestHub, provider: string, providerEventId: string) {
  return t.hub.store.db.selectFrom('email_events').select(['id', 'message_id', 'type']).where('provider', '=', provider).where('provider_event_id', '=', providerEventId).execute();
}

/** `switchboard_webhooks_received_total` by `provider/outcome`, from the hub's `/metrics`. */
export async function webhookCounts(t: TestHub): Promise<Record<string, number>> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^switchboard_webhooks_received_total\{([^}]*)\} (\d+(?:\.\d+)?)$/gm)) {
    const labels = Object.fromEntries([...m[1]!.matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1]!, l[2]!]));
    out[`${labels.provider}/${labels.outcome}`] = Number(m[2]);
  }
  return out;
}

/** What changed between two {@link webhookCounts} readings (zero deltas left out). */
export function countDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(after)) if (v - (before[k] ?? 0) !== 0) out[k] = v - (before[k] ?? 0);
  return out;
}
