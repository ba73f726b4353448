/**
 * PayPal webhook event → the hub's payment event (the PayPal side of
 * `stripe/webhooks-normalize.ts`): which `event_type`s map to which unified type, and which
 * fields of `resource` become `data`. Amounts become minor units (`toMinorUnits`), currencies
 * upper-case.
 *
 * PayPal's surprises: the object of a `PAYMENT.CAPTURE.*` event is the capture, whose order id
 * hides in `supplementary_data.related_ids.order_id`; a refund (and a reversal) only links `up`
 * to its capture, so `data.paymentId` (the order) is set when PayPal names it; Billing v1 sales
 * (`PAYMENT.SALE.*`) spell money `{total, currency}` and the hub id `custom`.
 * `CHECKOUT.ORDER.APPROVED` becomes no event: the payer is done and the order waits for the
 * merchant's capture, which none of the payment types describe (`payment.requires_action` means
 * the customer must act); the capture's own event follows.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/event-names/
 * @see https://developer.paypal.com/docs/api/payments/v2/#captures_get
 */
import { HubError } from '../../core/errors.js';
import type { PaymentEventType } from '../../categories/payments/events.js';
import type { InboundEvent } from '../../kit/inbound.js';
import { at, fromPaypalMoney, isObject, linkOf, list, str, type Json } from './paypal-json.js';

const idFromLink = (href: string | undefined, segment: string): string | undefined => href?.match(new RegExp(`/${segment}/([^/?#]+)`))?.[1];

/** A v2 capture or authorization: its order, amount and decline reason. */
function capture(o: Json): Json {
  return {
    paymentId: str(at(o, 'supplementary_data', 'related_ids', 'order_id')) ?? idFromLink(linkOf(o, 'up'), 'orders'),
    captureId: str(o.id),
    authorizationId: str(at(o, 'supplementary_data', 'related_ids', 'authorization_id')),
    failureReason: str(at(o, 'status_details', 'reason')),
    finalCapture: typeof o.final_capture === 'boolean' ? o.final_capture : undefined,
  };
}

/** A v2 refund (or reversal): it links `up` to the capture it undoes. */
function refund(o: Json): Json {
  return {
    refundId: str(o.id),
    captureId: idFromLink(linkOf(o, 'up'), 'captures') ?? str(at(o, 'supplementary_data', 'related_ids', 'capture_id')),
    paymentId: str(at(o, 'supplementary_data', 'related_ids', 'order_id')),
    reason: str(o.note_to_payer) ?? str(at(o, 'status_details', 'reason')),
  };
}

const reversal = (o: Json): Json => ({ ...refund(o), reversal: true });

/** A v1 sale: subscription payments and the classic Payments API. */
function sale(o: Json): Json {
  return { paymentId: str(o.parent_payment), saleId: str(o.id), subscriptionId: str(o.billing_agreement_id), failureReason: str(o.reason_code) };
}

function saleRefund(o: Json): Json {
  return { refundId: str(o.id), captureId: str(o.sale_id), saleId: str(o.sale_id), paymentId: str(o.parent_payment), subscriptionId: str(o.billing_agreement_id), reason: str(o.description) };
}

function subscription(o: Json): Json {
  const quantity = Number(o.quantity);
  return {
    subscriptionId: str(o.id),
    priceId: str(o.plan_id),
    quantity: Number.isSafeInteger(quantity) && quantity > 0 ? quantity : undefined,
    subscriberEmail: str(at(o, 'subscriber', 'email_address')),
    currentPeriodEnd: str(at(o, 'billing_info', 'next_billing_time')),
    failedPaymentsCount: typeof at(o, 'billing_info', 'failed_payments_count') === 'number' ? at(o, 'billing_info', 'failed_payments_count') : undefined,
  };
}

function invoice(o: Json): Json {
  return { invoiceId: str(o.id), number: str(at(o, 'detail', 'invoice_number')), recipientEmail: str(at(o, 'primary_recipients', 0, 'billing_info', 'email_address')) };
}

function dispute(o: Json): Json {
  const tx = list(o.disputed_transactions)[0];
  return { disputeId: str(o.dispute_id), reason: str(o.reason), captureId: str(tx?.seller_transaction_id) };
}

type Fields = (o: Json) => Json;
/** The money of each resource kind: where PayPal puts the amount the event is about. */
const AMOUNT: Record<string, (o: Json) => unknown> = {
  default: (o) => o.amount,
  subscription: (o) => at(o, 'billing_info', 'last_failed_payment', 'amount') ?? at(o, 'billing_info', 'outstanding_balance') ?? at(o, 'billing_info', 'last_payment', 'amount'),
  invoice: (o) => at(o, 'payments', 'paid_amount') ?? o.amount,
  dispute: (o) => o.dispute_amount,
};

