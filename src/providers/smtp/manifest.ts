/**
 * SMTP as a provider: any mail server that speaks RFC 5321 (Postfix, Exchange, Gmail's
 * smtp.gmail.com, Amazon SES SMTP, Mailpit…), driven by nodemailer.
 *
 * @see https://nodemailer.com/smtp/
 * @see https://www.rfc-editor.org/rfc/rfc5321
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { ProviderManifest } from '../../kit/connector.js';

const BOOLEAN_WORDS: Record<string, boolean> = { true: true, false: false, '1': true, '0': false };

/** Env values arrive as strings; an empty one means "not set". */
const blankToUndefined = (value: unknown): unknown => (value === '' || value === null ? undefined : value);

const optionalText = z.preprocess(blankToUndefined, z.string().trim().min(1).optional());

const port = z.preprocess(
  blankToUndefined,
  z.coerce
    .number({ error: 'SMTP_PORT must be a number: 587 (STARTTLS), 465 (implicit TLS) or 25' })
    .int('SMTP_PORT must be a whole number')
    .min(1, 'SMTP_PORT must be between 1 and 65535')
    .max(65535, 'SMTP_PORT must be between 1 and 65535')
    .optional(),
);

const secure = z.preprocess(
  (value) => (typeof value === 'string' && value !== '' ? (BOOLEAN_WORDS[value.trim().toLowerCase()] ?? value) : blankToUndefined(value)),
  z
    .boolean({
      error: 'SMTP_SECURE must be "true" or "1" (implicit TLS, usually port 465) or "false" or "0" (plain, upgraded with STARTTLS when offered)',
    })
    .optional(),
);

/**
 * Credentials of an SMTP connection. `secure` defaults to true on port 465 only; `fromEmail` is
 * the default sender the hub resolves `from` with when a message has none.
 *
 * @example
 * smtpCredentials.parse({ host: 'smtp.example.com', port: '465', user: 'me', pass: 's3cret' });
 * // → { host: 'smtp.example.com', port: 465, secure: true, user: 'me', pass: 's3cret' }
 */
export const smtpCredentials = z
  .object({
    host: optionalText,
    port,
    user: optionalText,
    pass: z.preprocess(blankToUndefined, z.string().optional()),
    secure,
    fromEmail: z.preprocess(blankToUndefined, z.email('SMTP_FROM_EMAIL must be an email address').optional()),
  })
  .refine((c) => c.pass === undefined || c.user !== undefined, {
    message: 'SMTP_PASS is set but SMTP_USER is not: set both to log in, or neither to send without AUTH',
    path: ['user'],
  })
  .transform((c) => {
    const resolvedPort = c.port ?? 587;
    return { ...c, port: resolvedPort, secure: c.secure ?? resolvedPort === 465 };
  });

export type SmtpCredentials = z.output<typeof smtpCredentials>;

/**
 * The `smtp://host:port` (or `smtps://` for implicit TLS) URL a connection points at.
 *
 * @example
 * smtpBaseUrl({ host: 'mail.example.com', port: 465, secure: true }) // 'smtps://mail.example.com:465'
 */
export function smtpBaseUrl(c: Pick<SmtpCredentials, 'host' | 'port' | 'secure'>): string {
  const host = c.host ?? 'localhost';
  return `${c.secure ? 'smtps' : 'smtp'}://${host.includes(':') ? `[${host}]` : host}:${c.port}`;
}

/**
 * The SMTP provider's data. `baseUrl` is informational: a connection's base URL comes from
 * {@link smtpBaseUrl} (live) or the emulator's `url` (sandbox).
 *
 * @example
 * smtpManifest.env.host // 'SMTP_HOST'
 */
export const smtpManifest: ProviderManifest<SmtpCredentials> = {
  id: 'smtp',
  name: 'SMTP',
  categories: ['email'],
  docsUrl: 'https://nodemailer.com/smtp/',
  auth: { type: 'smtp' },
  baseUrl: 'smtp://localhost:587',
  baseUrlFor: smtpBaseUrl,
  env: {
    host: 'SMTP_HOST',
    port: 'SMTP_PORT',
    user: 'SMTP_USER',
    pass: 'SMTP_PASS',
    secure: 'SMTP_SECURE',
    fromEmail: 'SMTP_FROM_EMAIL',
  },
  credentials: smtpCredentials,
  liveWhen: ['host'],
  secretFields: ['pass'],
  // No published limit: most relays throttle somewhere between 5 and 30 messages a second.
  rateLimit: { limit: 600, intervalMs: 60_000 },
  // RFC 5321 §4.5.3.2 allows minutes per command; 30 s per attempt is the practical bound.
  timeoutMs: 30_000,
  retry: { maxAttempts: 3, baseDelayMs: 1_000, maxDelayMs: 30_000 },
  mapError: (res) =>
    new HubError('provider_error', `SMTP has no HTTP API, yet an HTTP answer ${res.status} was mapped; this is a bug in the connector`, {
      provider: 'smtp',
      providerStatus: res.status,
    }),
};
