/**
 * The hub's OAuth applications, one per catalog provider: the entry as this hub uses it (a
 * Microsoft tenant or an OIDC issuer filled, the discovery document read, every URL pointed at the
 * sandbox authorization server when sandboxed) and the app's client (from the environment, a
 * tenant's own, or the sandbox's), as the `TokenEndpoint` token requests need.
 *
 * A provider is sandboxed when the hub is (`MOCK_EXTERNAL_APIS`, tests) or when its client is not
 * configured (`GOOGLE_CLIENT_ID` unset), as every other provider falls back to its emulator.
 *
 * @example
 * const app = await apps.app('google');
 * app.entry.endpoints.authorizeUrl; // https://accounts.google.com/o/oauth2/v2/auth, or the sandbox's
 * await exchangeCode(app.http, app.endpoint, { code, redirectUri, codeVerifier });
 */
import { HubError } from '../core/errors.js';
import type { ResolvedConnection } from '../kit/connection.js';
import { appleClientSecret } from '../oauth/apple.js';
import { oauthProvider } from '../oauth/catalog.js';
import { envCredentials, requiredFields, resolveOAuthProvider } from '../oauth/resolve.js';
import { revokeToken, type TokenEndpoint } from '../oauth/token-client.js';
import type { Logger } from '../core/logger.js';
import type { TokenGrant } from '../oauth/token-manager.js';
import type { CredentialField, OAuthProviderEntry } from '../oauth/types.js';
import type { Transport } from '../transport/transport.js';
import type { HttpResponse, ProviderHttp } from '../transport/types.js';

/** What the sandbox authorization server offers (`providers/oauth-sandbox/`). */
export interface OAuthSandbox {
  readonly url: string;
  /** Per provider, its catalog variables set for the sandbox (`GOOGLE_CLIENT_ID`, …). */
  readonly credentials: Record<string, string>;
  /** The catalog entry with every URL pointed at the sandbox. */
  entry(id: string): OAuthProviderEntry;
}

export interface OAuthAppsOptions {
  env: Record<string, string | undefined>;
  forceSandbox: boolean;
  transport: Transport;
  /** Starts (once) the sandbox authorization server; absent: providers without a client are not configured. */
  sandbox?: () => Promise<OAuthSandbox>;
}

export type OAuthClient = Partial<Record<CredentialField, string>>;

export interface OAuthApp {
  entry: OAuthProviderEntry;
  client: OAuthClient;
  /** For code exchange and revocation. */
  endpoint: TokenEndpoint;
  /** The transport of the app's token requests (its own breaker and audit entries: `<provider>.token`). */
  http: ProviderHttp;
  sandbox: boolean;
}


const tokenError = (provider: string) => (res: HttpResponse) => new HubError('provider_error', `${provider} answered ${res.status}`, { provider, providerStatus: res.status });

export class OAuthApps {
  private readonly apps = new Map<string, OAuthApp>();
  private sandboxServer: Promise<OAuthSandbox> | undefined;

  constructor(private readonly o: OAuthAppsOptions) {}

  /** Whether `provider`'s app runs against the sandbox authorization server. */
  sandboxed(provider: string): boolean {
    if (this.o.forceSandbox) return !!this.o.sandbox;
    const entry = oauthProvider(provider);
    const client = envCredentials(entry, this.o.env);
    return !!this.o.sandbox && requiredFields(entry).some((f) => !client[f]);
  }

  /**
   * The app of `provider` (for a Microsoft tenant, or with a tenant's own client); cached.
   * Not configured and no sandbox: `not_configured` naming the variables to set.
   */
  async app(provider: string, options: { tenant?: string; client?: OAuthClient } = {}): Promise<OAuthApp> {
    const key = keyOf(provider, options);
    const hit = this.apps.get(key);
    if (hit) return hit;
    const base = oauthProvider(provider);
    if (base.kind === 'api_key') throw new HubError('validation_failed', `provider: ${provider} uses an API key, not OAuth: add it with POST /api/v1/connections`, { errors: [{ field: 'provider', message: 'not an OAuth provider' }] });
    const sandbox = !options.client?.clientId && this.sandboxed(provider);
    let entry: OAuthProviderEntry;
    let client: OAuthClient;
    if (sandbox) {
      const server = await (this.sandboxServer ??= this.o.sandbox!());
      client = envCredentials(base, server.credentials);
      entry = resolveOAuthProvider(server.entry(provider), { tenant: options.tenant, issuer: client.issuer });
    } else {
      client = { ...envCredentials(base, this.o.env), ...options.client };
      const missing = requiredFields(base).filter((f) => !client[f]);
      if (missing.length > 0) throw new HubError('not_configured', `${base.name} sign-in is not configured: set ${missing.map((f) => base.env[f]?.[0] ?? f).join(', ')}`, { provider });
      entry = resolveOAuthProvider(base, { tenant: options.tenant ?? client.tenantId, issuer: client.issuer });
    }
    const http = this.o.transport.forConnection({ id: provider, name: base.name, auth: { type: 'none' }, mapError: tokenError(provider) }, { id: `oauth_app_${provider}`, baseUrl: '', credentials: {} });
    if (entry.discovery && !entry.endpoints.tokenUrl) entry = await discover(entry, http);
    const app: OAuthApp = { entry, client, endpoint: endpointOf(entry, client), http, sandbox };
    this.apps.set(key, app);
    return app;
  }

