/**
 * The Calendar API v3 routes of the emulator (mounted under `/calendar/v3`, behind the Bearer
 * check): calendarList, calendars, events (list with paging, `singleEvents`/`orderBy`, `q`,
 * `privateExtendedProperty`, sync tokens; insert, get, patch, update, delete, instances, move,
 * watch), ACL, freeBusy and channels.stop, answering Google's resources with `kind` and `etag`.
 *
 * @see https://developers.google.com/calendar/api/v3/reference
 */
import type { FastifyInstance } from 'fastify';
import type { Channels } from './channels.js';
import { GoogleFault, instantOf, invalid, notFound, type CalendarAccount, type EmuCalendar, type Json } from './state.js';

type Query = Record<string, string | string[] | undefined>;
const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);
const flag = (v: string | string[] | undefined) => one(v) === 'true';
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

/** One page of `items` from `pageToken` (an offset), with Google's `maxResults` bounds. */
function page<T>(items: T[], q: Query, max = 2500, byDefault = 250): { items: T[]; nextPageToken?: string } {
  const size = one(q.maxResults) === undefined ? byDefault : Number(one(q.maxResults));
  if (!Number.isInteger(size) || size < 1) throw invalid(`Invalid value '${one(q.maxResults)}'. Values must be within the range: [1, ${max}]`);
  const from = one(q.pageToken) === undefined ? 0 : Number(Buffer.from(one(q.pageToken)!, 'base64url').toString('utf8'));
  if (!Number.isInteger(from) || from < 0) throw invalid('Invalid page token value.');
  const end = from + Math.min(size, max);
  return { items: items.slice(from, end), ...(end < items.length && { nextPageToken: Buffer.from(String(end)).toString('base64url') }) };
}

const time = (q: Query, name: string): number | undefined => {
  const v = one(q[name]);
  if (v === undefined) return undefined;
  const ms = Date.parse(v);
  if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:\d{2})$/.test(v)) throw invalid(`Bad Request: ${name} must be an RFC3339 timestamp with a time zone offset`, 'badRequest');
  return ms;
};

const calendarEntry = (c: EmuCalendar, seq: number) => ({
  kind: 'calendar#calendarListEntry',
  etag: `"${seq}"`,
  id: c.id,
  summary: c.summary,
  ...(c.description && { description: c.description }),
  timeZone: c.timeZone,
  accessRole: 'owner',
  defaultReminders: c.primary ? [{ method: 'popup', minutes: 10 }] : [],
  conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] },
  ...(c.primary && { primary: true }),
});

