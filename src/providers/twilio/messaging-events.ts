/**
 * Twilio's messaging webhooks as normalized events: status callbacks (`MessageStatus`) become
 * `sms.<status>` / `whatsapp.<status>`, incoming messages `sms.received` / `whatsapp.received`.
 *
 * @see https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 * @see https://www.twilio.com/docs/messaging/guides/webhook-request
 */
import type { SmsEventData, SmsStatus } from '../../categories/sms/contract.js';
import type { InboundEvent } from '../../kit/inbound.js';
import { EMPTY_TWIML, type TwilioParams, type TwilioWebhookAck, type TwilioWebhookParser } from './webhooks.js';

/** Twilio `MessageStatus` values that become events (others, such as `accepted` or `sending`, are skipped). */
const STATUS_EVENTS: Partial<Record<string, SmsStatus>> = {
  queued: 'queued',
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'undelivered',
  failed: 'failed',
};

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;

/** `whatsapp:+1415…` → `{ channel: 'whatsapp', number: '+1415…' }`. */
export function splitAddress(value: string | undefined): { channel: 'sms' | 'whatsapp'; number: string } {
  const v = value ?? '';
  return /^whatsapp:/i.test(v) ? { channel: 'whatsapp', number: v.slice('whatsapp:'.length) } : { channel: 'sms', number: v };
}

function mediaOf(p: TwilioParams): string[] | undefined {
  const n = Number(one(p.NumMedia) ?? 0);
  const urls: string[] = [];
  for (let i = 0; i < n && i < 10; i++) {
    const u = one(p[`MediaUrl${i}`]);
    if (u) urls.push(u);
  }
  return urls.length > 0 ? urls : undefined;
}

/**
 * The messaging parser: a request with `MessageSid` (or `SmsSid`).
 *
 * @example
 * parseTwilioMessagingWebhook({ MessageSid: 'SM…', MessageStatus: 'delivered', To: '+1415…', From: '+1500…' }, raw, {})
 * // [{ type: 'sms.delivered', providerEventId: 'SM…:delivered', ref: { providerObjectId: 'SM…' }, … }]
 */
export const parseTwilioMessagingWebhook: TwilioWebhookParser = (p) => {
  const sid = one(p.MessageSid) ?? one(p.SmsSid) ?? one(p.SmsMessageSid);
  if (!sid) return undefined;
  const messageStatus = one(p.MessageStatus);
  const smsStatus = one(p.SmsStatus);
  const from = one(p.From);
  const to = one(p.To);
  const raw = { ...p };
  if (!messageStatus && (smsStatus === 'received' || p.Body !== undefined)) {
    const sender = splitAddress(from);
    const data: SmsEventData = { phoneNumber: sender.number, from: sender.number, to: splitAddress(to).number, status: 'received', body: one(p.Body) ?? '' };
    const media = mediaOf(p);
    if (media) data.mediaUrls = media;
    const optOut = one(p.OptOutType);
    if (optOut) data.optOutType = optOut;
    return [{ providerEventId: `${sid}:received`, type: `${sender.channel}.received`, occurredAt: Date.now(), ref: { providerObjectId: sid }, data, raw } satisfies InboundEvent];
  }
  const status = STATUS_EVENTS[messageStatus ?? smsStatus ?? ''];
  if (!status) return [];
  const recipient = splitAddress(to);
  const data: SmsEventData = { phoneNumber: recipient.number, to: recipient.number, from: splitAddress(from).number, status };
  const errorCode = Number(one(p.ErrorCode));
  if (Number.isFinite(errorCode) && errorCode > 0) data.errorCode = errorCode;
  const errorMessage = one(p.ErrorMessage);
  if (errorMessage) data.errorMessage = errorMessage;
  const segments = Number(one(p.NumSegments) ?? one(p.SmsSegments) ?? NaN);
  if (Number.isFinite(segments) && segments > 0) data.segments = segments;
  return [{ providerEventId: `${sid}:${status}`, type: `${recipient.channel}.${status}`, occurredAt: Date.now(), ref: { providerObjectId: sid }, data, raw }];
};

/**
 * Twilio waits for TwiML after an incoming message: an empty `<Response>` (no automatic reply).
 * Status callbacks keep the hub's JSON answer, which Twilio does not read.
 *
 * @example
 * twilioMessagingAck({ MessageSid: 'SM…', SmsStatus: 'received', Body: 'hi' }) // EMPTY_TWIML
 */
export const twilioMessagingAck: TwilioWebhookAck = (p) => {
  const sid = one(p.MessageSid) ?? one(p.SmsMessageSid);
  return sid && !one(p.MessageStatus) && (one(p.SmsStatus) === 'received' || p.Body !== undefined) ? EMPTY_TWIML : undefined;
};
