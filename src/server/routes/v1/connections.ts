/**
 * Connections per tenant: `POST/GET /api/v1/connections`, `PATCH /api/v1/connections/:id` (status:
 * `active` or `disabled`), `DELETE /api/v1/connections/:id`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { zodToHubError } from '../../../core/validation.js';
import type { ConnectionManager } from '../../../connections/connections.js';
import { tenantOf } from '../../../kit/api.js';

const createInput = z.object({
  provider: z.string().min(1),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _').default('default'),
  credentials: z.record(z.string(), z.unknown()),
});

/** What the connection routes reach. */
export interface ConnectionRouteDeps {
  connections: ConnectionManager;
}

const statusInput = z.object({
  status: z.enum(['active', 'disabled'], 'must be "active" or "disabled"'),
  reason: z.string().max(500).optional(),
});

export const connectionRoutes =
  (hub: ConnectionRouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/connections', { config: { scope: 'connections:write' }, schema: { tags: ['connections'], summary: 'Add a connection (provider + credentials, sealed at rest)', body: createInput } }, async (req, reply) => {
      const parsed = createInput.safeParse(req.body);
      if (!parsed.success) throw zodToHubError(parsed.error);
      reply.code(201);
      return hub.connections.create(tenantOf(req), parsed.data.provider, parsed.data.name, parsed.data.credentials);
    });
    app.get('/api/v1/connections', { config: { scope: 'connections:read' }, schema: { tags: ['connections'], summary: 'Connections of this tenant (and the env defaults); never secrets' } }, async (req) => ({
      data: await hub.connections.list(tenantOf(req)),
    }));
    app.patch<{ Params: { id: string } }>('/api/v1/connections/:id', { config: { scope: 'connections:write' }, schema: { tags: ['connections'], summary: 'Enable or disable a connection (a disabled one is skipped; `needs_reauth` is set by the hub)', body: statusInput } }, async (req) => {
      const parsed = statusInput.safeParse(req.body);
      if (!parsed.success) throw zodToHubError(parsed.error);
      return hub.connections.setStatusById(tenantOf(req), req.params.id, parsed.data.status, parsed.data.reason);
    });
    app.delete<{ Params: { id: string } }>('/api/v1/connections/:id', { config: { scope: 'connections:write' }, schema: { tags: ['connections'], summary: 'Remove a connection' } }, async (req, reply) => {
      await hub.connections.remove(tenantOf(req), req.params.id);
      reply.code(204);
    });
  };
