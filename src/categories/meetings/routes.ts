/**
 * Meetings routes: the integrations guide's `/api/v1/integrations/zoom/…` (create, get, delete,
 * recordings at Zoom), and the provider-agnostic rest under `/api/v1/meetings` (create, list, get,
 * reschedule, delete, recordings with their bytes streamed through the hub, participants and
 * their controls, webinars and registrants).
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { tenantOf } from '../../kit/api.js';
import type { RecordingMedia } from './contract.js';
import { createMeetingInput, createWebinarInput, listMeetingsQuery, pageQuery, participantAction, registrantInput, updateMeetingInput } from './schemas.js';
import type { MeetingsService } from './service.js';

const tags = ['meetings'];
const BASE = '/api/v1/meetings';
const idParams = z.object({ id: z.string().min(1).max(220) });
const fileParams = idParams.extend({ fileId: z.string().min(1).max(200) });
const providerQuery = z.object({ provider: z.string().max(64).optional() });
const guideCreate = z.object({ topic: z.string(), startTime: z.string().optional(), duration: z.number().optional(), settings: z.record(z.string(), z.unknown()).optional() }).loose();

type P<T> = { Params: T; Querystring: { provider?: string } };

function stream(reply: FastifyReply, media: RecordingMedia) {
  reply.type(media.contentType);
  if (media.contentLength !== undefined) reply.header('content-length', media.contentLength);
  if (media.fileName) reply.header('content-disposition', `attachment; filename="${media.fileName.replace(/["\\\r\n]/g, '_')}"`);
  return reply.send(media.body);
}

export const meetingsRoutes =
  (meetings: MeetingsService): FastifyPluginAsync =>
  async (app) => {
    const write = { scope: 'meetings:write' };
    const read = { scope: 'meetings:read' };

    // The integrations guide: Zoom by name.
    app.post('/api/v1/integrations/zoom/create', { config: write, schema: { tags, summary: 'Create a Zoom meeting ({topic, startTime, duration, settings?})', body: guideCreate } }, async (req, reply) => {
      const m = await meetings.create(tenantOf(req), { ...(req.body as object), provider: 'zoom' } as never);
      reply.code(201);
      return { id: m.id, meetingId: m.meetingId, joinUrl: m.joinUrl, startUrl: m.startUrl, password: m.password, provider: m.provider };
    });
    app.get<{ Params: { meetingId: string } }>('/api/v1/integrations/zoom/:meetingId', { config: read, schema: { tags, summary: 'A Zoom meeting', params: z.object({ meetingId: z.string() }) } }, async (req) =>
      meetings.get(tenantOf(req), req.params.meetingId, 'zoom'),
    );
    app.delete<{ Params: { meetingId: string } }>('/api/v1/integrations/zoom/:meetingId', { config: write, schema: { tags, summary: 'Delete a Zoom meeting', params: z.object({ meetingId: z.string() }) } }, async (req, reply) => {
      await meetings.delete(tenantOf(req), req.params.meetingId, 'zoom');
      reply.code(204);
    });
    app.get<{ Params: { meetingId: string } }>('/api/v1/integrations/zoom/:meetingId/recordings', { config: read, schema: { tags, summary: 'A Zoom meeting\'s cloud recordings', params: z.object({ meetingId: z.string() }) } }, async (req) =>
      meetings.recordings(tenantOf(req), req.params.meetingId, 'zoom'),
    );

    // Provider-agnostic.
    app.post(BASE, { config: write, schema: { tags, summary: 'Create a meeting: scheduled, instant or recurring', body: createMeetingInput } }, async (req, reply) => {
      const m = await meetings.create(tenantOf(req), req.body as never);
      reply.code(201);
      return m;
    });
    app.get(BASE, { config: read, schema: { tags, summary: 'The account\'s meetings (page token pagination)', querystring: listMeetingsQuery } }, async (req) => meetings.list(tenantOf(req), req.query as never));
    app.post(`${BASE}/webinars`, { config: write, schema: { tags, summary: 'Create a webinar', body: createWebinarInput } }, async (req, reply) => {
      const w = await meetings.createWebinar(tenantOf(req), req.body as never);
      reply.code(201);
      return w;
    });
    app.post<P<{ id: string }>>(`${BASE}/webinars/:id/registrants`, { config: write, schema: { tags, summary: 'Register someone for a webinar', params: idParams, body: registrantInput } }, async (req, reply) => {
      const r = await meetings.addRegistrant(tenantOf(req), req.params.id, req.body as never);
      reply.code(201);
      return r;
    });
    app.get<P<{ id: string }>>(`${BASE}/webinars/:id/registrants`, { config: read, schema: { tags, summary: 'A webinar\'s registrants', params: idParams, querystring: pageQuery } }, async (req) =>
      meetings.registrants(tenantOf(req), req.params.id, req.query as never),
    );
    app.get<P<{ id: string }>>(`${BASE}/:id`, { config: read, schema: { tags, summary: 'A meeting', params: idParams, querystring: providerQuery } }, async (req) => meetings.get(tenantOf(req), req.params.id, req.query.provider));
    app.patch<P<{ id: string }>>(`${BASE}/:id`, { config: write, schema: { tags, summary: 'Reschedule or edit a meeting (same meeting, same join link)', params: idParams, querystring: providerQuery, body: updateMeetingInput } }, async (req) =>
      meetings.update(tenantOf(req), req.params.id, req.body as never, req.query.provider),
    );
    app.delete<P<{ id: string }>>(`${BASE}/:id`, { config: write, schema: { tags, summary: 'Delete (cancel) a meeting', params: idParams, querystring: providerQuery } }, async (req, reply) => {
      await meetings.delete(tenantOf(req), req.params.id, req.query.provider);
      reply.code(204);
    });
    app.get<P<{ id: string }>>(`${BASE}/:id/recordings`, { config: read, schema: { tags, summary: 'A meeting\'s recording files', params: idParams, querystring: providerQuery } }, async (req) =>
      meetings.recordings(tenantOf(req), req.params.id, req.query.provider),
    );
    app.get<P<{ id: string; fileId: string }>>(`${BASE}/:id/recordings/:fileId/download`, { config: read, schema: { tags, summary: 'A recording file\'s bytes, streamed from the provider', params: fileParams, querystring: providerQuery } }, async (req, reply) =>
      stream(reply, await meetings.downloadRecording(tenantOf(req), req.params.id, req.params.fileId, req.query.provider)),
    );
    app.delete<P<{ id: string }>>(`${BASE}/:id/recordings`, { config: write, schema: { tags, summary: 'Delete all of a meeting\'s recordings (to the provider\'s trash)', params: idParams, querystring: providerQuery } }, async (req, reply) => {
      await meetings.deleteRecording(tenantOf(req), req.params.id, undefined, req.query.provider);
      reply.code(204);
    });
    app.delete<P<{ id: string; fileId: string }>>(`${BASE}/:id/recordings/:fileId`, { config: write, schema: { tags, summary: 'Delete one recording file', params: fileParams, querystring: providerQuery } }, async (req, reply) => {
      await meetings.deleteRecording(tenantOf(req), req.params.id, req.params.fileId, req.query.provider);
      reply.code(204);
    });
    app.get<P<{ id: string }>>(`${BASE}/:id/participants`, { config: read, schema: { tags, summary: 'Who attended a past meeting', params: idParams, querystring: pageQuery } }, async (req) =>
      meetings.participants(tenantOf(req), req.params.id, req.query as never),
    );
    app.post<{ Params: { id: string; participantId: string } }>(
      `${BASE}/:id/participants/:participantId`,
      { config: write, schema: { tags, summary: 'Mute, unmute or remove someone in a live meeting (where the provider can; else 422)', params: idParams.extend({ participantId: z.string().min(1).max(200) }), body: participantAction } },
      async (req) => meetings.controlParticipant(tenantOf(req), req.params.id, req.params.participantId, req.body as never),
    );
  };
