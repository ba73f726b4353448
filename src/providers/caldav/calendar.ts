/**
 * The CalDAV calendar connector (`CalendarProvider`) over any RFC 4791 server.
 *
 * Events are VEVENT resources `<uid>.ics` (`ical.ts`); a change reads the resource and writes it
 * back with `If-Match` its ETag, retrying once on a 412 from a fresh read, then `calendar_conflict`.
 * CalDAV stores the rule, not the occurrences: `instances` and `listEvents({ singleEvents })`
 * expand it here (`categories/calendar/recurrence.ts`); changing one occurrence writes an exception
 * VEVENT (RECURRENCE-ID) into the same resource, cancelling one adds an EXDATE. Listing is a
 * `calendar-query` REPORT with a time-range, sorted by start and paged here (CalDAV has no paging;
 * the page token is an opaque offset). Sync is RFC 6578 `sync-collection`.
 *
 * Capabilities: createCalendar (MKCALENDAR), move (PUT into the destination, then DELETE), respond
 * (the PARTSTAT of the account's address), search (client-side over summary, description,
 * location). Not: sharing (not in RFC 4791), freeBusy (the category computes it from listEvents),
 * push (polling).
 */
import { randomUUID } from 'node:crypto';
import { calendarQuery, makeCalendar, syncCollection } from 'tsdav';
import { HubError, validationError } from '../../core/errors.js';
import { isTimeZone } from '../../categories/calendar/recurrence.js';
import type { ProviderContext } from '../../kit/connection.js';
import type { Calendar, CalendarEvent, CalendarProvider, EventInput, EventPage, EventPatch, ListEventsQuery, ResponseStatus, SyncChange } from '../../categories/calendar/contract.js';
import { Dav, splitEventId, type DavCalendar } from './dav.js';
import { applyEvent, ensureTimezones, fieldsOf, newEvent, newResource, parseResource, touch, zoneCalendar, type EventFields, type Resource } from './ical.js';
import { expandSeries, occurrenceOf, overrideFor, removeOccurrence, toEvent } from './series.js';
import type { CaldavCredentials } from './manifest.js';
import { CALDAV_CAPABILITIES } from './capabilities.js';

const DEFAULT_PAGE = 250;
/** Path segments servers give the calendar they make with an account (Radicale's sandbox, Baïkal, Nextcloud and SOGo, iCloud). */
const DEFAULT_NAMES = ['calendar', 'default', 'personal', 'home'];
const basicIso = (iso: string) => `${new Date(iso).toISOString().slice(0, 19).replace(/[-:]/g, '')}Z`;

const TIME_RE = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2}))?$/;

/** Refuses what would make a broken VEVENT, naming the field (the category validates first; a direct caller may not). */
function checked(f: EventFields): EventFields {
  for (const field of ['start', 'end'] as const) {
    const v = f[field];
    if (!TIME_RE.test(v) || Number.isNaN(Date.parse(v))) throw validationError(field, `"${v}" is not a date (YYYY-MM-DD) or an ISO 8601 date-time with an offset (2026-12-07T09:00:00+01:00)`);
  }
  if (f.timeZone && !isTimeZone(f.timeZone)) throw validationError('timeZone', `"${f.timeZone}" is not an IANA time zone (Europe/Berlin)`);
  return f;
}

/** `sendUpdates` other than `none` (the default) lets a scheduling server (RFC 6638) mail the attendees. */
const schedules = (input: EventPatch): boolean => input.sendUpdates !== undefined && input.sendUpdates !== 'none';

