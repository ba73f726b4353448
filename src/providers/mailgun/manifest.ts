/**
 * Mailgun as data: base URLs per region, credentials, env names, rate limit, error mapping.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/#base-url
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapMailgunError } from './errors.js';

/** Mailgun's API hosts; a domain lives in exactly one region and is unknown to the other. */
export const MAILGUN_BASE_URLS = {
  us: 'https://api.mailgun.net',
  eu: 'https://api.eu.mailgun.net',
} as const;

export type MailgunRegion = keyof typeof MAILGUN_BASE_URLS;

/** Env values may be set but empty (`MAILGUN_REGION=`): treat that as unset. */
const blankAsUnset = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const regionMessage =
  "MAILGUN_REGION must be 'us' or 'eu': the region your sending domain was created in (Mailgun control panel → Sending → Domains)";

/**
 * The credentials of one Mailgun connection. Env values are strings, so `region` is trimmed and
 * lower-cased before it is checked (`EU` is accepted).
 *
 * @example
 * mailgunCredentials.parse({ apiKey: 'key-…', domain: 'mg.example.com', region: 'EU' }).region // 'eu'
 */
export const mailgunCredentials = z.object({
  apiKey: z.string().trim().min(1, 'MAILGUN_API_KEY is empty: use a private API key (Mailgun → API Security)'),
  domain: z
    .string()
    .trim()
    .min(1, 'MAILGUN_DOMAIN is empty: use the sending domain as Mailgun lists it, e.g. mg.example.com'),
  webhookSigningKey: z.preprocess(blankAsUnset, z.string().trim().optional()),
  region: z.preprocess(
    blankAsUnset,
    z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(['us', 'eu'], { error: regionMessage }))
      .default('us'),
  ),
  fromEmail: z.preprocess(
    blankAsUnset,
    z.email({ error: 'MAILGUN_FROM_EMAIL must be an email address on the sending domain' }).optional(),
  ),
});

export type MailgunCredentials = z.infer<typeof mailgunCredentials>;

/**
 * The Mailgun manifest.
 *
 * @example
 * mailgunManifest.baseUrlFor?.({ apiKey: 'k', domain: 'mg.example.com', region: 'eu' }) // 'https://api.eu.mailgun.net'
 */
export const mailgunManifest: ProviderManifest<MailgunCredentials> = {
  id: 'mailgun',
  name: 'Mailgun',
  categories: ['email'],
  docsUrl: 'https://documentation.mailgun.com/docs/mailgun/api-reference/',
  auth: { type: 'basic', username: 'api', password: '{apiKey}' },
  baseUrl: MAILGUN_BASE_URLS.us,
  baseUrlFor: (credentials) => MAILGUN_BASE_URLS[credentials.region === 'eu' ? 'eu' : 'us'],
  env: {
    apiKey: 'MAILGUN_API_KEY',
    domain: 'MAILGUN_DOMAIN',
    webhookSigningKey: 'MAILGUN_WEBHOOK_SIGNING_KEY',
    region: 'MAILGUN_REGION',
    fromEmail: 'MAILGUN_FROM_EMAIL',
  },
  credentials: mailgunCredentials,
  liveWhen: ['apiKey', 'domain'],
  secretFields: ['apiKey', 'webhookSigningKey'],
  // Mailgun publishes no fixed request rate for the Messages API: sending limits are per account
  // and plan (exceeding them answers 420, see errors.ts). 300/min is the figure its docs give for
  // other endpoints; we use it as a conservative default, not a documented sending limit.
  rateLimit: { limit: 300, intervalMs: 60_000 },
  // A message may carry up to 25 MB of attachments; the 10 s default is short for that upload.
  timeoutMs: 30_000,
  // No idempotency header: Mailgun has none, so a POST is retried only when it surely never arrived.
  mapError: mapMailgunError,
};
