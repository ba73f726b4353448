/**
 * The `sms.*` and `whatsapp.*` event types, described once (docs/events.md lists them).
 */
import { registerEventTypes } from '../../events/types.js';
import type { SmsEventData } from './contract.js';

export const SMS_EVENT_DESCRIPTIONS = {
  'sms.queued': 'The provider queued the message for sending.',
  'sms.sent': 'The provider handed the message to the carrier.',
  'sms.delivered': 'The carrier reported the message delivered to the handset.',
  'sms.undelivered': 'The carrier could not deliver the message (`data.errorCode`).',
  'sms.failed': 'The provider could not send the message (`data.errorCode`).',
  'sms.received': 'An incoming message (`data.phoneNumber` sent `data.body` to `data.to`); STOP/START keywords also update the opt-out list.',
  'sms.opted_out': 'A number replied STOP (or the provider reported it unsubscribed): later sends to it are refused with `recipient_opted_out`.',
  'sms.opted_in': 'A number replied START or UNSTOP: it may be sent to again.',
} as const;

export const WHATSAPP_EVENT_DESCRIPTIONS = {
  'whatsapp.queued': 'The provider queued the WhatsApp message.',
  'whatsapp.sent': 'WhatsApp accepted the message.',
  'whatsapp.delivered': 'The message reached the recipient\'s device.',
  'whatsapp.read': 'The recipient read the message.',
  'whatsapp.undelivered': 'WhatsApp could not deliver the message (`data.errorCode`).',
  'whatsapp.failed': 'The provider could not send the message (`data.errorCode`).',
  'whatsapp.received': 'An incoming WhatsApp message (`data.phoneNumber` sent `data.body`).',
} as const;

export type SmsEventType = keyof typeof SMS_EVENT_DESCRIPTIONS | keyof typeof WHATSAPP_EVENT_DESCRIPTIONS;

registerEventTypes({ sms: SMS_EVENT_DESCRIPTIONS, whatsapp: WHATSAPP_EVENT_DESCRIPTIONS });

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends Record<SmsEventType, SmsEventData & { messageId: string | null }> {}
}
