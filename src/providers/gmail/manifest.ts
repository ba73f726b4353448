/**
 * Gmail as data: base URL, OAuth2 auth, credentials, env names, quota, error mapping.
 *
 * Requests carry `Authorization: Bearer <access token>` of the connection's Google OAuth tokens
 * (the transport's `oauth2` auth); the client and refresh token are what the token manager
 * refreshes them with. Gmail push notifications (`users.watch`) go through Google Cloud Pub/Sub
 * and are out of scope: a Gmail message's status stays `sent`.
 *
 * @see https://developers.google.com/gmail/api/reference/rest
 * @see https://developers.google.com/gmail/api/auth/scopes
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapGmailError } from './errors.js';

/** Env values may be set but empty (`GMAIL_FROM_EMAIL=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one Gmail connection: the Google OAuth client and the user's refresh token
 * (granted with the `https://www.googleapis.com/auth/gmail.send` scope). The env default
 * connection needs all three; an account connected through `POST /api/v1/connections/oauth/start`
 * (`provider: 'gmail'`) holds none: its tokens are stored with it and the hub's Google app renews them.
 *
 * @example
 * gmailCredentials.parse({ clientId: '123.apps.googleusercontent.com', clientSecret: 'GOCSPX-…', refreshToken: '1//0g…' })
 */
export const gmailCredentials = z.object({
  clientId: optional(z.string().trim().min(1, 'GOOGLE_CLIENT_ID is empty: create an OAuth client ID (Google Cloud console → APIs & Services → Credentials)')),
  clientSecret: optional(z.string().trim().min(1, 'GOOGLE_CLIENT_SECRET is empty: it is shown with the OAuth client ID')),
  refreshToken: optional(z.string().trim().min(1, 'GMAIL_REFRESH_TOKEN is empty: connect the Gmail account with the gmail.send scope and offline access')),
  fromEmail: optional(z.email({ error: 'GMAIL_FROM_EMAIL must be the address of the connected account or one of its verified "Send mail as" aliases' })),
});

export type GmailCredentials = z.infer<typeof gmailCredentials>;

/**
 * The Gmail manifest.
 *
 * @example
 * gmailManifest.env.refreshToken // 'GMAIL_REFRESH_TOKEN'
 */
export const gmailManifest: ProviderManifest<GmailCredentials> = {
  id: 'gmail',
  name: 'Gmail',
  categories: ['email'],
  docsUrl: 'https://developers.google.com/gmail/api/reference/rest/v1/users.messages/send',
  auth: { type: 'oauth2' },
  // Tokens come from Google's authorization server: the hub's Google app renews them.
  oauth: 'google',
  oauthScopes: ['openid', 'email', 'https://www.googleapis.com/auth/gmail.send'],
  baseUrl: 'https://gmail.googleapis.com',
  env: {
    clientId: 'GOOGLE_CLIENT_ID',
    clientSecret: 'GOOGLE_CLIENT_SECRET',
    refreshToken: 'GMAIL_REFRESH_TOKEN',
    fromEmail: 'GMAIL_FROM_EMAIL',
  },
  credentials: gmailCredentials,
  liveWhen: ['clientId', 'clientSecret', 'refreshToken'],
  secretFields: ['clientSecret', 'refreshToken'],
  /**
   * Gmail's per-user quota: 250 quota units per second, and `messages.send` costs 100 units, so
   * at most 2.5 sends a second (150 a minute). Daily sending limits (500 recipients a day for a
   * consumer account, 2,000 for Workspace) are enforced by Gmail as 403 `dailyLimitExceeded`.
   * @see https://developers.google.com/gmail/api/reference/quota
   */
  rateLimit: { limit: 150, intervalMs: 60_000 },
  // No idempotencyHeader: Gmail has none, so a send is retried only when it surely never reached Google.
  mapError: (res) => mapGmailError(res),
};
