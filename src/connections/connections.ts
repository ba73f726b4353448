/**
 * Connections: a provider plus credentials for one tenant.
 *
 * - The default connection of each provider comes from its env vars (manifest `env`). With the
 *   fields of `liveWhen` set it is live; otherwise (or when sandbox is forced) the provider's
 *   emulator is started on a loopback port and the connection points at it.
 * - `POST /api/v1/connections` adds tenant connections; their credentials are sealed by the vault.
 */
import type { Clock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import { apiBaseVar, type ProviderCatalog } from '../kit/catalog.js';
import type { Emulator } from '../kit/emulator.js';
import type { Category, CategoryContracts, ProviderDefinition, ResolvedConnection } from '../kit/connector.js';
import type { ProviderHttp } from '../transport/types.js';
import type { Store } from '../store/store.js';
import type { Transport } from '../transport/transport.js';
import type { Vault } from '../vault/vault.js';

export const DEFAULT_TENANT = 'default';
/** Other processes see a new or removed connection within this long (this process at once). */
const TENANT_CACHE_MS = 5_000;

export interface ConnectionSummary {
  id: string;
  tenantId: string;
  provider: string;
  name: string;
  mode: 'sandbox' | 'live';
  /** Credential field names (never values). */
  fields: string[];
  createdAt?: number;
}

export interface ConnectionManagerOptions {
  store: Store;
  vault: Vault;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  env: Record<string, string | undefined>;
  forceSandbox: boolean;
  /** The providers this hub knows. */
  catalog: ProviderCatalog;
  /** Only these providers get a default connection (and an emulator). Default: all. */
  providers?: string[];
}

export class ConnectionManager {
  private readonly defaults = new Map<string, ResolvedConnection>();
  private readonly emulators = new Map<string, Emulator>();
  private readonly errors = new Map<string, string>();
  private readonly httpCache = new Map<string, ProviderHttp>();
  /** Connectors by connection id and category: built once, closed on shutdown. */
  private readonly connectors = new Map<string, { connectionId: string; connector: unknown }>();
  /** A tenant's own connection per provider (or none), cached briefly: the send path asks every time. */
  private readonly tenantCache = new Map<string, { connection: ResolvedConnection | undefined; until: number }>();

  constructor(private readonly o: ConnectionManagerOptions) {}

  /** Resolve every default connection, starting emulators for sandboxed providers. */
  async start(): Promise<void> {
    const wanted = this.o.catalog.all.filter((p) => !this.o.providers || this.o.providers.includes(p.manifest.id));
    await Promise.all(wanted.map((p) => this.resolveDefault(p)));
  }

  /** Point every emulator's signed webhooks at the hub. */
  setWebhookBase(baseUrl: string): void {
    for (const [id, emu] of this.emulators) emu.setWebhookTarget(`${baseUrl.replace(/\/$/, '')}/webhooks/${id}`);
  }

  emulator(provider: string): Emulator | undefined {
    return this.emulators.get(provider);
  }

  /** A configuration problem found at start (shown by health), if any. */
  configError(provider: string): string | undefined {
    return this.errors.get(provider);
  }

  defaultConnection(provider: string): ResolvedConnection | undefined {
    return this.defaults.get(provider);
  }

  /** The connection a tenant uses for a provider: its own if it has one, else the default. */
  async forTenant(tenantId: string, provider: string): Promise<ResolvedConnection | undefined> {
    const key = `${tenantId}\n${provider}`;
    const now = this.o.clock.now();
    const hit = this.tenantCache.get(key);
    if (hit && hit.until > now) return hit.connection ?? this.defaults.get(provider);
    const row = await this.o.store.db
      .selectFrom('connections')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where('provider', '=', provider)
      .orderBy('created_at')
      .executeTakeFirst();
    const connection = row ? this.fromRow(row) : undefined;
    if (this.tenantCache.size > 10_000) this.tenantCache.clear();
    this.tenantCache.set(key, { connection, until: now + TENANT_CACHE_MS });
    return connection ?? this.defaults.get(provider);
  }

  /** A connection by id: a default (`conn_default_<provider>`) or a tenant's own; undefined if none. */
  async byId(id: string): Promise<ResolvedConnection | undefined> {
    for (const c of this.defaults.values()) if (c.id === id) return c;
    const row = await this.o.store.db.selectFrom('connections').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? this.fromRow(row) : undefined;
  }

  /**
   * The connector a tenant uses for `provider` in `category`: its own connection's, else the
   * default's. Cached per connection (breakers, pools, token caches live there) and closed on
   * shutdown. A provider with no connection is `not_configured`.
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
    const key = `${connection.id}\n${category}`;
    const hit = this.connectors.get(key);
    if (hit) return hit.connector as CategoryContracts[K];
    const factory = this.o.catalog.get(connection.provider)[category];
    if (!factory) throw new HubError('not_configured', `${connection.provider} has no ${category} connector`, { provider: connection.provider });
    const connector = factory({ connection, http: this.http(connection), clock: this.o.clock, logger: this.o.logger }) as CategoryContracts[K];
    this.connectors.set(key, { connectionId: connection.id, connector });
    return connector;
  }

  /** The environment variable a provider reads `field` from (`fromEmail` → `SENDGRID_FROM_EMAIL`). */
  envVarOf(provider: string, field: string): string | undefined {
    return (this.o.catalog.find(provider)?.manifest.env as Record<string, string> | undefined)?.[field];
  }

  /** The transport bound to a connection (cached: breakers and rate limits live there). */
  http(connection: ResolvedConnection): ProviderHttp {
    let http = this.httpCache.get(connection.id);
    if (!http) {
      http = this.o.transport.forConnection(this.o.catalog.get(connection.provider).manifest as never, connection);
      this.httpCache.set(connection.id, http);
    }
    return http;
  }

  /** Webhook secrets accepted for a provider's default route: configured ones and the emulator's. */
  webhookSecrets(provider: string): string[] {
    const def = this.o.catalog.get(provider);
    const fields = def.webhooks?.secretFields ?? [];
    const fromEnv = fields
      .map((f) => this.o.env[(def.manifest.env as Record<string, string>)[f] ?? ''])
      .filter((v): v is string => !!v);
    const emu = this.emulators.get(provider)?.webhookSecret;
    return emu ? [...fromEnv, emu] : fromEnv;
  }

  /** Add a tenant connection; credentials are validated by the manifest and sealed. */
  async create(tenantId: string, provider: string, name: string, credentials: Record<string, unknown>): Promise<ConnectionSummary> {
    const def = this.o.catalog.get(provider);
    const parsed = def.manifest.credentials.safeParse(credentials);
    if (!parsed.success) {
      const errors = parsed.error.issues.map((i) => ({ field: `credentials.${i.path.join('.')}`, message: i.message }));
      throw new HubError('validation_failed', `Invalid ${def.manifest.name} credentials: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`, { errors });
    }
    const now = this.o.clock.now();
    const id = newId('conn', now);
    const sealed = this.o.vault.seal(parsed.data, id);
    try {
      await this.o.store.write((trx) =>
        trx
          .insertInto('connections')
          .values({ id, tenant_id: tenantId, provider, name, credentials: sealed, key_id: this.o.vault.currentKid, created_at: now, updated_at: now })
          .execute(),
      );
    } catch (err) {
      throw new HubError('conflict', `Tenant already has a ${provider} connection named "${name}"`, { cause: err });
    }
    this.tenantCache.clear();
    return { id, tenantId, provider, name, mode: 'live', fields: Object.keys(parsed.data as object), createdAt: now };
  }

  async list(tenantId: string): Promise<ConnectionSummary[]> {
    const rows = await this.o.store.db.selectFrom('connections').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
    const own = rows.map((r) => ({
      id: r.id,
      tenantId: r.tenant_id,
      provider: r.provider,
      name: r.name,
      mode: 'live' as const,
      fields: Object.keys(this.o.vault.open<Record<string, unknown>>(r.credentials, r.id)),
      createdAt: r.created_at,
    }));
    const defaults = [...this.defaults.values()].map((c) => ({
      id: c.id,
      tenantId: DEFAULT_TENANT,
      provider: c.provider,
      name: 'default',
      mode: c.mode,
      fields: Object.keys(c.credentials as object),
    }));
    return [...defaults, ...own];
  }

  async remove(tenantId: string, id: string): Promise<void> {
    const res = await this.o.store.write((trx) =>
      trx.deleteFrom('connections').where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst(),
    );
    if (Number(res.numDeletedRows) === 0) throw new HubError('not_found', `No connection ${id}`);
    this.httpCache.delete(id);
    await this.closeConnectors((c) => c.connectionId === id);
    this.tenantCache.clear();
  }

  /** Close every connector (SMTP pools, …), then the emulators. */
  async close(): Promise<void> {
    await this.closeConnectors(() => true);
    await Promise.allSettled([...this.emulators.values()].map((e) => e.close()));
  }

  private async closeConnectors(which: (c: { connectionId: string }) => boolean): Promise<void> {
    const closing = [...this.connectors].filter(([, c]) => which(c));
    for (const [key] of closing) this.connectors.delete(key);
    await Promise.allSettled(closing.map(([, c]) => (c.connector as { close?: () => Promise<void> }).close?.()));
  }

  private fromRow(row: { id: string; tenant_id: string; provider: string; credentials: string }): ResolvedConnection {
    const def = this.o.catalog.get(row.provider);
    const credentials = this.o.vault.open<Record<string, unknown>>(row.credentials, row.id);
    const baseUrl = this.o.env[apiBaseVar(row.provider)] ?? def.manifest.baseUrlFor?.(credentials) ?? def.manifest.baseUrl;
    return { id: row.id, tenantId: row.tenant_id, provider: row.provider, mode: 'live', baseUrl, credentials };
  }

  private async resolveDefault(def: ProviderDefinition): Promise<void> {
    const m = def.manifest;
    const raw: Record<string, string> = {};
    for (const [field, envVar] of Object.entries(m.env as Record<string, string>)) {
      const v = this.o.env[envVar];
      if (v !== undefined && v.trim() !== '') raw[field] = v.trim();
    }
    const live = !this.o.forceSandbox && m.liveWhen.every((f) => raw[f] !== undefined);
    const id = `conn_default_${m.id}`;
    if (live) {
      const parsed = m.credentials.safeParse(raw);
      if (!parsed.success) {
        const names = parsed.error.issues.map((i) => `${(m.env as Record<string, string>)[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
        throw new HubError('config_invalid', `Invalid ${m.name} configuration:\n  ${names.join('\n  ')}`);
      }
      const credentials = parsed.data as Record<string, unknown>;
      const baseUrl = this.o.env[apiBaseVar(m.id)] ?? m.baseUrlFor?.(credentials as never) ?? m.baseUrl;
      this.defaults.set(m.id, { id, tenantId: DEFAULT_TENANT, provider: m.id, mode: 'live', baseUrl, credentials });
      return;
    }
    if (!def.startEmulator) {
      this.errors.set(m.id, `not configured: set ${m.liveWhen.map((f) => (m.env as Record<string, string>)[f]).join(', ')}`);
      return;
    }
    const emulator = await def.startEmulator();
    this.emulators.set(m.id, emulator);
    // Keep non-secret settings (from addresses, region) from the env; the emulator supplies the rest.
    const kept = Object.fromEntries(Object.entries(raw).filter(([k]) => !m.secretFields.includes(k) && !m.liveWhen.includes(k)));
    const credentials = m.credentials.parse({ ...kept, ...emulator.credentials }) as Record<string, unknown>;
    this.defaults.set(m.id, { id, tenantId: DEFAULT_TENANT, provider: m.id, mode: 'sandbox', baseUrl: emulator.url, credentials });
  }
}