export function registerCalendarRoutes(api: FastifyInstance, o: { account: CalendarAccount; channels: Channels; base: () => string }): void {
  const { account, channels } = o;
  type P = { calendarId: string; eventId: string; ruleId: string };

  api.get<{ Querystring: Query }>('/users/me/calendarList', async (req) => {
    const all = [...account.calendars.values()].map((c) => calendarEntry(c, account.seq));
    const p = page(all, req.query);
    return { kind: 'calendar#calendarList', etag: `"${account.seq}"`, ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : { nextSyncToken: account.syncToken('calendarList') }), items: p.items };
  });

  api.post<{ Body: Json }>('/calendars', async (req) => {
    const b = obj(req.body);
    if (typeof b.summary !== 'string' || b.summary === '') throw invalid('Missing title.', 'required');
    const c = account.addCalendar({ summary: b.summary, description: typeof b.description === 'string' ? b.description : undefined, timeZone: typeof b.timeZone === 'string' ? b.timeZone : undefined });
    return { kind: 'calendar#calendar', etag: `"${account.seq}"`, id: c.id, summary: c.summary, ...(c.description && { description: c.description }), timeZone: c.timeZone, conferenceProperties: { allowedConferenceSolutionTypes: ['hangoutsMeet'] } };
  });

  api.get<{ Params: P }>('/calendars/:calendarId', async (req) => {
    const c = account.calendar(req.params.calendarId);
    return { kind: 'calendar#calendar', etag: `"${account.seq}"`, id: c.id, summary: c.summary, timeZone: c.timeZone };
  });

  api.get<{ Params: P; Querystring: Query }>('/calendars/:calendarId/events', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    const q = req.query;
    const token = one(q.syncToken);
    let items: Json[];
    if (token !== undefined) {
      for (const name of ['iCalUID', 'orderBy', 'privateExtendedProperty', 'q', 'sharedExtendedProperty', 'timeMin', 'timeMax', 'updatedMin']) {
        if (q[name] !== undefined) throw invalid(`Sync token cannot be used with ${name}.`);
      }
      if (one(q.showDeleted) === 'false') throw invalid('Sync token cannot be used with showDeleted=false.');
      const from = account.position(token, cal.id);
      items = [...cal.events.values()].filter((e) => e.seq > from).sort((a, b) => a.seq - b.seq).map((e) => e.json);
    } else {
      items = listed(account, cal, q);
    }
    const p = page(items, q);
    const tail = p.nextPageToken ? { nextPageToken: p.nextPageToken } : { nextSyncToken: account.syncToken(cal.id) };
    return { kind: 'calendar#events', etag: `"${account.seq}"`, summary: cal.summary, updated: new Date().toISOString(), timeZone: cal.timeZone, accessRole: 'owner', defaultReminders: [], ...tail, items: p.items };
  });

  api.post<{ Params: P; Querystring: Query; Body: Json }>('/calendars/:calendarId/events', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    return account.create(cal, obj(req.body), Number(one(req.query.conferenceDataVersion) ?? 0));
  });

  api.get<{ Params: P }>('/calendars/:calendarId/events/:eventId', async (req) => account.read(account.calendar(req.params.calendarId), req.params.eventId));

  api.patch<{ Params: P; Querystring: Query; Body: Json }>('/calendars/:calendarId/events/:eventId', async (req) =>
    account.update(account.calendar(req.params.calendarId), req.params.eventId, obj(req.body), Number(one(req.query.conferenceDataVersion) ?? 0)),
  );

  api.put<{ Params: P; Querystring: Query; Body: Json }>('/calendars/:calendarId/events/:eventId', async (req) =>
    account.update(account.calendar(req.params.calendarId), req.params.eventId, obj(req.body), Number(one(req.query.conferenceDataVersion) ?? 0), true),
  );

  api.delete<{ Params: P }>('/calendars/:calendarId/events/:eventId', async (req, reply) => {
    account.remove(account.calendar(req.params.calendarId), req.params.eventId);
    return reply.code(204).send();
  });

  api.get<{ Params: P; Querystring: Query }>('/calendars/:calendarId/events/:eventId/instances', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    const master = cal.events.get(req.params.eventId)?.json;
    if (!master) throw notFound();
    if (master.status === 'cancelled') throw new GoogleFault(410, 'deleted', 'Resource has been deleted');
    const min = time(req.query, 'timeMin') ?? instantOf(master.start);
    const max = time(req.query, 'timeMax') ?? min + 366 * 86_400_000;
    const all = Array.isArray(master.recurrence) ? account.expand(master, min, max) : [];
    const shown = flag(req.query.showDeleted) ? all : all.filter((e) => e.status !== 'cancelled');
    const p = page(shown, req.query);
    return { kind: 'calendar#events', etag: `"${account.seq}"`, summary: cal.summary, timeZone: cal.timeZone, accessRole: 'owner', defaultReminders: [], ...(p.nextPageToken && { nextPageToken: p.nextPageToken }), items: p.items };
  });

  api.post<{ Params: P; Querystring: Query }>('/calendars/:calendarId/events/:eventId/move', async (req) => {
    const from = account.calendar(req.params.calendarId);
    const destination = one(req.query.destination);
    if (!destination) throw invalid('Required parameter: destination', 'required');
    const to = account.calendar(destination);
    const event = account.read(from, req.params.eventId);
    if (event.status === 'cancelled') throw new GoogleFault(410, 'deleted', 'Resource has been deleted');
    if (event.recurringEventId) throw invalid('Cannot change the organizer of an instance.', 'cannotChangeOrganizerOfInstance');
    account.put(from, { ...event, status: 'cancelled' });
    return account.put(to, { ...event, organizer: { email: to.id, ...(to.primary ? { self: true } : { displayName: to.summary }) } });
  });

  api.post<{ Params: P; Body: Json }>('/calendars/:calendarId/events/watch', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    const b = obj(req.body);
    if (typeof b.id !== 'string' || b.id === '') throw invalid('channel id is required', 'required');
    if (b.type !== 'web_hook' && b.type !== 'webhook') throw invalid(`Invalid channel type: ${String(b.type)}`, 'pushInvalidType');
    if (typeof b.address !== 'string' || !/^https?:\/\//.test(b.address)) throw invalid('WebHook callback must be HTTPS: ' + String(b.address), 'push.webhookUrlNotHttps');
    if (channels.list().some((c) => c.id === b.id)) throw new GoogleFault(400, 'channelIdNotUnique', `Channel id ${b.id} not unique`);
    const c = channels.watch(cal.id, { id: b.id, address: b.address, token: typeof b.token === 'string' ? b.token : undefined, expiration: b.expiration === undefined ? undefined : Number(b.expiration) });
    return { kind: 'api#channel', id: c.id, resourceId: c.resourceId, resourceUri: `${o.base()}/calendars/${encodeURIComponent(cal.id)}/events?alt=json`, ...(c.token !== undefined && { token: c.token }), expiration: String(c.expiration) };
  });

  api.post<{ Body: Json }>('/channels/stop', async (req, reply) => {
    const b = obj(req.body);
    if (typeof b.id !== 'string' || !channels.stop(b.id, typeof b.resourceId === 'string' ? b.resourceId : undefined)) throw new GoogleFault(404, 'notFound', `Channel '${String(b.id)}' not found for project '0'`);
    return reply.code(204).send();
  });

  api.get<{ Params: P; Querystring: Query }>('/calendars/:calendarId/acl', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    const p = page([...cal.acl.values()], req.query);
    return { kind: 'calendar#acl', etag: `"${account.seq}"`, ...(p.nextPageToken ? { nextPageToken: p.nextPageToken } : { nextSyncToken: account.syncToken(`acl:${cal.id}`) }), items: p.items };
  });

  api.post<{ Params: P; Body: Json }>('/calendars/:calendarId/acl', async (req) => {
    const cal = account.calendar(req.params.calendarId);
    const b = obj(req.body);
    const scope = obj(b.scope);
    if (!['none', 'freeBusyReader', 'reader', 'writer', 'owner'].includes(String(b.role))) throw invalid(`Invalid value for: role`, 'invalid');
    if (!['default', 'user', 'group', 'domain'].includes(String(scope.type))) throw invalid('Invalid scope type value.', 'invalid');
    if (scope.type !== 'default' && (typeof scope.value !== 'string' || scope.value === '')) throw invalid('Missing scope value.', 'required');
    const id = scope.type === 'default' ? 'default' : `${String(scope.type)}:${String(scope.value)}`;
    const rule = { kind: 'calendar#aclRule', etag: `"${++account.seq}"`, id, scope: { type: scope.type, ...(scope.type !== 'default' && { value: scope.value }) }, role: b.role };
    cal.acl.set(id, rule);
    return rule;
  });

  api.delete<{ Params: P }>('/calendars/:calendarId/acl/:ruleId', async (req, reply) => {
    const cal = account.calendar(req.params.calendarId);
    if (!cal.acl.delete(req.params.ruleId)) throw notFound();
    account.seq++;
    return reply.code(204).send();
  });

  api.post<{ Body: Json }>('/freeBusy', async (req) => {
    const b = obj(req.body);
    const min = Date.parse(String(b.timeMin));
    const max = Date.parse(String(b.timeMax));
    if (Number.isNaN(min) || Number.isNaN(max)) throw invalid('Missing timeMin or timeMax.', 'required');
    if (max <= min) throw invalid('The specified time range is empty.', 'timeRangeEmpty');
    const calendars: Json = {};
    for (const item of Array.isArray(b.items) ? b.items.map(obj) : []) {
      const id = String(item.id);
      const cal = account.calendars.get(id === 'primary' ? account.email : id);
      calendars[id] = cal ? { busy: account.busy(cal, min, max) } : { errors: [{ domain: 'global', reason: 'notFound' }], busy: [] };
    }
    return { kind: 'calendar#freeBusy', timeMin: new Date(min).toISOString(), timeMax: new Date(max).toISOString(), calendars };
  });
}

