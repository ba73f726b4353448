/**
 * API keys of the REST API: stored as SHA-256 hashes with scopes and a tenant; shown once.
 * Scopes: `*` (everything), `<area>:*`, or a known scope: the hub's own ({@link CORE_SCOPES}) and
 * those each category declares (`hub.scopes` lists them all).
 */
import type { Clock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Principal } from '../kit/api.js';
import { DEFAULT_TENANT } from '../connections/connections.js';
import type { Store } from '../store/store.js';
import { generateApiKey, hashApiKey } from '../vault/api-keys.js';

/** The hub's own scopes; categories add theirs (`scopes` in `categories/<name>/index.ts`). */
export const CORE_SCOPES: Record<string, string> = {
  'connections:read': 'List connections (never secrets)',
  'connections:write': 'Add and remove connections',
  'proxy:use': "Call a connection's provider API through the proxy (/api/v1/proxy/:connectionId/*)",
  'events:read': 'Read and stream unified events',
  'identity:exchange': "Exchange a sign-in's one-time code for the user's profile",
  'jobs:read': 'Read the progress of bulk jobs (any category: GET /api/v1/jobs/:id)',
  'webhooks:read': 'Read outgoing endpoints, deliveries and inbound sources',
  'webhooks:write': 'Manage outgoing endpoints, inbound sources; replay',
  admin: 'Everything an operator does',
};

export interface ApiKeyInfo {
  id: string;
  tenantId: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

export type { Principal } from '../kit/api.js';

export { hasScope } from '../kit/api.js';

const CACHE_MS = 5_000;

export class ApiKeyStore {
  private readonly cache = new Map<string, { principal: Principal | null; until: number }>();

  /**
   * @param scopes every scope a key may hold (`hub.scopes`); absent: any `area:action` name.
   */
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly scopes?: readonly string[],
  ) {}

  /**
   * Create a key; the returned `key` is the only time the secret is visible.
   *
   * @example
   * const { key } = await apiKeys.create({ name: 'ci', scopes: ['email:send'] });
   */
  async create(options: { name: string; scopes?: string[]; tenantId?: string; sandbox?: boolean; key?: string }): Promise<ApiKeyInfo & { key: string }> {
    const scopes = options.scopes ?? ['*'];
    for (const s of scopes) {
      const known = this.scopes ? this.scopes.includes(s) : /^[a-z]+(:[a-z_-]+)?$/.test(s);
      if (s !== '*' && !known && !/^[a-z]+:\*$/.test(s)) {
        throw new HubError('validation_failed', `scopes: unknown scope "${s}"; known: *, ${(this.scopes ?? ['<area>:<action>']).join(', ')}`, { errors: [{ field: 'scopes', message: `unknown scope "${s}"` }] });
      }
    }
    const generated = options.key ? { key: options.key, prefix: options.key.slice(0, 12), hash: hashApiKey(options.key) } : generateApiKey({ sandbox: options.sandbox });
    const now = this.clock.now();
    const id = newId('key', now);
    const tenantId = options.tenantId ?? DEFAULT_TENANT;
    await this.store.write((trx) =>
      trx
        .insertInto('api_keys')
        .values({ id, tenant_id: tenantId, name: options.name, prefix: generated.prefix, hash: generated.hash, scopes: JSON.stringify(scopes), created_at: now, last_used_at: null, revoked_at: null })
        .onConflict((oc) => oc.column('hash').doNothing())
        .execute(),
    );
    return { id, tenantId, name: options.name, prefix: generated.prefix, scopes, createdAt: new Date(now).toISOString(), lastUsedAt: null, revokedAt: null, key: generated.key };
  }

  /** Register the bootstrap key from `SWITCHBOARD_API_KEY` (idempotent). */
  async ensure(key: string, name = 'bootstrap'): Promise<void> {
    const existing = await this.store.db.selectFrom('api_keys').select('id').where('hash', '=', hashApiKey(key)).executeTakeFirst();
    if (!existing) await this.create({ name, key, scopes: ['*'] });
  }

  async count(): Promise<number> {
    const r = await this.store.db.selectFrom('api_keys').select((eb) => eb.fn.countAll<number>().as('n')).where('revoked_at', 'is', null).executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async list(tenantId?: string): Promise<ApiKeyInfo[]> {
    let q = this.store.db.selectFrom('api_keys').selectAll().orderBy('created_at');
    if (tenantId) q = q.where('tenant_id', '=', tenantId);
    const rows = await q.execute();
    const iso = (t: number | null) => (t === null ? null : new Date(t).toISOString());
    return rows.map((r) => ({ id: r.id, tenantId: r.tenant_id, name: r.name, prefix: r.prefix, scopes: JSON.parse(r.scopes) as string[], createdAt: new Date(r.created_at).toISOString(), lastUsedAt: iso(r.last_used_at), revokedAt: iso(r.revoked_at) }));
  }

  async revoke(idOrPrefix: string): Promise<void> {
    const res = await this.store.write((trx) =>
      trx
        .updateTable('api_keys')
        .set({ revoked_at: this.clock.now() })
        .where((eb) => eb.or([eb('id', '=', idOrPrefix), eb('prefix', '=', idOrPrefix)]))
        .where('revoked_at', 'is', null)
        .executeTakeFirst(),
    );
    if (Number(res.numUpdatedRows) === 0) throw new HubError('not_found', `No active API key ${idOrPrefix}`);
    this.cache.clear();
  }

  /** The principal of a bearer token, or null. Cached for a few seconds (revocation included). */
  async authenticate(token: string): Promise<Principal | null> {
    const hash = hashApiKey(token);
    const now = this.clock.now();
    const hit = this.cache.get(hash);
    if (hit && hit.until > now) return hit.principal;
    const row = await this.store.db.selectFrom('api_keys').selectAll().where('hash', '=', hash).executeTakeFirst();
    const principal = row && row.revoked_at === null ? { keyId: row.id, tenantId: row.tenant_id, scopes: JSON.parse(row.scopes) as string[] } : null;
    if (principal && (row!.last_used_at ?? 0) < now - 60_000) {
      void this.store.write((trx) => trx.updateTable('api_keys').set({ last_used_at: now }).where('id', '=', row!.id).execute()).catch(() => {});
    }
    if (this.cache.size > 10_000) this.cache.clear();
    this.cache.set(hash, { principal, until: now + CACHE_MS });
    return principal;
  }
}
