/**
 * Zoom Server-to-Server OAuth: `POST https://zoom.us/oauth/token?grant_type=account_credentials&account_id=…`
 * with the app's Client ID and Secret as HTTP Basic; a 1-hour bearer token, no refresh token.
 *
 * The hub's one token manager keeps the token (`oauth/token-manager.ts`): fetched once and shared
 * by every call of the connection (and by the hub's processes), renewed before it expires, and
 * renewed at once when the API refuses it (401, code 124). A refused client (`invalid_client`)
 * fails with `provider_auth_failed` naming ZOOM_CLIENT_ID and ZOOM_CLIENT_SECRET.
 *
 * A connection that already has a token source keeps it: an account connected through the connect
 * flow (a user token the hub's Zoom app refreshes), and a live default connection, whose same
 * `account_credentials` grant the hub's Zoom app (the catalog entry, `https://zoom.us/oauth/token`)
 * resolves first. This grant serves the rest: the sandbox connection (the emulator's token
 * endpoint) and a connector built outside a hub.
 *
 * @see https://developers.zoom.us/docs/internal-apps/s2s-oauth/
 */
import type { ProviderContext } from '../../kit/connector.js';
import { TokenManager, type TokenGrant } from '../../oauth/token-manager.js';
import { zoomManifest, type ZoomCredentials } from './manifest.js';

/**
 * Where the connection's S2S tokens come from: Zoom's `https://zoom.us/oauth/token` for its API,
 * else the token endpoint at the origin of the API base (the emulator).
 *
 * @example
 * zoomTokenUrl('https://api.zoom.us/v2') // 'https://zoom.us/oauth/token'
 * zoomTokenUrl('http://127.0.0.1:4100/v2') // 'http://127.0.0.1:4100/oauth/token'
 */
export function zoomTokenUrl(baseUrl: string): string {
  const url = new URL(baseUrl);
  return url.hostname === 'api.zoom.us' ? 'https://zoom.us/oauth/token' : `${url.origin}/oauth/token`;
}

/** The `account_credentials` grant of a connection holding a Server-to-Server app's credentials (read per request). */
export function zoomGrant(ctx: ProviderContext<ZoomCredentials>): TokenGrant {
  const c = () => ctx.connection.credentials;
  return {
    type: 'account_credentials',
    http: ctx.http,
    get accountId() {
      return c().accountId;
    },
    endpoint: {
      provider: 'zoom',
      name: 'Zoom',
      get url() {
        return zoomTokenUrl(ctx.connection.baseUrl);
      },
      get clientId() {
        return c().clientId ?? '';
      },
      clientSecret: async () => c().clientSecret ?? '',
      clientAuth: 'client_secret_basic',
      env: { clientId: zoomManifest.env.clientId, clientSecret: zoomManifest.env.clientSecret },
    },
  };
}

/** Give an S2S connection its token source from the hub's token manager (once per connection; the transport's `oauth2` auth draws on it). */
export function useZoomTokens(ctx: ProviderContext<ZoomCredentials>): void {
  const c = ctx.connection.credentials;
  if (ctx.connection.tokenSource || !(c.clientId && c.clientSecret && c.accountId)) return;
  // Outside a hub (a unit test builds the context): a storeless manager keeps the token in memory.
  ctx.connection.tokenSource = ctx.tokens?.source(zoomGrant(ctx)) ?? new TokenManager({ clock: ctx.clock, logger: ctx.logger }).source(ctx.connection, zoomGrant(ctx));
}
