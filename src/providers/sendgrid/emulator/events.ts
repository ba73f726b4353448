/**
 * The Event Webhook batches the emulator posts for an accepted message, shaped and signed as
 * SendGrid does: a JSON array with one event per line (`\r\n` between events and at the end),
 * signed with ECDSA P-256 over `timestamp + body`.
 *
 * Simulation patterns, on the local part of each recipient (case-insensitive):
 * - `bounce…`  (bounce@x.io, bounce-42@x.io) → processed, bounce with type "bounce" (hard)
 * - `blocked…` → processed, bounce with type "blocked" (soft: the receiver refused for now)
 * - `defer…`   → processed, deferred, delivered
 * - `drop…`    → dropped ("Bounced Address"); SendGrid sends no processed event for a drop
 * - anything else → processed, delivered
 *
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/event
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook-security-features
 */
import { generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { randomId } from '../../emulator-kit.js';
import type { SendgridMail } from '../email.js';

/** One Event Webhook event: SendGrid's fields plus the custom args, flattened. */
export type SendgridEvent = Record<string, unknown>;

/** The outcome a recipient address asks for (see the patterns above). */
export type SimulatedOutcome = 'delivered' | 'bounce' | 'blocked' | 'deferred' | 'dropped';

/**
 * The outcome the emulator simulates for an address.
 *
 * @example
 * simulatedOutcome('bounce-1@example.com') // 'bounce'
 */
export function simulatedOutcome(email: string): SimulatedOutcome {
  const local = email.split('@')[0]?.toLowerCase() ?? '';
  if (local.startsWith('bounce')) return 'bounce';
  if (local.startsWith('blocked')) return 'blocked';
  if (local.startsWith('defer')) return 'deferred';
  if (local.startsWith('drop')) return 'dropped';
  return 'delivered';
}

const MTA = 'ismtpd0001p1las1.sendgrid.net';

/**
 * The events of one accepted message, in the order SendGrid would report them.
 *
 * @example
 * buildSendgridEvents('LRzXl_NHStOGhQ4kofSm_A', mail, Date.now()).map((e) => e.event) // ['processed', 'delivered']
 */
export function buildSendgridEvents(messageId: string, mail: SendgridMail, now: number): SendgridEvent[] {
  const seconds = Math.floor(now / 1000);
  const hex = seconds.toString(16).toUpperCase();
  const topArgs = mail.custom_args ?? {};
  const events: SendgridEvent[] = [];
  let n = 0;
  for (const p of mail.personalizations) {
    const args = { ...topArgs, ...p.custom_args };
    for (const r of [...p.to, ...(p.cc ?? []), ...(p.bcc ?? [])]) {
      const base = {
        ...args,
        email: r.email,
        sg_message_id: `${messageId}.filter0001p1las1-${process.pid}-${hex}-${n++}.0`,
        'smtp-id': `<${messageId}@${MTA}>`,
        ...(mail.categories ? { category: mail.categories } : {}),
      };
      const event = (event: string, extra: Record<string, unknown> = {}, delaySec = 0): SendgridEvent => ({
        ...base,
        timestamp: seconds + delaySec,
        event,
        sg_event_id: randomId(18),
        ...extra,
      });
      const delivery = { ip: '149.72.1.1', tls: 1 };
      switch (simulatedOutcome(r.email)) {
        case 'dropped':
          events.push(event('dropped', { reason: 'Bounced Address', status: '' }));
          break;
        case 'bounce':
          events.push(event('processed', { send_at: 0 }));
          events.push(
            event('bounce', {
              ...delivery,
              type: 'bounce',
              bounce_classification: 'Invalid Address',
              reason: '550 5.1.1 The email account that you tried to reach does not exist.',
              status: '5.1.1',
            }, 1),
          );
          break;
        case 'blocked':
          events.push(event('processed', { send_at: 0 }));
          events.push(
            event('bounce', {
              ...delivery,
              type: 'blocked',
              bounce_classification: 'Reputation',
              reason: '421 4.7.0 Message temporarily deferred due to unexpected volume or user complaints.',
              status: '4.7.0',
            }, 1),
          );
          break;
        case 'deferred':
          events.push(event('processed', { send_at: 0 }));
          events.push(event('deferred', { ...delivery, attempt: '1', response: '421 4.2.1 Try again later' }, 1));
          events.push(event('delivered', { ...delivery, response: '250 2.0.0 OK' }, 2));
          break;
        default:
          events.push(event('processed', { send_at: 0 }));
          events.push(event('delivered', { ...delivery, response: '250 2.0.0 OK' }, 1));
      }
    }
  }
  return events;
}

/**
 * The body SendGrid posts: a JSON array, one event per line, CRLF-terminated.
 *
 * @example
 * serializeSendgridEvents([{ event: 'delivered' }]) // '[{"event":"delivered"}]\r\n'
 */
export function serializeSendgridEvents(events: SendgridEvent[]): string {
  return serializeSendgridLines(events.map((e) => JSON.stringify(e)));
}

/** {@link serializeSendgridEvents} of events already serialized one by one. */
export function serializeSendgridLines(lines: string[]): string {
  return `[${lines.join(',\r\n')}]\r\n`;
}

/** Signs Event Webhook bodies with a key pair of its own. */
export interface SendgridEventSigner {
  /** The verification key as SendGrid shows it: base64 DER SPKI (SENDGRID_WEBHOOK_PUBLIC_KEY). */
  readonly publicKey: string;
  /** Headers for `body` signed at `now` (ms). */
  headers(body: string, now: number): Record<string, string>;
}

/**
 * A fresh ECDSA P-256 signer (one per emulator instance).
 *
 * @example
 * const signer = createSendgridEventSigner();
 * fetch(url, { method: 'POST', body, headers: signer.headers(body, Date.now()) });
 */
export function createSendgridEventSigner(): SendgridEventSigner {
  const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return {
    publicKey: publicKey.export({ type: 'spki', format: 'der' }).toString('base64'),
    headers: (body, now) => signedHeaders(privateKey, body, now),
  };
}

function signedHeaders(privateKey: KeyObject, body: string, now: number): Record<string, string> {
  const timestamp = String(Math.floor(now / 1000));
  const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), Buffer.from(body)]), { key: privateKey, dsaEncoding: 'der' });
  return {
    'content-type': 'application/json',
    'user-agent': 'SendGrid Event API',
    'x-twilio-email-event-webhook-signature': signature.toString('base64'),
    'x-twilio-email-event-webhook-timestamp': timestamp,
  };
}
