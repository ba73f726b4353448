/**
 * The API of custom inbound sources (`/api/v1/webhooks/sources`, scopes `webhooks:read` /
 * `webhooks:write`). Deliveries arrive on `POST /webhooks/sources/:sourceId`, the one inbound
 * route (`server/routes/webhooks.ts`).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { tenantOf } from '../../kit/api.js';
import type { WebhookConfig } from '../deps.js';
import { createSourceInput, updateSourceInput, type SourceStore, type SourceView } from './source-store.js';

const BASE = '/api/v1/webhooks/sources';
const tags = ['webhooks'];

/** Where senders post: PUBLIC_URL when set, else the origin the API request came to. */
function receiveUrl(config: Pick<WebhookConfig, 'publicUrl'>, req: FastifyRequest, id: string): string {
  const origin = config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return `${origin}/webhooks/sources/${id}`;
}

/**
 * The API plugin.
 *
 * @example
 * hub.routePlugins.push(sourceApiRoutes(hub.config, sources));
 */
export const sourceApiRoutes =
  (config: Pick<WebhookConfig, 'publicUrl'>, sources: SourceStore): FastifyPluginAsync =>
  async (app) => {
    const withUrl = (req: FastifyRequest, s: SourceView) => ({ ...s, url: receiveUrl(config, req, s.id) });
    app.post(BASE, { config: { scope: 'webhooks:write' }, schema: { tags, summary: 'Create a custom inbound source (secrets sealed, never returned)', body: createSourceInput } }, async (req, reply) => {
      const created = await sources.create(tenantOf(req), req.body);
      reply.code(201);
      return withUrl(req, created);
    });
    app.get(BASE, { config: { scope: 'webhooks:read' }, schema: { tags, summary: 'Custom inbound sources of this tenant' } }, async (req) => ({
      data: (await sources.list(tenantOf(req))).map((s) => withUrl(req, s)),
    }));
    app.get<{ Params: { id: string } }>(`${BASE}/:id`, { config: { scope: 'webhooks:read' }, schema: { tags, summary: 'One custom inbound source' } }, async (req) => withUrl(req, await sources.get(tenantOf(req), req.params.id)));
    app.patch<{ Params: { id: string } }>(
      `${BASE}/:id`,
      { config: { scope: 'webhooks:write' }, schema: { tags, summary: 'Rename, change the header or encoding, or replace the secrets (rotation: send the new and the old)', body: updateSourceInput } },
      async (req) => withUrl(req, await sources.update(tenantOf(req), req.params.id, req.body)),
    );
    app.delete<{ Params: { id: string } }>(`${BASE}/:id`, { config: { scope: 'webhooks:write' }, schema: { tags, summary: 'Delete a custom inbound source' } }, async (req, reply) => {
      await sources.remove(tenantOf(req), req.params.id);
      reply.code(204);
    });
  };
