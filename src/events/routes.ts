/**
 * The unified event stream over REST: `GET /api/v1/events` (filters, cursor pages),
 * `GET /api/v1/events/:id` and `GET /api/v1/events/stream` (Server-Sent Events with resume).
 * Scope `events:read`; every answer is limited to the key's tenant.
 *
 * The stream also accepts the key as `?access_token=` (browsers' EventSource cannot send
 * headers), so it authenticates itself instead of through the server's Bearer hook.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { HubError } from '../core/errors.js';
import { encodeCursor, findEvent, queryEvents, toApiEvent } from './filter.js';
import type { ServerResponse } from 'node:http';
import type { EventFilter } from './filter.js';
import { listQueryDoc, parseFilter, parseLastEventId, parseListParams, streamQueryDoc } from './params.js';
import { hasScope, type Principal } from '../kit/api.js';
import type { Store } from '../store/store.js';

/** Starts SSE streams (the events module). */
export interface EventStreams {
  /** Start an SSE stream on `res`; resolves when it has ended. */
  stream(res: ServerResponse, filter: EventFilter, lastSeq: number | null, headers?: Record<string, string>): Promise<void>;
}

/** What the event routes reach (the hub satisfies it). */
export interface EventRouteDeps {
  store: Store;
  /** Checks a key for the stream's own authentication (`?access_token=`). */
  apiKeys: { authenticate(token: string): Promise<Principal | null> };
}

const SCOPE = 'events:read';

function tenant(req: FastifyRequest): string {
  if (!req.principal) throw new HubError('unauthorized', 'Not authenticated');
  return req.principal.tenantId;
}

/** Bearer header, else `?access_token=`; the same checks as the server's auth hook. */
async function authenticateStream(hub: EventRouteDeps, req: FastifyRequest<{ Querystring: Record<string, unknown> }>): Promise<string> {
  const header = req.headers.authorization;
  const fromQuery = req.query.access_token;
  const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : typeof fromQuery === 'string' ? fromQuery : undefined;
  if (!token) throw new HubError('unauthorized', 'Send your API key as `Authorization: Bearer <key>` (or, for EventSource, `?access_token=<key>`)');
  const principal = await hub.apiKeys.authenticate(token);
  if (!principal) throw new HubError('unauthorized', 'Unknown or revoked API key');
  if (!hasScope(principal.scopes, SCOPE)) throw new HubError('forbidden', `This API key lacks the scope "${SCOPE}"`);
  req.principal = principal;
  return principal.tenantId;
}

/**
 * The routes as a plugin (pushed onto `hub.routePlugins` by `installEvents`).
 *
 * @example
 * hub.routePlugins.push(eventRoutes(hub, module));
 */
export const eventRoutes =
  (hub: EventRouteDeps, module: EventStreams): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: Record<string, unknown> }>(
      '/api/v1/events',
      { config: { scope: SCOPE }, schema: { tags: ['events'], summary: 'Stored events, filtered by type (wildcards), provider and receivedAt; cursor pages', querystring: listQueryDoc } },
      async (req) => {
        const { filter, page } = parseListParams(req.query, tenant(req));
        const rows = await queryEvents(hub.store.db, filter, { ...page, limit: page.limit + 1 });
        const data = rows.slice(0, page.limit);
        const last = data[data.length - 1];
        return { data: data.map(toApiEvent), nextCursor: rows.length > page.limit && last ? encodeCursor(page.order, last.seq) : null };
      },
    );

    app.get<{ Querystring: Record<string, unknown> }>(
      '/api/v1/events/stream',
      {
        config: {}, // authenticated below: the Bearer header or ?access_token=
        schema: { tags: ['events'], summary: 'Server-Sent Events: replay after Last-Event-ID, then live events (id = seq, event = type)', querystring: streamQueryDoc },
      },
      async (req, reply) => {
        const tenantId = await authenticateStream(hub, req);
        const filter = parseFilter(req.query, tenantId);
        const lastSeq = parseLastEventId(req.headers['last-event-id'], req.query.lastEventId);
        reply.hijack();
        await module.stream(reply.raw, filter, lastSeq, { 'x-request-id': req.id });
      },
    );

    app.get<{ Params: { id: string } }>('/api/v1/events/:id', { config: { scope: SCOPE }, schema: { tags: ['events'], summary: 'One event of this tenant' } }, async (req) => {
      const event = await findEvent(hub.store.db, tenant(req), req.params.id);
      if (!event) throw new HubError('not_found', `No event ${req.params.id}`);
      return toApiEvent(event);
    });
  };