  /**
   * How a connection's tokens are renewed (`ConnectionManager` asks for its oauth2 connections):
   * synchronous, so it answers only once {@link app} resolved this provider in this process
   * (the connection's `ready()` does).
   */
  tokenGrant(connection: ResolvedConnection, link: string, http: ProviderHttp): TokenGrant | undefined {
    const c = connection.credentials as OAuthClient;
    const app = this.apps.get(keyOf(link, appOptions(c)));
    if (!app) return undefined;
    const refresh = !!connection.tokens?.refreshToken;
    const type = refresh ? 'refresh_token' : app.entry.grants.includes('account_credentials') && (c.accountId ?? app.client.accountId) ? 'account_credentials' : app.entry.grants.includes('client_credentials') ? 'client_credentials' : 'refresh_token';
    const extraParams = type === 'refresh_token' ? app.entry.refreshParams : {};
    return { endpoint: { ...app.endpoint, extraParams }, http, type, scopes: connection.tokens?.scopes, accountId: c.accountId ?? app.client.accountId };
  }

  /** Revoke a connection's token at its provider where the app can (RFC 7009; best effort: a failure is logged). */
  async revoke(connection: ResolvedConnection, link: string, logger: Logger): Promise<void> {
    const token = connection.tokens?.refreshToken ?? connection.tokens?.accessToken;
    if (!token) return;
    try {
      const app = await this.app(link, appOptions(connection.credentials as OAuthClient));
      if (!app.endpoint.revokeUrl) return;
      await revokeToken(app.http, app.endpoint, { token, tokenTypeHint: connection.tokens?.refreshToken ? 'refresh_token' : 'access_token' });
    } catch (err) {
      logger.warn({ connectionId: connection.id, provider: connection.provider, err: (err as Error).message }, 'connections: revoking the token at the provider failed; the connection is removed anyway');
    }
  }

  /** Resolve the app a connection's grant needs (called while the connection is made ready). */
  async prepare(connection: ResolvedConnection, link: string): Promise<void> {
    await this.app(link, appOptions(connection.credentials as OAuthClient));
  }
}

/** The app a connection's credentials name: its Microsoft tenant, and its own client if it has one. */
const appOptions = (c: OAuthClient) => ({ tenant: c.tenantId, ...(c.clientId ? { client: c } : {}) });
const keyOf = (provider: string, o: { tenant?: string; client?: OAuthClient }) => `${provider}\n${o.tenant ?? ''}\n${o.client?.clientId ?? ''}`;


function endpointOf(entry: OAuthProviderEntry, client: OAuthClient): TokenEndpoint {
  const env = { clientId: entry.env.clientId?.[0], clientSecret: entry.env.clientSecret?.[0] ?? entry.env.privateKey?.[0] };
  const apple = entry.clientAuth === 'apple_es256_jwt';
  const aliases = Object.fromEntries(Object.entries(entry.tokenResponse?.errorCodes ?? {}).filter(([, v]) => v === 'invalid_grant' || v === 'invalid_client')) as Record<string, 'invalid_grant' | 'invalid_client'>;
  return {
    provider: entry.id,
    name: entry.name,
    url: entry.endpoints.tokenUrl!,
    ...(entry.revoke?.style === 'rfc7009' ? { revokeUrl: entry.revoke.url } : {}),
    clientId: client.clientId ?? '',
    clientSecret: apple ? () => appleClientSecret({ teamId: client.teamId!, keyId: client.keyId!, privateKey: client.privateKey!, clientId: client.clientId! }) : client.clientSecret,
    clientAuth: apple || entry.clientAuth === 'client_secret_post' ? 'client_secret_post' : 'client_secret_basic',
    env,
    ...(entry.tokenResponse ? { answer: { format: entry.tokenResponse.format, errors: entry.tokenResponse.errors, userTokenUnder: entry.tokenResponse.userTokenUnder, errorAliases: aliases } } : {}),
  };
}

/** A generic OIDC issuer's endpoints, from its discovery document. */
async function discover(entry: OAuthProviderEntry, http: ProviderHttp): Promise<OAuthProviderEntry> {
  const issuer = entry.endpoints.issuer!;
  const res = await http.request({ method: 'GET', path: `${issuer}/.well-known/openid-configuration`, auth: { type: 'none' }, operation: `${entry.id}.discovery` });
  const doc = res.json<Record<string, unknown>>();
  const url = (k: string) => (typeof doc[k] === 'string' ? (doc[k] as string) : undefined);
  if (url('issuer') !== issuer) throw new HubError('config_invalid', `${entry.id}: the discovery document of ${issuer} names issuer ${String(doc.issuer)}; set the issuer exactly as it names itself`);
  return {
    ...entry,
    endpoints: { ...entry.endpoints, authorizeUrl: url('authorization_endpoint'), tokenUrl: url('token_endpoint'), userinfoUrl: url('userinfo_endpoint'), jwksUrl: url('jwks_uri') },
    ...(url('revocation_endpoint') ? { revoke: { url: url('revocation_endpoint')!, style: 'rfc7009' as const } } : {}),
  };
}
