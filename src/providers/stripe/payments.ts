/**
 * The Stripe payments connector: customers, payment methods, PaymentIntents and refunds here;
 * subscriptions and invoices in `billing.ts`.
 *
 * A payment is a PaymentIntent. With a payment method it is confirmed in the same call
 * (`confirm=true`), so a decline comes back as a 402 `card_error` (mapped to `payment_declined`
 * with the decline code) and 3-D Secure as status `requires_action` with `next_action`.
 *
 * @see https://docs.stripe.com/api/payment_intents
 * @see https://docs.stripe.com/api/refunds
 * @see https://docs.stripe.com/api/customers
 * @see https://docs.stripe.com/api/payment_methods
 */
import { HubError } from '../../core/errors.js';
import { PAYMENT_HUB_ID_FIELD, type CustomerInput, type PaymentsCapability, type PaymentsProvider } from '../../categories/payments/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import { stripeBilling } from './billing.js';
import { seg, stripeClient } from './client.js';
import type { StripeParams } from './form.js';
import type { StripeCredentials } from './manifest.js';
import { toCustomer, toPayment, toPaymentMethod, toRefund, type Json } from './objects.js';

/**
 * What the Stripe connector supports: everything but PayPal's approval redirect.
 *
 * @example
 * STRIPE_PAYMENTS_CAPABILITIES.has('manual-capture') // true
 */
export const STRIPE_PAYMENTS_CAPABILITIES: ReadonlySet<PaymentsCapability> = new Set<PaymentsCapability>([
  'customers',
  'payment-methods',
  'payments',
  'manual-capture',
  'cancel',
  'confirm',
  'refunds',
  'partial-refunds',
  'subscriptions',
  'subscription-trials',
  'subscription-change-price',
  'subscription-cancel-at-period-end',
  'invoices',
  'invoice-finalize',
  'invoice-send',
  'invoice-mark-paid',
]);

/** The only refund reasons Stripe accepts; any other reason travels in metadata. */
const REFUND_REASONS: ReadonlySet<string> = new Set(['duplicate', 'fraudulent', 'requested_by_customer']);

/** Page size of a customer's payment methods (Stripe's maximum). */
const METHODS_PAGE = 100;

function customerParams(input: CustomerInput): StripeParams {
  return {
    email: input.email,
    name: input.name,
    phone: input.phone,
    description: input.description,
    metadata: input.metadata,
    invoice_settings: input.defaultPaymentMethodId === undefined ? undefined : { default_payment_method: input.defaultPaymentMethodId },
  };
}

/** Stripe answers a deleted customer with 200 `{ deleted: true }`: for the hub it is gone. */
function liveCustomer(c: Json, id: string): Json {
  if (c.deleted === true) throw new HubError('not_found', `Stripe customer ${id} was deleted.`, { provider: 'stripe', providerCode: 'resource_missing' });
  return c;
}

/**
 * The Stripe `PaymentsProvider` of one connection.
 *
 * @example
 * const payments = stripePayments(ctx);
 * const payment = await payments.createPayment({ amount: 2000, currency: 'USD', paymentMethodId: 'pm_card_visa', hubId: 'pay_1' }, { idempotencyKey: 'k1' });
 * payment.status // 'succeeded'
 */
