/**
 * The PayPal payments connector: Orders v2 for payments (the payer approves on PayPal, then the
 * order is captured), Payments v2 for refunds, Billing v1 for subscriptions (`subscriptions.ts`)
 * and Invoicing v2 for invoices (`invoices.ts`).
 *
 * PayPal has no customer or payment-method objects a server can manage, and no server-side
 * confirmation: those operations throw `capability_unsupported`. An order is never canceled
 * either: an unapproved one simply expires (3 hours after creation, 3 days after approval).
 *
 * @see https://developer.paypal.com/docs/api/orders/v2/
 * @see https://developer.paypal.com/docs/api/payments/v2/
 */
import { HubError } from '../../core/errors.js';
import type { CallOptions, CreatePaymentInput, Payment, PaymentsCapability, PaymentsProvider, Refund, RefundStatus } from '../../categories/payments/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import { createPaypalInvoices } from './invoices.js';
import type { PaypalCredentials } from './manifest.js';
import { authorizationsOf, paypalOrderToPayment, refundableCapture } from './order-map.js';
import { at, fromPaypalMoney, linkOf, paypalMoney, REPRESENTATION, str, unsupported, type Json, type PaypalCall } from './paypal-json.js';
import { createPaypalSubscriptions } from './subscriptions.js';
import { paypalRequest } from './token.js';
import '../../categories/payments/errors.js'; // registers the payments error codes this file uses

const CAPABILITIES: ReadonlySet<PaymentsCapability> = new Set<PaymentsCapability>([
  'payments',
  'approval-redirect',
  'manual-capture',
  'refunds',
  'partial-refunds',
  'subscriptions',
  'subscription-change-price',
  'invoices',
  'invoice-send',
  'invoice-mark-paid',
]);

const REFUND_STATUS: Record<string, RefundStatus> = { COMPLETED: 'succeeded', PENDING: 'pending', FAILED: 'failed', CANCELLED: 'canceled' };

export type { PaypalCall } from './paypal-json.js';

/**
 * The JSON caller of one connection. In sandbox mode a configured `mockResponse` goes out as
 * `PayPal-Mock-Response` on every POST (PayPal's sandbox then simulates that error).
 *
 * @example
 * const call = paypalCaller(ctx); const order = await call('GET', '/v2/checkout/orders/5O19…', 'payments.get');
 */
export function paypalCaller(ctx: ProviderContext<PaypalCredentials>): PaypalCall {
  const { mode, credentials } = ctx.connection;
  const mock: Record<string, string> = mode === 'sandbox' && credentials.mockResponse ? { 'paypal-mock-response': credentials.mockResponse } : {};
  return async (method, path, operation, options = {}) => {
    const res = await paypalRequest(ctx, {
      method,
      path,
      operation,
      query: options.query,
      headers: { accept: 'application/json', ...(method === 'POST' || method === 'PUT' ? { ...REPRESENTATION, ...mock } : {}) },
      body: options.body ?? (method === 'POST' ? {} : undefined),
      idempotencyKey: options.idempotencyKey,
      signal: options.signal,
    });
    if (res.text.trim() === '') return {};
    const body = res.json<unknown>();
    return typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Json) : { value: body };
  };
}

function orderBody(input: CreatePaymentInput): Json {
  if (input.customerId) throw unsupported('customerId on payments', 'PayPal orders have no customer object; the payer logs in at approvalUrl.');
  if (input.paymentMethodId) throw unsupported('paymentMethodId on payments', 'the payer chooses the funding source at approvalUrl.');
  const unit: Json = { amount: paypalMoney(input.amount, input.currency), custom_id: input.hubId, reference_id: 'default' };
  if (input.description) unit.description = input.description.slice(0, 127);
  const intent = input.captureMethod === 'manual' ? 'AUTHORIZE' : 'CAPTURE';
  // Without a return URL (PayPal's JS buttons approve in a popup) the order carries no payment
  // source, and PayPal answers the classic `approve` link.
  if (!input.returnUrl) return { intent, purchase_units: [unit] };
  const context: Json = { return_url: input.returnUrl, cancel_url: input.cancelUrl ?? input.returnUrl, user_action: 'PAY_NOW' };
  if (input.receiptEmail) context.email_address = input.receiptEmail;
  return { intent, purchase_units: [unit], payment_source: { paypal: { experience_context: context } } };
}

function toRefund(refund: Json, paymentId: string): Refund {
  const money = fromPaypalMoney(refund.amount);
  const reason = str(refund.note_to_payer);
  return {
    provider: 'paypal',
    id: String(refund.id),
    paymentId,
    status: REFUND_STATUS[String(refund.status)] ?? 'pending',
    amount: money?.minor ?? 0,
    currency: money?.currency ?? '',
    ...(reason ? { reason } : {}),
    raw: refund,
  };
}

/** Throws `payment_declined` when a capture came back DECLINED or FAILED with a 2xx. */
function declinedCapture(payment: Payment): Payment {
  if (payment.status !== 'failed') return payment;
  throw new HubError('payment_declined', `PayPal declined the capture (${payment.failure?.declineCode ?? 'DECLINED'}): ask the payer to approve again with another funding source.`, {
    provider: 'paypal',
    providerCode: payment.failure?.declineCode ?? 'DECLINED',
    details: { paymentId: payment.id, captureId: payment.captureId },
  });
}

/**
 * The PayPal `PaymentsProvider` of one connection.
 *
 * @example
 * const payments = paypalPayments(ctx);
 * const order = await payments.createPayment({ amount: 1999, currency: 'USD', returnUrl: 'https://shop.example/paid', hubId: 'pay_1' }, { idempotencyKey: 'k1' });
 * order.approvalUrl // send the payer there, then: await payments.capturePayment(order.id, {}, { idempotencyKey: 'k2' })
 */
