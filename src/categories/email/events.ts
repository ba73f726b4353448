/**
 * The unified event types of the `email` category: descriptions registered with the event
 * registry when this module loads, `data` types added to `EventDataMap`.
 */
import { registerEventTypes } from '../../events/types.js';
import { EMAIL_EVENT_TYPES, type EmailEventData, type EmailEventType } from './contract.js';

export const EMAIL_EVENT_DESCRIPTIONS: Record<EmailEventType, string> = {
  'email.processed': 'The provider accepted the message for delivery.',
  'email.deferred': 'The receiving server deferred the message; the provider keeps trying.',
  'email.delivered': 'The receiving server accepted the message.',
  'email.bounced': 'The message bounced (`data.bounceType`: `hard` suppresses the address, `soft` does not).',
  'email.dropped': 'The provider refused to send the message (suppressed, invalid, …).',
  'email.opened': 'The recipient opened the message (tracking pixel).',
  'email.clicked': 'The recipient clicked a tracked link (`data.url`).',
  'email.spam_report': 'The recipient marked the message as spam (the address is suppressed).',
  'email.unsubscribed': 'The recipient unsubscribed (the address is suppressed).',
};

registerEventTypes({ email: EMAIL_EVENT_DESCRIPTIONS });

// Keep the descriptions in lock-step with the contract (a type added there must be described).
for (const t of Object.keys(EMAIL_EVENT_TYPES)) if (!(t in EMAIL_EVENT_DESCRIPTIONS)) throw new Error(`categories/email/events.ts: describe ${t}`);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends Record<EmailEventType, EmailEventData & { messageId: string | null }> {}
}
