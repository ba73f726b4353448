/**
 * Stripe as data: base URL, credentials, env names, rate limit, idempotency header, error mapping.
 *
 * @see https://docs.stripe.com/api
 * @see https://docs.stripe.com/keys
 * @see https://docs.stripe.com/rate-limits
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapStripeError } from './errors.js';

/** Env values may be set but empty (`STRIPE_PUBLISHABLE_KEY=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one Stripe connection.
 *
 * @example
 * stripeCredentials.parse({ secretKey: 'sk_test_123', webhookSecret: 'whsec_abc' })
 */
export const stripeCredentials = z.object({
  secretKey: z
    .string()
    .trim()
    .regex(/^(sk|rk)_[A-Za-z0-9_]+$/, {
      error: 'STRIPE_SECRET_KEY must be a secret key (sk_test_… / sk_live_…) or a restricted key (rk_…) from Developers → API keys; a publishable key (pk_…) cannot call the API',
    }),
  publishableKey: optional(
    z
      .string()
      .trim()
      .regex(/^pk_[A-Za-z0-9_]+$/, { error: 'STRIPE_PUBLISHABLE_KEY must be a publishable key (pk_test_… / pk_live_…)' }),
  ),
  webhookSecret: optional(z.string().trim().min(1)),
});

export type StripeCredentials = z.infer<typeof stripeCredentials>;

/**
 * The Stripe manifest.
 *
 * @example
 * stripeManifest.env.secretKey // 'STRIPE_SECRET_KEY'
 */
export const stripeManifest: ProviderManifest<StripeCredentials> = {
  id: 'stripe',
  name: 'Stripe',
  categories: ['payments'],
  docsUrl: 'https://docs.stripe.com/api',
  auth: { type: 'bearer', token: '{secretKey}' },
  baseUrl: 'https://api.stripe.com',
  env: {
    secretKey: 'STRIPE_SECRET_KEY',
    publishableKey: 'STRIPE_PUBLISHABLE_KEY',
    webhookSecret: 'STRIPE_WEBHOOK_SECRET',
  },
  credentials: stripeCredentials,
  liveWhen: ['secretKey'],
  secretFields: ['secretKey', 'webhookSecret'],
  /**
   * Stripe's live-mode limit of 100 read and 100 write operations per second (test mode allows
   * 25 of each; a 429 there carries what to wait).
   * @see https://docs.stripe.com/rate-limits
   */
  rateLimit: { limit: 100, intervalMs: 1_000 },
  // Stripe keeps a key's answer 24 hours: a retried create replays it instead of charging twice.
  idempotencyHeader: 'Idempotency-Key',
  mapError: (res) => mapStripeError(res),
};
