/**
 * Microsoft Graph as data, for two providers over one Microsoft account: `outlook` (calendars) and
 * `teams` (Teams meetings). Both link to the OAuth catalog's `microsoft` entry (`oauth:
 * 'microsoft'`): the hub's Microsoft app renews the user's tokens at
 * `https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token`, and Microsoft rotates the refresh
 * token on every use (the token manager saves each new one, sealed). The tenant is the connection's
 * `tenantId` (`OUTLOOK_TENANT_ID`, default `common`).
 *
 * `OUTLOOK_CLIENT_ID`, `OUTLOOK_CLIENT_SECRET` and `OUTLOOK_REFRESH_TOKEN` make the default
 * connection of both providers (an app registration's client, and a refresh token granted the
 * scopes below with `offline_access`); unset, both run against the Graph emulator.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/calendar
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow#refresh-the-access-token
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapGraphError } from './errors.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/** Times in UTC and bodies as text in every answer (Graph's defaults are the mailbox's zone and HTML). */
export const GRAPH_PREFER = 'outlook.timezone="UTC", outlook.body-content-type="text"';

/** Microsoft Graph v1.0. */
export const GRAPH_BASE_URL = 'https://graph.microsoft.com/v1.0';

/**
 * The credentials of one Microsoft Graph connection (Outlook calendars, Teams meetings): the app
 * registration's client (Entra admin center → App registrations), the user's refresh token and the
 * directory tenant. An account connected through `POST /api/v1/connections/oauth/start`
 * (`provider: 'outlook'` or `'teams'`) holds none of them: the hub's Microsoft app renews its tokens.
 *
 * @example
 * graphCredentials.parse({ clientId: '00000000-0000-0000-0000-000000000000', clientSecret: 'abc~…', refreshToken: 'M.C5…', tenantId: 'common' })
 */
export const graphCredentials = z.object({
  clientId: optional(z.string().trim().min(1, 'OUTLOOK_CLIENT_ID is empty: the Application (client) ID of the app registration')),
  clientSecret: optional(z.string().trim().min(1, "OUTLOOK_CLIENT_SECRET is empty: a client secret's Value (Certificates & secrets)")),
  redirectUri: optional(z.url({ error: 'OUTLOOK_REDIRECT_URI must be an absolute URL registered as a Web redirect URI of the app' })),
  refreshToken: optional(z.string().trim().min(1, 'OUTLOOK_REFRESH_TOKEN is empty: connect the account with offline_access and the Calendars.ReadWrite scope')),
  tenantId: optional(z.string().trim().regex(/^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\.[a-z0-9-]+)+)$/i, 'OUTLOOK_TENANT_ID must be common, organizations, consumers, a tenant id (GUID) or a verified domain')),
});

export type GraphCredentials = z.infer<typeof graphCredentials>;

const env = {
  clientId: 'OUTLOOK_CLIENT_ID',
  clientSecret: 'OUTLOOK_CLIENT_SECRET',
  redirectUri: 'OUTLOOK_REDIRECT_URI',
  refreshToken: 'OUTLOOK_REFRESH_TOKEN',
  tenantId: 'OUTLOOK_TENANT_ID',
} as const;

const common = {
  auth: { type: 'oauth2' },
  baseUrl: GRAPH_BASE_URL,
  env,
  credentials: graphCredentials,
  liveWhen: ['clientId', 'clientSecret', 'refreshToken'],
  secretFields: ['clientSecret', 'refreshToken'],
  oauth: 'microsoft',
  /**
   * Outlook's per-mailbox limit: 10,000 requests per 10 minutes (and 4 concurrent); Graph answers
   * 429 with `Retry-After` (seconds, up to minutes), which the transport honours.
   * @see https://learn.microsoft.com/en-us/graph/throttling-limits#outlook-service-limits
   */
  rateLimit: { limit: 10_000, intervalMs: 600_000 },
  retry: { maxAttempts: 3, maxDelayMs: 60_000 },
} satisfies Omit<ProviderManifest<GraphCredentials>, 'id' | 'name' | 'categories' | 'docsUrl' | 'mapError'>;

/**
 * The Outlook calendar manifest.
 *
 * @example
 * outlookManifest.env.refreshToken // 'OUTLOOK_REFRESH_TOKEN'
 */
export const outlookManifest: ProviderManifest<GraphCredentials> = {
  ...common,
  id: 'outlook',
  name: 'Outlook (Microsoft Graph)',
  categories: ['calendar'],
  docsUrl: 'https://learn.microsoft.com/en-us/graph/api/resources/calendar-overview',
  mapError: (res) => mapGraphError(res, 'outlook'),
  oauthScopes: ['openid', 'email', 'offline_access', 'User.Read', 'Calendars.ReadWrite'],
};

/**
 * The Teams meetings manifest (not `teams-webhook`, the incoming-webhook chat provider).
 *
 * @example
 * teamsManifest.oauth // 'microsoft'
 */
export const teamsManifest: ProviderManifest<GraphCredentials> = {
  ...common,
  id: 'teams',
  name: 'Microsoft Teams meetings (Microsoft Graph)',
  categories: ['meetings'],
  docsUrl: 'https://learn.microsoft.com/en-us/graph/api/resources/onlinemeeting',
  mapError: (res) => mapGraphError(res, 'teams', 'meeting_not_found'),
  // One Graph emulator and one sandbox mailbox for both: a Teams meeting is an Outlook event.
  emulatorOf: 'outlook',
  oauthScopes: ['openid', 'email', 'offline_access', 'User.Read', 'Calendars.ReadWrite', 'OnlineMeetings.ReadWrite'],
};
