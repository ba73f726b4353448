/**
 * The Outlook calendar connector over Microsoft Graph v1.0 (`/me/calendars`, `/me/events`).
 *
 * - `primary` is `/me/calendar`; any other id is `/me/calendars/{id}`. Events are read, changed and
 *   deleted at `/me/events/{id}` (Graph's ids are unique in the mailbox); an occurrence's own id
 *   (from `instances`) changes or cancels that occurrence only.
 * - Listing: `calendarView` (occurrences expanded, by start) when `singleEvents`, else `events`
 *   with a `$filter` on the window; `$top` is the page size and the page token is Graph's
 *   `@odata.nextLink`, checked to point at the connection's Graph before it is followed.
 * - No `move`: Graph has no move for events, and copy plus delete loses the id, the attendees'
 *   answers and the online meeting. No `search` either.
 * - Free/busy: an id with `@` is a mailbox address (and `primary` the account's own) asked of
 *   `getSchedule`, which sees any mailbox the account may; another calendar id is computed from its
 *   `calendarView` (events not shown as free).
 * - Sharing: `calendarPermissions` roles `read` → reader, `write` → writer, the delegate roles →
 *   owner (`owner` is shared as `delegateWithoutPrivateEventAccess`); `freeBusyRead` and
 *   `limitedRead` grants are not listed.
 * - Sync: Graph v1.0 has delta over a calendarView only (`/me/calendarView/delta`, or the
 *   calendar's), so a sync round covers from a year ago to five years ahead, fixed when the round
 *   starts from no cursor (its links keep it); changes are single events and occurrences (a
 *   series' occurrences carry `recurringEventId`). Followed to `@odata.deltaLink` (the cursor);
 *   `@removed` marks a deletion; an expired link is `calendar_sync_expired`.
 * - Push: `POST /subscriptions` with the channel token as `clientState` (at most 4230 minutes for
 *   events), renewed by PATCH.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/calendar-overview
 */
import type { Calendar as GraphCalendar, CalendarPermission, Event as GraphEvent, ScheduleInformation, Subscription, User } from '@microsoft/microsoft-graph-types';
import { HubError } from '../../core/errors.js';
import type { AclRule, BusyInterval, Calendar, CalendarCapability, CalendarEvent, CalendarProvider, FreeBusyAnswer } from '../../categories/calendar/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { HttpRequest } from '../../transport/types.js';
import { toCalendarEvent, toGraphEvent } from './event-map.js';
import { GRAPH_PREFER, type GraphCredentials } from './manifest.js';

const CAPABILITIES: ReadonlySet<CalendarCapability> = new Set<CalendarCapability>(['createCalendar', 'sharing', 'push', 'respond', 'freeBusy', 'conference']);
/** Graph keeps an Outlook event subscription at most 4230 minutes (under 3 days). */
export const MAX_EVENT_SUBSCRIPTION_MINUTES = 4230;
const FAR_PAST = '1970-01-01T00:00:00Z';
/** The window of a sync round (v1.0 has delta over a calendarView only); its links keep it. */
const SYNC_PAST_DAYS = 365;
const SYNC_FUTURE_DAYS = 5 * 365;
const FAR_FUTURE = '2100-01-01T00:00:00Z';
const ROLE_IN: Record<string, AclRule['role']> = { read: 'reader', write: 'writer', delegateWithoutPrivateEventAccess: 'owner', delegateWithPrivateEventAccess: 'owner' };
const ROLE_OUT: Record<AclRule['role'], string> = { reader: 'read', writer: 'write', owner: 'delegateWithoutPrivateEventAccess' };
const RESPOND = { accepted: 'accept', declined: 'decline', tentative: 'tentativelyAccept' } as const;

type Page<T> = { value?: T[]; '@odata.nextLink'?: string; '@odata.deltaLink'?: string };

/** Graph's UTC `dateTime` (no offset). */
const utc = (iso: string) => new Date(iso).toISOString().slice(0, 19);

/**
 * The Outlook `CalendarProvider` of one connection.
 *
 * @example
 * const calendar = createOutlookCalendar(ctx);
 * await calendar.createEvent('primary', { summary: 'Review', start: '2027-03-01T10:00:00Z', end: '2027-03-01T11:00:00Z' });
 */
