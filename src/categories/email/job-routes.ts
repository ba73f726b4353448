/** `GET /api/v1/jobs/:id`: progress and per-recipient results of a bulk job. */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { zodToHubError } from '../../core/validation.js';
import type { BulkSender } from './bulk.js';
import { tenantOf } from '../../kit/api.js';

const query = z.object({ offset: z.coerce.number().int().min(0).default(0), limit: z.coerce.number().int().min(1).max(1000).default(100) });

export const jobRoutes =
  (bulk: BulkSender): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { id: string }; Querystring: { offset?: string; limit?: string } }>(
      '/api/v1/jobs/:id',
      { config: { scope: 'jobs:read' }, schema: { tags: ['jobs'], summary: 'Progress of a bulk job (sent, failed, pending) and per-recipient results', querystring: query } },
      async (req) => {
        const parsed = query.safeParse(req.query);
        if (!parsed.success) throw zodToHubError(parsed.error); // a 400 naming offset/limit, not a 500
        const q = parsed.data;
        return bulk.progress(tenantOf(req), req.params.id, q.offset, q.limit);
      },
    );
  };
