/**
 * What the webhooks modules need from the hub that installs them. The hub satisfies it
 * structurally; nothing under `webhooks/` imports `hub.ts` or `server/`.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EventStore } from '../events/event-store.js';
import type { Queue } from '../queue/queue.js';
import type { Store } from '../store/store.js';
import type { Vault } from '../vault/vault.js';
import type { WebhookInbox } from './inbound.js';

/** The config fields the webhooks modules read. */
export interface WebhookConfig {
  /** `SWITCHBOARD_PUBLIC_URL`: shown as the receiving URL of custom sources. */
  publicUrl?: string;
  webhookToleranceSec: number;
  /** CIDRs outgoing webhooks may reach although private (SSRF guard exceptions). */
  webhookAllowlist: string[];
  /** Inbox rows, outgoing payloads and attempts older than this are purged. */
  webhookRetentionDays: number;
}

/**
 * The hub's parts the webhooks modules use.
 *
 * @example
 * installSources(hub); installOutgoing(hub); // the hub is a WebhookDeps
 */
export interface WebhookDeps {
  config: WebhookConfig;
  store: Store;
  queue: Queue;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  events: EventStore;
  inbox: WebhookInbox;
  /** Fastify plugins the REST server registers. */
  routePlugins: FastifyPluginAsync[];
  /** Run `hook` when the hub closes. */
  onClose(hook: () => Promise<void>): void;
}
