/**
 * Connecting an account over OAuth (authorization code with PKCE S256):
 *
 * 1. `start` answers the provider's authorize URL with a one-time `state` (10 minutes) whose row
 *    holds, sealed, the tenant, the PKCE verifier, the scopes and where to send the user back.
 * 2. The provider redirects the user to `GET /oauth/callback?code&state`; `callback` takes the
 *    state back once, exchanges the code with the verifier, and stores the tokens sealed on the
 *    tenant's connection of that provider and name (connecting again after `needs_reauth` keeps
 *    the connection's id and makes it active again).
 * 3. The user goes back to `redirectUrl` with `connectionId`, or with `error` and a readable
 *    `error_description` (denied, expired state, a code already used, a wrong client).
 *
 * @example
 * const { authorizeUrl } = await connect.start('acme', { provider: 'google', redirectUrl: 'https://app.example/settings' });
 * // … user approves; the provider calls /oauth/callback …
 * const result = await connect.callback({ code, state }); // { redirect: 'https://app.example/settings?connectionId=conn_…' }
 */
import type { Clock } from '../core/clock.js';
import { HubError, toHubError } from '../core/errors.js';
import { pkcePair } from '../oauth/pkce.js';
import type { OneTimeTokens } from '../oauth/one-time.js';
import { exchangeCode } from '../oauth/token-client.js';
import type { ConnectionManager, ConnectionSummary } from './connections.js';

const STATE_TTL_MS = 10 * 60_000;
const KIND = 'oauth.connect';

export interface ConnectStart {
  /** A catalog provider (`github`) or a vendor provider linked to one (`gmail` connects through `google`). */
  provider: string;
  /** Microsoft: `common`, `organizations`, `consumers` or a tenant id. */
  tenant?: string;
  /** Default: what the provider's connectors need (Gmail: send), else the catalog's default scopes. */
  scopes?: string[];
  /** Where the user goes back to; must be allowed by `SWITCHBOARD_AUTH_REDIRECTS`. */
  redirectUrl?: string;
  /** The connection's name (default `default`): one connection per tenant, provider and name. */
  name?: string;
}

interface ConnectState {
  tenantId: string;
  /** The connection's provider (`gmail`)… */
  provider: string;
  /** …and the catalog entry whose app connects it (`google`). */
  link: string;
  tenant?: string;
  scopes: string[];
  redirectUrl?: string;
  name: string;
  verifier: string;
}

/** Where the callback sends the user, or (without a redirect URL) what it shows. */
export type CallbackResult =
  | { redirect: string }
  | { status: number; body: { connectionId?: string; provider?: string; status?: string; error?: string; error_description?: string } };

export interface OAuthConnectOptions {
  connections: ConnectionManager;
  oneTime: OneTimeTokens;
  clock: Clock;
  /** The `redirect_uri` registered with every provider: `<public URL>/oauth/callback`. */
  callbackUrl(): string;
  /** Whether an application may send users back to `url` (`SWITCHBOARD_AUTH_REDIRECTS`). */
  redirectAllowed(url: string): boolean;
}

export class OAuthConnect {
  constructor(private readonly o: OAuthConnectOptions) {}

