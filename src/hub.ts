/**
 * `createHub(config)`: the library entry. Wires store, queue, transport, connections, the inbound
 * webhook pipeline, the event stream and every category of `categories/registry.ts` (each the same
 * way: its chain, settings, service, routes and webhook sinks); `listen()` adds the REST server.
 *
 * @example
 * const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true' } });
 * const { id, provider } = await hub.email.send('default', { to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
 * await hub.close();
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import type { AnyCategory, CategoryHealth, CategoryServices } from './categories/category.js';
import { CATEGORIES } from './categories/registry.js';
import { wireCategories } from './categories/wire.js';
import { systemClock, type Clock } from './core/clock.js';
import { loadConfig, type HubConfig } from './core/config.js';
import { createLogger, type Logger } from './core/logger.js';
import { ConnectionManager } from './connections/connections.js';
import { OAuthConnect } from './connections/oauth-connect.js';
import { ConnectionProxy } from './connections/proxy.js';
import { SignIn } from './connections/sign-in.js';
import { IdentityDetails } from './connections/sign-in-profile.js';
import { OneTimeTokens } from './oauth/one-time.js';
import { sharedOAuthEmulator } from './providers/oauth-sandbox/shared.js';
import { defaultCatalog } from './providers/registry.js';
import type { ProviderCatalog } from './kit/catalog.js';
import { Queue } from './queue/queue.js';
import { ApiKeyStore, CORE_SCOPES } from './server/api-key-store.js';
import { categoryMigrations, planCategories } from './categories/plan.js';
import { openStore, type Store } from './store/store.js';
import { parseRateLimit } from './transport/rate-limit.js';
import type { RateLimit } from './transport/types.js';
import { HubError } from './core/errors.js';
import { Transport } from './transport/transport.js';
import { Vault } from './vault/vault.js';
import { WebhookInbox } from './webhooks/inbound.js';
import { EventStore } from './events/event-store.js';
import { installEvents, onEvent, type EventHandler } from './events/index.js';
import { installOutgoing } from './webhooks/outgoing/index.js';
import { installSources } from './webhooks/sources/index.js';

export interface CreateHubOptions {
  /** Environment to read (default `process.env` plus `.env`). */
  env?: Record<string, string | undefined>;
  /** A ready config (skips env parsing). */
  config?: HubConfig;
  clock?: Clock;
  logger?: Logger;
  /** The providers this hub knows (default: `providers/registry.ts`). */
  catalog?: ProviderCatalog;
  /** The categories this hub serves (default: `categories/registry.ts`). */
  categories?: readonly AnyCategory[];
  /** Start the queue workers (default true). */
  startWorkers?: boolean;
}

export interface HubCore {
  config: HubConfig;
  store: Store;
  queue: Queue;
  transport: Transport;
  vault: Vault;
  /** The providers this hub knows. */
  providers: ProviderCatalog;
  connections: ConnectionManager;
  /** Connecting accounts over OAuth (`POST /api/v1/connections/oauth/start`, `GET /oauth/callback`). */
  oauthConnect: OAuthConnect;
  /** Signing an application's users in (`GET /auth/:provider/login`, `/auth/:provider/callback`, `POST /api/v1/identity/exchange`). */
  signIn: SignIn;
  /** Requests to a connection's provider API with its auth (`ANY /api/v1/proxy/:connectionId/*`). */
  proxy: ConnectionProxy;
  apiKeys: ApiKeyStore;
  /** Provider ids in order per category (`EMAIL_PROVIDERS`, `PAYMENT_PROVIDERS`, …). */
  chains: Record<string, string[]>;
  /** Every scope an API key may hold: the hub's own and each category's. */
  scopes: Record<string, string>;
  inbox: WebhookInbox;
  /** The unified event stream. */
  events: EventStore;
  /**
   * Run `handler` from the durable queue for every event matching `pattern` (`email.bounced`,
   * `email.*`, `*`) recorded from now on; a handler that throws is retried. Returns its key.
   */
  on<P extends string>(pattern: P, handler: EventHandler<P>): string;
  /** Fastify plugins that modules add to the REST server (registered by `listen`). */
  routePlugins: FastifyPluginAsync[];
  /** Category name → its own health check (`CategoryParts.health`), served by the health route. */
  categoryHealth: Record<string, () => Promise<CategoryHealth>>;
  registry: Registry;
  logger: Logger;
  clock: Clock;
  /** Start the REST server; answers the base URL. */
  listen(options?: { port?: number; host?: string }): Promise<string>;
  server?: FastifyInstance;
  /** Run `hook` when the hub closes (before the server, queue and store). */
  onClose(hook: () => Promise<void>): void;
  close(): Promise<void>;
}