/** What an input or a patch makes of an event's fields. */
export function mergeFields(base: EventFields | null, input: EventPatch, organizer: { email: string; name: string | null } | null): EventFields {
  const start = input.start ?? base?.start ?? '';
  const allDay = input.allDay ?? (input.start !== undefined ? /^\d{4}-\d{2}-\d{2}$/.test(input.start) : (base?.allDay ?? false));
  const attendees =
    input.attendees?.map((a) => {
      const known = base?.attendees.find((b) => b.email.toLowerCase() === a.email.toLowerCase());
      return { email: a.email, name: a.name ?? known?.name ?? null, responseStatus: known?.responseStatus ?? ('needsAction' as const), optional: a.optional ?? false, organizer: false };
    }) ?? base?.attendees ?? [];
  return {
    summary: input.summary ?? base?.summary ?? '',
    description: input.description !== undefined ? input.description || null : (base?.description ?? null),
    location: input.location !== undefined ? input.location || null : (base?.location ?? null),
    start,
    end: input.end ?? base?.end ?? start,
    allDay,
    timeZone: input.timeZone !== undefined ? input.timeZone : (base?.timeZone ?? null),
    attendees,
    organizer: base?.organizer ?? organizer,
    reminders: input.reminders ?? base?.reminders ?? null,
    recurrence: input.recurrence ?? base?.recurrence ?? null,
    status: base?.status ?? 'confirmed',
  };
}

/**
 * @example
 * const calendar = createCaldavCalendar(ctx); // ctx.connection.baseUrl: CALDAV_URL
 * await calendar.createEvent('primary', { summary: 'Standup', start: '2026-12-07T09:00:00+01:00', end: '2026-12-07T09:15:00+01:00', timeZone: 'Europe/Berlin' });
 */
