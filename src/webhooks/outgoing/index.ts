/**
 * Installs outgoing webhooks on a hub: endpoints API, fan-out of recorded events, signed delivery
 * with retries, attempts, resend and recovery, the SSRF guard and the retention purge.
 *
 * @example
 * const hub = await createHub();              // installOutgoing runs inside createHub
 * const out = outgoingOf(hub);
 * const { id, secret } = await out.endpoints.create('default', { url: 'https://example.com/hooks', eventTypes: ['email.*'] });
 */
import { lookup as dnsLookup } from 'node:dns';
import type { Agent } from 'undici';
import type { WebhookDeps } from '../deps.js';
import { parseAllowlist, type LookupFn } from './address-guard.js';
import { Deliverer } from './delivery.js';
import { EndpointStore } from './endpoints.js';
import { DELIVER_JOB, fanOutMany, sendTestMessage, type DeliverJob } from './fan-out.js';
import { createWebhookAgent } from './http-post.js';
import { EndpointLimits } from './limits.js';
import { Replay } from './replay.js';
import { outgoingRoutes, type OutgoingApi } from './routes.js';

export { sign, signedHeaders, generateSecret } from '../standard-webhooks.js';
export { endpointHeaders, ROTATION_OVERLAP_MS, type EndpointSecrets } from './endpoints.js';

export interface OutgoingOptions {
  /** Per-request timeout (default 15 s). */
  timeoutMs?: number;
  /** Requests in flight to one endpoint from this process (default 8). */
  endpointConcurrency?: number;
  /** How often the retention purge runs (default hourly). */
  purgeEveryMs?: number;
}

export interface Outgoing extends OutgoingApi {
  deliverer: Deliverer;
  limits: EndpointLimits;
  /** Replace the DNS resolver (tests: a name resolving to a private address, DNS rebinding). */
  setLookup(lookup: LookupFn): void;
  /** Purge payloads and attempts older than the retention period now. */
  purge(): Promise<{ messages: number; attempts: number }>;
}

const installed = new WeakMap<object, Outgoing>();

/** The outgoing webhooks module of a hub. */
export function outgoingOf(hub: object): Outgoing {
  const out = installed.get(hub);
  if (!out) throw new Error('outgoing webhooks are not installed on this hub');
  return out;
}

export function installOutgoing(hub: WebhookDeps, options: OutgoingOptions = {}): Outgoing {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const allow = parseAllowlist(hub.config.webhookAllowlist);
  let lookup: LookupFn = dnsLookup;
  const viaCurrent = ((host: string, opts: never, cb: never) => lookup(host, opts, cb)) as unknown as LookupFn;
  let agent: Agent = createWebhookAgent(allow, timeoutMs, viaCurrent);
  const limits = new EndpointLimits(options.endpointConcurrency ?? 8);
  const endpoints = new EndpointStore({ store: hub.store, vault: hub.vault, clock: hub.clock, allow, lookup: viaCurrent });
  const replay = new Replay({ store: hub.store, clock: hub.clock, wake: () => hub.queue.wake() });
  const deliverer = new Deliverer({ store: hub.store, vault: hub.vault, clock: hub.clock, logger: hub.logger, events: hub.events, limits, agent: () => agent, allow, timeoutMs });
  const retentionMs = hub.config.webhookRetentionDays * 86_400_000;

  const out: Outgoing = {
    endpoints,
    replay,
    deliverer,
    limits,
    setLookup(fn) {
      lookup = fn;
      const old = agent;
      agent = createWebhookAgent(allow, timeoutMs, viaCurrent);
      void old.close();
    },
    async sendTest(tenantId, endpointId, data, type) {
      const r = await hub.store.write((trx) => sendTestMessage(trx, tenantId, endpointId, hub.clock.now(), data, type));
      hub.queue.wake();
      return r;
    },
    purge: () => replay.purge(retentionMs),
  };
  installed.set(hub, out);

  // Fan-out commits jobs in the recorder's transaction; the workers wake when an event that got
  // deliveries is published (after that commit). Waking on every event made a lease per event
  // when no endpoint listened. Ids of a transaction that rolled back are dropped past 10,000.
  const awaited = new Set<string>();
  hub.events.onRecordMany(async (trx, events) => {
    const ids = await fanOutMany(trx, events, hub.clock.now());
    if (ids.length === 0) return;
    if (awaited.size > 10_000) awaited.clear();
    for (const id of ids) awaited.add(id);
  });
  hub.events.subscribe((event) => {
    if (awaited.delete(event.id)) hub.queue.wake();
  });
  hub.queue.register<DeliverJob>(DELIVER_JOB, (payload, job) => deliverer.handle(payload, job));
  hub.routePlugins.push(outgoingRoutes(out));

  const purgeTimer = setInterval(() => {
    out.purge().catch((err: unknown) => hub.logger.error({ err }, 'webhook retention purge failed'));
  }, options.purgeEveryMs ?? 3600_000);
  purgeTimer.unref();
  hub.onClose(async () => {
    clearInterval(purgeTimer);
    await hub.queue.stop();
    await agent.close();
  });
  return out;
}
