/**
 * Stripe event → the hub's payment event: which Stripe types map to which unified type, and
 * which fields of `data.object` become `data`. Amounts stay in Stripe's minor units (Stripe
 * already counts in them, zero-decimal currencies included); currencies are upper-cased.
 *
 * Several Stripe events can report one refund (`refund.created`, `refund.updated`,
 * `charge.refunded`): each becomes its own `refund.*` event with its own `providerEventId`, and
 * `data.refundId` / `data.paymentIntentId` say what they are about. Every `payment.*` and
 * `refund.*` event carries `data.paymentId`, the PaymentIntent id the connector's `Payment.id` is.
 *
 * @see https://docs.stripe.com/api/events/types
 * @see https://docs.stripe.com/api/payment_intents/object
 */
import { HubError } from '../../core/errors.js';
import type { PaymentEventType } from '../../categories/payments/events.js';
import type { InboundEvent } from '../../kit/inbound.js';

type Json = Record<string, unknown>;

/** Metadata key carrying the hub's own id on Stripe objects (as `switchboard_id` elsewhere). */
export const STRIPE_HUB_ID_METADATA = 'switchboard_id';

const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);
const ms = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) * 1000 : undefined);
/** An id, whether Stripe sent it as a string or as an expanded object. */
const idOf = (v: unknown): string | undefined => str(v) ?? (isObject(v) ? str(v.id) : undefined);
const upper = (v: unknown): string | undefined => str(v)?.toUpperCase();
const at = (v: unknown, ...path: string[]): unknown => path.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), v);

function paymentIntent(pi: Json): Json {
  const error = isObject(pi.last_payment_error) ? pi.last_payment_error : {};
  return {
    paymentId: str(pi.id),
    amount: int(pi.amount),
    amountReceived: int(pi.amount_received),
    customerId: idOf(pi.customer),
    paymentMethodId: idOf(pi.payment_method) ?? idOf(error.payment_method),
    captureMethod: str(pi.capture_method),
    latestChargeId: idOf(pi.latest_charge),
    failureCode: str(error.code),
    declineCode: str(error.decline_code),
    failureMessage: str(error.message),
    nextActionType: str(at(pi, 'next_action', 'type')),
    cancellationReason: str(pi.cancellation_reason),
  };
}

function refund(re: Json): Json {
  return {
    refundId: str(re.id),
    amount: int(re.amount),
    paymentId: idOf(re.payment_intent),
    paymentIntentId: idOf(re.payment_intent),
    chargeId: idOf(re.charge),
    reason: str(re.reason),
    failureReason: str(re.failure_reason),
  };
}

function refundedCharge(ch: Json): Json {
  const refunds = at(ch, 'refunds', 'data');
  const latest = Array.isArray(refunds) ? refunds.filter(isObject).sort((a, b) => (int(b.created) ?? 0) - (int(a.created) ?? 0))[0] : undefined;
  return {
    amount: int(ch.amount_refunded),
    chargeAmount: int(ch.amount),
    fullyRefunded: typeof ch.refunded === 'boolean' ? ch.refunded : undefined,
    chargeId: str(ch.id),
    paymentId: idOf(ch.payment_intent),
    paymentIntentId: idOf(ch.payment_intent),
    customerId: idOf(ch.customer),
    refundId: latest ? str(latest.id) : undefined,
    // `status` of a charge.refunded event: the refund went through (the charge's own is "succeeded" too).
    status: 'succeeded',
  };
}

function subscription(sub: Json): Json {
  const items = (at(sub, 'items', 'data') as unknown[] | undefined)?.filter(isObject) ?? [];
  const amounts = items.map((i) => (int(at(i, 'price', 'unit_amount')) ?? NaN) * (int(i.quantity) ?? 1));
  const first = items[0];
  return {
    amount: amounts.length > 0 && amounts.every(Number.isSafeInteger) ? amounts.reduce((a, b) => a + b, 0) : undefined,
    customerId: idOf(sub.customer),
    priceId: first ? idOf(first.price) : undefined,
    quantity: first ? int(first.quantity) : undefined,
    cancelAtPeriodEnd: typeof sub.cancel_at_period_end === 'boolean' ? sub.cancel_at_period_end : undefined,
    cancelAt: ms(sub.cancel_at),
    canceledAt: ms(sub.canceled_at),
    // Since API version 2025-03-31 the period lives on each item, before on the subscription.
    currentPeriodEnd: ms(sub.current_period_end) ?? ms(first?.current_period_end),
    trialEnd: ms(sub.trial_end),
    latestInvoiceId: idOf(sub.latest_invoice),
  };
}

