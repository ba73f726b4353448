/**
 * A CalDAV resource as contract events: the master, its occurrences (expanded here with
 * `categories/calendar/recurrence.ts`, since CalDAV stores only the rule) and its exceptions
 * (VEVENTs with RECURRENCE-ID in the same resource). An occurrence is named
 * `<eventId>_<occurrenceIdSuffix(originalStart)>`, as Google names instances.
 */
import ICAL from 'ical.js';
import { HubError } from '../../core/errors.js';
import type { CalendarEvent } from '../../categories/calendar/contract.js';
import { expandRecurrence, occurrenceIdSuffix, type Occurrence } from '../../categories/calendar/recurrence.js';
import { applyEvent, fieldsOf, readTime, setTime, touch, type Resource } from './ical.js';

export interface EventMeta {
  calendarId: string;
  /** The resource's event id (an exception's id is derived from it). */
  eventId: string;
  etag: string | null;
}

/** The id suffix of an exception VEVENT (from its RECURRENCE-ID). */
function suffixOf(vevent: ICAL.Component, vcal: ICAL.Component): string {
  return occurrenceIdSuffix(readTime(vevent.getFirstProperty('recurrence-id')!, vcal).iso);
}

/**
 * A VEVENT as a contract event; an exception answers as the occurrence it replaces.
 *
 * @example
 * toEvent(resource, resource.master!, { calendarId: 'work', eventId: uid, etag }).summary
 */
export function toEvent(resource: Resource, vevent: ICAL.Component, meta: EventMeta): CalendarEvent {
  const { updated, ...f } = fieldsOf(vevent, resource.vcal);
  const exception = vevent.hasProperty('recurrence-id');
  return {
    provider: 'caldav',
    calendarId: meta.calendarId,
    eventId: exception ? `${meta.eventId}_${suffixOf(vevent, resource.vcal)}` : meta.eventId,
    ...f,
    recurrence: exception ? null : f.recurrence,
    recurringEventId: exception ? meta.eventId : null,
    originalStart: exception ? readTime(vevent.getFirstProperty('recurrence-id')!, resource.vcal).iso : null,
    htmlLink: null,
    conference: null,
    etag: meta.etag,
    updated,
    raw: vevent.toString(),
  };
}

const overlaps = (e: { start: string; end: string }, w: { timeMin: string; timeMax: string }) => Date.parse(e.start) < Date.parse(w.timeMax) && Math.max(Date.parse(e.end), Date.parse(e.start) + 1) > Date.parse(w.timeMin);

function series(resource: Resource) {
  if (!resource.master) return undefined;
  const f = fieldsOf(resource.master, resource.vcal);
  return f.recurrence ? { f, master: { start: f.start, end: f.end, allDay: f.allDay, timeZone: f.allDay ? null : f.timeZone, recurrence: f.recurrence } } : undefined;
}

/**
 * The occurrences of a resource's series between `timeMin` and `timeMax`, exceptions applied
 * (a cancelled one answers with status `cancelled`), by start. A single event answers itself.
 */
export function expandSeries(resource: Resource, eventId: string, window: { timeMin: string; timeMax: string }, meta: Omit<EventMeta, 'eventId'>): CalendarEvent[] {
  const m = { ...meta, eventId };
  const s = series(resource);
  if (!s) return resource.master && overlaps(fieldsOf(resource.master, resource.vcal), window) ? [toEvent(resource, resource.master, m)] : [];
  const exceptions = new Map(resource.overrides.map((o) => [suffixOf(o, resource.vcal), o]));
  const master = toEvent(resource, resource.master!, m);
  const out: CalendarEvent[] = [];
  for (const o of expandRecurrence(s.master, window)) {
    const suffix = occurrenceIdSuffix(o.originalStart);
    const exception = exceptions.get(suffix);
    exceptions.delete(suffix);
    out.push(exception ? toEvent(resource, exception, m) : occurrence(master, o, suffix));
  }
  // Exceptions moved into the window from an occurrence outside it.
  for (const e of exceptions.values()) out.push(toEvent(resource, e, m));
  return out.filter((e) => overlaps(e, window)).sort((a, b) => Date.parse(a.start) - Date.parse(b.start));
}

function occurrence(master: CalendarEvent, o: Occurrence, suffix: string): CalendarEvent {
  return { ...master, eventId: `${master.eventId}_${suffix}`, start: o.start, end: o.end, recurrence: null, recurringEventId: master.eventId, originalStart: o.originalStart };
}

/** The series' occurrence an id suffix names (EXDATEs excluded); throws calendar_event_not_found. */
function findOccurrence(resource: Resource, base: string, suffix: string): Occurrence {
  const s = series(resource);
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z)?$/.exec(suffix)!;
  const at = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  const window = { timeMin: new Date(at - 86_400_000).toISOString(), timeMax: new Date(at + 86_400_000).toISOString() };
  const found = s && expandRecurrence(s.master, window).find((o) => occurrenceIdSuffix(o.originalStart) === suffix);
  if (!found) throw new HubError('calendar_event_not_found', `Event ${base} has no occurrence ${suffix} (not in its rule, or cancelled)`, { provider: 'caldav' });
  return found;
}

/** One occurrence of a series: its exception, else the master moved to it. */
export function occurrenceOf(resource: Resource, base: string, suffix: string, meta: Omit<EventMeta, 'eventId'>): CalendarEvent {
  const m = { ...meta, eventId: base };
  const exception = resource.overrides.find((o) => suffixOf(o, resource.vcal) === suffix);
  if (exception) return toEvent(resource, exception, m);
  return occurrence(toEvent(resource, resource.master!, m), findOccurrence(resource, base, suffix), suffix);
}

/** The exception VEVENT of an occurrence, created from the master (RECURRENCE-ID in the master's form) if absent. */
export function overrideFor(resource: Resource, base: string, suffix: string, now: number): ICAL.Component {
  const existing = resource.overrides.find((o) => suffixOf(o, resource.vcal) === suffix);
  if (existing) return existing;
  const o = findOccurrence(resource, base, suffix);
  const f = fieldsOf(resource.master!, resource.vcal);
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', String(resource.master!.getFirstPropertyValue('uid')));
  setTime(vevent, 'recurrence-id', o.originalStart, f.allDay, f.allDay ? null : f.timeZone);
  applyEvent(vevent, { ...f, start: o.start, end: o.end, recurrence: null }, now);
  resource.vcal.addSubcomponent(vevent);
  resource.overrides.push(vevent);
  return vevent;
}

/** Cancels one occurrence: an EXDATE on the master (in DTSTART's form), its exception removed. */
export function removeOccurrence(resource: Resource, base: string, suffix: string, now: number): void {
  const exception = resource.overrides.find((o) => suffixOf(o, resource.vcal) === suffix);
  const original = exception ? readTime(exception.getFirstProperty('recurrence-id')!, resource.vcal).iso : findOccurrence(resource, base, suffix).originalStart;
  const f = fieldsOf(resource.master!, resource.vcal);
  setTime(resource.master!, 'exdate', original, f.allDay, f.allDay ? null : f.timeZone, true);
  touch(resource.master!, now);
  if (exception) {
    resource.vcal.removeSubcomponent(exception);
    resource.overrides.splice(resource.overrides.indexOf(exception), 1);
  }
}
