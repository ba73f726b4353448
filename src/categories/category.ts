/**
 * What a category is: one folder `categories/<name>/` whose `index.ts` declares, once, everything
 * the hub needs to know about it: its provider contract key, its provider chain variable
 * (`<NAME>_PROVIDERS`), failover policy, settings, error codes, event types, scopes, REST routes,
 * webhook sinks. The hub reads the list in `categories/registry.ts` and wires each the same way;
 * adding a category edits no generic file.
 *
 * @example
 * export const emailCategory = defineCategory({
 *   name: 'email', title: 'Email', failover: 'retryable',
 *   scopes: { 'email:send': 'Send email' },
 *   create: (ctx) => ({ service: new EmailService(ctx) }),
 * });
 */
import type { FastifyPluginAsync } from 'fastify';
import type { Registry } from 'prom-client';
import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { ErrorCodeInfo } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ConnectionManager } from '../connections/connections.js';
import type { EventStore } from '../events/event-store.js';
import type { Migration } from 'kysely';
import type { Category } from '../kit/connector.js';
import type { Queue } from '../queue/queue.js';
import type { ChainOptions, ChainResult, FailoverPolicy } from '../routing/failover.js';
import type { Dialect, Store } from '../store/store.js';
import type { BatchProgressFn } from './jobs.js';
import type { EventSink } from '../webhooks/inbound.js';

/**
 * Category name → its service on the hub (`hub.email`, `hub.payments`). Each category adds itself
 * from its own `index.ts` by declaration merging.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface CategoryServices {}

/** What a category's `create` receives: the hub's shared parts, its chain and its settings. */
export interface CategoryContext<Settings = Record<string, unknown>> {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  events: EventStore;
  clock: Clock;
  logger: Logger;
  registry: Registry;
  /** Provider ids in order, from `<NAME>_PROVIDERS` (default: every provider of the category). */
  chain: string[];
  /** The category's own variables, parsed by its `settings` schema. */
  settings: Settings;
  /** Runs `attempt` along `chain` (or `providers`) under the category's failover policy. */
  failover<T>(attempt: (provider: string) => Promise<T>, options?: ChainOptions & { providers?: string[] }): Promise<ChainResult<T>>;
}

/** What `create` answers: the service, and what the hub wires around it. */
export interface CategoryParts<Service> {
  service: Service;
  /** REST routes (Fastify plugins), registered by the server. */
  routes?: FastifyPluginAsync[];
  /** Receive the normalized events of verified provider webhooks. */
  sinks?: EventSink[];
  /**
   * Batch type (a `batches.type` it writes, e.g. `email.bulk`) → its progress, answered at
   * `GET /api/v1/jobs/:id` (categories/jobs.ts).
   */
  jobs?: Record<string, BatchProgressFn>;
  /** Runs when the hub closes, before the store. */
  close?(): Promise<void>;
  /**
   * The category's own state beside its providers' (calendar: tracked calendars failing or
   * revoked), answered under `categories.<name>` at `GET /api/v1/integrations/health`, which is
   * public: counts and states only, never a tenant's data.
   */
  health?(): Promise<CategoryHealth>;
}

/** What a category's `health()` answers; `degraded` or `down` makes the whole answer `degraded`. */
export interface CategoryHealth {
  status: 'ok' | 'degraded' | 'down';
  /** Counts and states (`{tracked: 3, failing: 1}`): public, so no ids or tenant data. */
  details?: Record<string, unknown>;
}

export interface CategoryDefinition<Name extends Category = Category, Service = unknown, Settings = Record<string, unknown>> {
  /** The contract key in `CategoryContracts`, the hub property and the URL segment. */
  name: Name;
  title: string;
  /** The chain variable; default `<NAME>_PROVIDERS`. */
  chainVar?: string;
  failover: FailoverPolicy;
  /** zod object of the category's own environment variables (`EMAIL_FROM`, …). */
  settings?: z.ZodType<Settings>;
  /** Codes the category adds to the error registry (`errors.ts`; registered when it loads). */
  errorCodes?: Record<string, ErrorCodeInfo>;
  /** Unified event types by group, with descriptions (`events.ts`; registered when it loads). */
  eventTypes?: Record<string, Record<string, string>>;
  /** Scopes its routes need, each with one line for the docs. */
  scopes: Record<string, string>;
  /**
   * The category's own tables: migration name → the migration for a dialect. Names start with the
   * category's name (`sms-001-messages`); they run after the hub's own, in name order, when the
   * store opens. Table types join the store's by declaration merging:
   * `declare module '../../store/schema.js' { interface Database { sms_messages: … } }`.
   */
  migrations?: Record<string, (dialect: Dialect) => Migration>;
  create(ctx: CategoryContext<Settings>): CategoryParts<Service> | Promise<CategoryParts<Service>>;
}

/** A definition whose service and settings types are no longer tracked (the registry's list). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own types
export type AnyCategory = CategoryDefinition<Category, any, any>;

/**
 * Identity helper that keeps the service and settings types.
 *
 * @example
 * export const paymentsCategory = defineCategory({ name: 'payments', … });
 */
export function defineCategory<Name extends Category, Service, Settings = Record<string, unknown>>(
  def: CategoryDefinition<Name, Service, Settings>,
): CategoryDefinition<Name, Service, Settings> {
  return def;
}

/** `EMAIL_PROVIDERS` for `email`, unless the category names its own. */
export function chainVarOf(def: Pick<AnyCategory, 'name' | 'chainVar'>): string {
  return def.chainVar ?? `${def.name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_PROVIDERS`;
}