export function createCaldavCalendar(ctx: ProviderContext<CaldavCredentials>): CalendarProvider {
  const dav = new Dav(ctx);
  const now = () => ctx.clock.now();
  let primaryUrl: string | undefined;

  async function toCalendar(c: DavCalendar, primary: boolean): Promise<Calendar> {
    return { provider: 'caldav', calendarId: await dav.calendarId(c.url), name: c.name, description: c.description, timeZone: c.timeZone, primary, accessRole: 'owner', raw: c.raw };
  }

  /**
   * `CALDAV_CALENDAR` (name, URL or path), else the servers' usual default collection
   * (`calendar`, `default`, `personal`, `home`), else the first by URL: stable however the server
   * orders its answer and whatever calendars are added later.
   */
  function isPrimary(c: DavCalendar, all: DavCalendar[]): boolean {
    const wanted = ctx.connection.credentials.calendar;
    const segment = (x: DavCalendar) => decodeURIComponent(new URL(x.url).pathname.split('/').filter(Boolean).pop() ?? '').toLowerCase();
    const byUrl = [...all].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0));
    const chosen = (wanted && all.find((x) => x.name === wanted || x.url === wanted || new URL(x.url).pathname === wanted)) || DEFAULT_NAMES.map((n) => byUrl.find((x) => segment(x) === n)).find(Boolean) || byUrl[0];
    return chosen === c;
  }

  async function calendarUrl(calendarId: string): Promise<string> {
    if (calendarId !== 'primary') return dav.calendarUrl(calendarId);
    if (primaryUrl) return primaryUrl;
    const all = await dav.calendars();
    const found = all.find((c) => isPrimary(c, all));
    if (!found) throw new HubError('calendar_not_found', 'The CalDAV account has no calendar yet: create one (POST /api/v1/calendar/calendars) or set CALDAV_CALENDAR', { provider: 'caldav' });
    primaryUrl = found.url;
    return found.url;
  }

  async function organizer() {
    const { addresses } = await dav.discover();
    return addresses[0] ? { email: addresses[0], name: null } : null;
  }

  /** Reads the resource of `base`, lets `change` edit it, writes it back with If-Match (once more from a fresh read after a 412). */
  async function modify<T>(href: string, change: (r: Resource) => T | Promise<T>): Promise<{ result: T; resource: Resource; etag: string | null }> {
    for (let attempt = 1; ; attempt++) {
      const stored = await dav.get(href);
      const resource = parseResource(stored.text);
      const result = await change(resource);
      ensureTimezones(resource.vcal);
      try {
        const etag = await dav.put(href, resource.vcal.toString(), stored.etag ?? '*', 'calendar.event.update');
        return { result, resource, etag };
      } catch (err) {
        if (!(err instanceof HubError && err.code === 'calendar_conflict') || attempt >= 2) throw err;
      }
    }
  }

  async function read(calendarId: string, eventId: string) {
    const calUrl = await calendarUrl(calendarId);
    const { base, suffix } = splitEventId(eventId);
    const href = Dav.eventUrl(calUrl, base);
    return { calUrl, base, suffix, href };
  }

  const provider: CalendarProvider = {
    id: 'caldav',
    capabilities: CALDAV_CAPABILITIES,

    async listCalendars() {
      const all = await dav.calendars();
      return Promise.all(all.map((c) => toCalendar(c, isPrimary(c, all))));
    },

    async createCalendar(input) {
      if (input.timeZone && !isTimeZone(input.timeZone)) throw validationError('timeZone', `"${input.timeZone}" is not an IANA time zone (Europe/Berlin)`);
      const { homeUrl } = await dav.discover();
      const url = new URL(`${randomUUID()}/`, homeUrl).href;
      await makeCalendar({
        url,
        props: {
          'd:displayname': input.name,
          ...(input.description && { 'c:calendar-description': input.description }),
          'c:supported-calendar-component-set': { 'c:comp': { _attributes: { name: 'VEVENT' } } },
          ...(input.timeZone && { 'c:calendar-timezone': { _cdata: zoneCalendar(input.timeZone, new Date(now()).getUTCFullYear()) } }),
        },
        fetch: dav.fetch('calendar.create', 'not_found'),
      });
      return { provider: 'caldav', calendarId: await dav.calendarId(url), name: input.name, description: input.description ?? null, timeZone: input.timeZone ?? null, primary: false, accessRole: 'owner', raw: { url } };
    },

    async createEvent(calendarId, input: EventInput) {
      const calUrl = await calendarUrl(calendarId);
      const uid = randomUUID();
      const vcal = newResource();
      const vevent = newEvent(uid);
      applyEvent(vevent, checked(mergeFields(null, input, await organizer())), now(), { serverSchedules: schedules(input) });
      vcal.addSubcomponent(vevent);
      ensureTimezones(vcal);
      const href = Dav.eventUrl(calUrl, uid);
      const etag = await dav.put(href, vcal.toString(), null, 'calendar.event.create').catch(async (err: unknown) => {
        // A retried PUT whose first attempt was stored meets its own resource (If-None-Match: * → 412): the UID is ours alone.
        if (!(err instanceof HubError && err.code === 'calendar_conflict')) throw err;
        const stored = await dav.get(href);
        if (parseResource(stored.text).master?.getFirstPropertyValue('uid') !== uid) throw err;
        return stored.etag;
      });
      return toEvent({ vcal, master: vevent, overrides: [] }, vevent, { calendarId, eventId: uid, etag });
    },

    async getEvent(calendarId, eventId) {
      const { base, suffix, href } = await read(calendarId, eventId);
      const stored = await dav.get(href);
      const resource = parseResource(stored.text);
      if (suffix) return occurrenceOf(resource, base, suffix, { calendarId, etag: stored.etag });
      if (!resource.master) throw new HubError('calendar_event_not_found', `No event ${eventId} (the resource holds exceptions only)`, { provider: 'caldav' });
      return toEvent(resource, resource.master, { calendarId, eventId: base, etag: stored.etag });
    },

    async updateEvent(calendarId, eventId, patch) {
      const { base, suffix, href } = await read(calendarId, eventId);
      const org = await organizer();
      const { result: target, resource, etag } = await modify(href, (r) => {
        const vevent = suffix ? overrideFor(r, base, suffix, now()) : r.master;
        if (!vevent) throw new HubError('calendar_event_not_found', `No event ${eventId}`, { provider: 'caldav' });
        applyEvent(vevent, checked(mergeFields(fieldsOf(vevent, r.vcal), patch, org)), now(), { serverSchedules: schedules(patch) });
        return vevent;
      });
      return suffix ? occurrenceOf(resource, base, suffix, { calendarId, etag }) : toEvent(resource, target, { calendarId, eventId: base, etag });
    },

    async deleteEvent(calendarId, eventId) {
      const { base, suffix, href } = await read(calendarId, eventId);
      if (!suffix) return dav.delete(href, null);
      await modify(href, (r) => removeOccurrence(r, base, suffix, now()));
    },

    async listEvents(calendarId, query: ListEventsQuery): Promise<EventPage> {
      const calUrl = await calendarUrl(calendarId);
      const range = query.timeMin || query.timeMax ? { start: basicIso(query.timeMin ?? '1970-01-01T00:00:00Z'), end: basicIso(query.timeMax ?? '2200-01-01T00:00:00Z') } : undefined;
      const res = await calendarQuery({
        url: calUrl,
        props: { 'd:getetag': {}, 'c:calendar-data': {} },
        filters: { 'comp-filter': { _attributes: { name: 'VCALENDAR' }, 'comp-filter': { _attributes: { name: 'VEVENT' }, ...(range && { 'time-range': { _attributes: range } }) } } },
        depth: '1',
        fetch: dav.fetch('calendar.events.list'),
      });
      const min = query.timeMin ? Date.parse(query.timeMin) : -Infinity;
      const max = query.timeMax ? Date.parse(query.timeMax) : Infinity;
      const events: CalendarEvent[] = [];
      for (const r of res) {
        const text = calendarData(r.props);
        if (!r.href || !text) continue;
        const resource = parseResource(text);
        const eventId = Dav.eventId(r.href);
        const etag = r.props?.getetag ? String(r.props.getetag) : null;
        if (!resource.master) continue;
        if (query.singleEvents && (resource.master.hasProperty('rrule') || resource.master.hasProperty('rdate'))) {
          const window = { timeMin: query.timeMin ?? fieldsOf(resource.master, resource.vcal).start, timeMax: query.timeMax ?? new Date(now() + 730 * 86_400_000).toISOString() };
          events.push(...expandSeries(resource, eventId, window, { calendarId, etag }).filter((e) => e.status !== 'cancelled'));
        } else events.push(toEvent(resource, resource.master, { calendarId, eventId, etag }));
      }
      const q = query.q?.toLowerCase();
      const kept = events
        .filter((e) => Date.parse(e.start) < max && (Date.parse(e.end) > min || (e.start === e.end && Date.parse(e.start) >= min)))
        .filter((e) => !q || [e.summary, e.description, e.location].some((t) => t?.toLowerCase().includes(q)))
        .sort((a, b) => Date.parse(a.start) - Date.parse(b.start) || a.eventId.localeCompare(b.eventId));
      const offset = query.pageToken ? decodeOffset(query.pageToken) : 0;
      const size = Math.max(1, Math.min(query.maxResults ?? DEFAULT_PAGE, 2500));
      const next = offset + size < kept.length ? Buffer.from(`o:${offset + size}`).toString('base64url') : null;
      return { events: kept.slice(offset, offset + size), nextPageToken: next };
    },

    async instances(calendarId, eventId, window) {
      const { base, href } = await read(calendarId, eventId);
      const stored = await dav.get(href);
      return expandSeries(parseResource(stored.text), base, window, { calendarId, etag: stored.etag });
    },

    async moveEvent(calendarId, eventId, destinationCalendarId) {
      const { base, suffix, href } = await read(calendarId, eventId);
      if (suffix) throw new HubError('validation_failed', `eventId: ${eventId} is one occurrence; move the series (${base})`, { errors: [{ field: 'eventId', message: 'move a whole event or series' }] });
      const destUrl = Dav.eventUrl(await calendarUrl(destinationCalendarId), base);
      const stored = await dav.get(href);
      const resource = parseResource(stored.text);
      if (!resource.master) throw new HubError('calendar_event_not_found', `No event ${eventId} (the resource holds exceptions only)`, { provider: 'caldav' });
      const etag = await dav.put(destUrl, stored.text, null, 'calendar.event.move');
      await dav.delete(href, stored.etag, 'calendar.event.move');
      return toEvent(resource, resource.master, { calendarId: destinationCalendarId, eventId: base, etag });
    },

    async respond(calendarId, eventId, response: Exclude<ResponseStatus, 'needsAction'>) {
      const { addresses } = await dav.discover();
      const { base, suffix, href } = await read(calendarId, eventId);
      const partstat = { accepted: 'ACCEPTED', declined: 'DECLINED', tentative: 'TENTATIVE' }[response];
      const { resource, etag, result: target } = await modify(href, (r) => {
        const vevent = suffix ? overrideFor(r, base, suffix, now()) : r.master;
        if (!vevent) throw new HubError('calendar_event_not_found', `No event ${eventId}`, { provider: 'caldav' });
        const mine = vevent.getAllProperties('attendee').filter((p) => addresses.includes(String(p.getFirstValue()).replace(/^mailto:/i, '').toLowerCase()));
        if (mine.length === 0) throw new HubError('provider_rejected', `The connected account (${addresses.join(', ') || 'no calendar address known: use a CALDAV_USERNAME that is an email address'}) is not an attendee of event ${eventId}`, { provider: 'caldav' });
        for (const p of mine) {
          p.setParameter('partstat', partstat);
          p.removeParameter('rsvp');
        }
        touch(vevent, now());
        return vevent;
      });
      return suffix ? occurrenceOf(resource, base, suffix, { calendarId, etag }) : toEvent(resource, target, { calendarId, eventId: base, etag });
    },

    async sync(calendarId, cursor) {
      const calUrl = await calendarUrl(calendarId);
      const calPath = new URL(calUrl).pathname;
      const changes = new Map<string, SyncChange>();
      let token = cursor;
      // A server may answer part of the changes (RFC 6578 §3.6: 507 on the collection itself); ask again from its token.
      for (let round = 1; ; round++) {
        const res = await syncCollection({ url: calUrl, props: { 'd:getetag': {}, 'c:calendar-data': {} }, syncLevel: 1, syncToken: token ?? '', fetch: dav.fetch('calendar.sync') });
        const next = (res[0]?.raw as { multistatus?: { syncToken?: unknown } } | undefined)?.multistatus?.syncToken;
        if (next === undefined || next === null || next === '') throw new HubError('provider_error', 'The CalDAV server answered sync-collection without a sync-token (does it support RFC 6578?)', { provider: 'caldav' });
        token = String(next);
        let truncated = false;
        for (const r of res) {
          if (!r.href) continue;
          if (r.href.endsWith('/')) {
            truncated ||= r.status === 507 && new URL(r.href, calUrl).pathname === calPath;
            continue;
          }
          const eventId = Dav.eventId(r.href);
          const change = r.status === 404 ? { eventId, deleted: true } : changeOf(calendarId, eventId, r.props);
          if (change) changes.set(eventId, change);
        }
        if (!truncated || round >= 100) break;
      }
      return { changes: [...changes.values()], cursor: token!, full: cursor === null };
    },
  };
  return provider;
}

/** A changed member of a sync-collection answer (`undefined` when it holds no event: exceptions only, no data). */
function changeOf(calendarId: string, eventId: string, props: Record<string, unknown> | undefined): SyncChange | undefined {
  const text = calendarData(props);
  const resource = text ? parseResource(text) : undefined;
  if (!resource?.master) return undefined;
  const event = toEvent(resource, resource.master, { calendarId, eventId, etag: props?.getetag ? String(props.getetag) : null });
  return { eventId, deleted: event.status === 'cancelled', event };
}

/** The calendar-data text of a REPORT answer (tsdav puts text or CDATA). */
function calendarData(props: Record<string, unknown> | undefined): string | undefined {
  const d = props?.calendarData as { _cdata?: string; _text?: string } | string | undefined;
  if (typeof d === 'string') return d;
  return d?._cdata ?? d?._text;
}

function decodeOffset(token: string): number {
  const m = /^o:(\d+)$/.exec(Buffer.from(token, 'base64url').toString());
  if (!m) throw new HubError('validation_failed', 'pageToken: not a token this connector answered; pass nextPageToken as it came', { errors: [{ field: 'pageToken', message: 'use nextPageToken from the previous page' }] });
  return Number(m[1]);
}
