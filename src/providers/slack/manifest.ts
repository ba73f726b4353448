/**
 * Slack as data: the Web API base, the bot token as a bearer credential, the signing secret of
 * inbound requests, rate limit and error mapping.
 *
 * The folder replaces the OAuth catalog's `slack` definition and keeps it linked (`oauth: 'slack'`):
 * sign-in with Slack and the connect flow still use the catalog entry (a workspace installed
 * through `POST /api/v1/connections/oauth/start` holds the bot token `oauth.v2.access` answers as
 * its access token), while `SLACK_BOT_TOKEN` makes the env default connection (a bot token does not
 * expire, so nothing refreshes it). The auth is one hook: the credential `botToken` when set, else
 * the connection's access token.
 *
 * @see https://api.slack.com/web
 * @see https://api.slack.com/authentication/token-types#bot
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapSlackError } from './errors.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one Slack connection: a bot token (`xoxb-…`, scopes `chat:write`,
 * `channels:read`, `channels:manage`, `groups:read`, `users:read`, `users:read.email`,
 * `commands`) and the app's signing secret (Basic Information → App Credentials).
 *
 * @example
 * slackCredentials.parse({ botToken: 'xoxb-1-2-abc', signingSecret: '8f742231b10e8888abcd99yyyzzz85a5' })
 */
export const slackCredentials = z.object({
  botToken: optional(z.string().trim().regex(/^xox[a-z]-/, 'SLACK_BOT_TOKEN must be a Slack token (xoxb-… for a bot)')),
  signingSecret: optional(z.string().trim().min(8, 'SLACK_SIGNING_SECRET is the app\'s signing secret (Basic Information → App Credentials)')),
});

export type SlackCredentials = z.infer<typeof slackCredentials>;

/** The bot token, else the access token a connected workspace holds. */
function tokenOf(connection: { id: string; credentials: SlackCredentials; tokens?: { accessToken?: unknown } }): string {
  const token = connection.credentials.botToken ?? connection.tokens?.accessToken;
  if (typeof token === 'string' && token !== '') return token;
  throw new HubError('config_invalid', `Slack connection ${connection.id} has no bot token: set SLACK_BOT_TOKEN or connect a workspace`, { provider: 'slack', details: { field: 'botToken', env: 'SLACK_BOT_TOKEN' } });
}

export const slackManifest: ProviderManifest<SlackCredentials> = {
  id: 'slack',
  name: 'Slack',
  categories: ['chat'],
  docsUrl: 'https://api.slack.com/web',
  auth: {
    type: 'custom',
    description: 'Authorization: Bearer <bot token> (SLACK_BOT_TOKEN, or the token of a connected workspace), to the API origin only',
    sign(request, connection) {
      const conn = connection as typeof connection & { baseUrl?: string; tokens?: { accessToken?: unknown } };
      if (conn.baseUrl && request.url.origin !== new URL(conn.baseUrl).origin) return; // a response_url elsewhere: no token
      request.headers.authorization = `Bearer ${tokenOf(conn)}`;
    },
  },
  baseUrl: 'https://slack.com/api',
  env: { botToken: 'SLACK_BOT_TOKEN', signingSecret: 'SLACK_SIGNING_SECRET' },
  credentials: slackCredentials,
  liveWhen: ['botToken'],
  secretFields: ['botToken', 'signingSecret'],
  /**
   * `chat.postMessage` is tier "special": about one message a second per channel, bursts allowed;
   * most other methods are tier 2–3 (20–50 a minute). A workspace-wide pace of 100 a minute.
   * @see https://api.slack.com/apis/rate-limits
   */
  rateLimit: { limit: 100, intervalMs: 60_000 },
  mapError: (res) => mapSlackError(res),
  oauth: 'slack',
  /** Bot scopes a connected workspace grants (Slack's `scope`, comma-separated by the catalog entry). */
  oauthScopes: ['chat:write', 'channels:read', 'groups:read', 'channels:manage', 'users:read', 'users:read.email', 'commands'],
};
