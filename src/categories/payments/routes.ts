/**
 * Provider-agnostic payment routes under `/api/v1/payments`: payments (create, get, confirm,
 * capture, cancel), refunds, customers, payment methods, subscriptions, invoices, capabilities.
 * Amounts in requests: `amount` (major units, decimal string or JSON number) or `amountMinor`;
 * in answers: minor units. `Idempotency-Key` is kept by the payments service and sent to the
 * provider (no double charge, whichever process a retry reaches).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  addInvoiceItemInput,
  attachPaymentMethodInput,
  cancelSubscriptionInput,
  capturePaymentInput,
  changePriceInput,
  confirmPaymentInput,
  createPaymentInput,
  customerInput,
  invoiceInput,
  listInvoicesQuery,
  refundInput,
  subscriptionInput,
} from './schemas.js';
import type { PaymentsService } from './service.js';
import { tenantOf } from '../../kit/api.js';

const BASE = '/api/v1/payments';
const tags = ['payments'];
type P = { Params: { id: string }; Querystring: Record<string, string> };

/** The caller's key, passed to the service. */
export const keyOf = (req: FastifyRequest) => {
  const k = req.headers['idempotency-key'];
  return { idempotencyKey: typeof k === 'string' ? k : undefined };
};
/** Route configs: payment writes keep their own idempotency (the service sends the key to the provider). */
export const PAYMENTS_WRITE = { scope: 'payments:write', idempotency: 'service' as const };
export const PAYMENTS_READ = { scope: 'payments:read' };
const refreshQuery = z.object({ refresh: z.enum(['true', 'false']).optional() });

