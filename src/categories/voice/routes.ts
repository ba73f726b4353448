/**
 * Voice routes: the REST API under `/api/v1/voice` (click-to-call, the call log, recordings with
 * their media streamed through the hub, caller ID lookup, IVR menus) and the provider-facing IVR
 * route `/voice/ivr/:menuId` (GET or POST, public, the provider's request signature checked).
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { DEFAULT_TENANT } from '../../connections/defaults.js';
import { tenantOf } from '../../kit/api.js';
import { publicUrlOf, type PublicUrlOptions } from '../../webhooks/public-url.js';
import { callListQuery, clickToCallInput, ivrMenuInput } from './schemas.js';
import type { VoiceService } from './service.js';

const BASE = '/api/v1/voice';
const tags = ['voice'];
const sidParams = z.object({ sid: z.string() });
const menuParams = z.object({ menuId: z.string() });

export const voiceRoutes =
  (voice: VoiceService, urls: PublicUrlOptions): FastifyPluginAsync =>
  async (app) => {
    const call = { scope: 'voice:call' };
    const read = { scope: 'voice:read' };
    const admin = { scope: 'voice:admin' };

    app.post(`${BASE}/calls`, { config: call, schema: { tags, summary: 'Click-to-call: call the agent, then bridge to the customer with the caller ID (201)', body: clickToCallInput } }, async (req, reply) => {
      reply.code(201);
      return voice.call(tenantOf(req), req.body as never);
    });
    app.get(`${BASE}/calls`, { config: read, schema: { tags, summary: 'The call log: filter by to, from, status, startedAfter/startedBefore; page with cursor', querystring: callListQuery } }, async (req) =>
      voice.listCalls(tenantOf(req), req.query as Record<string, unknown>),
    );
    app.get<{ Params: { sid: string } }>(`${BASE}/calls/:sid`, { config: read, schema: { tags, summary: 'A call: status, direction, duration, price', params: sidParams } }, async (req) => voice.getCall(tenantOf(req), req.params.sid));
    app.post<{ Params: { sid: string } }>(`${BASE}/calls/:sid/end`, { config: call, schema: { tags, summary: 'Hang up a call in progress', params: sidParams } }, async (req) => voice.endCall(tenantOf(req), req.params.sid));
    app.get<{ Params: { sid: string } }>(`${BASE}/calls/:sid/recordings`, { config: read, schema: { tags, summary: 'The recordings of a call', params: sidParams } }, async (req) => ({ data: await voice.listRecordings(tenantOf(req), req.params.sid) }));
    app.post<{ Params: { sid: string } }>(`${BASE}/calls/:sid/recordings`, { config: call, schema: { tags, summary: 'Start recording a call in progress (201); call.recording.completed tells when it is ready', params: sidParams } }, async (req, reply) => {
      reply.code(201);
      return voice.startRecording(tenantOf(req), req.params.sid);
    });
    app.get<{ Params: { sid: string } }>(`${BASE}/recordings/:sid`, { config: read, schema: { tags, summary: 'A recording', params: sidParams } }, async (req) => voice.getRecording(tenantOf(req), req.params.sid));
    app.get<{ Params: { sid: string }; Querystring: { format?: string } }>(
      `${BASE}/recordings/:sid/media`,
      { config: read, schema: { tags, summary: 'The recording\'s audio, streamed from the provider (?format=wav|mp3)', params: sidParams, querystring: z.object({ format: z.enum(['wav', 'mp3']).optional() }) } },
      async (req, reply) => {
        const media = await voice.recordingMedia(tenantOf(req), req.params.sid, req.query.format);
        reply.type(media.contentType);
        if (media.contentLength !== undefined) reply.header('content-length', media.contentLength);
        return reply.send(media.body);
      },
    );
    app.delete<{ Params: { sid: string } }>(`${BASE}/recordings/:sid`, { config: admin, schema: { tags, summary: 'Delete a recording at the provider', params: sidParams } }, async (req, reply) => {
      await voice.deleteRecording(tenantOf(req), req.params.sid);
      reply.code(204);
    });
    app.get<{ Params: { phoneNumber: string } }>(`${BASE}/lookup/:phoneNumber`, { config: read, schema: { tags, summary: 'Caller ID lookup: owner name and line type of an E.164 number', params: z.object({ phoneNumber: z.string() }) } }, async (req) =>
      voice.lookup(tenantOf(req), req.params.phoneNumber),
    );

    app.get(`${BASE}/ivr`, { config: read, schema: { tags, summary: 'The tenant\'s IVR menus' } }, async (req) => ({ data: await voice.listMenus(tenantOf(req)) }));
    app.get<{ Params: { menuId: string } }>(`${BASE}/ivr/:menuId`, { config: read, schema: { tags, summary: 'An IVR menu', params: menuParams } }, async (req) => voice.getMenu(tenantOf(req), req.params.menuId));
    app.put<{ Params: { menuId: string } }>(`${BASE}/ivr/:menuId`, { config: admin, schema: { tags, summary: 'Create or replace an IVR menu: {prompt, options: {digit: {say?, dial?, menu?, hangup?}}, invalid?, timeout?}', params: menuParams, body: ivrMenuInput } }, async (req) =>
      voice.putMenu(tenantOf(req), req.params.menuId, req.body),
    );
    app.delete<{ Params: { menuId: string } }>(`${BASE}/ivr/:menuId`, { config: admin, schema: { tags, summary: 'Delete an IVR menu', params: menuParams } }, async (req, reply) => {
      await voice.removeMenu(tenantOf(req), req.params.menuId);
      reply.code(204);
    });

    // The provider's requests: form-encoded POSTs (or GETs), verified by their signature, answered with call instructions.
    app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
    const ivr = async (req: { url: string; headers: Record<string, string | string[] | undefined>; protocol: string; params: unknown; body?: unknown; query: unknown }) => {
      const url = publicUrlOf(req.url, req.headers, req.protocol === 'https', urls);
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : v]));
      const tenantId = (req.query as { tenant?: string }).tenant ?? DEFAULT_TENANT;
      const rawBody = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
      return voice.ivr({ tenantId, menuId: (req.params as { menuId: string }).menuId, url, rawBody, headers });
    };
    const publicRoute = { config: { public: true }, schema: { tags, summary: 'The provider fetches an IVR menu (signed request; ?tenant=<id> for a tenant other than default)', params: menuParams } };
    for (const method of ['GET', 'POST'] as const) {
      app.route<{ Params: { menuId: string } }>({
        method,
        url: '/voice/ivr/:menuId',
        ...publicRoute,
        handler: async (req, reply) => {
          const twiml = await ivr(req);
          return reply.type(twiml.contentType).send(twiml.body);
        },
      });
    }
  };
