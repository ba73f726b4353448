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
import { pkcePair } from '../oauth/pkce.js';
import type { OneTimeTokens } from '../oauth/one-time.js';
import { exchangeCode } from '../oauth/token-client.js';
import type { ConnectionManager, ConnectionSummary } from './connections.js';
import { assertCodeGrant, assertRedirect, authorizeUrl, exchangeRefusal, providerRefusal, takeState, withParams, type FlowWords } from './oauth-flow.js';

const STATE_TTL_MS = 10 * 60_000;
const KIND = 'oauth.connect';
const WORDS: FlowWords = { link: 'connect link', again: 'start connecting again', retry: 'connect again', denied: 'Access was' };

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
  /** The `redirect_uri` sent when it is not the hub's own (the provider's configured one): the code exchange repeats it. */
  redirectUri?: string;
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
    if (input.redirectUrl !== undefined) assertRedirect(this.o.redirectAllowed, input.redirectUrl, 'redirectUrl');
    const { link, scopes: wanted } = this.o.connections.oauthOf(input.provider);
    const app = await this.o.connections.oauth.app(link, { tenant: input.tenant });
    assertCodeGrant(app, input.provider, 'connect user accounts');
    const scopes = input.scopes ?? wanted ?? app.entry.scopes.default;
    const pkce = pkcePair();
    // The provider's own redirect URI when its environment names one (it reaches this hub's callback, see the routes).
    const redirectUri = this.o.connections.redirectUriOf(input.provider);
    const payload: ConnectState = { tenantId, provider: input.provider, link, scopes, name: input.name ?? 'default', verifier: pkce.verifier, ...(input.tenant && { tenant: input.tenant }), ...(input.redirectUrl && { redirectUrl: input.redirectUrl }), ...(redirectUri && { redirectUri }) };
    const { token, expiresAt } = await this.o.oneTime.issue(KIND, payload, STATE_TTL_MS);
    const url = authorizeUrl(app, { redirectUri: redirectUri ?? this.o.callbackUrl(), state: token, scopes, params: app.entry.authorizeParams, ...(app.entry.pkce && { challenge: pkce.challenge }) });
    return { authorizeUrl: url, state: token, expiresAt: new Date(expiresAt).toISOString() };
  }

  /** The provider sent the user back (`GET /oauth/callback`). */
  async callback(query: Record<string, string | undefined>): Promise<CallbackResult> {
    const taken = await takeState<ConnectState>(this.o.oneTime, KIND, query.state, WORDS);
    if (!('payload' in taken)) return taken;
    const s = taken.payload;
    const fail = ([error, description]: [string, string]) => back(s, { error, error_description: description }, 400);
    if (taken.expired) return fail(['expired_state', 'The connect link expired (10 minutes); start connecting again.']);
    const app = await this.o.connections.oauth.app(s.link, { tenant: s.tenant });
    const refused = providerRefusal(app.entry.name, query, WORDS);
    if (refused) return fail(refused);
    let connection: ConnectionSummary;
    try {
      const tokens = await exchangeCode(app.http, app.endpoint, { code: query.code!, redirectUri: s.redirectUri ?? this.o.callbackUrl(), codeVerifier: s.verifier, scopes: s.scopes }, { now: () => this.o.clock.now() });
      connection = await this.o.connections.connectOAuth(s.tenantId, s.provider, s.name, s.tenant ? { tenantId: s.tenant } : {}, tokens);
    } catch (err) {
      return fail(exchangeRefusal(err, app.entry.name, WORDS));
    }
    return back(s, { connectionId: connection.id, provider: connection.provider, status: connection.status }, 200);
  }
}

/** Back to the application with `params`, or (no redirect URL) those as the answer. */
function back(s: ConnectState, params: Record<string, string>, status: number): CallbackResult {
  return s.redirectUrl ? { redirect: withParams(s.redirectUrl, params) } : { status, body: params };
}
