/**
 * `createHub(config)`: the library entry. Wires store, queue, transport, connections, the email
 * category and the inbound webhook pipeline; `listen()` adds the REST server.
 *
 * @example
 * const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true' } });
 * const { id, provider } = await hub.email.send('default', { to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
 * await hub.close();
 */
import { join } from 'node:path';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import { Registry, collectDefaultMetrics } from 'prom-client';
import { BulkSender } from './categories/email/bulk.js';
import { EmailService } from './categories/email/service.js';
import { TemplateStore } from './categories/email/template-store.js';
import { applyEmailEvents } from './categories/email/tracking.js';
import { PaymentsService } from './categories/payments/service.js';
import { applyPaymentEvents } from './categories/payments/tracking.js';
import { systemClock, type Clock } from './core/clock.js';
import { loadConfig, type HubConfig } from './core/config.js';
import { HubError } from './core/errors.js';
import { createLogger, type Logger } from './core/logger.js';
import { ConnectionManager } from './connections/connections.js';
import { defaultCatalog } from './providers/registry.js';
import type { ProviderCatalog } from './kit/catalog.js';
import { Queue } from './queue/queue.js';
import { ApiKeyStore } from './server/api-key-store.js';
import { openStore, type Store } from './store/store.js';
import { parseRateLimit } from './transport/rate-limit.js';
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
  /** Start the queue workers (default true). */
  startWorkers?: boolean;
}

export interface Hub {
  config: HubConfig;
  store: Store;
  queue: Queue;
  transport: Transport;
  vault: Vault;
  /** The providers this hub knows. */
  providers: ProviderCatalog;
  connections: ConnectionManager;
  apiKeys: ApiKeyStore;
  email: EmailService;
  /** Payments, refunds, customers, subscriptions, invoices (Stripe, PayPal). */
  payments: PaymentsService;
  bulk: BulkSender;
  templates: TemplateStore;
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

export async function createHub(options: CreateHubOptions = {}): Promise<Hub> {
  const config = options.config ?? loadConfig(options.env ?? process.env, { envFile: options.env ? false : undefined });
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? createLogger(config.logLevel);
  const catalog = options.catalog ?? defaultCatalog;
  for (const [variable, category, chosen] of [['EMAIL_PROVIDERS', 'email', config.emailProviders], ['PAYMENT_PROVIDERS', 'payments', config.paymentProviders]] as const) {
    const known = catalog.of(category).map((p) => p.manifest.id);
    const unknown = chosen.filter((p) => !known.includes(p));
    if (unknown.length > 0) throw new HubError('config_invalid', `${variable}: unknown provider(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
  }

  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'switchboard_' });
  const vault = Vault.fromConfig(config.encryptionKey, { keyFile: join(config.dataDir, 'encryption.key') });
  if (vault.generated) logger.warn(`No SWITCHBOARD_ENCRYPTION_KEY: generated ${vault.keyFile}. Back it up (secrets are unreadable without it) or set SWITCHBOARD_ENCRYPTION_KEY.`);

  const rateLimits = Object.fromEntries(Object.entries(config.rateLimits).map(([k, v]) => [k, parseRateLimit(v)]));
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
  const connections = new ConnectionManager({ store, vault, transport, clock, logger, env: config.env, forceSandbox: config.forceSandbox, catalog, providers: [...config.emailProviders, ...config.paymentProviders] });
  await connections.start();
  const templates = new TemplateStore(store, clock);
  const email = new EmailService({ store, queue, connections, templates, clock, logger, chain: config.emailProviders, defaultFrom: config.emailFrom });
  const payments = new PaymentsService({ store, queue, connections, clock, logger, chain: config.paymentProviders, recoveryMs: config.paymentRecoveryMs });
  const bulk = new BulkSender({ store, queue, templates, suppressions: email.suppressions, clock, maxRecipients: config.bulkMaxRecipients });
  const inbox = new WebhookInbox({ store, queue, connections, catalog, clock, logger, registry, toleranceSec: config.webhookToleranceSec });
  const events = new EventStore(store, clock);
  inbox.addSink(async (provider, inbound) => {
    await applyEmailEvents(store, clock, provider, inbound, events);
  });
  inbox.addSink(async (provider, inbound) => {
    await applyPaymentEvents(store, clock, payments.records, provider, inbound, events);
  });
  const apiKeys = new ApiKeyStore(store, clock);
  if (config.apiKey) await apiKeys.ensure(config.apiKey);

  const closeHooks: (() => Promise<void>)[] = [];
  const hub: Hub = {
    config,
    store,
    queue,
    transport,
    vault,
    providers: catalog,
    connections,
    apiKeys,
    email,
    payments,
    bulk,
    templates,
    inbox,
    events,
    routePlugins: [],
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
      await email.close();
      await connections.close();
      await store.close();
    },
  };
  installEvents(hub);
  installSources(hub);
  installOutgoing(hub);
  if (options.startWorkers !== false) queue.start();
  return hub;
}
