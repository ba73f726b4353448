/**
 * Stripe objects → the payments contract's types. Stripe already counts in minor units (zero- and
 * three-decimal currencies included); currencies come back lower-case and go out upper-case.
 * Fields that moved between API versions are read from both places.
 *
 * @see https://docs.stripe.com/api/payment_intents/object
 * @see https://docs.stripe.com/api/subscriptions/object
 * @see https://docs.stripe.com/api/invoices/object
 */
import type {
  Customer,
  Invoice,
  InvoiceStatus,
  Payment,
  PaymentMethod,
  PaymentStatus,
  Refund,
  RefundStatus,
  Subscription,
  SubscriptionStatus,
} from '../../categories/payments/contract.js';

/** A Stripe object as parsed JSON. */
export type Json = Record<string, unknown>;

const PROVIDER = 'stripe';

/**
 * A plain JSON object (not null, not an array).
 *
 * @example
 * isObject({ id: 'pi_1' }) // true
 */
export const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const int = (v: unknown): number | undefined => (Number.isSafeInteger(v) ? (v as number) : undefined);
/**
 * An id, whether Stripe sent it as a string or as an expanded object.
 *
 * @example
 * idOf('cus_1') // 'cus_1'
 * idOf({ id: 'cus_1', object: 'customer' }) // 'cus_1'
 */
export const idOf = (v: unknown): string | undefined => str(v) ?? (isObject(v) ? str(v.id) : undefined);
const upper = (v: unknown): string => str(v)?.toUpperCase() ?? '';
const iso = (sec: unknown): string | undefined => (int(sec) === undefined ? undefined : new Date((sec as number) * 1000).toISOString());
const listData = (v: unknown): Json[] => (isObject(v) && Array.isArray(v.data) ? v.data.filter(isObject) : []);

function metadataOf(v: Json): Record<string, string> {
  if (!isObject(v.metadata)) return {};
  return Object.fromEntries(Object.entries(v.metadata).filter((e): e is [string, string] => typeof e[1] === 'string'));
}

function isObj(v: unknown): Json {
  return isObject(v) ? v : {};
}

/** `requires_payment_method` after a failed attempt is the hub's `failed`. */
function paymentStatus(pi: Json): PaymentStatus {
  const status = str(pi.status);
  switch (status) {
    case 'requires_payment_method':
      return isObject(pi.last_payment_error) ? 'failed' : 'requires_payment_method';
    case 'requires_confirmation':
    case 'requires_action':
    case 'processing':
    case 'requires_capture':
    case 'canceled':
    case 'succeeded':
      return status;
    default:
      return 'processing';
  }
}

/**
 * A PaymentIntent as a hub `Payment`. A succeeded intent stays `succeeded` after refunds: the
 * service tracks refunds itself (`amountRefunded` is filled when `latest_charge` is expanded).
 *
 * @example
 * toPayment({ id: 'pi_1', object: 'payment_intent', status: 'requires_payment_method', amount: 2000, currency: 'usd', last_payment_error: { code: 'card_declined', decline_code: 'insufficient_funds', message: '…' } })
 * // { provider: 'stripe', id: 'pi_1', status: 'failed', amount: 2000, currency: 'USD', failure: { code: 'card_declined', declineCode: 'insufficient_funds', message: '…' }, … }
 */
export function toPayment(pi: Json): Payment {
  const error = isObject(pi.last_payment_error) ? pi.last_payment_error : undefined;
  const next = isObject(pi.next_action) ? pi.next_action : undefined;
  const charge = isObject(pi.latest_charge) ? pi.latest_charge : undefined;
  const captureMethod = str(pi.capture_method);
  const payment: Payment = {
    provider: PROVIDER,
    id: String(pi.id),
    status: paymentStatus(pi),
    amount: int(pi.amount) ?? 0,
    currency: upper(pi.currency),
    amountReceived: int(pi.amount_received),
    amountRefunded: charge ? int(charge.amount_refunded) : undefined,
    customerId: idOf(pi.customer),
    paymentMethodId: idOf(pi.payment_method) ?? idOf(error?.payment_method),
    captureMethod: captureMethod === 'manual' ? 'manual' : captureMethod ? 'automatic' : undefined,
    clientSecret: str(pi.client_secret),
    captureId: idOf(pi.latest_charge),
    description: str(pi.description),
    metadata: metadataOf(pi),
    raw: pi,
  };
  if (next && str(next.type)) {
    const url = str(isObj(next.redirect_to_url).url) ?? str(isObj(next.use_stripe_sdk).stripe_js);
    payment.nextAction = url ? { type: String(next.type), url } : { type: String(next.type) };
  }
  if (error) {
    const declineCode = str(error.decline_code);
    payment.failure = { code: str(error.code) ?? str(error.type) ?? 'payment_failed', ...(declineCode ? { declineCode } : {}), message: str(error.message) ?? '' };
  }
  return payment;
}

/**
 * A Stripe customer as a hub `Customer`.
 *
 * @example
 * toCustomer({ id: 'cus_1', email: 'a@example.com', invoice_settings: { default_payment_method: 'pm_1' }, metadata: {} })
 * // { provider: 'stripe', id: 'cus_1', email: 'a@example.com', defaultPaymentMethodId: 'pm_1', metadata: {}, raw: … }
 */
