/**
 * The integrations guide's payment routes under `/api/v1/integrations/payments`, with the
 * guide's shapes: Stripe intents and confirm, PayPal create and execute, status, refund. They run
 * on the same payments service as `/api/v1/payments` (same idempotency, same rows).
 */
import type { FastifyPluginAsync } from 'fastify';
import { paypalCreateInput, paypalExecuteInput, refundInput, stripeConfirmInput, stripeIntentInput } from './schemas.js';
import { parseInput } from '../../core/validation.js';
import type { PaymentsService } from './service.js';
import { tenantOf } from '../../kit/api.js';
import { keyOf, PAYMENTS_READ, PAYMENTS_WRITE } from './routes.js';

const BASE = '/api/v1/integrations/payments';
const tags = ['payments'];

export const paymentGuideRoutes =
  (payments: PaymentsService): FastifyPluginAsync =>
  async (app) => {
    const write = PAYMENTS_WRITE;
    const read = PAYMENTS_READ;
    const pay = payments;

    app.post(`${BASE}/stripe/intent`, { config: write, schema: { tags, summary: 'Create a Stripe PaymentIntent; amount answered in minor units', body: stripeIntentInput } }, async (req) => {
      const v = parseInput(stripeIntentInput, req.body);
      const p = await pay.create(tenantOf(req), { ...v, provider: 'stripe' }, keyOf(req));
      return { id: p.id, paymentIntentId: p.providerPaymentId, clientSecret: p.clientSecret, status: p.status, amount: p.amount, currency: p.currency };
    });
    app.post(`${BASE}/stripe/confirm`, { config: write, schema: { tags, summary: 'Confirm a PaymentIntent with a payment method (402 when declined)', body: stripeConfirmInput } }, async (req) => {
      const v = parseInput(stripeConfirmInput, req.body);
      const p = await pay.confirm(tenantOf(req), v.paymentIntentId, { paymentMethodId: v.paymentMethodId, returnUrl: v.returnUrl }, keyOf(req));
      return { id: p.id, paymentIntentId: p.providerPaymentId, status: p.status, amount: p.amount, currency: p.currency, ...(p.nextAction ? { nextAction: p.nextAction } : {}) };
    });
    app.get<{ Params: { paymentId: string } }>(`${BASE}/:paymentId/status`, { config: read, schema: { tags, summary: 'A payment\'s status by hub or provider id' } }, async (req) => {
      const p = await pay.get(tenantOf(req), req.params.paymentId);
      return { paymentId: req.params.paymentId, provider: p.provider, status: p.status };
    });
    app.post(`${BASE}/paypal/create`, { config: write, schema: { tags, summary: 'Create a PayPal order; send the payer to approvalUrl', body: paypalCreateInput } }, async (req) => {
      const v = parseInput(paypalCreateInput, req.body);
      const p = await pay.create(tenantOf(req), { ...v, provider: 'paypal' }, keyOf(req));
      return { id: p.id, paymentId: p.providerPaymentId, approvalUrl: p.approvalUrl, status: p.status };
    });
    app.post(`${BASE}/paypal/execute`, { config: write, schema: { tags, summary: 'Capture an approved PayPal order', body: paypalExecuteInput } }, async (req) => {
      const v = parseInput(paypalExecuteInput, req.body);
      const p = await pay.capture(tenantOf(req), v.paymentId, {}, keyOf(req));
      return { id: p.id, paymentId: p.providerPaymentId, status: p.status, amount: p.amount, currency: p.currency };
    });
    app.post(`${BASE}/refund`, { config: write, schema: { tags, summary: 'Refund all or part of a payment (amount in major units, or amountMinor)', body: refundInput } }, async (req) => {
      const r = await pay.refund(tenantOf(req), req.body as never, keyOf(req));
      return { refundId: r.id, providerRefundId: r.providerRefundId, paymentId: r.paymentId, status: r.status, amount: r.amount };
    });
  };
