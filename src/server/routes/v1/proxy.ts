/**
 * `ANY /api/v1/proxy/:connectionId/*`: the caller talks to the API of one of its tenant's
 * connections through the hub (scope `proxy:use`). The path after the connection id, the query,
 * the method, the body (streamed, never parsed) and the content headers go to the provider with
 * the connection's auth; the caller's `Authorization`, cookies and `Host` never do. The provider's
 * answer streams back as it came, errors included; the hub's own failures are problem+json.
 * See `connections/proxy.ts`.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ConnectionProxy } from '../../../connections/proxy.js';
import { tenantOf } from '../../../kit/api.js';

/** What the proxy route reaches. */
export interface ProxyRouteDeps {
  proxy: ConnectionProxy;
}

const PREFIX = '/api/v1/proxy/';
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'];

/** The raw path and query after `/api/v1/proxy/<id>` (as sent: percent-encoding untouched). */
function forwardedPath(req: FastifyRequest): string {
  const url = req.raw.url ?? req.url;
  const rest = url.slice(url.indexOf(PREFIX) + PREFIX.length);
  const slash = rest.indexOf('/');
  return slash < 0 ? '/' : rest.slice(slash);
}

export const proxyRoutes =
  (hub: ProxyRouteDeps): FastifyPluginAsync =>
  async (app) => {
    // Bodies stay unread: the proxy streams them to the provider whatever their type or size.
    app.removeAllContentTypeParsers();
    app.addContentTypeParser('*', (_req, _payload, done) => done(null));
    app.route<{ Params: { connectionId: string } }>({
      method: METHODS,
      url: `${PREFIX}:connectionId/*`,
      config: { scope: 'proxy:use', idempotency: 'service', anyBody: true },
      schema: { tags: ['proxy'], summary: "Forward a request to the API of one of the tenant's connections, with the connection's auth (streamed both ways; only to the provider's hosts)" },
      handler: async (req, reply) => {
        const abort = new AbortController();
        reply.raw.on('close', () => {
          if (!reply.raw.writableFinished) abort.abort(new Error('the caller went away'));
        });
        const hasBody = req.headers['content-length'] !== undefined ? req.headers['content-length'] !== '0' : req.headers['transfer-encoding'] !== undefined;
        const answer = await hub.proxy
          .request(tenantOf(req), req.params.connectionId, { method: req.method, path: forwardedPath(req), headers: req.headers, body: hasBody ? req.raw : undefined, signal: abort.signal })
          .catch((err: unknown) => {
            if (abort.signal.aborted) return undefined; // the caller went away: nobody to answer, nothing to log as a failure
            throw err;
          });
        if (!answer) return reply;
        reply.code(answer.status).headers(answer.headers);
        if (req.method === 'HEAD') {
          answer.body.resume(); // a HEAD answer has no body: let it end
          return reply.send();
        }
        return reply.send(answer.body);
      },
    });
  };