/** The hub: its core parts plus one service per category (`hub.email`, `hub.payments`, …). */
export type Hub = HubCore & CategoryServices;

export async function createHub(options: CreateHubOptions = {}): Promise<Hub> {
  const config = options.config ?? loadConfig(options.env ?? process.env, { envFile: options.env ? false : undefined });
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const catalog = options.catalog ?? defaultCatalog;
  const rateLimits = paceOverrides(catalog, config); // a bad pace fails before anything opens
  const categories = options.categories ?? CATEGORIES;
  const plan = planCategories(categories, catalog, config.env);
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir, migrations: categoryMigrations(categories) });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const vault = Vault.fromConfig(config.encryptionKey, { keyFile: join(config.dataDir, 'encryption.key') });
  if (vault.generated) logger.warn(`No SWITCHBOARD_ENCRYPTION_KEY: generated ${vault.keyFile}. Back it up (secrets are unreadable without it) or set SWITCHBOARD_ENCRYPTION_KEY.`);

  const transport = new Transport({
    clock,
    logger,
    registry,
    rateLimits,
    audit: (e) => {
      void store
        .write((trx) =>
          trx
            .insertInto('audit_log')
            .values({ at: e.at, provider: e.provider, connection_id: e.connectionId, operation: e.operation, method: e.method, url: e.url, status: e.status ?? null, error_code: e.errorCode ?? null, duration_ms: Math.round(e.durationMs), attempt: e.attempt })
            .execute(),
        )
        .catch((err: unknown) => logger.error({ err }, 'audit log write failed'));
    },
  });
  const queue = new Queue(store, { clock, logger, concurrency: config.queueConcurrency, pollMs: config.queuePollMs, leaseMs: config.queueLeaseMs });
  const releases: (() => Promise<void>)[] = [];
  const events = new EventStore(store, clock);
  const connections = new ConnectionManager({
    store, vault, transport, clock, logger, env: config.env, forceSandbox: config.forceSandbox, catalog, providers: [...new Set(Object.values(plan.chains).flat())],
    emulatorOptions: { autoApprove: config.oauthAutoApprove },
    oauthSandbox: async () => {
      const { emulator, release } = await sharedOAuthEmulator({ autoApprove: config.oauthAutoApprove });
      releases.push(release);
      return emulator;
    },
    onNeedsReauth: async (c, reason) => {
      await events.recordNow({ tenantId: c.tenantId, type: 'connection.needs_reauth', provider: 'switchboard', connectionId: c.id, occurredAt: clock.now(), data: { provider: c.provider, reason }, raw: null });
    },
  });
  await connections.start();
  const inbox = new WebhookInbox({ store, queue, connections, catalog, clock, logger, registry, config });
  let localUrl = `http://127.0.0.1:${config.port}`;
  const oauthConnect = new OAuthConnect({
    connections,
    oneTime: new OneTimeTokens({ store, vault, clock }),
    clock,
    callbackUrl: () => `${(config.publicUrl ?? localUrl).replace(/\/+$/, '')}/oauth/callback`,
    redirectAllowed: (url) => URL.canParse(url) && config.authRedirects.includes(new URL(url).origin),
  });
  const signIn = new SignIn({
    apps: connections.oauth,
    oneTime: new OneTimeTokens({ store, vault, clock }),
    details: new IdentityDetails({ store, vault, clock }),
    clock,
    callbackUrl: (provider) => `${(config.publicUrl ?? localUrl).replace(/\/+$/, '')}/auth/${provider}/callback`,
    redirectAllowed: (url) => URL.canParse(url) && config.authRedirects.includes(new URL(url).origin),
  });
  const wired = await wireCategories(categories, plan, { store, queue, connections, events, clock, logger, registry });
  for (const sink of wired.sinks) inbox.addSink(sink);
  const scopes = { ...CORE_SCOPES, ...plan.scopes };
  const apiKeys = new ApiKeyStore(store, clock, Object.keys(scopes));
  if (config.apiKey) await apiKeys.ensure(config.apiKey);

  const closeHooks: (() => Promise<void>)[] = [];
  const hub = {
    ...wired.services,
    config,
    store,
    queue,
    transport,
    vault,
    providers: catalog,
    connections,
    oauthConnect,
    signIn,
    proxy: new ConnectionProxy({ connections, catalog }),
    apiKeys,
    chains: plan.chains,
    scopes,
    inbox,
    events,
    routePlugins: [...wired.routes],
    categoryHealth: wired.health,
    on: (pattern, handler) => onEvent(hub, pattern, handler),
    onClose(hook) {
      closeHooks.push(hook);
    },
    registry,
    logger,
    clock,
    async listen(listenOptions = {}) {
      const { buildServer } = await import('./server/app.js');
      const server = await buildServer(hub);
      hub.server = server;
      await server.listen({ port: listenOptions.port ?? config.port, host: listenOptions.host ?? config.host });
      const address = server.server.address();
      const port = typeof address === 'object' && address ? address.port : config.port;
      const local = `http://127.0.0.1:${port}`;
      localUrl = local;
      // Emulators run in this process's sandbox: they post their signed events back over loopback.
      connections.setWebhookBase(local);
      return local;
    },
    async close() {
      // Modules first (SSE streams end, delivery loops stop), so the server can close.
      for (const hook of closeHooks.splice(0).reverse()) await hook();
      if (hub.server) {
        // Node closes the idle keep-alive connections once, when close() starts; a connection whose
        // request finishes after that stays open for the keep-alive timeout (72 s), and close()
        // waits for it. Keep closing idle connections until the server is closed.
        const http = hub.server.server;
        const sweep = setInterval(() => http.closeIdleConnections(), 100);
        try {
          await hub.server.close();
        } finally {
          clearInterval(sweep);
        }
      }
      await queue.stop();
      await wired.close();
      await connections.close();
      for (const release of releases.splice(0)) await release();
      await store.close();
    },
  } as Hub;
  installEvents(hub);
  installSources(hub);
  installOutgoing(hub);
  if (options.startWorkers !== false) queue.start();
  return hub;
}

/**
 * Each provider's pace from the environment, by provider id: `RATE_LIMIT_<ID>` (`-` written `_`:
 * `RATE_LIMIT_TEAMS_WEBHOOK`), else the vendor's own variable (`TWILIO_RATE_LIMIT`).
 */
function paceOverrides(catalog: ProviderCatalog, config: HubConfig): Record<string, RateLimit> {
  const out: Record<string, RateLimit> = {};
  for (const { manifest } of catalog.all) {
    const own = manifest.rateLimitVar;
    const value = config.rateLimits[manifest.id.replace(/-/g, '_')] ?? (own ? config.env[own]?.trim() || undefined : undefined);
    if (!value) continue;
    try {
      out[manifest.id] = parseRateLimit(value);
    } catch (err) {
      throw new HubError('config_invalid', `Invalid configuration:\n  ${own}: ${(err as Error).message}`); // RATE_LIMIT_* were checked by loadConfig
    }
  }
  return out;
}
