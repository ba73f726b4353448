/**
 * `POST /webhooks/:provider`: inbound provider webhooks. The body is kept as raw bytes (the
 * signature covers them exactly); 200 as soon as the delivery is verified and durably stored.
 */
import type { FastifyPluginAsync } from 'fastify';
import type { WebhookInbox } from '../../webhooks/inbound.js';

export const webhookRoutes =
  (hub: { inbox: WebhookInbox }): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));
    app.post<{ Params: { provider: string } }>(
      '/webhooks/:provider',
      { config: { public: true }, schema: { tags: ['webhooks'], summary: 'Inbound provider webhook (signature verified on the raw body)', security: [] } },
      async (req) => {
        const raw = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        const { id, duplicate } = await hub.inbox.receive(req.params.provider, raw, headers);
        return { received: true, id, duplicate };
      },
    );
  };
