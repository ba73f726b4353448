/**
 * Stripe Billing for the payments connector: subscriptions (trials, price changes, cancellation
 * at period end or at once) and invoices (items, finalize, send, paid out of band, list).
 *
 * A price change updates the subscription's existing item (`items[0][id]` + `items[0][price]`);
 * sending only a price would add a second item and bill both. An invoice's items are invoice
 * items created with `invoice=<id>`; they need the invoice's customer.
 *
 * @see https://docs.stripe.com/api/subscriptions
 * @see https://docs.stripe.com/billing/subscriptions/change-price
 * @see https://docs.stripe.com/api/invoices
 * @see https://docs.stripe.com/api/invoiceitems
 */
import { validationError } from '../../core/errors.js';
import { PAYMENT_HUB_ID_FIELD, type InvoiceItemInput, type PaymentsProvider } from '../../categories/payments/contract.js';
import { seg, stepKey, type StripeClient } from './client.js';
import type { StripeParams } from './form.js';
import { firstItemId, idOf, toInvoice, toSubscription } from './objects.js';

/** The methods of `PaymentsProvider` this file implements. */
export type StripeBilling = Pick<
  PaymentsProvider,
  | 'createSubscription'
  | 'getSubscription'
  | 'changeSubscriptionPrice'
  | 'cancelSubscription'
  | 'createInvoice'
  | 'addInvoiceItem'
  | 'finalizeInvoice'
  | 'sendInvoice'
  | 'markInvoicePaid'
  | 'getInvoice'
  | 'listInvoices'
>;

/** Stripe's page size limit. */
const MAX_PAGE = 100;

function itemParams(invoiceId: string, customer: string | undefined, currency: unknown, item: InvoiceItemInput): StripeParams {
  return {
    invoice: invoiceId,
    customer,
    currency: typeof currency === 'string' ? currency : undefined,
    description: item.description,
    unit_amount: item.unitAmount,
    quantity: item.quantity ?? 1,
  };
}

/**
 * The subscription and invoice methods, over one connection's Stripe client.
 *
 * @example
 * const billing = stripeBilling(stripeClient(ctx));
 * await billing.createSubscription({ customerId: 'cus_1', priceId: 'price_1', trialDays: 14, hubId: 'sub_hub_1' }, { idempotencyKey: 'k1' });
 */
export function stripeBilling(call: StripeClient): StripeBilling {
  const getInvoiceRaw = (id: string, operation: string, options = {}) => call({ method: 'GET', path: `/v1/invoices/${seg(id)}`, operation, options });
  const invoiceAction = async (id: string, action: 'finalize' | 'send' | 'pay', operation: string, options: object, params: StripeParams = {}) =>
    toInvoice(await call({ method: 'POST', path: `/v1/invoices/${seg(id)}/${action}`, params, operation, options }));

  return {
    async createSubscription(input, options) {
      if (!input.customerId) throw validationError('customerId', 'Stripe subscriptions belong to a customer: create one first and pass its id (cus_…)');
      const params: StripeParams = {
        customer: input.customerId,
        items: [{ price: input.priceId, quantity: input.quantity }],
        trial_period_days: input.trialDays,
        default_payment_method: input.defaultPaymentMethodId,
        metadata: { ...input.metadata, [PAYMENT_HUB_ID_FIELD]: input.hubId },
      };
      return toSubscription(await call({ method: 'POST', path: '/v1/subscriptions', params, operation: 'payments.createSubscription', options }));
    },
    async getSubscription(id, options) {
      return toSubscription(await call({ method: 'GET', path: `/v1/subscriptions/${seg(id)}`, operation: 'payments.getSubscription', options }));
    },
    async changeSubscriptionPrice(id, priceId, options) {
      const path = `/v1/subscriptions/${seg(id)}`;
      const current = await call({ method: 'GET', path, operation: 'payments.changeSubscriptionPrice', options: { signal: options.signal } });
      const itemId = firstItemId(current);
      if (!itemId) throw validationError('id', `Stripe subscription ${id} has no item whose price could change`);
      const params: StripeParams = { items: [{ id: itemId, price: priceId }] };
      return toSubscription(await call({ method: 'POST', path, params, operation: 'payments.changeSubscriptionPrice', options }));
    },
    async cancelSubscription(id, input, options) {
      const path = `/v1/subscriptions/${seg(id)}`;
      const details = input.reason === undefined ? undefined : { comment: input.reason };
      if (input.atPeriodEnd) {
        const params: StripeParams = { cancel_at_period_end: true, cancellation_details: details };
        return toSubscription(await call({ method: 'POST', path, params, operation: 'payments.cancelSubscription', options }));
      }
      return toSubscription(await call({ method: 'DELETE', path, params: { cancellation_details: details }, operation: 'payments.cancelSubscription', options }));
    },

    async createInvoice(input, options) {
      if (!input.customerId) throw validationError('customerId', 'Stripe invoices belong to a customer: create one first and pass its id (cus_…)');
      const sendInvoice = input.daysUntilDue !== undefined;
      const params: StripeParams = {
        customer: input.customerId,
        currency: input.currency.toLowerCase(),
        description: input.description,
        collection_method: sendInvoice ? 'send_invoice' : undefined,
        days_until_due: input.daysUntilDue,
        metadata: { ...input.metadata, [PAYMENT_HUB_ID_FIELD]: input.hubId },
      };
      const invoice = await call({ method: 'POST', path: '/v1/invoices', params, operation: 'payments.createInvoice', options });
      const items = input.items ?? [];
      if (items.length === 0) return toInvoice(invoice);
      const id = String(invoice.id);
      for (const [i, item] of items.entries()) {
        const step = stepKey(options, `item-${i}`);
        await call({ method: 'POST', path: '/v1/invoiceitems', params: itemParams(id, input.customerId, invoice.currency, item), operation: 'payments.createInvoice', options: step });
      }
      return toInvoice(await getInvoiceRaw(id, 'payments.createInvoice', { signal: options.signal }));
    },
    async addInvoiceItem(invoiceId, item, options) {
      const invoice = await getInvoiceRaw(invoiceId, 'payments.addInvoiceItem', { signal: options.signal });
      const params = itemParams(invoiceId, idOf(invoice.customer), invoice.currency, item);
      await call({ method: 'POST', path: '/v1/invoiceitems', params, operation: 'payments.addInvoiceItem', options });
      return toInvoice(await getInvoiceRaw(invoiceId, 'payments.addInvoiceItem', { signal: options.signal }));
    },
    finalizeInvoice: (id, options) => invoiceAction(id, 'finalize', 'payments.finalizeInvoice', options),
    sendInvoice: (id, options) => invoiceAction(id, 'send', 'payments.sendInvoice', options),
    markInvoicePaid: (id, options) => invoiceAction(id, 'pay', 'payments.markInvoicePaid', options, { paid_out_of_band: true }),
    async getInvoice(id, options) {
      return toInvoice(await getInvoiceRaw(id, 'payments.getInvoice', options));
    },
    async listInvoices(options) {
      const limit = options.limit === undefined ? undefined : Math.min(Math.max(1, Math.trunc(options.limit)), MAX_PAGE);
      const page = await call({
        method: 'GET',
        path: '/v1/invoices',
        params: { customer: options.customerId, limit, starting_after: options.after },
        operation: 'payments.listInvoices',
        options: { signal: options.signal },
      });
      const data = Array.isArray(page.data) ? page.data.map((inv) => toInvoice(inv as Record<string, unknown>)) : [];
      return { data, next: page.has_more === true && data.length > 0 ? (data[data.length - 1]?.id ?? null) : null };
    },
  };
}
