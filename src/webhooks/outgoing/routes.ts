/**
 * `/api/v1/webhooks/endpoints`: create (the secret is shown once), list, get, update, delete,
 * rotate the secret, send a test message, list attempts and messages, resend one message, and
 * recover everything that failed since a time. Scopes `webhooks:read` / `webhooks:write`.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { parseInput } from '../../core/validation.js';
import { tenantOf } from '../../kit/api.js';
import { createEndpointInput, updateEndpointInput } from './endpoints.js';
import type { EndpointStore } from './endpoints.js';
import type { Replay } from './replay.js';

const BASE = '/api/v1/webhooks/endpoints';
const tags = ['webhooks'];
const read = { scope: 'webhooks:read' };
const write = { scope: 'webhooks:write' };
const pageQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50), cursor: z.string().optional(), status: z.enum(['pending', 'succeeded', 'dead']).optional(), messageId: z.string().optional() });
const recoverInput = z.object({ since: z.iso.datetime({ offset: true }) });
const testInput = z.object({ eventType: z.string().regex(/^[a-z0-9_.-]+$/).optional(), data: z.record(z.string(), z.unknown()).optional() }).default({});

type Id = { Params: { id: string } };


/** What the routes reach of the outgoing module. */
export interface OutgoingApi {
  endpoints: EndpointStore;
  replay: Replay;
  /** Send a `webhook.test` message to one endpoint. */
  sendTest(tenantId: string, endpointId: string, data?: Record<string, unknown>, type?: string): Promise<{ messageId: string; deliveryId: string }>;
}

export const outgoingRoutes =
  (out: OutgoingApi): FastifyPluginAsync =>
  async (app) => {
    app.post(BASE, { config: write, schema: { tags, summary: 'Add an outgoing webhook endpoint; answers its signing secret (shown once)', body: createEndpointInput } }, async (req, reply) => {
      reply.code(201);
      return out.endpoints.create(tenantOf(req), req.body);
    });
    app.get(BASE, { config: read, schema: { tags, summary: 'Outgoing webhook endpoints of this tenant (no secrets)' } }, async (req) => ({ data: await out.endpoints.list(tenantOf(req)) }));
    app.get<Id>(`${BASE}/:id`, { config: read, schema: { tags, summary: 'One endpoint (no secret)' } }, async (req) => out.endpoints.get(tenantOf(req), req.params.id));
    app.patch<Id>(`${BASE}/:id`, { config: write, schema: { tags, summary: 'Change url, eventTypes, description, enabled, rateLimitPerSecond or retrySchedule', body: updateEndpointInput } }, async (req) =>
      out.endpoints.update(tenantOf(req), req.params.id, req.body),
    );
    app.delete<Id>(`${BASE}/:id`, { config: write, schema: { tags, summary: 'Delete an endpoint (pending deliveries are dropped)' } }, async (req, reply) => {
      await out.endpoints.remove(tenantOf(req), req.params.id);
      reply.code(204);
    });
    app.post<Id>(`${BASE}/:id/rotate-secret`, { config: write, schema: { tags, summary: 'New signing secret; the old one keeps signing beside it for 24 h' } }, async (req) =>
      out.endpoints.rotateSecret(tenantOf(req), req.params.id),
    );
    app.post<Id>(`${BASE}/:id/test`, { config: write, schema: { tags, summary: 'Send a test message (`webhook.test`) to this endpoint only', body: testInput } }, async (req, reply) => {
      const input = parseInput(testInput, req.body ?? {});
      const tenant = tenantOf(req);
      await out.endpoints.get(tenant, req.params.id);
      reply.code(202);
      return out.sendTest(tenant, req.params.id, input.data, input.eventType);
    });
    app.get<Id>(`${BASE}/:id/attempts`, { config: read, schema: { tags, summary: 'Delivery attempts, newest first (status, latency, first 1 KiB of the answer)', querystring: pageQuery } }, async (req) => {
      await out.endpoints.get(tenantOf(req), req.params.id);
      return out.replay.attempts(req.params.id, parseInput(pageQuery, req.query));
    });
    app.get<Id>(`${BASE}/:id/messages`, { config: read, schema: { tags, summary: 'Messages sent to this endpoint with their delivery state', querystring: pageQuery } }, async (req) => {
      await out.endpoints.get(tenantOf(req), req.params.id);
      return out.replay.messages(req.params.id, parseInput(pageQuery, req.query));
    });
    app.post<{ Params: { id: string; messageId: string } }>(`${BASE}/:id/messages/:messageId/resend`, { config: write, schema: { tags, summary: 'Send one message again now (same webhook-id, fresh retry schedule)' } }, async (req, reply) => {
      const tenant = tenantOf(req);
      await out.endpoints.get(tenant, req.params.id);
      reply.code(202);
      return out.replay.resend(tenant, req.params.id, req.params.messageId);
    });
    app.post<Id>(`${BASE}/:id/recover`, { config: write, schema: { tags, summary: 'Re-queue every delivery that failed (dead) since a time', body: recoverInput } }, async (req, reply) => {
      const { since } = parseInput(recoverInput, req.body);
      await out.endpoints.get(tenantOf(req), req.params.id);
      reply.code(202);
      return out.replay.recover(req.params.id, Date.parse(since));
    });
  };