export function toCustomer(c: Json): Customer {
  return {
    provider: PROVIDER,
    id: String(c.id),
    email: str(c.email),
    name: str(c.name),
    phone: str(c.phone),
    description: str(c.description),
    metadata: metadataOf(c),
    defaultPaymentMethodId: idOf(isObj(c.invoice_settings).default_payment_method),
    raw: c,
  };
}

/**
 * A Stripe payment method as a hub `PaymentMethod`.
 *
 * @example
 * toPaymentMethod({ id: 'pm_1', type: 'card', customer: 'cus_1', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } })
 */
export function toPaymentMethod(pm: Json): PaymentMethod {
  const card = isObject(pm.card) ? pm.card : undefined;
  return {
    provider: PROVIDER,
    id: String(pm.id),
    type: str(pm.type) ?? 'card',
    customerId: idOf(pm.customer),
    card: card
      ? { brand: str(card.brand) ?? 'unknown', last4: str(card.last4) ?? '', expMonth: int(card.exp_month) ?? 0, expYear: int(card.exp_year) ?? 0 }
      : undefined,
    raw: pm,
  };
}

const REFUND_STATUSES: Record<string, RefundStatus> = { pending: 'pending', requires_action: 'pending', succeeded: 'succeeded', failed: 'failed', canceled: 'canceled' };

/**
 * A Stripe refund as a hub `Refund`.
 *
 * @example
 * toRefund({ id: 're_1', payment_intent: 'pi_1', status: 'succeeded', amount: 500, currency: 'usd' }) // { id: 're_1', paymentId: 'pi_1', status: 'succeeded', amount: 500, currency: 'USD', … }
 */
export function toRefund(re: Json): Refund {
  return {
    provider: PROVIDER,
    id: String(re.id),
    paymentId: idOf(re.payment_intent) ?? '',
    status: REFUND_STATUSES[String(re.status)] ?? 'pending',
    amount: int(re.amount) ?? 0,
    currency: upper(re.currency),
    reason: str(re.reason) ?? metadataOf(re).reason,
    raw: re,
  };
}

const SUBSCRIPTION_STATUSES: Record<string, SubscriptionStatus> = {
  incomplete: 'incomplete',
  incomplete_expired: 'canceled',
  trialing: 'trialing',
  active: 'active',
  past_due: 'past_due',
  paused: 'paused',
  canceled: 'canceled',
  unpaid: 'unpaid',
};

/**
 * A Stripe subscription as a hub `Subscription` (its first item gives the price).
 *
 * @example
 * toSubscription({ id: 'sub_1', status: 'trialing', customer: 'cus_1', items: { data: [{ id: 'si_1', price: { id: 'price_1' }, quantity: 1 }] }, cancel_at_period_end: false })
 */
export function toSubscription(sub: Json): Subscription {
  const item = listData(sub.items)[0] ?? {};
  return {
    provider: PROVIDER,
    id: String(sub.id),
    status: SUBSCRIPTION_STATUSES[String(sub.status)] ?? 'incomplete',
    customerId: idOf(sub.customer),
    priceId: idOf(item.price) ?? idOf(item.plan) ?? '',
    quantity: int(item.quantity),
    // Since API version 2025-03-31 the period lives on each item.
    currentPeriodEnd: iso(sub.current_period_end) ?? iso(item.current_period_end),
    trialEnd: iso(sub.trial_end),
    cancelAtPeriodEnd: sub.cancel_at_period_end === true,
    canceledAt: iso(sub.canceled_at),
    metadata: metadataOf(sub),
    raw: sub,
  };
}

/**
 * The subscription item id of a subscription's first item (to change its price).
 *
 * @example
 * firstItemId({ items: { data: [{ id: 'si_1', price: { id: 'price_1' } }] } }) // 'si_1'
 */
export function firstItemId(sub: Json): string | undefined {
  return idOf(listData(sub.items)[0]);
}

const INVOICE_STATUSES: ReadonlySet<string> = new Set(['draft', 'open', 'paid', 'void', 'uncollectible']);

/**
 * A Stripe invoice as a hub `Invoice`, with its lines as items.
 *
 * @example
 * toInvoice({ id: 'in_1', status: 'draft', currency: 'usd', total: 3000, amount_due: 3000, amount_paid: 0, lines: { data: [{ description: 'Setup', amount: 3000, quantity: 1 }] } })
 */
export function toInvoice(inv: Json): Invoice {
  const status = str(inv.status) ?? 'draft';
  return {
    provider: PROVIDER,
    id: String(inv.id),
    status: (INVOICE_STATUSES.has(status) ? status : 'draft') as InvoiceStatus,
    customerId: idOf(inv.customer),
    currency: upper(inv.currency),
    total: int(inv.total) ?? 0,
    amountDue: int(inv.amount_due) ?? 0,
    amountPaid: int(inv.amount_paid) ?? 0,
    number: str(inv.number),
    hostedUrl: str(inv.hosted_invoice_url),
    items: listData(inv.lines).map((line) => {
      const quantity = int(line.quantity) ?? 1;
      const amount = int(line.amount) ?? 0;
      const unit = int(isObj(line.price).unit_amount) ?? Math.round(amount / Math.max(quantity, 1));
      return { description: str(line.description) ?? '', unitAmount: unit, quantity };
    }),
    metadata: metadataOf(inv),
    raw: inv,
  };
}
