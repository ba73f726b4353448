/**
 * The one inbound webhook route set, public and read as raw bytes (signatures cover them
 * exactly): `POST /webhooks/:provider` (the default connection), `POST
 * /webhooks/:provider/:connectionId` (that connection's own secrets) and `POST
 * /webhooks/sources/:sourceId` (custom sources). 200 once the delivery is verified and durably
 * stored, or the handshake the sender expects (Slack, Zoom, Microsoft Graph).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type { InboundAddress, WebhookInbox } from '../../webhooks/inbound.js';

const tags = ['webhooks'];

/**
 * The plugin; the server registers it with the hub's inbox.
 *
 * @example
 * await app.register(webhookRoutes(hub));
 */
export const webhookRoutes =
  (hub: { inbox: WebhookInbox }): FastifyPluginAsync =>
  async (app) => {
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: 5 * 1024 * 1024 }, (_req, body, done) => done(null, body));

    const receive = async (req: FastifyRequest, reply: FastifyReply, address: InboundAddress) => {
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      const headers: Record<string, string | undefined> = {};
      const given = req.headers;
      for (const k in given) {
        const v = given[k];
        headers[k] = Array.isArray(v) ? v.join(', ') : v;
      }
      const publicUrl = hub.inbox.urlOf(req.url, req.headers, req.protocol === 'https');
      const result = await hub.inbox.receive(address, { rawBody, headers, publicUrl });
      if ('handshake' in result) return reply.code(result.handshake.status).type(result.handshake.contentType).send(result.handshake.body);
      if (result.reply) return reply.code(result.reply.status).type(result.reply.contentType).send(result.reply.body);
      return { received: true, id: result.id, duplicate: result.duplicate };
    };
    const route = (summary: string) => ({ config: { public: true }, schema: { tags, summary, security: [] } });

    app.post<{ Params: { sourceId: string } }>('/webhooks/sources/:sourceId', route('Inbound webhook of a custom source (signature verified on the raw body)'), (req, reply) =>
      receive(req, reply, { sourceId: req.params.sourceId }),
    );
    app.post<{ Params: { provider: string } }>('/webhooks/:provider', route("Inbound provider webhook for the provider's default connection"), (req, reply) =>
      receive(req, reply, { provider: req.params.provider }),
    );
    app.post<{ Params: { provider: string; connectionId: string } }>('/webhooks/:provider/:connectionId', route("Inbound provider webhook verified with that connection's own secrets"), (req, reply) =>
      receive(req, reply, { provider: req.params.provider, connectionId: req.params.connectionId }),
    );
  };
