/**
 * Twilio as data: base URL, credentials, env names, rate limit, error mapping. One manifest for
 * every Twilio category (`sms` here; `voice` adds itself to `categories`).
 *
 * @see https://www.twilio.com/docs/usage/api
 * @see https://www.twilio.com/docs/usage/requests-to-twilio (HTTP basic auth: Account SID and Auth Token)
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapTwilioError } from './errors.js';

/** Env values may be set but empty (`TWILIO_PHONE_NUMBER=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

const E164 = /^\+[1-9]\d{6,14}$/;

/**
 * The credentials of one Twilio connection.
 *
 * @example
 * twilioCredentials.parse({ accountSid: 'AC' + 'a'.repeat(32), authToken: 'x'.repeat(32), phoneNumber: '+15005550006' })
 */
export const twilioCredentials = z.object({
  accountSid: z
    .string()
    .trim()
    .regex(/^AC[0-9a-fA-F]{32}$/, 'TWILIO_ACCOUNT_SID must be your Account SID: "AC" and 32 hex digits (Console → Account Info)'),
  authToken: z.string().trim().min(1, 'TWILIO_AUTH_TOKEN is empty: copy the Auth Token shown under Console → Account Info'),
  phoneNumber: optional(
    z
      .string()
      .trim()
      .refine((v) => E164.test(v) || /^[A-Za-z0-9 ]{1,11}$/.test(v) || /^MG[0-9a-fA-F]{32}$/.test(v), {
        error: 'TWILIO_PHONE_NUMBER must be a Twilio number in E.164 (+14155552671), an alphanumeric sender id (up to 11 characters) or a Messaging Service SID (MG…)',
      }),
  ),
  whatsappNumber: optional(
    z
      .string()
      .trim()
      .transform((v) => v.replace(/^whatsapp:/i, ''))
      .refine((v) => E164.test(v), { error: 'TWILIO_WHATSAPP_NUMBER must be your WhatsApp sender in E.164, with or without "whatsapp:" (whatsapp:+14155238886)' }),
  ),
  verifyServiceSid: optional(
    z
      .string()
      .trim()
      .regex(/^VA[0-9a-fA-F]{32}$/, 'TWILIO_VERIFY_SERVICE_SID must be a Verify Service SID: "VA" and 32 hex digits (Console → Verify → Services)'),
  ),
});

export type TwilioCredentials = z.infer<typeof twilioCredentials>;

/**
 * The Twilio manifest.
 *
 * @example
 * twilioManifest.env.accountSid // 'TWILIO_ACCOUNT_SID'
 */
export const twilioManifest: ProviderManifest<TwilioCredentials> = {
  id: 'twilio',
  name: 'Twilio',
  categories: ['sms', 'voice'],
  docsUrl: 'https://www.twilio.com/docs/usage/api',
  auth: { type: 'basic', username: '{accountSid}', password: '{authToken}' },
  baseUrl: 'https://api.twilio.com',
  env: {
    accountSid: 'TWILIO_ACCOUNT_SID',
    authToken: 'TWILIO_AUTH_TOKEN',
    phoneNumber: 'TWILIO_PHONE_NUMBER',
    whatsappNumber: 'TWILIO_WHATSAPP_NUMBER',
    verifyServiceSid: 'TWILIO_VERIFY_SERVICE_SID',
  },
  credentials: twilioCredentials,
  liveWhen: ['accountSid', 'authToken'],
  // The Auth Token also signs Twilio's webhooks (X-Twilio-Signature).
  secretFields: ['accountSid', 'authToken'], // the SID is half of the Basic header: redacted with it
  /**
   * Twilio accepts API requests faster than it sends: messages beyond a sender's rate (1 segment
   * per second for a US long code, more for toll-free, short codes and Messaging Services) wait
   * in Twilio's queue for up to 4 hours. The hub paces every request of one account at this rate
   * (bulk sends included); set `TWILIO_RATE_LIMIT=1/s` (or `RATE_LIMIT_TWILIO`) to match a single
   * long code exactly.
   * @see https://help.twilio.com/articles/115002943027-Understanding-Twilio-Rate-Limits-and-Message-Queues
   */
  rateLimit: { limit: 10, intervalMs: 1_000 },
  rateLimitVar: 'TWILIO_RATE_LIMIT',
  // No idempotency key on the 2010-04-01 API: a send is retried only when it surely never reached Twilio.
  mapError: (res) => mapTwilioError(res),
};
