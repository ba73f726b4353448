/**
 * Bulk work of any category behind one route, `GET /api/v1/jobs/:id` (scope `jobs:read`). A
 * category that starts batches (email's bulk send, SMS's bulk send, …) answers their progress for
 * its batch types (`CategoryParts.jobs`); the route reads the batch's type and asks its category.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { zodToHubError } from '../core/validation.js';
import { tenantOf } from '../kit/api.js';
import type { Store } from '../store/store.js';

/** Progress and per-recipient results of one batch. */
export interface BatchProgress {
  id: string;
  type: string;
  status: 'running' | 'completed';
  total: number;
  sent: number;
  failed: number;
  pending: number;
  createdAt: string;
  results: { index: number; to: string; messageId: string; status: string; provider: string | null; error: unknown }[];
  nextOffset: number | null;
}

/** The batch's row as the route found it (tenant checked), and the page asked for. */
export interface BatchRef {
  id: string;
  tenantId: string;
  type: string;
  total: number;
  createdAt: number;
  offset: number;
  limit: number;
}

/**
 * Sent, failed and pending of a batch from its messages counted by status (`group by status`).
 *
 * @example
 * tally([{ status: 'delivered', n: 2 }, { status: 'failed', n: 1 }], 5, ['delivered'], ['failed']) // { sent: 2, failed: 1, pending: 2 }
 */
export function tally(counts: readonly { status: string; n: number | string | bigint }[], total: number, sentStatuses: readonly string[], failedStatuses: readonly string[]): { sent: number; failed: number; pending: number } {
  let sent = 0;
  let failed = 0;
  for (const c of counts) {
    if (sentStatuses.includes(c.status)) sent += Number(c.n);
    else if (failedStatuses.includes(c.status)) failed += Number(c.n);
  }
  return { sent, failed, pending: total - sent - failed };
}

/** Answers the progress of one batch type (`email.bulk` → the email category's). */
export type BatchProgressFn = (batch: BatchRef) => Promise<BatchProgress>;

const query = z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) });

/** The one jobs route, over the batch types the categories answer for. */
export const jobRoutes =
  (store: Store, byType: ReadonlyMap<string, BatchProgressFn>): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { id: string }; Querystring: { offset?: string; limit?: string } }>(
      '/api/v1/jobs/:id',
      { config: { scope: 'jobs:read' }, schema: { tags: ['jobs'], summary: 'Progress of a bulk job (sent, failed, pending) and per-recipient results', querystring: query } },
      async (req) => {
        const parsed = query.safeParse(req.query);
        if (!parsed.success) throw zodToHubError(parsed.error); // a 400 naming offset/limit, not a 500
        const tenantId = tenantOf(req);
        const batch = await store.db.selectFrom('batches').selectAll().where('id', '=', req.params.id).where('tenant_id', '=', tenantId).executeTakeFirst();
        const progress = batch && byType.get(batch.type);
        if (!batch || !progress) throw new HubError('not_found', `No job ${req.params.id}`);
        return progress({ id: batch.id, tenantId, type: batch.type, total: batch.total, createdAt: batch.created_at, ...parsed.data });
      },
    );
  };
