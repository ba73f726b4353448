/**
 * Builds every category the same way from what it declared: its failover-bound chain, its
 * settings, its service; collects routes, webhook sinks and close hooks for the hub.
 */
import type { FastifyPluginAsync } from 'fastify';
import { registerErrorCodes } from '../core/errors.js';
import { registerEventTypes } from '../events/types.js';
import { runChain } from '../routing/failover.js';
import type { EventSink } from '../webhooks/inbound.js';
import type { AnyCategory, CategoryContext, CategoryHealth } from './category.js';
import type { CategoryPlan } from './plan.js';
import { jobRoutes, type BatchProgressFn } from './jobs.js';

/** The hub's shared parts every category receives. */
export type CategoryBase = Omit<CategoryContext, 'chain' | 'settings' | 'failover'>;

export interface WiredCategories {
  /** Category name → its service (`email` → EmailService). */
  services: Record<string, unknown>;
  routes: FastifyPluginAsync[];
  sinks: EventSink[];
  /** Category name → its `health()`, for those that declare one. */
  health: Record<string, () => Promise<CategoryHealth>>;
  /** Close every category, last built first. */
  close(): Promise<void>;
}

/**
 * @example
 * const wired = await wireCategories(CATEGORIES, planCategories(CATEGORIES, catalog, env), base);
 * wired.services.email // the EmailService
 */
export async function wireCategories(categories: readonly AnyCategory[], plan: CategoryPlan, base: CategoryBase): Promise<WiredCategories> {
  const wired: WiredCategories = { services: {}, routes: [], sinks: [], health: {}, close: async () => {} };
  const closers: (() => Promise<void>)[] = [];
  const jobs = new Map<string, BatchProgressFn>();
  for (const c of categories) {
    if (c.errorCodes) registerErrorCodes(c.errorCodes);
    if (c.eventTypes) registerEventTypes(c.eventTypes);
    const chain = plan.chains[c.name] ?? [];
    const logger = base.logger.child({ category: c.name });
    const parts = await c.create({
      ...base,
      logger,
      chain,
      settings: plan.settings[c.name],
      failover: (attempt, options = {}) => runChain(options.providers ?? chain, attempt, { policy: c.failover, ...options }),
    });
    wired.services[c.name] = parts.service;
    wired.routes.push(...(parts.routes ?? []));
    wired.sinks.push(...(parts.sinks ?? []));
    if (parts.close) closers.push(parts.close);
    if (parts.health) wired.health[c.name] = parts.health.bind(parts);
    for (const [type, progress] of Object.entries(parts.jobs ?? {})) jobs.set(type, progress);
  }
  wired.routes.push(jobRoutes(base.store, jobs));
  wired.close = async () => {
    for (const close of closers.reverse()) await close();
  };
  return wired;
}
