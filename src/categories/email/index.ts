/**
 * The `email` category, declared once: SendGrid, Mailgun and SMTP behind one contract, failover
 * along `EMAIL_PROVIDERS` on retryable failures, templates, bulk sends, suppressions and delivery
 * tracking from the providers' webhooks.
 */
import { z } from 'zod';
import { defineCategory } from '../category.js';
import { EMAIL_ERROR_CODES } from './errors.js';
import { EMAIL_EVENT_DESCRIPTIONS } from './events.js';
import { emailRoutes } from './routes.js';
import { EmailService } from './service.js';
import { TemplateStore } from './template-store.js';
import { applyEmailEvents } from './tracking.js';

const settings = z.object({
  EMAIL_FROM: z.email('must be an email address').optional(),
  BULK_MAX_RECIPIENTS: z.coerce.number().int().min(1, 'must be at least 1').default(10_000),
});

export const emailCategory = defineCategory({
  name: 'email',
  title: 'Email',
  failover: 'retryable',
  settings,
  errorCodes: EMAIL_ERROR_CODES,
  eventTypes: { email: EMAIL_EVENT_DESCRIPTIONS },
  scopes: {
    'email:send': 'Send email (single, flows, bulk)',
    'email:read': 'Read messages and templates',
    'email:admin': 'Manage templates and suppressions',
  },
  create(ctx) {
    const email = new EmailService({
      store: ctx.store, queue: ctx.queue, connections: ctx.connections, templates: new TemplateStore(ctx.store, ctx.clock), clock: ctx.clock, logger: ctx.logger,
      failover: ctx.failover, defaultFrom: ctx.settings.EMAIL_FROM, bulkMaxRecipients: ctx.settings.BULK_MAX_RECIPIENTS,
    });
    return {
      service: email,
      routes: [emailRoutes({ email, bulk: email.bulk, templates: email.templates })],
      jobs: { 'email.bulk': (batch) => email.bulk.progress(batch) },
      sinks: [(provider, inbound) => applyEmailEvents(ctx.store, ctx.clock, provider, inbound, ctx.events).then(() => undefined)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Send email, templates (`hub.email.templates`), bulk (`hub.email.bulk`), suppressions. */
    email: EmailService;
  }
}