  /** The authorize URL for a user of `tenantId` to connect an account. */
  async start(tenantId: string, input: ConnectStart): Promise<{ authorizeUrl: string; state: string; expiresAt: string }> {
    if (input.redirectUrl !== undefined && !this.o.redirectAllowed(input.redirectUrl)) {
      throw new HubError('validation_failed', `redirectUrl: ${input.redirectUrl} is not allowed; add its origin to SWITCHBOARD_AUTH_REDIRECTS`, { errors: [{ field: 'redirectUrl', message: 'not in SWITCHBOARD_AUTH_REDIRECTS' }] });
    }
    const { link, scopes: wanted } = this.o.connections.oauthOf(input.provider);
    const app = await this.o.connections.oauth.app(link, { tenant: input.tenant });
    if (!app.entry.grants.includes('authorization_code') || !app.entry.endpoints.authorizeUrl) {
      throw new HubError('validation_failed', `provider: ${input.provider} does not connect user accounts (no authorization code grant)`, { errors: [{ field: 'provider', message: 'no authorization code grant' }] });
    }
    const scopes = input.scopes ?? wanted ?? app.entry.scopes.default;
    const pkce = pkcePair();
    const payload: ConnectState = { tenantId, provider: input.provider, link, scopes, name: input.name ?? 'default', verifier: pkce.verifier, ...(input.tenant && { tenant: input.tenant }), ...(input.redirectUrl && { redirectUrl: input.redirectUrl }) };
    const { token, expiresAt } = await this.o.oneTime.issue(KIND, payload, STATE_TTL_MS);
    const url = new URL(app.entry.endpoints.authorizeUrl);
    const params: Record<string, string> = { response_type: 'code', client_id: app.endpoint.clientId, redirect_uri: this.o.callbackUrl(), state: token, ...app.entry.authorizeParams };
    if (scopes.length > 0) params.scope = scopes.join(app.entry.scopes.separator);
    if (app.entry.pkce) Object.assign(params, { code_challenge: pkce.challenge, code_challenge_method: 'S256' });
    for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
    return { authorizeUrl: url.toString(), state: token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The provider sent the user back (`GET /oauth/callback`). */
  async callback(query: Record<string, string | undefined>): Promise<CallbackResult> {
    if (!query.state) return { status: 400, body: { error: 'invalid_request', error_description: 'state: missing; start connecting again from the application' } };
    const taken = await this.o.oneTime.take<ConnectState>(KIND, query.state);
    if (!taken.ok && taken.reason !== 'expired') {
      const why = taken.reason === 'used' ? 'this connect link was already used' : 'this connect link is unknown';
      return { status: 400, body: { error: 'invalid_state', error_description: `${why}; start connecting again from the application` } };
    }
    const s = taken.payload;
    const fail = (error: string, description: string) => back(s, { error, error_description: description }, 400);
    if (!taken.ok) return fail('expired_state', 'The connect link expired (10 minutes); start connecting again.');
    const name = (await this.o.connections.oauth.app(s.link, { tenant: s.tenant })).entry.name;
    if (query.error) {
      const denied = query.error === 'access_denied';
      return fail(query.error, denied ? `Access was denied at ${name}.` : `${name} answered ${query.error}${query.error_description ? `: ${query.error_description}` : ''}`);
    }
    if (!query.code) return fail('invalid_request', `${name} sent no authorization code.`);
    let connection: ConnectionSummary;
    try {
      const app = await this.o.connections.oauth.app(s.link, { tenant: s.tenant });
      const tokens = await exchangeCode(app.http, app.endpoint, { code: query.code, redirectUri: this.o.callbackUrl(), codeVerifier: s.verifier, scopes: s.scopes }, { now: () => this.o.clock.now() });
      connection = await this.o.connections.connectOAuth(s.tenantId, s.provider, s.name, s.tenant ? { tenantId: s.tenant } : {}, tokens);
    } catch (err) {
      const e = toHubError(err);
      if (e.code === 'oauth_invalid_grant') return fail('invalid_grant', `${name} refused the authorization code (expired or already used); connect again.`);
      if (e.code === 'provider_auth_failed' || e.code === 'config_invalid') return fail('invalid_client', e.message);
      return fail('server_error', e.message);
    }
    return back(s, { connectionId: connection.id, provider: connection.provider, status: connection.status }, 200);
  }
}

/** Back to the application with `params`, or (no redirect URL) those as the answer. */
function back(s: ConnectState, params: Record<string, string>, status: number): CallbackResult {
  if (!s.redirectUrl) return { status, body: params };
  const url = new URL(s.redirectUrl);
  for (const [k, v] of Object.entries(params)) url.searchParams.set(k, v);
  return { redirect: url.toString() };
}
