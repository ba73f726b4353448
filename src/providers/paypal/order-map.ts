/**
 * A PayPal order (Orders v2) → the hub's {@link Payment}: status, amounts, capture and approval
 * link.
 *
 * An order's own status stops at `COMPLETED` once it is captured (or authorized): what happened
 * next (a pending capture, a decline, refunds) only shows in
 * `purchase_units[0].payments.captures[]` and `.refunds[]`. With `intent: AUTHORIZE`, a
 * `COMPLETED` order holds an authorization still waiting to be captured.
 *
 * @see https://developer.paypal.com/docs/api/orders/v2/#orders_get
 * @see https://developer.paypal.com/docs/api/payments/v2/#captures_get
 */
import { PAYMENT_HUB_ID_FIELD, type Payment, type PaymentStatus } from '../../categories/payments/contract.js';
import { at, fromPaypalMoney, linkOf, list, str, type Json } from './paypal-json.js';
import '../../categories/payments/errors.js'; // registers the payments error codes this file uses

const CAPTURE_STATUS: Record<string, PaymentStatus> = {
  COMPLETED: 'succeeded',
  PENDING: 'processing',
  DECLINED: 'failed',
  FAILED: 'failed',
  PARTIALLY_REFUNDED: 'partially_refunded',
  REFUNDED: 'refunded',
};

const ORDER_STATUS: Record<string, PaymentStatus> = {
  CREATED: 'requires_approval',
  PAYER_ACTION_REQUIRED: 'requires_approval',
  SAVED: 'approved',
  APPROVED: 'approved',
  VOIDED: 'canceled',
};

const sum = (items: Json[], field = 'amount'): number => items.reduce((n, i) => n + (fromPaypalMoney(i[field])?.minor ?? 0), 0);

/** The captures of an order's first purchase unit, oldest first. */
export const capturesOf = (order: unknown): Json[] => list(at(order, 'purchase_units', 0, 'payments', 'captures'));
/** The authorizations of an order's first purchase unit. */
export const authorizationsOf = (order: unknown): Json[] => list(at(order, 'purchase_units', 0, 'payments', 'authorizations'));

/** The capture refunds go against: the latest one that took money. */
export function refundableCapture(order: unknown): Json | undefined {
  const captures = capturesOf(order);
  return [...captures].reverse().find((c) => ['COMPLETED', 'PARTIALLY_REFUNDED', 'REFUNDED'].includes(String(c.status))) ?? captures.at(-1);
}

function statusOf(order: Json, captures: Json[], authorizations: Json[]): PaymentStatus {
  const status = String(order.status ?? '');
  if (status !== 'COMPLETED') return ORDER_STATUS[status] ?? (status === '' ? 'requires_approval' : 'processing');
  const capture = captures.at(-1);
  if (capture) {
    const refunds = list(at(order, 'purchase_units', 0, 'payments', 'refunds')).filter((r) => r.status === 'COMPLETED');
    const mapped = CAPTURE_STATUS[String(capture.status)] ?? 'processing';
    // PayPal keeps a partially refunded capture COMPLETED in some answers: the refunds tell.
    if (mapped === 'succeeded' && refunds.length > 0) {
      return sum(refunds) >= sum(captures.filter((c) => c.status !== 'DECLINED' && c.status !== 'FAILED')) ? 'refunded' : 'partially_refunded';
    }
    return mapped;
  }
  const auth = authorizations.at(-1);
  if (auth?.status === 'VOIDED' || auth?.status === 'EXPIRED') return 'canceled';
  if (auth?.status === 'DENIED') return 'failed';
  if (auth) return 'requires_capture';
  return 'succeeded';
}

/**
 * Maps an order to a Payment.
 *
 * @example
 * paypalOrderToPayment({ id: '5O190127TN364715T', status: 'PAYER_ACTION_REQUIRED', intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: '10.00' } }], links: [{ rel: 'payer-action', href: 'https://…' }] })
 * // { id: '5O190127TN364715T', status: 'requires_approval', amount: 1000, currency: 'USD', approvalUrl: 'https://…', … }
 */
export function paypalOrderToPayment(order: Json): Payment {
  const unit = at(order, 'purchase_units', 0);
  const money = fromPaypalMoney(at(unit, 'amount'));
  const captures = capturesOf(order);
  const authorizations = authorizationsOf(order);
  const status = statusOf(order, captures, authorizations);
  const taken = captures.filter((c) => !['DECLINED', 'FAILED'].includes(String(c.status)));
  const refunds = list(at(unit, 'payments', 'refunds')).filter((r) => r.status === 'COMPLETED');
  const capture = captures.at(-1);
  const approvalUrl = status === 'requires_approval' ? linkOf(order, 'payer-action', 'approve') : undefined;
  const hubId = str(at(unit, 'custom_id'));
  const payment: Payment = {
    provider: 'paypal',
    id: String(order.id),
    status,
    amount: money?.minor ?? 0,
    currency: money?.currency ?? '',
    captureMethod: order.intent === 'AUTHORIZE' ? 'manual' : 'automatic',
    metadata: hubId ? { [PAYMENT_HUB_ID_FIELD]: hubId } : {},
    raw: order,
  };
  if (captures.length > 0) payment.amountReceived = sum(taken);
  if (refunds.length > 0) payment.amountRefunded = sum(refunds);
  else if (status === 'refunded') payment.amountRefunded = payment.amountReceived;
  if (capture) payment.captureId = str(capture.id);
  if (approvalUrl) {
    payment.approvalUrl = approvalUrl;
    payment.nextAction = { type: 'approve', url: approvalUrl };
  }
  const description = str(at(unit, 'description'));
  if (description) payment.description = description;
  if (capture && status === 'failed') {
    const reason = str(at(capture, 'status_details', 'reason')) ?? String(capture.status);
    payment.failure = { code: 'payment_declined', declineCode: reason, message: `PayPal ${String(capture.status).toLowerCase()} the capture (${reason}).` };
  }
  return payment;
}
