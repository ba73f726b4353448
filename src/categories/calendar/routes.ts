/**
 * Calendar routes: the integrations guide's `/api/v1/integrations/calendar/:provider/…` (event
 * create, list, update, delete with the guide's names: `startTime`, `endTime`, `timeMin`,
 * `timeMax`, `pageToken`, `maxResults`), where `:provider` is `google` (Google Calendar),
 * `outlook` or `caldav`; and the provider-agnostic rest under `/api/v1/calendar` (calendars,
 * events, instances, move, respond, sharing, availability, sync). Which connection answers:
 * `connectionId`, else the tenant's connection of `provider`, else the first of CALENDAR_PROVIDERS.
 */
import type { FastifyPluginAsync } from 'fastify';
import { z } from 'zod';
import { HubError, validationError } from '../../core/errors.js';
import { tenantOf } from '../../kit/api.js';
import { aclInput, availabilityInput, createCalendarInput, eventInput, eventPatch, fromGuide, guideEvent, instancesQuery, listEventsQuery, moveInput, respondInput, target, trackInput, type GuideEventBody, type Target } from './schemas.js';
import type { CalendarService } from './service.js';

const tags = ['calendar'];
const BASE = '/api/v1/calendar';
const GUIDE = '/api/v1/integrations/calendar/:provider';
/** The guide's provider names; any other must be a calendar provider id itself (`outlook`, `caldav`). */
const GUIDE_ALIASES: Record<string, string> = { google: 'google-calendar' };

const calParams = z.object({ calendarId: z.string().min(1).max(1024) });
const eventParams = calParams.extend({ eventId: z.string().min(1).max(1024) });
const guideParams = z.object({ provider: z.string().min(1).max(64).describe('google, outlook or caldav') });
const guideEventParams = guideParams.extend({ eventId: z.string().min(1).max(1024) });
const guideListQuery = listEventsQuery.omit({ provider: true }).extend({ calendarId: z.string().max(1024).optional() });
const guideRefQuery = z.object({ connectionId: z.string().max(100).optional(), calendarId: z.string().max(1024).optional(), sendUpdates: z.enum(['all', 'externalOnly', 'none']).optional() });
const deleteQuery = target.extend({ sendUpdates: z.enum(['all', 'externalOnly', 'none']).optional() });
const syncParams = z.object({ id: z.string().min(1).max(100) });

type Q = Target & Record<string, string | undefined>;

/** The guide's fields (`startTime`, `endTime`) in 400s, not the contract's. */
async function guideFields<T>(run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!(err instanceof HubError) || err.code !== 'validation_failed' || !err.errors) throw err;
    const rename = (f: string) => f.replace(/^start\b/, 'startTime').replace(/^end\b/, 'endTime');
    const errors = err.errors.map((e) => ({ ...e, field: rename(e.field) }));
    throw new HubError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
  }
}