export function createOutlookCalendar(ctx: ProviderContext<GraphCredentials>): CalendarProvider {
  const calPath = (id: string) => (id === 'primary' ? '/me/calendar' : `/me/calendars/${encodeURIComponent(id)}`);
  const eventPath = (id: string) => `/me/events/${encodeURIComponent(id)}`;
  const call = async <T>(req: Omit<HttpRequest, 'headers'>): Promise<T> => {
    const res = await ctx.http.request({ ...req, headers: { prefer: GRAPH_PREFER } });
    return (res.status === 204 || res.text === '' ? undefined : res.json<T>()) as T;
  };
  /** A 404 on a calendar-scoped call names the calendar, not an event. */
  const onCalendar = async <T>(calendarId: string, p: Promise<T>): Promise<T> =>
    p.catch((err: unknown) => {
      if (err instanceof HubError && err.code === 'calendar_event_not_found') throw new HubError('calendar_not_found', `Outlook has no calendar "${calendarId}" for this account: ${err.message}`, { provider: 'outlook', providerStatus: err.providerStatus, providerCode: err.providerCode, cause: err });
      throw err;
    });
  /** A page or delta link from an earlier answer: followed only when it points at this connection's Graph. */
  const link = (value: string, field: string): string => {
    const base = new URL(ctx.connection.baseUrl);
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      throw new HubError('validation_failed', `${field}: not a Microsoft Graph link; pass the token a previous answer gave`, { errors: [{ field, message: 'not a link this connection issued' }] });
    }
    if (url.origin !== base.origin || !url.pathname.startsWith(base.pathname.replace(/\/$/, '') + '/')) throw new HubError('validation_failed', `${field}: points at ${url.origin}, not at this connection's Microsoft Graph`, { errors: [{ field, message: 'not a link of this connection' }] });
    return url.toString();
  };
  const all = async <T>(first: Omit<HttpRequest, 'headers'>): Promise<T[]> => {
    const out: T[] = [];
    let page = await call<Page<T>>(first);
    out.push(...(page.value ?? []));
    while (page['@odata.nextLink']) {
      page = await call<Page<T>>({ method: 'GET', path: link(page['@odata.nextLink'], 'nextLink'), operation: first.operation });
      out.push(...(page.value ?? []));
    }
    return out;
  };
  const toCalendar = (c: GraphCalendar): Calendar => ({
    provider: 'outlook',
    calendarId: c.id ?? '',
    name: c.name ?? '',
    description: null,
    timeZone: null,
    primary: !!c.isDefaultCalendar,
    accessRole: c.canShare ? 'owner' : c.canEdit ? 'writer' : 'reader',
    raw: c,
  });
  const toAcl = (p: CalendarPermission): AclRule | null => {
    const role = ROLE_IN[p.role ?? ''];
    const email = p.emailAddress?.address;
    return role && email ? { ruleId: p.id ?? '', email, role } : null;
  };
  const getEvent = async (calendarId: string, eventId: string): Promise<CalendarEvent> => toCalendarEvent(calendarId, await call<GraphEvent>({ method: 'GET', path: eventPath(eventId), operation: 'calendar.events.get' }));
  let me: Promise<string> | undefined;
  const myAddress = () => (me ??= call<User>({ method: 'GET', path: '/me', operation: 'calendar.me' }).then((u) => u.mail ?? u.userPrincipalName ?? ''));

  const busyFromView = async (calendarId: string, timeMin: string, timeMax: string): Promise<BusyInterval[]> => {
    const events = await onCalendar(calendarId, all<GraphEvent>({ method: 'GET', path: `${calPath(calendarId)}/calendarView`, query: { startDateTime: timeMin, endDateTime: timeMax, $top: 100 }, operation: 'calendar.freebusy' }));
    return events.filter((e) => !e.isCancelled && e.showAs !== 'free').map((e) => toCalendarEvent(calendarId, e)).map((e) => ({ start: new Date(e.start).toISOString(), end: new Date(e.end).toISOString() })).sort((a, b) => a.start.localeCompare(b.start));
  };

  return {
    id: 'outlook',
    capabilities: CAPABILITIES,
    async listCalendars() {
      return (await all<GraphCalendar>({ method: 'GET', path: '/me/calendars', operation: 'calendar.calendars.list' })).map(toCalendar);
    },
    async createCalendar(input) {
      // Graph's calendar has a name only (no description or zone: the mailbox's zone applies).
      return toCalendar(await call<GraphCalendar>({ method: 'POST', path: '/me/calendars', body: { name: input.name }, operation: 'calendar.calendars.create' }));
    },
    async createEvent(calendarId, input) {
      const body = toGraphEvent(input);
      return toCalendarEvent(calendarId, await onCalendar(calendarId, call<GraphEvent>({ method: 'POST', path: `${calPath(calendarId)}/events`, body: body as Record<string, unknown>, operation: 'calendar.events.create' })));
    },
    getEvent,
    async updateEvent(calendarId, eventId, patch) {
      const needsCurrent = patch.start !== undefined || patch.end !== undefined || patch.recurrence !== undefined || patch.timeZone !== undefined;
      const current = needsCurrent ? await getEvent(calendarId, eventId) : undefined;
      const body = toGraphEvent(patch, current);
      // An end moved alone keeps the event's all-day-ness and zone: send the start too (Graph wants both).
      if (current && body.end && !body.start) Object.assign(body, toGraphEvent({ start: current.start }, current));
      if (current && body.start && !body.end) Object.assign(body, { end: toGraphEvent({ end: current.end, allDay: current.allDay }, current).end });
      return toCalendarEvent(calendarId, await call<GraphEvent>({ method: 'PATCH', path: eventPath(eventId), body: body as Record<string, unknown>, operation: 'calendar.events.update' }));
    },
    async deleteEvent(_calendarId, eventId) {
      await call({ method: 'DELETE', path: eventPath(eventId), operation: 'calendar.events.delete' });
    },
    async listEvents(calendarId, query) {
      if (query.maxResults !== undefined && (!Number.isInteger(query.maxResults) || query.maxResults < 1 || query.maxResults > 1000)) throw new HubError('validation_failed', 'maxResults: a whole number from 1 to 1000', { errors: [{ field: 'maxResults', message: '1..1000' }] });
      let page: Page<GraphEvent>;
      if (query.pageToken) page = await call<Page<GraphEvent>>({ method: 'GET', path: link(query.pageToken, 'pageToken'), operation: 'calendar.events.list' });
      else if (query.singleEvents) {
        const q = { startDateTime: query.timeMin ?? FAR_PAST, endDateTime: query.timeMax ?? FAR_FUTURE, $top: query.maxResults, $orderby: 'start/dateTime' };
        page = await onCalendar(calendarId, call<Page<GraphEvent>>({ method: 'GET', path: `${calPath(calendarId)}/calendarView`, query: q, operation: 'calendar.events.list' }));
      } else {
        const filter = [query.timeMin && `end/dateTime ge '${utc(query.timeMin)}'`, query.timeMax && `start/dateTime lt '${utc(query.timeMax)}'`].filter(Boolean).join(' and ');
        page = await onCalendar(calendarId, call<Page<GraphEvent>>({ method: 'GET', path: `${calPath(calendarId)}/events`, query: { $top: query.maxResults, ...(filter && { $filter: filter }) }, operation: 'calendar.events.list' }));
      }
      return { events: (page.value ?? []).map((e) => toCalendarEvent(calendarId, e)), nextPageToken: page['@odata.nextLink'] ?? null };
    },
    async instances(calendarId, eventId, window) {
      const items = await all<GraphEvent>({ method: 'GET', path: `${eventPath(eventId)}/instances`, query: { startDateTime: window.timeMin, endDateTime: window.timeMax }, operation: 'calendar.events.instances' });
      return items.map((e) => toCalendarEvent(calendarId, e)).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
    },
    async respond(calendarId, eventId, response, comment) {
      await call({ method: 'POST', path: `${eventPath(eventId)}/${RESPOND[response]}`, body: { comment: comment ?? '', sendResponse: true }, operation: 'calendar.events.respond' });
      return getEvent(calendarId, eventId);
    },
    async listAcl(calendarId) {
      const perms = await onCalendar(calendarId, all<CalendarPermission>({ method: 'GET', path: `${calPath(calendarId)}/calendarPermissions`, operation: 'calendar.acl.list' }));
      return perms.map(toAcl).filter((r): r is AclRule => r !== null);
    },
    async share(calendarId, input) {
      const body = { emailAddress: { address: input.email, name: input.email }, role: ROLE_OUT[input.role], isInsideOrganization: true, isRemovable: true };
      const made = await onCalendar(calendarId, call<CalendarPermission>({ method: 'POST', path: `${calPath(calendarId)}/calendarPermissions`, body, operation: 'calendar.acl.create' }));
      return toAcl(made) ?? { ruleId: made.id ?? '', email: input.email, role: input.role };
    },
    async unshare(calendarId, ruleId) {
      await onCalendar(calendarId, call({ method: 'DELETE', path: `${calPath(calendarId)}/calendarPermissions/${encodeURIComponent(ruleId)}`, operation: 'calendar.acl.delete' }));
    },
    async freeBusy(query) {
      const answer: FreeBusyAnswer = {};
      const mailboxes = new Map<string, string>(); // address → calendar id asked
      for (const id of query.calendarIds) if (id.includes('@') || id === 'primary') mailboxes.set(id === 'primary' ? await myAddress() : id, id);
      if (mailboxes.size > 0) {
        const body = { schedules: [...mailboxes.keys()], startTime: { dateTime: utc(query.timeMin), timeZone: 'UTC' }, endTime: { dateTime: utc(query.timeMax), timeZone: 'UTC' }, availabilityViewInterval: 15 };
        const res = await call<Page<ScheduleInformation>>({ method: 'POST', path: '/me/calendar/getSchedule', body, operation: 'calendar.freebusy' });
        for (const s of res.value ?? []) {
          const id = mailboxes.get(s.scheduleId ?? '') ?? s.scheduleId ?? '';
          const busy = (s.scheduleItems ?? []).filter((i) => i.status !== 'free' && i.status !== 'workingElsewhere' && i.status !== 'unknown').map((i) => ({ start: `${i.start!.dateTime!.slice(0, 19)}Z`, end: `${i.end!.dateTime!.slice(0, 19)}Z` }));
          answer[id] = s.error ? { busy: [], error: s.error.message ?? 'unreadable' } : { busy };
        }
      }
      for (const id of query.calendarIds.filter((c) => !answer[c])) {
        try {
          answer[id] = { busy: await busyFromView(id, query.timeMin, query.timeMax) };
        } catch (err) {
          if (!(err instanceof HubError) || err.code !== 'calendar_not_found') throw err;
          answer[id] = { busy: [], error: err.message };
        }
      }
      return answer;
    },
    async sync(calendarId, cursor) {
      const changes = new Map<string, { eventId: string; deleted: boolean; event?: CalendarEvent }>();
      const from = Date.now() - SYNC_PAST_DAYS * 86_400_000;
      const window = { startDateTime: new Date(from).toISOString(), endDateTime: new Date(from + (SYNC_PAST_DAYS + SYNC_FUTURE_DAYS) * 86_400_000).toISOString() };
      const first = calendarId === 'primary' ? '/me/calendarView/delta' : `${calPath(calendarId)}/calendarView/delta`;
      let req: Omit<HttpRequest, 'headers'> = cursor ? { method: 'GET', path: link(cursor, 'cursor'), operation: 'calendar.sync' } : { method: 'GET', path: first, query: window, operation: 'calendar.sync' };
      for (;;) {
        const page = await (cursor ? call<Page<GraphEvent & { '@removed'?: unknown }>>(req) : onCalendar(calendarId, call<Page<GraphEvent & { '@removed'?: unknown }>>(req)));
        for (const e of page.value ?? []) {
          const eventId = e.id ?? '';
          if (e['@removed'] !== undefined || e.isCancelled) changes.set(eventId, { eventId, deleted: true });
          else changes.set(eventId, { eventId, deleted: false, event: toCalendarEvent(calendarId, e) });
        }
        if (page['@odata.deltaLink']) return { changes: [...changes.values()], cursor: page['@odata.deltaLink'], full: cursor === null };
        if (!page['@odata.nextLink']) throw new HubError('provider_error', 'Microsoft Graph ended a delta round without a deltaLink or nextLink', { provider: 'outlook' });
        req = { method: 'GET', path: link(page['@odata.nextLink'], 'nextLink'), operation: 'calendar.sync' };
      }
    },
    async watch(calendarId, request) {
      const latest = Date.now() + (MAX_EVENT_SUBSCRIPTION_MINUTES - 1) * 60_000;
      const expirationDateTime = new Date(Math.min(Date.parse(request.expiresAt), latest)).toISOString();
      const resource = calendarId === 'primary' ? 'me/calendar/events' : `me/calendars/${calendarId}/events`;
      const body = { changeType: 'created,updated,deleted', notificationUrl: request.address, lifecycleNotificationUrl: request.lifecycleAddress ?? request.address, resource, expirationDateTime, clientState: request.token };
      const sub = await call<Subscription>({ method: 'POST', path: '/subscriptions', body, operation: 'calendar.watch' });
      return { channelId: sub.id ?? '', resourceId: null, expiresAt: sub.expirationDateTime ?? expirationDateTime };
    },
    async renewWatch(channel, expiresAt) {
      const latest = Date.now() + (MAX_EVENT_SUBSCRIPTION_MINUTES - 1) * 60_000;
      const expirationDateTime = new Date(Math.min(Date.parse(expiresAt), latest)).toISOString();
      const sub = await call<Subscription>({ method: 'PATCH', path: `/subscriptions/${encodeURIComponent(channel.channelId)}`, body: { expirationDateTime }, operation: 'calendar.watch.renew' });
      return { ...channel, expiresAt: sub.expirationDateTime ?? expirationDateTime };
    },
    async stopWatch(channel) {
      await call({ method: 'DELETE', path: `/subscriptions/${encodeURIComponent(channel.channelId)}`, operation: 'calendar.watch.stop' }).catch((err: unknown) => {
        if (!(err instanceof HubError) || err.providerStatus !== 404) throw err; // already gone at Graph
      });
    },
  };
}
