/**
 * The sandbox OAuth 2.0 / OpenID Connect authorization server: one server that plays every OAuth
 * entry of the catalog under `/<provider>/…`, at the URLs `sandboxed(entry, url)` gives. Consent
 * page (or `autoApprove`), one-time codes, PKCE, refresh with each provider's rotation, signed
 * id_tokens and JWKS, userinfo in each vendor's shape, revocation, and chaos steered from tests
 * (`oauthChaos`) or over HTTP (`POST /__emulator/oauth/chaos`, `GET /__emulator/oauth/requests`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749
 * @see https://openid.net/specs/openid-connect-core-1_0.html
 */
import { randomBytes } from 'node:crypto';
import { exportPKCS8, generateKeyPair } from 'jose';
import { oauthProviders } from '../../oauth/catalog.js';
import { sandboxed } from '../../oauth/resolve.js';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import type { Emulator, EmulatorOptions } from '../../kit/emulator.js';
import { createEmulatorApp, listenLoopback, randomId } from '../emulator-kit.js';
import { registerAuthorize } from './authorize.js';
import type { SandboxContext } from './context.js';
import { createOidcSigner } from './oidc.js';
import { registerResources, routePath } from './resources.js';
import { NO_OAUTH_CHAOS, SandboxState, type OAuthChaos, type TokenRequestCounts } from './state.js';
import { registerToken } from './token.js';
import { defaultUsers, type SandboxUser } from './users.js';
import type { SandboxClient } from './wire.js';

export { SANDBOX_TENANT_ID } from './context.js';
export type { OAuthChaos, TokenRequestCounts } from './state.js';
export type { SandboxUser } from './users.js';

/** The base routes are computed from; replaced by the listening URL. */
const PATH_BASE = 'http://127.0.0.1:1';

export interface OAuthEmulatorOptions extends Pick<EmulatorOptions, 'port'> {
  /** Approve at once (no consent page), so a script can follow the redirects. The hub sets it from `SWITCHBOARD_OAUTH_AUTO_APPROVE=true`. */
  autoApprove?: boolean;
  /** Catalog ids to play (default: every OAuth entry). */
  providers?: string[];
  /** Fixed clients per provider (default: a fresh id and secret each). */
  clients?: Record<string, SandboxClient>;
  /** When set, the only redirect URIs accepted (exact match); otherwise any http(s) URI without fragment. */
  redirectUris?: string[];
  /** Authorization codes live this long (default 60 s). */
  codeTtlSec?: number;
  /** Access tokens live this long (default 3600 s). */
  accessTokenTtlSec?: number;
}

/** The running sandbox authorization server. */
export interface OAuthEmulator extends Emulator {
  /** Per provider, the env variables of the catalog set for this emulator (`GOOGLE_CLIENT_ID`, `ZOOM_ACCOUNT_ID`, `APPLE_PRIVATE_KEY`, `OIDC_ISSUER`, …). */
  readonly credentials: Record<string, string>;
  readonly clients: ReadonlyMap<string, SandboxClient>;
  /** The catalog entry `id` with every URL pointed at this emulator. */
  entry(id: string): OAuthProviderEntry;
  /** The users of a provider; the first is the default. */
  users(id: string): SandboxUser[];
  addUser(id: string, user: SandboxUser): void;
  /** OAuth chaos: `invalidGrantNext`, `tokenLatencyMs`, `failNext` + `failStatus` + `retryAfterSec`. */
  readonly oauthChaos: OAuthChaos;
  /** Token requests received, per provider and grant (`{ google: { refresh_token: 1 } }`). */
  tokenRequests(): TokenRequestCounts;
  /** Clear chaos and counters. */
  reset(): void;
  /** What a live access token it issued grants (another emulator, such as Gmail's, accepts the tokens of its provider). */
  accessToken(token: string): { provider: string; scopes: string[]; subject?: string } | undefined;
}

/**
 * Start the sandbox authorization server on a loopback port.
 *
 * @example
 * const emu = await startOAuthEmulator({ autoApprove: true });
 * const google = emu.entry('google'); // authorize/token/jwks at `${emu.url}/google/…`
 * emu.oauthChaos.invalidGrantNext = 1; // the next refresh answers invalid_grant
 */
