/**
 * The `sms` category, declared once: SMS, MMS and WhatsApp behind one contract (Twilio today),
 * failover along `SMS_PROVIDERS` only when a provider surely did not act (`not-acted`: a text
 * that may have gone out is never sent again by another provider), verification codes, alerts,
 * bulk sends, the opt-out list (STOP / START) and delivery tracking from status callbacks.
 */
import { z } from 'zod';
import { defineCategory } from '../category.js';
import { SMS_ERROR_CODES } from './errors.js';
import { SMS_EVENT_DESCRIPTIONS, WHATSAPP_EVENT_DESCRIPTIONS } from './events.js';
import { SMS_MIGRATIONS } from './migrations.js';
import { smsRoutes } from './routes.js';
import { SmsService } from './service.js';
import { applySmsEvents } from './tracking.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const settings = z.object({
  SMS_DEFAULT_COUNTRY: optional(z.string().regex(/^[A-Za-z]{2}$/, 'must be an ISO 3166 country code such as US or GB').transform((v) => v.toUpperCase())),
  SMS_BULK_MAX_RECIPIENTS: z.coerce.number().int().min(1, 'must be at least 1').default(10_000),
  SMS_CODE_TTL_SECONDS: z.coerce.number().int().min(30, 'must be at least 30').max(86_400, 'at most a day').default(600),
  SMS_CODE_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  SMS_CODE_RESEND_SECONDS: z.coerce.number().int().min(0).max(3600).default(30),
  SWITCHBOARD_PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: 'must be the http(s) URL the hub is reached at' })),
  PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: 'must be the http(s) URL the hub is reached at' })),
});

export const smsCategory = defineCategory({
  name: 'sms',
  title: 'SMS & WhatsApp',
  failover: 'not-acted',
  settings,
  errorCodes: SMS_ERROR_CODES,
  eventTypes: { sms: SMS_EVENT_DESCRIPTIONS, whatsapp: WHATSAPP_EVENT_DESCRIPTIONS },
  scopes: {
    'sms:send': 'Send SMS and WhatsApp messages, verification codes, alerts and bulk sends; check codes',
    'sms:read': 'Read message status and the opt-out list',
    'sms:admin': 'Manage the opt-out list',
  },
  migrations: SMS_MIGRATIONS,
  create(ctx) {
    const sms = new SmsService({
      store: ctx.store,
      queue: ctx.queue,
      connections: ctx.connections,
      clock: ctx.clock,
      logger: ctx.logger,
      failover: ctx.failover,
      chain: ctx.chain,
      defaultCountry: ctx.settings.SMS_DEFAULT_COUNTRY,
      publicUrl: ctx.settings.SWITCHBOARD_PUBLIC_URL ?? ctx.settings.PUBLIC_URL,
      bulkMaxRecipients: ctx.settings.SMS_BULK_MAX_RECIPIENTS,
      verification: { ttlSeconds: ctx.settings.SMS_CODE_TTL_SECONDS, maxAttempts: ctx.settings.SMS_CODE_MAX_ATTEMPTS, resendSeconds: ctx.settings.SMS_CODE_RESEND_SECONDS },
    });
    return {
      service: sms,
      routes: [smsRoutes(sms)],
      jobs: { 'sms.bulk': (batch) => sms.bulk.progress(batch) },
      sinks: [(provider, events, origin) => applySmsEvents(ctx.store, ctx.clock, provider, events, origin, ctx.events).then(() => undefined)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Send SMS / WhatsApp (`hub.sms.send`, `hub.sms.whatsapp`), codes (`hub.sms.verification`), bulk (`hub.sms.bulk`), opt-outs. */
    sms: SmsService;
  }
}
