/**
 * Connections: a provider plus credentials for one tenant, and the connectors built on them.
 *
 * - The default connection of each provider comes from its env vars (manifest `env`). With the
 *   fields of `liveWhen` set it is live; otherwise (or when sandbox is forced) it is a sandbox
 *   connection whose emulator starts when first used (`sandboxes.ts`).
 * - `POST /api/v1/connections` adds tenant connections; their credentials are sealed by the vault.
 *   On a sandboxed hub (MOCK_EXTERNAL_APIS=true or NODE_ENV=test) they go to the emulator too:
 *   nothing a sandboxed hub does leaves the machine.
 * - Token sets and status (`state.ts`) are written back as connectors refresh tokens.
 * - `connector(tenant, provider, category)` is the one way to get a connector: cached per
 *   connection, closed on shutdown.
 */
import { HubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import { TokenManager, type TokenGrant } from '../oauth/token-manager.js';
import { apiBaseVar } from '../kit/catalog.js';
import type { Category, CategoryContracts, ConnectionStatus, ResolvedConnection, TokenSet } from '../kit/connector.js';
import type { Emulator } from '../kit/emulator.js';
import { authFields } from '../transport/auth-spec.js';
import type { ProviderHttp } from '../transport/types.js';
import { DEFAULT_TENANT, resolveDefaults } from './defaults.js';
import { OAuthApps } from './oauth-apps.js';
import { Sandboxes } from './sandboxes.js';
import { ConnectionStates } from './state.js';
import type { ConnectionManagerOptions, ConnectionSummary, ConnectionView } from './types.js';

export type { ConnectionManagerOptions, ConnectionSummary, ConnectionView } from './types.js';

export { DEFAULT_TENANT } from './defaults.js';
/** Other processes see a new or removed connection within this long (this process at once). */
const TENANT_CACHE_MS = 5_000;

type ConnectionRow = { id: string; tenant_id: string; provider: string; credentials: string };

export class ConnectionManager {
  private readonly defaults = new Map<string, ResolvedConnection>();
  private readonly sandboxes: Sandboxes;
  private readonly states: ConnectionStates;
  private readonly errors = new Map<string, string>();
  private readonly httpCache = new Map<string, ProviderHttp>();
  /** Connectors by connection id and category: built once, closed on shutdown. */
  private readonly connectors = new Map<string, { connectionId: string; connector: unknown }>();
  /** A tenant's own connection per provider (or none), cached briefly: the send path asks every time. */
  private readonly tenantCache = new Map<string, { connection: ResolvedConnection | undefined; until: number }>();
  /** Tenant connections by id, cached as briefly (the proxy resolves one per request). */
  private readonly idCache = new Map<string, { connection: ResolvedConnection | undefined; until: number }>();

  /** Access tokens of every grant (refreshed before expiry, one refresh across processes). */
  readonly tokens: TokenManager;
  /** The hub's OAuth applications (catalog entry + client per provider, sandboxed or live). */
  readonly oauth: OAuthApps;

  constructor(private readonly o: ConnectionManagerOptions) {
    this.states = new ConnectionStates(o);
    this.sandboxes = new Sandboxes(o.emulatorOptions);
    this.oauth = new OAuthApps({ env: o.env, forceSandbox: o.forceSandbox, transport: o.transport, sandbox: o.oauthSandbox });
    const onNeedsReauth = async (connection: ResolvedConnection, reason: string) => {
      this.tenantCache.clear();
      this.idCache.delete(connection.id);
      await o.onNeedsReauth?.(connection, reason);
    };
    const grantOf = (connection: ResolvedConnection) => this.grant(connection, this.http(connection));
    this.tokens = o.tokens ?? new TokenManager({ store: o.store, vault: o.vault, clock: o.clock, logger: o.logger, onNeedsReauth, grantOf });
  }

  /** Resolve every default connection (`defaults.ts`); emulators start later, when first used. */
  async start(): Promise<void> {
    const plan = resolveDefaults(this.o.catalog.all, this.o, (link) => this.oauth.sandboxed(link));
    for (const p of plan.sandboxed) this.sandboxes.add(p);
    for (const c of plan.defaults) this.defaults.set(c.provider, c);
    for (const [id, error] of plan.errors) this.errors.set(id, error);
    const states = await this.states.load([...this.defaults.values()].map((c) => c.id));
    for (const c of this.defaults.values()) this.states.apply(c, states.get(c.id));
  }

  /** Point every emulator's signed webhooks at the hub (also those started later). */
  setWebhookBase(baseUrl: string): void {
    this.sandboxes.setWebhookBase(baseUrl);
  }

  /**
   * Where this process's emulators reach the hub (its loopback URL once it listens; undefined
   * before): the address of push channels a sandbox connection opens when no public URL is set.
   */
  webhookBase(): string | undefined {
    return this.sandboxes.base;
  }

  /** The running emulator of a sandboxed provider, if it has started. */
  emulator(provider: string): Emulator | undefined {
    return this.sandboxes.get(provider);
  }

  /**
   * The emulator of a sandboxed provider, started now if needed.
   *
   * @example
   * (await hub.connections.sandbox('sendgrid')).chaos.errorRate = 0.5;
   */
  sandbox(provider: string): Promise<Emulator> {
    return this.sandboxes.start(provider);
  }

  /** Start every sandboxed provider's emulator now (tests that steer chaos before the first call). */
  async startEmulators(): Promise<void> {
    // A sandbox whose server cannot run here (Radicale not installed) keeps its reason for health; the others start.
    await Promise.all([...this.defaults.values()].map((c) => this.ready(c).catch((err: unknown) => {
      if (!(err instanceof HubError && err.code === 'not_configured')) throw err;
    })));
  }

  /** A configuration problem found at start (shown by health), if any. */
  configError(provider: string): string | undefined {
    return this.errors.get(provider);
  }

  /** The env default connection of `provider` (a sandbox one points at its emulator once started). */
  defaultConnection(provider: string): ResolvedConnection | undefined {
    return this.defaults.get(provider);
  }

  /** The connection a tenant uses for a provider: its own if it has one, else the default. */
  async forTenant(tenantId: string, provider: string): Promise<ResolvedConnection | undefined> {
    const own = await this.cached(this.tenantCache, `${tenantId}\n${provider}`, () =>
      this.o.store.db.selectFrom('connections').selectAll().where('tenant_id', '=', tenantId).where('provider', '=', provider).orderBy('created_at').executeTakeFirst(),
    );
    return this.ready(own ?? this.defaults.get(provider));
  }

  /** A connection by id: a default (`conn_default_<provider>`) or a tenant's own; undefined if none. */
  async byId(id: string): Promise<ResolvedConnection | undefined> {
    for (const c of this.defaults.values()) if (c.id === id) return this.ready(c);
    const own = await this.cached(this.idCache, id, () => this.o.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst());
    return own && this.ready(own);
  }

  /** A tenant connection from `find()`'s row, kept TENANT_CACHE_MS (the send path and the proxy ask on every call). */
  private async cached(cache: Map<string, { connection: ResolvedConnection | undefined; until: number }>, key: string, find: () => Promise<ConnectionRow | undefined>): Promise<ResolvedConnection | undefined> {
    const now = this.o.clock.now();
    const hit = cache.get(key);
    if (hit && hit.until > now) return hit.connection;
    const row = await find();
    const connection = row ? await this.fromRow(row) : undefined;
    if (cache.size > 10_000) cache.clear();
    cache.set(key, { connection, until: now + TENANT_CACHE_MS });
    return connection;
  }

  /**
   * The connector a tenant uses for `provider` in `category`: its own connection's, else the
   * default's. Cached per connection (breakers, pools, token caches live there) and closed on
   * shutdown. No connection is `not_configured`; a disabled one, or one that needs the user to
   * sign in again, is `connection_inactive`.
   *
   * @example
   * const email = await hub.connections.connector('default', 'sendgrid', 'email');
   */
  async connector<K extends Category>(tenantId: string, provider: string, category: K): Promise<CategoryContracts[K]> {
    const connection = await this.forTenant(tenantId, provider);
    if (!connection) throw new HubError('not_configured', `${provider} is not configured: ${this.configError(provider) ?? 'no connection'}`, { provider });
    return this.connectorFor(connection, category);
  }

  /** The connector of one resolved connection for `category` (cached, see {@link connector}). */
  connectorFor<K extends Category>(connection: ResolvedConnection, category: K): CategoryContracts[K] {
    if (connection.status && connection.status !== 'active') {
      throw new HubError('connection_inactive', `Connection ${connection.id} (${connection.provider}) is ${connection.status}${connection.statusReason ? `: ${connection.statusReason}` : ''}`, { provider: connection.provider, details: { connectionId: connection.id, status: connection.status } });
    }
    const key = `${connection.id}\n${category}`;
    const hit = this.connectors.get(key);
    if (hit) return hit.connector as CategoryContracts[K];
    const factory = this.o.catalog.get(connection.provider)[category];
    if (!factory) throw new HubError('not_configured', `${connection.provider} has no ${category} connector`, { provider: connection.provider });
    const connector = factory({
      connection,
      http: this.http(connection),
      clock: this.o.clock,
      logger: this.o.logger,
      tokens: { source: (grant) => this.tokens.source(connection, grant as TokenGrant) },
      saveTokens: (tokens) => this.saveTokens(connection, tokens),
      setStatus: (status, reason) => this.setStatus(connection, status, reason),
    }) as CategoryContracts[K];
    this.connectors.set(key, { connectionId: connection.id, connector });
    return connector;
  }

  /** The environment variable a provider reads `field` from (`fromEmail` → `SENDGRID_FROM_EMAIL`). */
  envVarOf(provider: string, field: string): string | undefined {
    return (this.o.catalog.find(provider)?.manifest.env as Record<string, string> | undefined)?.[field];
  }

  /**
   * The transport bound to a connection (cached: breakers and rate limits live there). An `oauth2`
   * connection gets its token source here, so the transport refreshes and retries a 401 once.
   */
  http(connection: ResolvedConnection): ProviderHttp {
    let http = this.httpCache.get(connection.id);
    if (!http) {
      const manifest = this.o.catalog.get(connection.provider).manifest;
      http = this.o.transport.forConnection(manifest as never, connection);
      this.httpCache.set(connection.id, http);
    }
    if (!connection.tokenSource && this.o.catalog.get(connection.provider).manifest.auth.type === 'oauth2') {
      const grant = this.grant(connection, http);
      if (grant) connection.tokenSource = this.tokens.source(connection, grant);
    }
    return http;
  }

  /** How a connection renews its tokens: the hub's `tokenGrant`, else its provider's OAuth app. */
  private grant(connection: ResolvedConnection, http: ProviderHttp): TokenGrant | undefined {
    if (this.o.tokenGrant) return this.o.tokenGrant(connection, http);
    const link = this.o.catalog.find(connection.provider)?.manifest.oauth;
    return link ? this.oauth.tokenGrant(connection, link, http) : undefined;
  }

  /** Webhook secrets accepted for a provider's default route: configured ones and the emulator's. */
  webhookSecrets(provider: string): string[] {
    const def = this.o.catalog.get(provider);
    const fields = def.webhooks?.secretFields ?? [];
    const fromEnv = fields.map((f) => this.o.env[(def.manifest.env as Record<string, string>)[f] ?? '']).filter((v): v is string => !!v);
    const emu = this.sandboxes.get(provider)?.webhookSecret;
    return emu ? [...fromEnv, emu] : fromEnv;
  }

  /**
   * The keys a connection's push channel tokens verify with (`kit/push-token.ts`), the current
   * one first: derived from the vault's keys, so every process agrees and nothing is stored.
   */
  pushKeys(connectionId: string): string[] {
    return this.o.vault.derive(`push:${connectionId}`);
  }

  /**
   * The redirect URI registered with `provider`'s OAuth app when its environment names one (a
   * manifest credential `redirectUri`: `GOOGLE_CALENDAR_REDIRECT_URI`, `OUTLOOK_REDIRECT_URI`);
   * undefined: the hub's own `<public URL>/oauth/callback`.
   */
  redirectUriOf(provider: string): string | undefined {
    const v = this.defaultConnection(provider)?.credentials.redirectUri;
    return typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined;
  }

  /** Every configured {@link redirectUriOf} (the hub serves each one's path as its OAuth callback). */
  redirectUris(): string[] {
    return [...new Set(this.o.catalog.ids().map((id) => this.redirectUriOf(id)).filter((u): u is string => u !== undefined))];
  }

  /** Add a tenant connection; credentials are validated by the manifest and sealed. */
  async create(tenantId: string, provider: string, name: string, credentials: Record<string, unknown>): Promise<ConnectionSummary> {
    const def = this.o.catalog.find(provider);
    if (!def) throw new HubError('validation_failed', `provider: unknown provider "${provider}"; known: ${this.o.catalog.ids().join(', ')}`, { errors: [{ field: 'provider', message: `must be one of ${this.o.catalog.ids().join(', ')}` }] });
    const parsed = def.manifest.credentials.safeParse(credentials);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ field: `credentials.${i.path.join('.')}`, message: i.message }));
      throw new HubError('validation_failed', `Invalid ${def.manifest.name} credentials: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
    }
    const now = this.o.clock.now();
    const id = newId('conn', now);
    const sealed = this.o.vault.seal(parsed.data, id);
    try {
      await this.o.store.write((trx) => trx.insertInto('connections').values({ id, tenant_id: tenantId, provider, name, credentials: sealed, key_id: this.o.vault.currentKid, created_at: now, updated_at: now }).execute());
    } catch (err) {
      throw new HubError('conflict', `Tenant already has a ${provider} connection named "${name}"`, { cause: err });
    }
    this.tenantCache.clear();
    return { id, tenantId, provider, name, mode: this.o.forceSandbox ? 'sandbox' : 'live', status: 'active', fields: Object.keys(parsed.data as object), hasTokens: false, createdAt: now };
  }

  async list(tenantId: string): Promise<ConnectionSummary[]> {
    const rows = await this.o.store.db.selectFrom('connections').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
    const states = await this.states.load(rows.map((r) => r.id));
    const own = rows.map((r) => {
      const state = states.get(r.id);
      return {
        id: r.id, tenantId: r.tenant_id, provider: r.provider, name: r.name, mode: this.o.forceSandbox ? ('sandbox' as const) : ('live' as const),
        status: (state?.status ?? 'active') as ConnectionStatus, statusReason: state?.status_reason ?? undefined,
        fields: Object.keys(this.o.vault.open<Record<string, unknown>>(r.credentials, r.id)), hasTokens: !!state?.tokens, createdAt: r.created_at,
      };
    });
    const defaults = [...this.defaults.values()].map((c) => ({
      id: c.id, tenantId: DEFAULT_TENANT, provider: c.provider, name: 'default', mode: c.mode, status: c.status ?? 'active', statusReason: c.statusReason,
      // A sandbox connection whose emulator has not started yet will get the `liveWhen` fields from it.
      fields: [...new Set([...Object.keys(c.credentials as object), ...(c.mode === 'sandbox' && !c.baseUrl ? this.o.catalog.get(c.provider).manifest.liveWhen : [])])],
      hasTokens: !!c.tokens,
    }));
    return [...defaults, ...own];
  }

  /**
   * Store a connection's token set (sealed) and use it at once; what `ctx.saveTokens` of a
   * connector does, and what an OAuth callback does after the code exchange.
   */
  async saveTokens(connection: ResolvedConnection, tokens: TokenSet): Promise<void> {
    await this.states.saveTokens(connection, tokens);
  }

  /** Set a connection's status (`disabled` by an operator, `active` again, `needs_reauth` by a connector). */
  async setStatus(connection: ResolvedConnection, status: ConnectionStatus, reason?: string): Promise<void> {
    await this.states.setStatus(connection, status, reason);
    this.tenantCache.clear();
    this.idCache.delete(connection.id);
  }

  /** An operator enables or disables one of the tenant's connections (or a default one). */
  async setStatusById(tenantId: string, id: string, status: ConnectionStatus, reason?: string): Promise<ConnectionSummary> {
    await this.setStatus(await this.own(tenantId, id), status, reason);
    return (await this.list(tenantId)).find((c) => c.id === id)!;
  }

  /**
   * Store the tokens of an account a tenant connected over OAuth on its connection of `provider`
   * and `name` (made if new; connecting again keeps its id and makes it active again).
   */
  async connectOAuth(tenantId: string, provider: string, name: string, credentials: Record<string, unknown>, tokens: TokenSet): Promise<ConnectionSummary> {
    const def = this.o.catalog.get(provider);
    const now = this.o.clock.now();
    const existing = await this.o.store.db.selectFrom('connections').select('id').where('tenant_id', '=', tenantId).where('provider', '=', provider).where('name', '=', name).executeTakeFirst();
    const id = existing?.id ?? newId('conn', now);
    const sealed = this.o.vault.seal(def.manifest.credentials.parse(credentials) as object, id);
    await this.o.store.write(async (trx) => {
      if (existing) await trx.updateTable('connections').set({ credentials: sealed, key_id: this.o.vault.currentKid, updated_at: now }).where('id', '=', id).execute();
      else await trx.insertInto('connections').values({ id, tenant_id: tenantId, provider, name, credentials: sealed, key_id: this.o.vault.currentKid, created_at: now, updated_at: now }).execute();
    });
    await this.forget(id);
    const connection = (await this.byId(id))!;
    await this.saveTokens(connection, tokens);
    await this.setStatus(connection, 'active'); // again after needs_reauth
    return (await this.list(tenantId)).find((c) => c.id === id)!;
  }

  /** A connection of the tenant (or a default one) as `GET /api/v1/connections/:id` shows it; never a token. */
  async view(tenantId: string, id: string): Promise<ConnectionView> {
    const connection = await this.own(tenantId, id);
    const state = (await this.states.load([id])).get(id);
    const t = connection.tokens;
    const iso = (ms: number | undefined | null) => (ms ? new Date(ms).toISOString() : null);
    return {
      id, tenantId: connection.tenantId, provider: connection.provider, mode: connection.mode, status: connection.status ?? 'active',
      scopes: t?.scopes ?? [], expiresAt: iso(t?.expiresAt), lastRefreshedAt: state?.tokens ? iso(state.updated_at) : null, lastError: connection.statusReason ?? null,
    };
  }

  /** Refresh a connection's OAuth tokens now (`POST /api/v1/connections/:id/refresh`). */
  async refresh(tenantId: string, id: string): Promise<ConnectionView> {
    const connection = await this.own(tenantId, id);
    if (!connection.tokens) throw new HubError('validation_failed', `Connection ${id} holds no OAuth tokens to refresh`, { errors: [{ field: 'id', message: 'not an OAuth connection' }] });
    this.http(connection); // its token source
    await this.tokens.accessToken(connection, { force: true });
    return this.view(tenantId, id);
  }

  /**
   * The OAuth catalog entry whose app connects accounts of `provider`, and the scopes it asks for:
   * `gmail` connects through Google's app with the Gmail send scope; a catalog provider through its own.
   */
  oauthOf(provider: string): { link: string; scopes?: string[] } {
    const m = this.o.catalog.find(provider)?.manifest;
    return { link: m?.oauth ?? provider, scopes: m?.oauthScopes };
  }

  /** A connection of the tenant (or a default one); 404 otherwise. */
  private async own(tenantId: string, id: string): Promise<ResolvedConnection> {
    const connection = await this.byId(id);
    if (!connection || (connection.tenantId !== tenantId && !id.startsWith('conn_default_'))) throw new HubError('not_found', `No connection ${id}`);
    return connection;
  }

  /** Drop what this process keeps of a connection (cached resolution, transport, connectors). */
  private forget(id: string): Promise<void> {
    this.tenantCache.clear();
    this.idCache.delete(id);
    this.httpCache.delete(id);
    return this.closeConnectors((c) => c.connectionId === id);
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const connection = await this.byId(id).catch(() => undefined);
    const link = connection && this.o.catalog.find(connection.provider)?.manifest.oauth;
    if (connection && link && connection.tenantId === tenantId) await this.oauth.revoke(connection, link, this.o.logger);
    const res = await this.o.store.write((trx) => trx.deleteFrom('connections').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst());
    if (Number(res.numDeletedRows) === 0) throw new HubError('not_found', `No connection ${id}`);
    await this.states.remove(id);
    await this.forget(id);
  }

  /** Close every connector (SMTP pools, …), then the emulators. */
  async close(): Promise<void> {
    await this.closeConnectors(() => true);
    await this.sandboxes.close();
  }

  private async closeConnectors(which: (c: { connectionId: string }) => boolean): Promise<void> {
    const closing = [...this.connectors].filter(([, c]) => which(c));
    for (const [key] of closing) this.connectors.delete(key);
    await Promise.allSettled(closing.map(([, c]) => (c.connector as { close?: () => Promise<void> }).close?.()));
  }

  /**
   * A sandbox connection gets its emulator's URL and credentials once the emulator runs (non-secret
   * settings such as a from address or region are kept, and a tenant's own webhook secrets).
   */
  private async ready(connection: ResolvedConnection | undefined): Promise<ResolvedConnection | undefined> {
    if (!connection) return connection;
    // An OAuth connection renews its tokens through its provider's app: resolve that first.
    const link = this.o.catalog.find(connection.provider)?.manifest.oauth;
    // (A sandbox default connection uses its emulator's own token instead.)
    if (link && !(connection.mode === 'sandbox' && connection.tenantId === DEFAULT_TENANT)) await this.oauth.prepare(connection, link);
    if (connection.mode !== 'sandbox' || connection.baseUrl) return connection;
    const emulator = await this.sandboxes.start(connection.provider, connection).catch((err: unknown) => {
      // The emulator cannot run here (its server is not installed): health shows why.
      if (err instanceof HubError && err.code === 'not_configured') this.errors.set(connection.provider, err.message);
      throw err;
    });
    const def = this.o.catalog.get(connection.provider);
    const m = def.manifest;
    // Kept: non-secret settings, a tenant's own webhook secrets (its URL verifies with them and the
    // emulator's), set aside for verification only when the API's auth reads them (Twilio's token).
    const tenantSecret = (k: string) => connection.tenantId !== DEFAULT_TENANT && !!def.webhooks?.secretFields.includes(k);
    const keep = (k: string) => (!m.secretFields.includes(k) && !m.liveWhen.includes(k)) || (tenantSecret(k) && !authFields(m.auth).includes(k));
    const own = Object.entries(connection.credentials).filter(([k, v]) => tenantSecret(k) && !keep(k) && typeof v === 'string' && v !== '');
    const kept = Object.fromEntries(Object.entries(connection.credentials).filter(([k]) => keep(k)));
    connection.credentials = m.credentials.parse({ ...emulator.credentials, ...kept }) as Record<string, unknown>;
    if (own.length > 0) connection.ownWebhookSecrets = own.map(([, v]) => v as string);
    connection.baseUrl = emulator.url;
    return connection;
  }

  private async fromRow(row: ConnectionRow): Promise<ResolvedConnection> {
    const def = this.o.catalog.get(row.provider);
    const credentials = this.o.vault.open<Record<string, unknown>>(row.credentials, row.id);
    // A tenant's own credentials are live unless the hub is sandboxed; an OAuth app's connections are sandboxed with their app.
    const sandbox = this.sandboxes.has(row.provider) && (this.o.forceSandbox || def.manifest.defaultConnection === false);
    const baseUrl = sandbox ? '' : (this.o.env[apiBaseVar(row.provider)] ?? def.manifest.baseUrlFor?.(credentials) ?? def.manifest.baseUrl);
    const connection: ResolvedConnection = { id: row.id, tenantId: row.tenant_id, provider: row.provider, mode: sandbox ? 'sandbox' : 'live', baseUrl, credentials, status: 'active' };
    return this.states.apply(connection, (await this.states.load([row.id])).get(row.id));
  }
}