export const paymentRoutes =
  (payments: PaymentsService): FastifyPluginAsync =>
  async (app) => {
    const write = PAYMENTS_WRITE;
    const read = PAYMENTS_READ;
    const pay = payments;
    const obj = payments.objects;

    app.get(`${BASE}/capabilities`, { config: read, schema: { tags, summary: 'What each payment provider supports' } }, async () => ({ providers: pay.capabilities() }));

    app.post(BASE, { config: write, schema: { tags, summary: 'Create a payment (Stripe PaymentIntent, PayPal order); 201', body: createPaymentInput } }, async (req, reply) => {
      reply.code(201);
      return pay.create(tenantOf(req), req.body as never, keyOf(req));
    });
    app.get<P>(`${BASE}/:id`, { config: read, schema: { tags, summary: 'A payment by hub id (pay_…) or provider id; ?refresh=true asks the provider', querystring: refreshQuery } }, async (req) =>
      pay.get(tenantOf(req), req.params.id, { refresh: req.query.refresh === 'true' }),
    );
    app.post<P>(`${BASE}/:id/confirm`, { config: write, schema: { tags, summary: 'Confirm with a payment method (Stripe)', body: confirmPaymentInput } }, async (req) => pay.confirm(tenantOf(req), req.params.id, req.body, keyOf(req)));
    app.post<P>(`${BASE}/:id/capture`, { config: write, schema: { tags, summary: 'Capture (manual capture; PayPal: an approved order)', body: capturePaymentInput } }, async (req) => pay.capture(tenantOf(req), req.params.id, req.body, keyOf(req)));
    app.post<P>(`${BASE}/:id/cancel`, { config: write, schema: { tags, summary: 'Cancel before it completes' } }, async (req) => pay.cancel(tenantOf(req), req.params.id, keyOf(req)));

    app.post(`${BASE}/refunds`, { config: write, schema: { tags, summary: 'Refund all or part of a payment; 201', body: refundInput } }, async (req, reply) => {
      reply.code(201);
      return pay.refund(tenantOf(req), req.body as never, keyOf(req));
    });
    app.get<P>(`${BASE}/refunds/:id`, { config: read, schema: { tags, summary: 'A refund' } }, async (req) => pay.getRefund(tenantOf(req), req.params.id));

    app.post(`${BASE}/customers`, { config: write, schema: { tags, summary: 'Create a customer; 201', body: customerInput } }, async (req, reply) => {
      reply.code(201);
      return obj.createCustomer(tenantOf(req), req.body, keyOf(req));
    });
    app.get<P>(`${BASE}/customers/:id`, { config: read, schema: { tags, summary: 'A customer (?provider=)' } }, async (req) => obj.getCustomer(tenantOf(req), req.params.id, req.query));
    app.patch<P>(`${BASE}/customers/:id`, { config: write, schema: { tags, summary: 'Update a customer', body: customerInput } }, async (req) => obj.updateCustomer(tenantOf(req), req.params.id, req.body, keyOf(req)));
    app.post<P>(`${BASE}/customers/:id/payment-methods`, { config: write, schema: { tags, summary: 'Attach a payment method; 201', body: attachPaymentMethodInput } }, async (req, reply) => {
      reply.code(201);
      return obj.attachPaymentMethod(tenantOf(req), req.params.id, req.body, keyOf(req));
    });
    app.get<P>(`${BASE}/customers/:id/payment-methods`, { config: read, schema: { tags, summary: 'A customer\'s payment methods' } }, async (req) => obj.listPaymentMethods(tenantOf(req), req.params.id, req.query));
    app.delete<P>(`${BASE}/payment-methods/:id`, { config: write, schema: { tags, summary: 'Detach a payment method' } }, async (req) => obj.detachPaymentMethod(tenantOf(req), req.params.id, req.query, keyOf(req)));

    app.post(`${BASE}/subscriptions`, { config: write, schema: { tags, summary: 'Subscribe a customer to a price (optional trial); 201', body: subscriptionInput } }, async (req, reply) => {
      reply.code(201);
      return obj.createSubscription(tenantOf(req), req.body, keyOf(req));
    });
    app.get<P>(`${BASE}/subscriptions/:id`, { config: read, schema: { tags, summary: 'A subscription (?provider=)' } }, async (req) => obj.getSubscription(tenantOf(req), req.params.id, req.query));
    app.patch<P>(`${BASE}/subscriptions/:id`, { config: write, schema: { tags, summary: 'Change the price', body: changePriceInput } }, async (req) => obj.changeSubscriptionPrice(tenantOf(req), req.params.id, req.body, keyOf(req)));
    app.post<P>(`${BASE}/subscriptions/:id/cancel`, { config: write, schema: { tags, summary: 'Cancel at once or at period end', body: cancelSubscriptionInput } }, async (req) => obj.cancelSubscription(tenantOf(req), req.params.id, req.body, keyOf(req)));

    app.post(`${BASE}/invoices`, { config: write, schema: { tags, summary: 'Create a draft invoice (with items); 201', body: invoiceInput } }, async (req, reply) => {
      reply.code(201);
      return obj.createInvoice(tenantOf(req), req.body, keyOf(req));
    });
    app.get(`${BASE}/invoices`, { config: read, schema: { tags, summary: 'List invoices (?customerId=&limit=&after=)', querystring: listInvoicesQuery } }, async (req) => obj.listInvoices(tenantOf(req), req.query));
    app.get<P>(`${BASE}/invoices/:id`, { config: read, schema: { tags, summary: 'An invoice (?provider=)' } }, async (req) => obj.getInvoice(tenantOf(req), req.params.id, req.query));
    app.post<P>(`${BASE}/invoices/:id/items`, { config: write, schema: { tags, summary: 'Add an item to a draft', body: addInvoiceItemInput } }, async (req) => obj.addInvoiceItem(tenantOf(req), req.params.id, req.body, keyOf(req)));
    for (const action of ['finalize', 'send', 'mark-paid'] as const) {
      app.post<P>(`${BASE}/invoices/:id/${action}`, { config: write, schema: { tags, summary: `${action === 'mark-paid' ? 'Mark paid (out of band)' : action[0]!.toUpperCase() + action.slice(1)} an invoice (?provider=)` } }, async (req) =>
        obj.invoiceAction(tenantOf(req), req.params.id, action, req.query, keyOf(req)),
      );
    }
  };
