/**
 * The registry of unified event types, per category, and the pattern language that selects them
 * (`hub.on`, `GET /api/v1/events?type=`, the SSE stream, outgoing webhook subscriptions).
 *
 * A type is `<category>.<name>` (lower-case letters, digits, `_` and `-`; more dots allowed, e.g.
 * `webhook.delivery.exhausted`). A pattern is an exact type, a prefix wildcard `<prefix>.*` that
 * selects every type below it at any depth (`webhook.*` selects `webhook.delivery.exhausted`), or
 * `*` for everything.
 *
 * Adding a category: put its types beside its contract (like `EMAIL_EVENT_TYPES` in
 * `categories/email/contract.ts`) and add one entry to {@link EVENT_CATEGORIES} below. Payments
 * has several prefixes (`payment.*`, `refund.*`, …: {@link PAYMENT_EVENT_TYPES}). Planned: `sms.*`
 * (`sms.delivered`, `sms.failed`, `sms.received`), `meeting.*` (`meeting.started`,
 * `meeting.ended`, `meeting.recording_ready`). Custom inbound sources may record types that are
 * not listed here; the registry documents, it does not restrict.
 */
import { EMAIL_EVENT_TYPES, type EmailEventData, type EmailEventType } from '../categories/email/contract.js';

/** Operational events the hub emits about itself (provider `switchboard`). */
export const OPERATIONAL_EVENT_TYPES = {
  'webhook.delivery.exhausted': 'An outgoing webhook message failed on every attempt of its schedule and was dead-lettered.',
  'webhook.endpoint.disabled': 'An outgoing webhook endpoint was disabled (410 Gone, or failing continuously for 5 days).',
} as const;
export type OperationalEventType = keyof typeof OPERATIONAL_EVENT_TYPES;

const EMAIL_DESCRIPTIONS: Record<EmailEventType, string> = {
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

/** Normalized payment events (Stripe and PayPal webhooks), grouped by type prefix. */
export const PAYMENT_EVENT_TYPES = {
  payment: {
    'payment.succeeded': 'A payment (intent, order or capture) succeeded; `data.amount` is in minor units.',
    'payment.failed': 'A payment attempt failed (`data.failureCode`, `data.declineCode`).',
    'payment.requires_action': 'The payment needs the customer (3-D Secure, a redirect) before it can go on.',
    'payment.canceled': 'The payment was canceled before it completed.',
  },
  refund: {
    'refund.succeeded': 'A full or partial refund went through (`data.amount` refunded, minor units).',
    'refund.failed': 'A refund failed or was canceled (`data.failureReason`).',
  },
  subscription: {
    'subscription.created': 'A subscription was created.',
    'subscription.updated': 'A subscription changed (price, status, trial, cancel at period end).',
    'subscription.canceled': 'A subscription ended.',
  },
  invoice: {
    'invoice.paid': 'An invoice was paid (`data.amount` paid, minor units).',
    'invoice.payment_failed': 'Collecting an invoice failed (`data.amount` due, minor units).',
  },
  dispute: { 'dispute.created': 'The customer disputed a payment (chargeback); `data.reason` says why.' },
} as const;
type PaymentGroups = typeof PAYMENT_EVENT_TYPES;
export type PaymentEventType = { [K in keyof PaymentGroups]: keyof PaymentGroups[K] }[keyof PaymentGroups];

/** `data` of a normalized payment event: the provider object and its amount in minor units. */
export interface PaymentEventData {
  /** The provider's id of `data.object` (`pi_…`, `re_…`, `sub_…`, `in_…`, `du_…`). */
  objectId: string;
  amount?: number;
  /** ISO 4217, upper-case. */
  currency?: string;
  status?: string;
  customerId?: string;
  [key: string]: unknown;
}

/** Known types per category, each with one line for the docs. */
export const EVENT_CATEGORIES = {
  email: EMAIL_DESCRIPTIONS,
  webhook: OPERATIONAL_EVENT_TYPES,
  ...PAYMENT_EVENT_TYPES,
  // sms: …, meeting: … (when those categories land)
} as const satisfies Record<string, Record<string, string>>;

/** Every type the hub itself records. */
export type EventType = EmailEventType | OperationalEventType | PaymentEventType;

/** `data` of the operational events (fields the outgoing-webhooks module fills in). */
export interface OperationalEventData {
  endpointId: string;
  [key: string]: unknown;
}

/** `data` by event type, for typed handlers. */
export interface EventDataMap
  extends Record<EmailEventType, EmailEventData & { messageId: string | null }>,
    Record<OperationalEventType, OperationalEventData>,
    Record<PaymentEventType, PaymentEventData> {}

/** One entry of {@link EVENT_TYPE_LIST}. */
export interface EventTypeInfo {
  type: EventType;
  category: string;
  description: string;
}

/**
 * Every known type, sorted by category then name: the list the docs and `GET /api/v1/events`
 * validation hints are made from.
 *
 * @example
 * EVENT_TYPE_LIST.filter((t) => t.category === 'email').map((t) => t.type) // ['email.bounced', …]
 */
export const EVENT_TYPE_LIST: readonly EventTypeInfo[] = Object.entries(EVENT_CATEGORIES)
  .flatMap(([category, types]) => Object.entries(types).map(([type, description]) => ({ type: type as EventType, category, description })))
  .sort((a, b) => a.category.localeCompare(b.category) || a.type.localeCompare(b.type));

/** Is `type` one the registry lists? */
export function isKnownType(type: string): type is EventType {
  return EVENT_TYPE_LIST.some((t) => t.type === type);
}

// Keep the email list in lock-step with the contract (a type added there appears here).
for (const t of Object.keys(EMAIL_EVENT_TYPES)) if (!(t in EMAIL_DESCRIPTIONS)) throw new Error(`events/types.ts: describe ${t}`);

const PATTERN = /^[a-z0-9_-]+(\.[a-z0-9_-]+)*(\.\*)?$/;

/**
 * Is `pattern` well formed? `*`, `a.b`, `a.*`, `a.b.*`: lower-case letters, digits, `_` and `-`.
 *
 * @example
 * isTypePattern('payment.*') // true
 * isTypePattern('email.*.x') // false
 */
export function isTypePattern(pattern: string): boolean {
  return pattern === '*' || PATTERN.test(pattern);
}

/**
 * Does `pattern` select `type`? Exact, `<prefix>.*` (any depth below the prefix) or `*`.
 *
 * @example
 * matchesType('email.bounced', 'email.bounced') // true
 * matchesType('email.*', 'email.bounced') // true
 * matchesType('webhook.*', 'webhook.delivery.exhausted') // true
 * matchesType('email.*', 'emails.sent') // false
 * matchesType('*', 'payment.succeeded') // true
 */
export function matchesType(pattern: string, type: string): boolean {
  if (pattern === '*' || pattern === type) return true;
  return pattern.endsWith('.*') && type.startsWith(pattern.slice(0, -1));
}

/**
 * Does any of `patterns` select `type`? An empty list selects everything.
 *
 * @example
 * matchesAny(['email.bounced', 'sms.*'], 'sms.delivered') // true
 */
export function matchesAny(patterns: readonly string[], type: string): boolean {
  return patterns.length === 0 || patterns.some((p) => matchesType(p, type));
}