export function stripePayments(ctx: ProviderContext<StripeCredentials>): PaymentsProvider {
  const call = stripeClient(ctx);
  return {
    id: 'stripe',
    capabilities: STRIPE_PAYMENTS_CAPABILITIES,

    async createCustomer(input, options) {
      return toCustomer(await call({ method: 'POST', path: '/v1/customers', params: customerParams(input), operation: 'payments.createCustomer', options }));
    },
    async getCustomer(id, options) {
      return toCustomer(liveCustomer(await call({ method: 'GET', path: `/v1/customers/${seg(id)}`, operation: 'payments.getCustomer', options }), id));
    },
    async updateCustomer(id, input, options) {
      const c = await call({ method: 'POST', path: `/v1/customers/${seg(id)}`, params: customerParams(input), operation: 'payments.updateCustomer', options });
      return toCustomer(c);
    },

    async attachPaymentMethod(customerId, paymentMethodId, options) {
      const path = `/v1/payment_methods/${seg(paymentMethodId)}/attach`;
      return toPaymentMethod(await call({ method: 'POST', path, params: { customer: customerId }, operation: 'payments.attachPaymentMethod', options }));
    },
    async listPaymentMethods(customerId, options) {
      const methods: Json[] = [];
      let after: string | undefined;
      // Follow Stripe's cursor: a customer may hold more methods than one page.
      for (;;) {
        const page = await call({
          method: 'GET',
          path: `/v1/customers/${seg(customerId)}/payment_methods`,
          params: { limit: METHODS_PAGE, starting_after: after },
          operation: 'payments.listPaymentMethods',
          options,
        });
        const data = Array.isArray(page.data) ? (page.data as Json[]) : [];
        methods.push(...data);
        after = data.length > 0 ? String(data[data.length - 1]?.id) : undefined;
        if (page.has_more !== true || after === undefined) break;
      }
      return methods.map(toPaymentMethod);
    },
    async detachPaymentMethod(paymentMethodId, options) {
      const path = `/v1/payment_methods/${seg(paymentMethodId)}/detach`;
      return toPaymentMethod(await call({ method: 'POST', path, operation: 'payments.detachPaymentMethod', options }));
    },

    async createPayment(input, options) {
      const withMethod = input.paymentMethodId !== undefined;
      const params: StripeParams = {
        amount: input.amount,
        currency: input.currency.toLowerCase(),
        description: input.description,
        metadata: { ...input.metadata, [PAYMENT_HUB_ID_FIELD]: input.hubId },
        customer: input.customerId,
        capture_method: input.captureMethod,
        receipt_email: input.receiptEmail,
        // Stripe accepts `return_url` only together with `confirm=true`.
        return_url: withMethod ? input.returnUrl : undefined,
        ...(withMethod ? { payment_method: input.paymentMethodId, confirm: true } : {}),
        // Dashboard-enabled methods. Without a return URL, Stripe refuses a server-side confirm
        // unless redirect-based methods are ruled out (3-D Secure still works without redirects),
        // so a payment created without one takes no redirect methods.
        automatic_payment_methods: input.returnUrl === undefined ? { enabled: true, allow_redirects: 'never' } : { enabled: true },
      };
      return toPayment(await call({ method: 'POST', path: '/v1/payment_intents', params, operation: 'payments.createPayment', options }));
    },
    async confirmPayment(id, input, options) {
      const params: StripeParams = { payment_method: input.paymentMethodId, return_url: input.returnUrl };
      return toPayment(await call({ method: 'POST', path: `/v1/payment_intents/${seg(id)}/confirm`, params, operation: 'payments.confirmPayment', options }));
    },
    async capturePayment(id, input, options) {
      const params: StripeParams = { amount_to_capture: input.amount };
      return toPayment(await call({ method: 'POST', path: `/v1/payment_intents/${seg(id)}/capture`, params, operation: 'payments.capturePayment', options }));
    },
    async cancelPayment(id, options) {
      return toPayment(await call({ method: 'POST', path: `/v1/payment_intents/${seg(id)}/cancel`, operation: 'payments.cancelPayment', options }));
    },
    async getPayment(id, options) {
      return toPayment(await call({ method: 'GET', path: `/v1/payment_intents/${seg(id)}`, operation: 'payments.getPayment', options }));
    },

    async createRefund(input, options) {
      const known = input.reason !== undefined && REFUND_REASONS.has(input.reason);
      const params: StripeParams = {
        payment_intent: input.paymentId,
        amount: input.amount,
        reason: known ? input.reason : undefined,
        metadata: { ...input.metadata, ...(input.reason !== undefined && !known ? { reason: input.reason } : {}), [PAYMENT_HUB_ID_FIELD]: input.hubId },
      };
      return toRefund(await call({ method: 'POST', path: '/v1/refunds', params, operation: 'payments.createRefund', options }));
    },
    async getRefund(id, options) {
      return toRefund(await call({ method: 'GET', path: `/v1/refunds/${seg(id)}`, operation: 'payments.getRefund', options }));
    },

    ...stripeBilling(call),
  };
}