const MAPPINGS: Record<string, { type: PaymentEventType; fields: Fields; money?: keyof typeof AMOUNT }> = {
  'PAYMENT.CAPTURE.COMPLETED': { type: 'payment.succeeded', fields: capture },
  'PAYMENT.CAPTURE.DENIED': { type: 'payment.failed', fields: capture },
  'PAYMENT.CAPTURE.DECLINED': { type: 'payment.failed', fields: capture },
  'PAYMENT.AUTHORIZATION.VOIDED': { type: 'payment.canceled', fields: (o) => ({ ...capture(o), captureId: undefined, authorizationId: str(o.id) }) },
  'PAYMENT.CAPTURE.REFUNDED': { type: 'refund.succeeded', fields: refund },
  'PAYMENT.CAPTURE.REVERSED': { type: 'refund.succeeded', fields: reversal },
  'PAYMENT.SALE.COMPLETED': { type: 'payment.succeeded', fields: sale },
  'PAYMENT.SALE.DENIED': { type: 'payment.failed', fields: sale },
  'PAYMENT.SALE.REFUNDED': { type: 'refund.succeeded', fields: saleRefund },
  'BILLING.SUBSCRIPTION.CREATED': { type: 'subscription.created', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.ACTIVATED': { type: 'subscription.updated', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.UPDATED': { type: 'subscription.updated', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.SUSPENDED': { type: 'subscription.updated', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.RE-ACTIVATED': { type: 'subscription.updated', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.CANCELLED': { type: 'subscription.canceled', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.EXPIRED': { type: 'subscription.canceled', fields: subscription, money: 'subscription' },
  'BILLING.SUBSCRIPTION.PAYMENT.FAILED': { type: 'invoice.payment_failed', fields: subscription, money: 'subscription' },
  'INVOICING.INVOICE.PAID': { type: 'invoice.paid', fields: invoice, money: 'invoice' },
  'CUSTOMER.DISPUTE.CREATED': { type: 'dispute.created', fields: dispute, money: 'dispute' },
};

/** The PayPal event types the hub normalizes. */
export const PAYPAL_MAPPED_EVENT_TYPES: readonly string[] = Object.keys(MAPPINGS);

function hubIdOf(o: Json, eventType: string): string | undefined {
  // A subscription's sale carries the subscription's custom id: not a payment's hub id.
  if (eventType.startsWith('PAYMENT.SALE.') && str(o.billing_agreement_id)) return undefined;
  return str(o.custom_id) ?? str(o.custom) ?? str(at(o, 'detail', 'reference'));
}

/**
 * One PayPal webhook event → one normalized event, or null when its type is not mapped. Throws
 * `validation_failed` when the body is not a PayPal event.
 *
 * @example
 * paypalEventToInbound({ id: 'WH-1', event_type: 'PAYMENT.CAPTURE.COMPLETED', create_time: '2026-01-02T03:04:05Z', resource: { id: '2GG2', status: 'COMPLETED', amount: { currency_code: 'USD', value: '10.00' }, custom_id: 'pay_1', supplementary_data: { related_ids: { order_id: '5O19' } } } })
 * // { type: 'payment.succeeded', providerEventId: 'WH-1', ref: { hubId: 'pay_1', providerObjectId: '2GG2' }, data: { objectId: '2GG2', amount: 1000, currency: 'USD', paymentId: '5O19', captureId: '2GG2', … } }
 */
export function paypalEventToInbound(event: Json): InboundEvent | null {
  const id = str(event.id);
  const eventType = str(event.event_type);
  if (!id || !eventType) {
    throw new HubError('validation_failed', 'PayPal webhook body is not a PayPal event: it lacks "id" or "event_type".', { provider: 'paypal' });
  }
  const mapping = MAPPINGS[eventType];
  let resource = event.resource;
  // Some invoicing deliveries wrap the invoice: `resource.invoice`.
  if (isObject(resource) && isObject(resource.invoice) && eventType.startsWith('INVOICING.')) resource = resource.invoice;
  if (!mapping || !isObject(resource)) return null;
  const objectId = str(resource.id) ?? str(resource.dispute_id);
  if (!objectId) return null;
  const money = fromPaypalMoney(AMOUNT[mapping.money ?? 'default']!(resource));
  // A reversal may state its amount negative; the event's amount is what went back.
  if (money && money.minor < 0) money.minor = -money.minor;
  const data: Json = {};
  const parts: Json[] = [
    { objectId, amount: money?.minor, currency: money?.currency, status: str(resource.status) ?? str(resource.state) },
    mapping.fields(resource),
    { providerType: eventType, resourceType: str(event.resource_type), summary: str(event.summary) },
  ];
  for (const part of parts) for (const [k, v] of Object.entries(part)) if (v !== undefined) data[k] = v;
  const hubId = hubIdOf(resource, eventType);
  const occurredAt = Date.parse(str(event.create_time) ?? '');
  return {
    providerEventId: id,
    type: mapping.type,
    occurredAt: Number.isFinite(occurredAt) ? occurredAt : Date.now(),
    ref: { ...(hubId ? { hubId } : {}), providerObjectId: objectId },
    data,
    raw: event,
  };
}