/** `events.list` without a sync token: filters, `singleEvents` expansion, order. */
function listed(account: CalendarAccount, cal: EmuCalendar, q: Query): Json[] {
  const min = time(q, 'timeMin');
  const max = time(q, 'timeMax');
  const single = flag(q.singleEvents);
  const orderBy = one(q.orderBy);
  if (orderBy === 'startTime' && !single) throw invalid('The requested ordering is not available for the particular query.');
  if (orderBy !== undefined && orderBy !== 'startTime' && orderBy !== 'updated') throw invalid(`Invalid value for: orderBy`);
  let items: Json[];
  if (single) items = account.singleEvents(cal, min ?? Date.now() - 366 * 86_400_000, max ?? Date.now() + 366 * 86_400_000);
  else {
    items = [...cal.events.values()].map((e) => e.json);
    if (min !== undefined || max !== undefined) {
      const lo = min ?? -Infinity;
      const hi = max ?? Infinity;
      // A series is listed when one of its occurrences falls in the window.
      items = items.filter((e) => (Array.isArray(e.recurrence) ? e.status === 'cancelled' || account.expand(e, Number.isFinite(lo) ? lo : instantOf(e.start), Number.isFinite(hi) ? hi : instantOf(e.start) + 366 * 86_400_000).length > 0 : instantOf(e.start) < hi && instantOf(e.end) > lo));
    }
  }
  if (!flag(q.showDeleted)) items = items.filter((e) => e.status !== 'cancelled');
  const text = one(q.q)?.toLowerCase();
  if (text) items = items.filter((e) => ['summary', 'description', 'location'].some((k) => String(e[k] ?? '').toLowerCase().includes(text)) || (Array.isArray(e.attendees) && e.attendees.some((a) => String(obj(a).email).toLowerCase().includes(text))));
  for (const pair of many(q.privateExtendedProperty)) {
    const [k, v] = pair.split('=') as [string, string?];
    items = items.filter((e) => obj(obj(e.extendedProperties).private)[k] === v);
  }
  if (orderBy === 'startTime') items = [...items].sort((a, b) => instantOf(a.start) - instantOf(b.start));
  if (orderBy === 'updated') items = [...items].sort((a, b) => String(a.updated).localeCompare(String(b.updated)));
  return items;
}