export async function startOAuthEmulator(options: OAuthEmulatorOptions = {}): Promise<OAuthEmulator> {
  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send({ error: 'server_error' }),
    rateLimited: (reply) => reply.send({ error: 'rate_limited' }),
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  const appleKey = await generateKeyPair('ES256', { extractable: true });
  const state = new SandboxState({ codeTtlSec: options.codeTtlSec ?? 60, accessTokenTtlSec: options.accessTokenTtlSec ?? 3600, now: Date.now });
  const only = options.providers ? new Set(options.providers) : undefined;
  const catalog = oauthProviders().filter((e) => e.kind !== 'api_key' && (!only || only.has(e.id)));
  // Routes are made before listening (Fastify's rule), from paths that do not depend on the port;
  // the URLs in entries, users and answers are set once the port is known.
  const ctx: SandboxContext = {
    url: PATH_BASE,
    state,
    signer: await createOidcSigner(),
    entries: new Map(catalog.map((e) => [e.id, sandboxed(e, PATH_BASE)])),
    clients: new Map(catalog.map((e) => [e.id, options.clients?.[e.id] ?? { clientId: `${e.id}-sandbox-${randomId(6)}`, clientSecret: randomBytes(24).toString('base64url') }])),
    users: new Map(),
    zoomAccountId: `sandbox-account-${randomId(6)}`,
    apple: { teamId: 'SANDBOXTM1', key: appleKey.publicKey },
    autoApprove: options.autoApprove ?? false,
    ...(options.redirectUris && { redirectUris: options.redirectUris }),
    appleNamed: new Set(),
    accepted: [],
  };
  for (const entry of ctx.entries.values()) {
    registerAuthorize(app, ctx, entry, routePath(entry.endpoints.authorizeUrl!, PATH_BASE));
    registerToken(app, ctx, entry, routePath(entry.endpoints.tokenUrl!, PATH_BASE));
    if (entry.tenant) {
      // Without a tenant segment too: `/microsoft/authorize` is the default tenant.
      registerAuthorize(app, ctx, entry, `/${entry.id}/authorize`);
      registerToken(app, ctx, entry, `/${entry.id}/token`);
    }
    registerResources(app, ctx, entry);
  }
  app.get('/__emulator/oauth/requests', async () => state.counts);
  app.post('/__emulator/oauth/chaos', async (req) => Object.assign(state.chaos, req.body as Partial<OAuthChaos>));
  const url = await listenLoopback(app, options.port);
  ctx.url = url;
  ctx.entries = new Map(catalog.map((e) => [e.id, sandboxed(e, url)]));
  ctx.users = new Map(catalog.map((e) => [e.id, defaultUsers(e.id, url)]));

  const credentials = await envCredentials(ctx, url, await exportPKCS8(appleKey.privateKey));
  return {
    url,
    credentials,
    clients: ctx.clients,
    chaos,
    accepted: ctx.accepted,
    oauthChaos: state.chaos,
    entry(id) {
      const e = ctx.entries.get(id);
      if (!e) throw new Error(`the OAuth sandbox does not play "${id}" (it plays ${[...ctx.entries.keys()].join(', ')})`);
      return e;
    },
    users: (id) => ctx.users.get(id) ?? [],
    addUser: (id, user) => void ctx.users.get(id)?.push(user),
    tokenRequests: () => structuredClone(state.counts),
    reset() {
      Object.assign(state.chaos, NO_OAUTH_CHAOS);
      for (const key of Object.keys(state.counts)) delete state.counts[key];
    },
    accessToken(token) {
      const t = state.liveAccess(token);
      return t && { provider: t.provider, scopes: t.scopes, subject: t.user?.subject };
    },
    setWebhookTarget() {},
    close: () => app.close(),
  };
}

/** The catalog's env variable names (canonical ones) set to this emulator's clients and keys. */
async function envCredentials(ctx: SandboxContext, url: string, applePem: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of ctx.entries.values()) {
    const client = ctx.clients.get(entry.id)!;
    const values: Record<string, string> = {
      clientId: client.clientId,
      clientSecret: client.clientSecret,
      accountId: ctx.zoomAccountId,
      issuer: `${url}/${entry.id}`,
      teamId: ctx.apple.teamId,
      keyId: 'SANDBOXKEY',
      privateKey: applePem,
    };
    for (const [field, names] of Object.entries(entry.env)) {
      const value = values[field];
      if (value !== undefined && names[0]) out[names[0]] = value;
    }
  }
  return out;
}
