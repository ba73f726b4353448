/**
 * The unified event types of the `payments` category (Stripe and PayPal webhooks normalized):
 * descriptions registered with the event registry when this module loads, `data` types added to
 * `EventDataMap`.
 */
import { registerEventTypes } from '../../events/types.js';

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

registerEventTypes(PAYMENT_EVENT_TYPES);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends Record<PaymentEventType, PaymentEventData> {}
}
