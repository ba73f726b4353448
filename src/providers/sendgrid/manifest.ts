/**
 * SendGrid as data: base URL, credentials, env names, rate limit, error mapping.
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference
 * @see https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/authentication
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapSendgridError } from './errors.js';
import { parseSendgridPublicKey } from './webhooks.js';

/** Env values may be set but empty (`SENDGRID_FROM_EMAIL=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one SendGrid connection.
 *
 * @example
 * sendgridCredentials.parse({ apiKey: 'SG.xxx', fromEmail: 'hello@example.com' })
 */
export const sendgridCredentials = z.object({
  apiKey: z.string().trim().min(1, 'SENDGRID_API_KEY is empty: create an API key with the "Mail Send" permission (Settings → API Keys)'),
  fromEmail: optional(z.email({ error: 'SENDGRID_FROM_EMAIL must be an email address of a verified Sender Identity' })),
  webhookPublicKey: optional(
    z
      .string()
      .trim()
      .refine((v) => parseSendgridPublicKey(v) !== null, {
        error:
          'SENDGRID_WEBHOOK_PUBLIC_KEY must be the base64 ECDSA P-256 verification key shown under Settings → Mail Settings → Event Webhook (MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE…)',
      }),
  ),
});

export type SendgridCredentials = z.infer<typeof sendgridCredentials>;

/**
 * The SendGrid manifest.
 *
 * @example
 * sendgridManifest.env.apiKey // 'SENDGRID_API_KEY'
 */
export const sendgridManifest: ProviderManifest<SendgridCredentials> = {
  id: 'sendgrid',
  name: 'SendGrid',
  categories: ['email'],
  docsUrl: 'https://www.twilio.com/docs/sendgrid/api-reference',
  auth: { type: 'bearer', token: '{apiKey}' },
  // EU regional subusers use https://api.eu.sendgrid.com; set SENDGRID_API_BASE for them.
  baseUrl: 'https://api.sendgrid.com',
  env: {
    apiKey: 'SENDGRID_API_KEY',
    fromEmail: 'SENDGRID_FROM_EMAIL',
    webhookPublicKey: 'SENDGRID_WEBHOOK_PUBLIC_KEY',
  },
  credentials: sendgridCredentials,
  liveWhen: ['apiKey'],
  secretFields: ['apiKey'],
  /**
   * SendGrid's documented default of 600 requests per minute per key (free tier); paid plans may
   * send faster, every 2xx and 429 carries `X-RateLimit-Limit/Remaining/Reset`.
   * @see https://www.twilio.com/docs/sendgrid/api-reference/how-to-use-the-sendgrid-v3-api/rate-limits
   */
  rateLimit: { limit: 600, intervalMs: 60_000 },
  // No idempotencyHeader: SendGrid has no idempotency key, so a send is retried only when it
  // surely never reached SendGrid.
  mapError: (res) => mapSendgridError(res),
};