export function paypalPayments(ctx: ProviderContext<PaypalCredentials>): PaymentsProvider {
  const call = paypalCaller(ctx);
  const getOrder = (id: string, signal?: AbortSignal) => call('GET', `/v2/checkout/orders/${encodeURIComponent(id)}`, 'payments.get', { signal });
  const noCustomers = () => Promise.reject(unsupported('customers', 'there is no customer object; pass the payer\'s email (subscriberEmail, customerEmail) where needed.'));
  const noMethods = () => Promise.reject(unsupported('payment methods', 'the payer picks the funding source on PayPal\'s approval page (approvalUrl).'));

  return {
    id: 'paypal',
    capabilities: CAPABILITIES,
    createCustomer: noCustomers,
    getCustomer: noCustomers,
    updateCustomer: noCustomers,
    attachPaymentMethod: noMethods,
    listPaymentMethods: noMethods,
    detachPaymentMethod: noMethods,

    async createPayment(input, options) {
      const body = orderBody(input);
      const order = await call('POST', '/v2/checkout/orders', 'payments.create', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      // A minimal answer (no Prefer honoured) lacks purchase_units: read the order back.
      const full = at(order, 'purchase_units', 0, 'amount') ? order : { ...(await getOrder(String(order.id), options.signal)), links: order.links ?? [] };
      return paypalOrderToPayment(full);
    },

    confirmPayment: () => Promise.reject(unsupported('confirmPayment', 'the payer approves the order at approvalUrl; then call capturePayment.')),
    cancelPayment: () => Promise.reject(unsupported('cancelPayment', 'PayPal orders cannot be canceled; an unapproved order expires on its own (after 3 hours), just do not capture it.')),

    async capturePayment(id, input, options) {
      const order = await getOrder(id, options.signal);
      const path = `/v2/checkout/orders/${encodeURIComponent(id)}`;
      if (order.intent !== 'AUTHORIZE') {
        if (input.amount !== undefined) throw unsupported('partial capture of a CAPTURE order', 'create the payment with captureMethod "manual" to capture less than the order amount.');
        const captured = await call('POST', `${path}/capture`, 'payments.capture', { idempotencyKey: options.idempotencyKey, signal: options.signal });
        return declinedCapture(paypalOrderToPayment(at(captured, 'purchase_units', 0, 'payments') ? captured : await getOrder(id, options.signal)));
      }
      let authorization = authorizationsOf(order).at(-1);
      if (!authorization) {
        const key = options.idempotencyKey ? `${options.idempotencyKey}:authorize` : undefined;
        const authorized = await call('POST', `${path}/authorize`, 'payments.authorize', { idempotencyKey: key, signal: options.signal });
        authorization = authorizationsOf(authorized).at(-1);
        if (!authorization) throw new HubError('provider_error', `PayPal authorized order ${id} without returning an authorization.`, { provider: 'paypal' });
      }
      const currency = fromPaypalMoney(at(order, 'purchase_units', 0, 'amount'))?.currency ?? '';
      const body: Json = input.amount === undefined ? { final_capture: true } : { amount: paypalMoney(input.amount, currency), final_capture: true };
      await call('POST', `/v2/payments/authorizations/${encodeURIComponent(String(authorization.id))}/capture`, 'payments.capture', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      return declinedCapture(paypalOrderToPayment(await getOrder(id, options.signal)));
    },

    async getPayment(id, options: CallOptions = {}) {
      return paypalOrderToPayment(await getOrder(id, options.signal));
    },

    async createRefund(input, options) {
      const order = await getOrder(input.paymentId, options.signal);
      const capture = refundableCapture(order);
      if (!capture) {
        throw new HubError('conflict', `PayPal order ${input.paymentId} has no capture to refund: capture it first (status ${String(order.status)}).`, { provider: 'paypal', details: { paymentId: input.paymentId } });
      }
      const currency = input.currency ?? fromPaypalMoney(capture.amount)?.currency ?? '';
      const body: Json = { custom_id: input.hubId };
      if (input.amount !== undefined) body.amount = paypalMoney(input.amount, currency);
      if (input.reason) body.note_to_payer = input.reason.slice(0, 255);
      const refund = await call('POST', `/v2/payments/captures/${encodeURIComponent(String(capture.id))}/refund`, 'payments.refund', { body, idempotencyKey: options.idempotencyKey, signal: options.signal });
      const full = refund.amount ? refund : await call('GET', `/v2/payments/refunds/${encodeURIComponent(String(refund.id))}`, 'payments.refund.get', { signal: options.signal });
      return toRefund(full, input.paymentId);
    },

    async getRefund(id, options: CallOptions = {}) {
      const refund = await call('GET', `/v2/payments/refunds/${encodeURIComponent(id)}`, 'payments.refund.get', { signal: options.signal });
      // A refund links `up` to its capture; the capture names its order.
      const up = linkOf(refund, 'up');
      const captureId = up?.match(/\/captures\/([^/?#]+)/)?.[1];
      let orderId = str(at(refund, 'supplementary_data', 'related_ids', 'order_id'));
      if (!orderId && captureId) {
        const capture = await call('GET', `/v2/payments/captures/${captureId}`, 'payments.capture.get', { signal: options.signal });
        orderId = str(at(capture, 'supplementary_data', 'related_ids', 'order_id'));
      }
      return toRefund(refund, orderId ?? captureId ?? '');
    },

    ...createPaypalSubscriptions(ctx, call),
    ...createPaypalInvoices(ctx, call),
  };
}
