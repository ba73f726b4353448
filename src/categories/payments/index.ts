/**
 * The `payments` category, declared once: Stripe and PayPal behind one contract, exact money, no
 * double charge (the row and its provider key commit before the call), failover along
 * `PAYMENT_PROVIDERS` only when the first provider surely did not act.
 */
import { z } from 'zod';
import { defineCategory } from '../category.js';
import { PAYMENT_ERROR_CODES } from './errors.js';
import { PAYMENT_EVENT_TYPES } from './events.js';
import { paymentGuideRoutes } from './guide-routes.js';
import { paymentRoutes } from './routes.js';
import { PaymentsService } from './service.js';
import { applyPaymentEvents } from './tracking.js';

const settings = z.object({
  PAYMENT_RECOVERY_SECONDS: z.coerce.number().int().min(1, 'must be at least 1').default(120),
});

export const paymentsCategory = defineCategory({
  name: 'payments',
  title: 'Payments',
  chainVar: 'PAYMENT_PROVIDERS',
  failover: 'not-acted',
  settings,
  errorCodes: PAYMENT_ERROR_CODES,
  eventTypes: PAYMENT_EVENT_TYPES,
  scopes: {
    'payments:write': 'Create, confirm, capture, cancel and refund payments; manage customers, subscriptions, invoices',
    'payments:read': 'Read payments, refunds, customers, subscriptions and invoices',
  },
  create(ctx) {
    const payments = new PaymentsService({
      store: ctx.store, queue: ctx.queue, connections: ctx.connections, clock: ctx.clock, logger: ctx.logger,
      chain: ctx.chain, failover: ctx.failover, recoveryMs: ctx.settings.PAYMENT_RECOVERY_SECONDS * 1000,
    });
    return {
      service: payments,
      routes: [paymentRoutes(payments), paymentGuideRoutes(payments)],
      sinks: [(provider, inbound) => applyPaymentEvents(ctx.store, ctx.clock, payments.records, provider, inbound, ctx.events).then(() => undefined)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Payments, refunds, customers, subscriptions, invoices (Stripe, PayPal). */
    payments: PaymentsService;
  }
}
