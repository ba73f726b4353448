/**
 * The Google Calendar connector: Calendar API v3 for one connected account. Calendars
 * (`calendarList`, `calendars.insert`), events (insert, get, patch, delete, list, instances, move),
 * the account's own answer to an invitation (its attendee entry, `self: true`), sharing (ACL rules
 * of `scope.type: user`), `freeBusy`, incremental sync (`syncToken`, paged until
 * `nextSyncToken`; 410 → `calendar_sync_expired`) and push (`events.watch` channels, stopped with
 * `channels.stop`; Google cannot extend a channel, so there is no `renewWatch`).
 *
 * @see https://developers.google.com/calendar/api/v3/reference
 * @see https://developers.google.com/calendar/api/guides/sync
 * @see https://developers.google.com/calendar/api/guides/push
 */
import { randomUUID } from 'node:crypto';
import { HubError, validationError } from '../../core/errors.js';
import type { AclRule, Calendar, CalendarCapability, CalendarProvider, SyncChange } from '../../categories/calendar/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { HttpRequest } from '../../transport/types.js';
import { calendarErrorMapper, type GoogleResource } from './errors.js';
import { arr, fromGoogleEvent, obj, str, toGoogleEvent, type Json } from './event-mapping.js';
import type { GoogleCalendarCredentials } from './manifest.js';

const CAPABILITIES: ReadonlySet<CalendarCapability> = new Set<CalendarCapability>(['createCalendar', 'sharing', 'push', 'move', 'respond', 'freeBusy', 'search']);
const ROLES = new Set(['reader', 'writer', 'owner']);
const ACCESS = new Set(['owner', 'writer', 'reader', 'freeBusyReader']);
/** Google's largest page (events.list maxResults caps at 2500; 250 is its default). */
const SYNC_PAGE = 250;

const enc = encodeURIComponent;

/** A calendarList entry (or a calendars resource) → {@link Calendar}. */
export function toCalendar(raw: Json): Calendar {
  return {
    provider: 'google-calendar',
    calendarId: str(raw.id) ?? '',
    name: str(raw.summaryOverride) ?? str(raw.summary) ?? '',
    description: str(raw.description),
    timeZone: str(raw.timeZone),
    primary: raw.primary === true,
    accessRole: ACCESS.has(raw.accessRole as string) ? (raw.accessRole as Calendar['accessRole']) : null,
    raw,
  };
}

const toRule = (r: Json): AclRule => ({ ruleId: str(r.id) ?? '', email: str(obj(r.scope).value) ?? '', role: r.role as AclRule['role'] });

/**
 * @example
 * const cal = createGoogleCalendar(ctx);
 * const e = await cal.createEvent('primary', { summary: 'Review', start: '2026-12-07T09:00:00+01:00', end: '2026-12-07T10:00:00+01:00', timeZone: 'Europe/Berlin' });
 */
