/**
 * PayPal as data: sandbox and live base URLs, OAuth2 client credentials, env names, rate limit,
 * error mapping, the `PayPal-Request-Id` idempotency header.
 *
 * @see https://developer.paypal.com/api/rest/
 * @see https://developer.paypal.com/api/rest/reference/idempotency/
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapPaypalError } from './errors.js';

/** Env values may be set but empty (`PAYPAL_WEBHOOK_ID=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

export const PAYPAL_SANDBOX_API = 'https://api-m.sandbox.paypal.com';
export const PAYPAL_LIVE_API = 'https://api-m.paypal.com';

/**
 * The credentials of one PayPal connection (a REST app's client id and secret).
 *
 * @example
 * paypalCredentials.parse({ clientId: 'AZ…', clientSecret: 'EL…' }) // { clientId, clientSecret, mode: 'sandbox' }
 */
export const paypalCredentials = z.object({
  clientId: z.string().trim().min(1, 'PAYPAL_CLIENT_ID is empty: copy the Client ID of your REST app (developer.paypal.com → Apps & Credentials)'),
  clientSecret: z.string().trim().min(1, 'PAYPAL_CLIENT_SECRET is empty: copy the Secret of the same REST app'),
  mode: z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase()) : v),
    z.enum(['sandbox', 'live'], { error: 'PAYPAL_MODE must be "sandbox" or "live" (the REST app\'s environment)' }).default('sandbox'),
  ),
  webhookId: optional(z.string().trim().regex(/^[A-Z0-9-]{1,64}$/i, 'PAYPAL_WEBHOOK_ID must be the webhook id PayPal shows for your webhook (e.g. 8PT597110X687430LKGECATA)')),
  /** `offline` (default): verify webhooks against PayPal's certificate; `api`: ask PayPal's verify-webhook-signature. */
  webhookVerify: z.preprocess(
    (v) => (typeof v === 'string' ? (v.trim() === '' ? undefined : v.trim().toLowerCase()) : v),
    z.enum(['offline', 'api'], { error: 'PAYPAL_WEBHOOK_VERIFY must be "offline" or "api"' }).optional(),
  ),
  /**
   * Sandbox only: sent as `PayPal-Mock-Response` on payment calls to simulate an error
   * (`{"mock_application_codes":"INSTRUMENT_DECLINED"}`). Ignored in live mode.
   */
  mockResponse: optional(z.string().trim()),
});

export type PaypalCredentials = z.infer<typeof paypalCredentials>;

/**
 * The PayPal manifest.
 *
 * @example
 * paypalManifest.baseUrlFor!({ clientId: 'a', clientSecret: 'b', mode: 'live' }) // 'https://api-m.paypal.com'
 */
export const paypalManifest: ProviderManifest<PaypalCredentials> = {
  id: 'paypal',
  name: 'PayPal',
  categories: ['payments'],
  docsUrl: 'https://developer.paypal.com/api/rest/',
  // OAuth2 client credentials, kept by the connector (token.ts): the token request authenticates
  // with Basic clientId:clientSecret (request-level auth data), API calls with the cached token.
  auth: { type: 'custom', description: 'OAuth2 client credentials: Basic {clientId}:{clientSecret} for a token, then Bearer <token> (token.ts)' },
  baseUrl: PAYPAL_SANDBOX_API,
  baseUrlFor: (c) => (c.mode === 'live' ? PAYPAL_LIVE_API : PAYPAL_SANDBOX_API),
  env: {
    clientId: 'PAYPAL_CLIENT_ID',
    clientSecret: 'PAYPAL_CLIENT_SECRET',
    mode: 'PAYPAL_MODE',
    webhookId: 'PAYPAL_WEBHOOK_ID',
    webhookVerify: 'PAYPAL_WEBHOOK_VERIFY',
    mockResponse: 'PAYPAL_MOCK_RESPONSE',
  },
  credentials: paypalCredentials,
  liveWhen: ['clientId', 'clientSecret'],
  secretFields: ['clientSecret'],
  /**
   * PayPal publishes no fixed quota; it answers 429 `RATE_LIMIT_REACHED` when an app sends too
   * fast. 50 requests per second per app stays well inside what it tolerates.
   * @see https://developer.paypal.com/api/rest/reference/rate-limiting/
   */
  rateLimit: { limit: 50, intervalMs: 1000 },
  // Every POST carries a PayPal-Request-Id: PayPal answers a repeat with the first result.
  idempotencyHeader: 'PayPal-Request-Id',
  mapError: (res) => mapPaypalError(res),
};