export const calendarRoutes =
  (calendar: CalendarService): FastifyPluginAsync =>
  async (app) => {
    const write = { scope: 'calendar:write' };
    const read = { scope: 'calendar:read' };
    const providerOf = (segment: string): string => {
      const id = GUIDE_ALIASES[segment] ?? segment;
      if (!calendar.providers().includes(id)) throw validationError('provider', `must be google, outlook or caldav, and configured in CALENDAR_PROVIDERS (${calendar.providers().join(', ') || 'none'})`);
      return id;
    };
    const ref = (provider: string, q: { connectionId?: string }): Target => (q.connectionId ? { connectionId: q.connectionId, provider } : { provider });

    // The integrations guide.
    app.post<{ Params: { provider: string }; Body: GuideEventBody }>(`${GUIDE}/event`, { config: write, schema: { tags, summary: 'Create an event ({summary, startTime, endTime, attendees?, reminders?, recurrence?, timeZone?, location?, connectionId?, calendarId?})', params: guideParams, body: guideEvent } }, async (req, reply) => {
      const provider = providerOf(req.params.provider);
      const body = (req.body ?? {}) as GuideEventBody;
      const e = await guideFields(() => calendar.createEvent(tenantOf(req), body.calendarId ?? 'primary', fromGuide(body) as never, ref(provider, body)));
      reply.code(201);
      return e;
    });
    app.get<{ Params: { provider: string }; Querystring: Q }>(`${GUIDE}/events`, { config: read, schema: { tags, summary: 'List events (timeMin, timeMax, pageToken, maxResults, calendarId?, connectionId?)', params: guideParams, querystring: guideListQuery } }, async (req) => {
      const provider = providerOf(req.params.provider);
      const { calendarId, ...query } = req.query;
      return calendar.listEvents(tenantOf(req), calendarId ?? 'primary', { ...query, provider } as never);
    });
    app.put<{ Params: { provider: string; eventId: string }; Body: GuideEventBody }>(`${GUIDE}/event/:eventId`, { config: write, schema: { tags, summary: 'Update an event (the fields given)', params: guideEventParams, body: guideEvent } }, async (req) => {
      const provider = providerOf(req.params.provider);
      const body = (req.body ?? {}) as GuideEventBody;
      return guideFields(() => calendar.updateEvent(tenantOf(req), body.calendarId ?? 'primary', req.params.eventId, fromGuide(body) as never, ref(provider, body)));
    });
    app.delete<{ Params: { provider: string; eventId: string }; Querystring: Q }>(`${GUIDE}/event/:eventId`, { config: write, schema: { tags, summary: 'Delete an event', params: guideEventParams, querystring: guideRefQuery } }, async (req, reply) => {
      const provider = providerOf(req.params.provider);
      await calendar.deleteEvent(tenantOf(req), req.query.calendarId ?? 'primary', req.params.eventId, { ...ref(provider, req.query), sendUpdates: req.query.sendUpdates as never });
      reply.code(204);
    });

    // Provider-agnostic.
    app.get<{ Querystring: Q }>(`${BASE}/calendars`, { config: read, schema: { tags, summary: 'The connected account\'s calendars', querystring: target } }, async (req) => calendar.calendars(tenantOf(req), req.query));
    app.post<{ Querystring: Q }>(`${BASE}/calendars`, { config: write, schema: { tags, summary: 'Create a calendar (where the provider can)', querystring: target, body: createCalendarInput } }, async (req, reply) => {
      const c = await calendar.createCalendar(tenantOf(req), req.body, req.query);
      reply.code(201);
      return c;
    });
    app.get<{ Params: { calendarId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events`, { config: read, schema: { tags, summary: 'Events of a calendar (timeMin, timeMax, page tokens; singleEvents expands recurring ones)', params: calParams, querystring: listEventsQuery } }, async (req) =>
      calendar.listEvents(tenantOf(req), req.params.calendarId, req.query as never),
    );
    app.post<{ Params: { calendarId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events`, { config: write, schema: { tags, summary: 'Create an event', params: calParams, querystring: target, body: eventInput } }, async (req, reply) => {
      const e = await calendar.createEvent(tenantOf(req), req.params.calendarId, req.body as never, req.query);
      reply.code(201);
      return e;
    });
    app.get<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId`, { config: read, schema: { tags, summary: 'An event', params: eventParams, querystring: target } }, async (req) =>
      calendar.getEvent(tenantOf(req), req.params.calendarId, req.params.eventId, req.query),
    );
    app.patch<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId`, { config: write, schema: { tags, summary: 'Change an event (an instance id: that occurrence only)', params: eventParams, querystring: target, body: eventPatch } }, async (req) =>
      calendar.updateEvent(tenantOf(req), req.params.calendarId, req.params.eventId, req.body as never, req.query),
    );
    app.delete<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId`, { config: write, schema: { tags, summary: 'Delete an event (an instance id: cancel that occurrence only)', params: eventParams, querystring: deleteQuery } }, async (req, reply) => {
      await calendar.deleteEvent(tenantOf(req), req.params.calendarId, req.params.eventId, req.query as never);
      reply.code(204);
    });
    app.get<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId/instances`, { config: read, schema: { tags, summary: 'The occurrences of a recurring event (default: from now, one year)', params: eventParams, querystring: instancesQuery } }, async (req) =>
      calendar.instances(tenantOf(req), req.params.calendarId, req.params.eventId, req.query),
    );
    app.post<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId/move`, { config: write, schema: { tags, summary: 'Move an event to another calendar (where the provider can)', params: eventParams, querystring: target, body: moveInput } }, async (req) =>
      calendar.moveEvent(tenantOf(req), req.params.calendarId, req.params.eventId, req.body, req.query),
    );
    app.post<{ Params: { calendarId: string; eventId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/events/:eventId/respond`, { config: write, schema: { tags, summary: 'Answer an invitation as the connected account', params: eventParams, querystring: target, body: respondInput } }, async (req) =>
      calendar.respond(tenantOf(req), req.params.calendarId, req.params.eventId, req.body, req.query),
    );
    app.get<{ Params: { calendarId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/acl`, { config: read, schema: { tags, summary: 'Who the calendar is shared with', params: calParams, querystring: target } }, async (req) => calendar.acl(tenantOf(req), req.params.calendarId, req.query));
    app.post<{ Params: { calendarId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/acl`, { config: write, schema: { tags, summary: 'Share the calendar (reader, writer, owner)', params: calParams, querystring: target, body: aclInput } }, async (req, reply) => {
      const rule = await calendar.share(tenantOf(req), req.params.calendarId, req.body, req.query);
      reply.code(201);
      return rule;
    });
    app.delete<{ Params: { calendarId: string; ruleId: string }; Querystring: Q }>(`${BASE}/calendars/:calendarId/acl/:ruleId`, { config: write, schema: { tags, summary: 'Stop sharing', params: calParams.extend({ ruleId: z.string().min(1).max(1024) }), querystring: target } }, async (req, reply) => {
      await calendar.unshare(tenantOf(req), req.params.calendarId, req.params.ruleId, req.query);
      reply.code(204);
    });
    app.post(`${BASE}/availability`, { config: read, schema: { tags, summary: 'Free/busy over several calendars and connections, merged, and open slots in working hours', body: availabilityInput } }, async (req) => calendar.availability(tenantOf(req), req.body as never));
    app.post(`${BASE}/sync`, { config: write, schema: { tags, summary: 'Track a calendar: baseline sync, then push (or polling) into calendar.event.* events', body: trackInput } }, async (req, reply) => {
      const tracked = await calendar.sync.track(tenantOf(req), (req.body ?? {}) as never);
      reply.code(201);
      return tracked;
    });
    app.get(`${BASE}/sync`, { config: read, schema: { tags, summary: 'Tracked calendars with status, last sync, failures and channel expiry' } }, async (req) => ({ data: await calendar.sync.list(tenantOf(req)) }));
    app.delete<{ Params: { id: string } }>(`${BASE}/sync/:id`, { config: write, schema: { tags, summary: 'Stop tracking a calendar (its push channel is stopped)', params: syncParams } }, async (req, reply) => {
      await calendar.sync.untrack(tenantOf(req), req.params.id);
      reply.code(204);
    });
  };