export function createGoogleCalendar(ctx: ProviderContext<GoogleCalendarCredentials>): CalendarProvider {
  async function call(resource: GoogleResource, req: Omit<HttpRequest, 'mapError'>): Promise<Json> {
    const res = await ctx.http.request({ ...req, mapError: calendarErrorMapper(resource) });
    return res.status === 204 || res.text === '' ? {} : obj(res.json());
  }
  const events = (calendarId: string) => `/calendars/${enc(calendarId)}/events`;
  const event = (calendarId: string, eventId: string) => `${events(calendarId)}/${enc(eventId)}`;

  async function getEvent(calendarId: string, eventId: string) {
    const raw = await call('event', { method: 'GET', path: event(calendarId, eventId), operation: 'calendar.events.get' });
    // A deleted event stays readable for a while as `cancelled`: to the hub it is gone.
    if (raw.status === 'cancelled' && !str(raw.recurringEventId)) throw new HubError('calendar_event_not_found', `Google Calendar event ${eventId} was deleted`, { provider: 'google-calendar', providerStatus: 200, providerCode: 'cancelled' });
    return fromGoogleEvent(raw, calendarId);
  }

  return {
    id: 'google-calendar',
    capabilities: CAPABILITIES,

    async listCalendars() {
      const out: Calendar[] = [];
      let pageToken: string | undefined;
      do {
        const page = await call('calendar', { method: 'GET', path: '/users/me/calendarList', query: { pageToken, maxResults: 250 }, operation: 'calendar.calendars.list' });
        out.push(...arr(page.items).map(toCalendar));
        pageToken = str(page.nextPageToken) ?? undefined;
      } while (pageToken);
      return out;
    },

    async createCalendar(input) {
      const raw = await call('calendar', { method: 'POST', path: '/calendars', body: { summary: input.name, ...(input.description && { description: input.description }), ...(input.timeZone && { timeZone: input.timeZone }) }, operation: 'calendar.calendars.create' });
      return { ...toCalendar(raw), primary: false, accessRole: 'owner' };
    },

    async createEvent(calendarId, input) {
      const raw = await call('calendar', { method: 'POST', path: events(calendarId), query: { sendUpdates: input.sendUpdates ?? 'none' }, body: toGoogleEvent(input), operation: 'calendar.events.create' });
      return fromGoogleEvent(raw, calendarId);
    },

    getEvent,

    async updateEvent(calendarId, eventId, patch) {
      const raw = await call('event', { method: 'PATCH', path: event(calendarId, eventId), query: { sendUpdates: patch.sendUpdates ?? 'none' }, body: toGoogleEvent(patch, true), operation: 'calendar.events.update' });
      return fromGoogleEvent(raw, calendarId);
    },

    async deleteEvent(calendarId, eventId, options = {}) {
      await call('event', { method: 'DELETE', path: event(calendarId, eventId), query: { sendUpdates: options.sendUpdates ?? 'none' }, operation: 'calendar.events.delete' });
    },

    async listEvents(calendarId, q) {
      const query = {
        timeMin: q.timeMin,
        timeMax: q.timeMax,
        pageToken: q.pageToken,
        maxResults: q.maxResults,
        singleEvents: q.singleEvents,
        ...(q.singleEvents && { orderBy: 'startTime' }),
        q: q.q,
      };
      const page = await call('calendar', { method: 'GET', path: events(calendarId), query, operation: 'calendar.events.list' });
      return { events: arr(page.items).map((e) => fromGoogleEvent(e, calendarId)), nextPageToken: str(page.nextPageToken) };
    },

    async instances(calendarId, eventId, q) {
      const out = [];
      let pageToken: string | undefined;
      do {
        const page = await call('event', { method: 'GET', path: `${event(calendarId, eventId)}/instances`, query: { timeMin: q.timeMin, timeMax: q.timeMax, pageToken, maxResults: 250 }, operation: 'calendar.events.instances' });
        out.push(...arr(page.items).map((e) => fromGoogleEvent(e, calendarId)));
        pageToken = str(page.nextPageToken) ?? undefined;
      } while (pageToken);
      return out;
    },

    async moveEvent(calendarId, eventId, destination) {
      const raw = await call('event', { method: 'POST', path: `${event(calendarId, eventId)}/move`, query: { destination, sendUpdates: 'none' }, operation: 'calendar.events.move' });
      return fromGoogleEvent(raw, destination);
    },

    async respond(calendarId, eventId, response, comment) {
      const current = await getEvent(calendarId, eventId);
      const attendees = arr(obj(current.raw).attendees);
      const own = attendees.find((a) => a.self === true);
      if (!own) throw validationError('eventId', `the connected account is not among the attendees of event ${eventId}: only an invitee can answer`);
      const updated = attendees.map((a) => (a === own ? { ...a, responseStatus: response, ...(comment !== undefined && { comment }) } : a));
      const raw = await call('event', { method: 'PATCH', path: event(calendarId, eventId), query: { sendUpdates: 'all' }, body: { attendees: updated }, operation: 'calendar.events.respond' });
      return fromGoogleEvent(raw, calendarId);
    },

    async listAcl(calendarId) {
      const rules: AclRule[] = [];
      let pageToken: string | undefined;
      do {
        const page = await call('calendar', { method: 'GET', path: `/calendars/${enc(calendarId)}/acl`, query: { pageToken }, operation: 'calendar.acl.list' });
        rules.push(...arr(page.items).filter((r) => obj(r.scope).type === 'user' && ROLES.has(r.role as string)).map(toRule));
        pageToken = str(page.nextPageToken) ?? undefined;
      } while (pageToken);
      return rules;
    },

    async share(calendarId, input) {
      const raw = await call('calendar', { method: 'POST', path: `/calendars/${enc(calendarId)}/acl`, query: { sendNotifications: false }, body: { role: input.role, scope: { type: 'user', value: input.email } }, operation: 'calendar.acl.insert' });
      return toRule(raw);
    },

    async unshare(calendarId, ruleId) {
      await call('calendar', { method: 'DELETE', path: `/calendars/${enc(calendarId)}/acl/${enc(ruleId)}`, operation: 'calendar.acl.delete' });
    },

    async freeBusy(q) {
      const raw = await call('calendar', { method: 'POST', path: '/freeBusy', body: { timeMin: q.timeMin, timeMax: q.timeMax, items: q.calendarIds.map((id) => ({ id })) }, operation: 'calendar.freebusy' });
      const calendars = obj(raw.calendars);
      return Object.fromEntries(
        q.calendarIds.map((id) => {
          const c = obj(calendars[id]);
          const busy = arr(c.busy).map((b) => ({ start: new Date(String(b.start)).toISOString(), end: new Date(String(b.end)).toISOString() }));
          const error = arr(c.errors).map((e) => str(e.reason)).find(Boolean);
          return [id, error ? { busy, error } : calendars[id] === undefined ? { busy, error: 'notFound' } : { busy }];
        }),
      );
    },

    async sync(calendarId, cursor) {
      const changes: SyncChange[] = [];
      let pageToken: string | undefined;
      for (;;) {
        const query = { syncToken: cursor ?? undefined, pageToken, showDeleted: true, maxResults: SYNC_PAGE };
        const page = await call('sync', { method: 'GET', path: events(calendarId), query, operation: 'calendar.sync' });
        for (const e of arr(page.items)) {
          const deleted = e.status === 'cancelled';
          changes.push({ eventId: str(e.id) ?? '', deleted, ...(!deleted && { event: fromGoogleEvent(e, calendarId) }) });
        }
        pageToken = str(page.nextPageToken) ?? undefined;
        if (pageToken) continue;
        // Google sends nextSyncToken on the last page only.
        const next = str(page.nextSyncToken);
        if (!next) throw new HubError('provider_error', `Google Calendar's last events page of ${calendarId} carried no nextSyncToken`, { provider: 'google-calendar' });
        return { changes, cursor: next, full: cursor === null };
      }
    },

    async watch(calendarId, request) {
      if (Number.isNaN(Date.parse(request.expiresAt))) throw validationError('expiresAt', `"${request.expiresAt}" is not an ISO 8601 date-time`);
      const body = { id: randomUUID(), type: 'web_hook', address: request.address, token: request.token, expiration: String(Date.parse(request.expiresAt)) };
      const raw = await call('calendar', { method: 'POST', path: `${events(calendarId)}/watch`, body, operation: 'calendar.watch' });
      const expiration = Number(raw.expiration);
      return { channelId: str(raw.id) ?? body.id, resourceId: str(raw.resourceId), expiresAt: new Date(Number.isFinite(expiration) && expiration > 0 ? expiration : Date.parse(request.expiresAt)).toISOString() };
    },

    async stopWatch(channel) {
      try {
        await call('calendar', { method: 'POST', path: '/channels/stop', body: { id: channel.channelId, resourceId: channel.resourceId }, operation: 'calendar.watch.stop' });
      } catch (err) {
        // Already expired or stopped: nothing left to stop.
        if (!(err instanceof HubError && err.code === 'calendar_not_found')) throw err;
        ctx.logger.debug({ channelId: channel.channelId }, 'google-calendar: channel already gone');
      }
    },
  };
}
