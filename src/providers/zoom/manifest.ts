/**
 * Zoom as data: the API base, OAuth access tokens as the auth, the Server-to-Server app's
 * credentials, the webhook secret token, rate limit and error mapping.
 *
 * The folder replaces the OAuth catalog's `zoom` definition and keeps it linked (`oauth: 'zoom'`):
 * sign-in with Zoom and the connect flow still use the catalog entry (an account connected through
 * `POST /api/v1/connections/oauth/start` holds a user token the hub's Zoom app refreshes), while
 * `ZOOM_CLIENT_ID`, `ZOOM_CLIENT_SECRET` and `ZOOM_ACCOUNT_ID` make the env default connection: a
 * Server-to-Server OAuth app whose 1-hour tokens (`grant_type=account_credentials`, no refresh
 * token) the hub's one token manager fetches and renews (`token.ts`).
 *
 * @see https://developers.zoom.us/docs/internal-apps/s2s-oauth/
 * @see https://developers.zoom.us/docs/api/rest/rate-limits/
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapZoomError } from './errors.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one Zoom connection: a Server-to-Server OAuth app (Account ID, Client ID,
 * Client Secret on the app's App Credentials page) and its webhook Secret Token (Feature page).
 * An account connected through the connect flow holds none of them.
 *
 * @example
 * zoomCredentials.parse({ clientId: 'aBc1', clientSecret: 's3cr3t', accountId: 'Xy_9' })
 */
export const zoomCredentials = z.object({
  clientId: optional(z.string().trim().min(1, 'ZOOM_CLIENT_ID is empty: the Server-to-Server OAuth app\'s Client ID')),
  clientSecret: optional(z.string().trim().min(1, 'ZOOM_CLIENT_SECRET is empty: the app\'s Client Secret')),
  accountId: optional(z.string().trim().min(1, 'ZOOM_ACCOUNT_ID is empty: the app\'s Account ID')),
  webhookSecretToken: optional(z.string().trim().min(8, 'ZOOM_WEBHOOK_SECRET_TOKEN is the app\'s Secret Token (Feature → Event Subscriptions)')),
  /** The redirect URL of the hub's Zoom OAuth app: accounts connected through the hub come back to it (docs/oauth.md). */
  redirectUri: optional(z.url({ error: 'ZOOM_REDIRECT_URI must be an absolute URL (the OAuth app\'s Redirect URL for OAuth)' })),
});

export type ZoomCredentials = z.infer<typeof zoomCredentials>;

export const zoomManifest: ProviderManifest<ZoomCredentials> = {
  id: 'zoom',
  name: 'Zoom',
  categories: ['meetings'],
  docsUrl: 'https://developers.zoom.us/docs/api/meetings/',
  auth: { type: 'oauth2' },
  baseUrl: 'https://api.zoom.us/v2',
  env: { clientId: 'ZOOM_CLIENT_ID', clientSecret: 'ZOOM_CLIENT_SECRET', accountId: 'ZOOM_ACCOUNT_ID', webhookSecretToken: 'ZOOM_WEBHOOK_SECRET_TOKEN', redirectUri: 'ZOOM_REDIRECT_URI' },
  credentials: zoomCredentials,
  liveWhen: ['clientId', 'clientSecret', 'accountId'],
  secretFields: ['clientSecret', 'webhookSecretToken'],
  /**
   * Zoom's per-account limits (Pro): 30 light, 20 medium (meeting create/update), 10 heavy
   * requests a second; besides, 100 meeting creates or updates a day per user. A pace of 20 a second.
   */
  rateLimit: { limit: 20, intervalMs: 1000 },
  mapError: mapZoomError,
  oauth: 'zoom',
};