function invoice(inv: Json, type: PaymentEventType): Json {
  return {
    amount: int(type === 'invoice.paid' ? inv.amount_paid : inv.amount_due),
    amountDue: int(inv.amount_due),
    amountPaid: int(inv.amount_paid),
    customerId: idOf(inv.customer),
    // Before API version 2025-03-31 `subscription`; since, `parent.subscription_details.subscription`.
    subscriptionId: idOf(inv.subscription) ?? idOf(at(inv, 'parent', 'subscription_details', 'subscription')),
    paymentIntentId: idOf(inv.payment_intent),
    number: str(inv.number),
    hostedInvoiceUrl: str(inv.hosted_invoice_url),
    attemptCount: int(inv.attempt_count),
  };
}

function dispute(du: Json): Json {
  return { amount: int(du.amount), reason: str(du.reason), chargeId: idOf(du.charge), paymentIntentId: idOf(du.payment_intent) };
}

const REFUND_TYPES: Record<string, PaymentEventType | undefined> = { succeeded: 'refund.succeeded', failed: 'refund.failed', canceled: 'refund.failed' };

/** Stripe type → unified type (or a function of the object) and the fields it contributes. */
const MAPPINGS: Record<string, { type: PaymentEventType | ((o: Json) => PaymentEventType | undefined); fields: (o: Json, type: PaymentEventType) => Json }> = {
  'payment_intent.succeeded': { type: 'payment.succeeded', fields: paymentIntent },
  'payment_intent.payment_failed': { type: 'payment.failed', fields: paymentIntent },
  'payment_intent.requires_action': { type: 'payment.requires_action', fields: paymentIntent },
  'payment_intent.canceled': { type: 'payment.canceled', fields: paymentIntent },
  'charge.refunded': { type: 'refund.succeeded', fields: refundedCharge },
  'refund.created': { type: (o) => REFUND_TYPES[String(o.status)], fields: refund },
  'refund.updated': { type: (o) => REFUND_TYPES[String(o.status)], fields: refund },
  'refund.failed': { type: 'refund.failed', fields: refund },
  'charge.refund.updated': { type: (o) => REFUND_TYPES[String(o.status)], fields: refund },
  'customer.subscription.created': { type: 'subscription.created', fields: subscription },
  'customer.subscription.updated': { type: 'subscription.updated', fields: subscription },
  'customer.subscription.deleted': { type: 'subscription.canceled', fields: subscription },
  'invoice.paid': { type: 'invoice.paid', fields: invoice },
  'invoice.payment_failed': { type: 'invoice.payment_failed', fields: invoice },
  'charge.dispute.created': { type: 'dispute.created', fields: dispute },
};

/** The Stripe event types the hub normalizes. */
export const STRIPE_MAPPED_EVENT_TYPES: readonly string[] = Object.keys(MAPPINGS);

function hubIdOf(o: Json): string | undefined {
  return (
    str(at(o, 'metadata', STRIPE_HUB_ID_METADATA)) ??
    // An invoice of a subscription carries a snapshot of the subscription's metadata.
    str(at(o, 'parent', 'subscription_details', 'metadata', STRIPE_HUB_ID_METADATA)) ??
    str(at(o, 'subscription_details', 'metadata', STRIPE_HUB_ID_METADATA))
  );
}

/**
 * One Stripe event object → one normalized event, or null when its type is not mapped (or a
 * refund is still pending). Throws `validation_failed` when it is not a Stripe event at all.
 *
 * @example
 * stripeEventToInbound({ id: 'evt_1', object: 'event', type: 'charge.dispute.created', created: 1700000000, data: { object: { id: 'du_1', amount: 500, currency: 'eur', status: 'needs_response', reason: 'fraudulent' } } })
 * // { type: 'dispute.created', providerEventId: 'evt_1', ref: { providerObjectId: 'du_1' }, data: { objectId: 'du_1', amount: 500, currency: 'EUR', … } }
 */
export function stripeEventToInbound(event: Json): InboundEvent | null {
  const id = str(event.id);
  const stripeType = str(event.type);
  if (!id || !stripeType) {
    throw new HubError('validation_failed', 'Stripe webhook body is not a Stripe event: it lacks "id" or "type".', { provider: 'stripe' });
  }
  const mapping = MAPPINGS[stripeType];
  const object = at(event, 'data', 'object');
  if (!mapping || !isObject(object)) return null;
  const type = typeof mapping.type === 'function' ? mapping.type(object) : mapping.type;
  const objectId = str(object.id);
  if (!type || !objectId) return null;
  const data: Json = {};
  const parts: Json[] = [
    { objectId, currency: upper(object.currency), status: str(object.status), customerId: idOf(object.customer) },
    mapping.fields(object, type),
    { providerType: stripeType, livemode: typeof event.livemode === 'boolean' ? event.livemode : undefined, accountId: str(event.account) },
  ];
  for (const part of parts) for (const [k, v] of Object.entries(part)) if (v !== undefined) data[k] = v;
  const hubId = hubIdOf(object);
  return {
    providerEventId: id,
    type,
    occurredAt: ms(event.created) ?? Date.now(),
    ref: { ...(hubId ? { hubId } : {}), providerObjectId: objectId },
    data,
    raw: event,
  };
}
