/**
 * The routes of custom inbound sources: the API (`/api/v1/webhooks/sources`, scopes
 * `webhooks:read` / `webhooks:write`) and the public receiving URL `/webhooks/sources/:sourceId`,
 * which reads the body as raw bytes (the signature covers them exactly).
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Hub } from '../../hub.js';
import { tenantOf } from '../../kit/api.js';
import type { SourceReceiver } from './receiver.js';
import { createSourceInput, updateSourceInput, type SourceStore, type SourceView } from './source-store.js';

const BASE = '/api/v1/webhooks/sources';
const tags = ['webhooks'];

/** Where senders post: PUBLIC_URL when set, else the origin the API request came to. */
function receiveUrl(hub: Hub, req: FastifyRequest, id: string): string {
  const origin = hub.config.publicUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return `${origin}/webhooks/sources/${id}`;
}

/**
 * The API plugin.
 *
 * @example
 * hub.routePlugins.push(sourceApiRoutes(hub, sources));
 */
export const sourceApiRoutes =
  (hub: Hub, sources: SourceStore): FastifyPluginAsync =>
  async (app) => {
    const withUrl = (req: FastifyRequest, s: SourceView) => ({ ...s, url: receiveUrl(hub, req, s.id) });
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

/**
 * The public receiving route, in a scope of its own: every content type is read as raw bytes.
 *
 * @example
 * hub.routePlugins.push(sourceReceiveRoutes(receiver));
 */
export const sourceReceiveRoutes =
  (receiver: SourceReceiver): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post<{ Params: { sourceId: string } }>(
      '/webhooks/sources/:sourceId',
      { config: { public: true }, schema: { tags, summary: 'Inbound webhook of a custom source (signature verified on the raw body)', security: [] } },
      async (req) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const { id, duplicate } = await receiver.receive(req.params.sourceId, raw, headers);
        return { received: true, id, duplicate };
      },
    );
  };
