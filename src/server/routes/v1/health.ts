/**
 * `GET /api/v1/integrations/health`: one entry per configured provider
 * `{name, type, provider, status, enabled, mode, last_error}` and the store's state.
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { ConnectionManager } from '../../../connections/connections.js';
import type { ProviderCatalog } from '../../../kit/catalog.js';
import type { Store } from '../../../store/store.js';
import type { Transport } from '../../../transport/transport.js';
import type { CategoryHealth } from '../../../categories/category.js';

/** What health reads. */
export interface HealthDeps {
  transport: Transport;
  connections: ConnectionManager;
  providers: ProviderCatalog;
  store: Store;
  /** Provider ids in order per category. */
  chains: Record<string, string[]>;
  /** Category name → its own health check (`CategoryParts.health`). */
  categoryHealth?: Record<string, () => Promise<CategoryHealth>>;
}

export interface ProviderHealth {
  name: string;
  type: string;
  provider: string;
  status: 'healthy' | 'degraded' | 'down' | 'not_configured';
  enabled: boolean;
  mode: 'sandbox' | 'live' | null;
  breaker: string;
  last_error: { message: string; at: string } | null;
}

/**
 * Error codes that say the provider is unwell (unreachable, slow, refusing the hub's credentials,
 * throttling, or cut off by the breaker); every other error was caused by a request's content.
 */
const PROVIDER_SIDE = new Set(['provider_unavailable', 'provider_timeout', 'provider_auth_failed', 'provider_rate_limited', 'circuit_open']);

export async function providerHealth(hub: HealthDeps): Promise<ProviderHealth[]> {
  const states = hub.transport.breakerStates();
  const configured = Object.entries(hub.chains).flatMap(([category, ids]) => ids.map((id) => [id, category] as const));
  return configured.map(([id, type]) => {
    const def = hub.providers.get(id);
    const conn = hub.connections.defaultConnection(id);
    const configError = hub.connections.configError(id);
    const breaker = states[id] ?? 'closed';
    const last = hub.transport.lastError(id);
    const status = !conn ? 'not_configured' : breaker === 'open' ? 'down' : breaker === 'half-open' ? 'degraded' : 'healthy';
    return {
      name: def.manifest.name,
      type,
      provider: id,
      status,
      enabled: !!conn,
      mode: conn?.mode ?? null,
      breaker,
      // Public answer: only failures on the provider's side (a caller's refused recipient is not health).
      last_error: configError ? { message: configError, at: new Date().toISOString() } : last && PROVIDER_SIDE.has(last.code) ? { message: last.message, at: new Date(last.at).toISOString() } : null,
    };
  });
}

/** Each category's own health; one that throws reads as `down` (its message is not shown: the route is public). */
export async function categoryHealth(hub: Pick<HealthDeps, 'categoryHealth'>): Promise<Record<string, CategoryHealth>> {
  const entries = await Promise.all(Object.entries(hub.categoryHealth ?? {}).map(async ([name, check]) => [name, await check().catch((): CategoryHealth => ({ status: 'down' }))] as const));
  return Object.fromEntries(entries);
}

export const healthRoutes =
  (hub: HealthDeps): FastifyPluginAsync =>
  async (app) => {
    app.get('/api/v1/integrations/health', { config: { public: true }, schema: { tags: ['health'], summary: 'Health of every provider and the store', security: [] } }, async (_req, reply) => {
      let store: 'ok' | 'down' = 'ok';
      try {
        await sql`select 1`.execute(hub.store.db);
      } catch {
        store = 'down';
      }
      const integrations = await providerHealth(hub);
      const categories = store === 'ok' ? await categoryHealth(hub) : {};
      const ok = store === 'ok' && integrations.some((i) => i.status === 'healthy') && Object.values(categories).every((c) => c.status === 'ok');
      reply.code(store === 'ok' ? 200 : 503);
      return { status: ok ? 'ok' : 'degraded', store: { status: store, dialect: hub.store.dialect }, integrations, categories };
    });
  };
