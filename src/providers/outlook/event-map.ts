/**
 * The hub's calendar shapes ↔ Microsoft Graph's `event`. Graph writes times as a local
 * `dateTime` plus a `timeZone` (Windows or IANA names); the connector sends the event's IANA zone
 * and asks for answers in UTC (`Prefer: outlook.timezone="UTC"`), keeping the zone it was written
 * in from `originalStartTimeZone`. An all-day event is midnight to midnight with `isAllDay`.
 * Reminders: Graph has one popup (`isReminderOn`, `reminderMinutesBeforeStart`); the first
 * reminder given is kept, `[]` switches it off.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/event
 */
import type { Attendee as GraphAttendee, DateTimeTimeZone, Event as GraphEvent } from '@microsoft/microsoft-graph-types';
import { HubError } from '../../core/errors.js';
import type { Attendee, CalendarEvent, EventPatch, ResponseStatus } from '../../categories/calendar/contract.js';
import { formatInZone, isTimeZone, zonedToInstant } from '../../categories/calendar/recurrence.js';
import { fromPatternedRecurrence, toPatternedRecurrence } from './recurrence.js';

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RESPONSES: Record<string, ResponseStatus> = { accepted: 'accepted', organizer: 'accepted', declined: 'declined', tentativelyAccepted: 'tentative', none: 'needsAction', notResponded: 'needsAction' };

const bad = (field: string, message: string) => new HubError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });

/** `{dateTime, timeZone}` of an ISO 8601 value (or a date, for all-day) in `timeZone` (default UTC). */
export function toGraphTime(value: string, allDay: boolean, timeZone: string | undefined, field: string): DateTimeTimeZone {
  const zone = timeZone ?? 'UTC';
  if (allDay) {
    if (!DATE.test(value)) throw bad(field, `"${value}": an all-day event takes dates (YYYY-MM-DD)`);
    return { dateTime: `${value}T00:00:00`, timeZone: zone };
  }
  const instant = Date.parse(value);
  if (DATE.test(value) || Number.isNaN(instant)) throw bad(field, `"${value}" is not an ISO 8601 date-time with an offset`);
  return { dateTime: formatInZone(instant, zone === 'UTC' ? null : zone).slice(0, 19), timeZone: zone };
}

/** An answer's `{dateTime, timeZone}` as ISO 8601 (UTC `Z`), or its date for an all-day event. */
export function fromGraphTime(t: DateTimeTimeZone | null | undefined, allDay: boolean): string {
  const dateTime = t?.dateTime ?? '';
  if (allDay) return dateTime.slice(0, 10);
  const local = `${dateTime.slice(0, 19)}Z`;
  const zone = t?.timeZone ?? 'UTC';
  if (zone === 'UTC' || !isTimeZone(zone)) return local;
  return new Date(zonedToInstant(new Date(local), zone)).toISOString().replace('.000Z', 'Z');
}

function attendeeOf(a: GraphAttendee, organizerEmail: string | undefined): Attendee {
  const email = a.emailAddress?.address ?? '';
  return {
    email,
    name: a.emailAddress?.name && a.emailAddress.name !== email ? a.emailAddress.name : null,
    responseStatus: RESPONSES[a.status?.response ?? 'none'] ?? 'needsAction',
    optional: a.type === 'optional',
    organizer: !!organizerEmail && email.toLowerCase() === organizerEmail.toLowerCase(),
  };
}

/**
 * A Graph event as the hub's `CalendarEvent` (`calendarId` is the one the caller named).
 *
 * @example
 * toCalendarEvent('primary', graphEvent).start // '2027-03-01T10:00:00Z'
 */
export function toCalendarEvent(calendarId: string, e: GraphEvent, provider = 'outlook'): CalendarEvent {
  const allDay = !!e.isAllDay;
  const written = e.originalStartTimeZone ?? null;
  const timeZone = written && isTimeZone(written) ? written : null;
  const organizerEmail = e.organizer?.emailAddress?.address ?? undefined;
  const original = e.originalStart ? (allDay ? e.originalStart.slice(0, 10) : new Date(e.originalStart).toISOString().replace('.000Z', 'Z')) : null;
  return {
    provider,
    calendarId,
    eventId: e.id ?? '',
    summary: e.subject ?? '',
    description: e.body?.content ? e.body.content : (e.bodyPreview ?? null) || null,
    location: e.location?.displayName || null,
    start: fromGraphTime(e.start, allDay),
    end: fromGraphTime(e.end, allDay),
    allDay,
    timeZone,
    attendees: (e.attendees ?? []).map((a) => attendeeOf(a, organizerEmail)),
    organizer: organizerEmail ? { email: organizerEmail, name: e.organizer?.emailAddress?.name ?? null } : null,
    reminders: e.isReminderOn ? [{ method: 'popup', minutes: e.reminderMinutesBeforeStart ?? 15 }] : [],
    recurrence: e.type === 'seriesMaster' && e.recurrence ? fromPatternedRecurrence(e.recurrence, { allDay, timeZone: e.recurrence.range?.recurrenceTimeZone ?? timeZone ?? 'UTC' }) : null,
    recurringEventId: e.type === 'occurrence' || e.type === 'exception' ? (e.seriesMasterId ?? null) : null,
    originalStart: e.type === 'occurrence' || e.type === 'exception' ? original : null,
    status: e.isCancelled ? 'cancelled' : e.showAs === 'tentative' ? 'tentative' : 'confirmed',
    htmlLink: e.webLink ?? null,
    conference: e.isOnlineMeeting && e.onlineMeeting?.joinUrl ? { provider: 'teams', joinUrl: e.onlineMeeting.joinUrl, conferenceId: e.onlineMeeting.conferenceId ?? null } : null,
    etag: (e as { '@odata.etag'?: string })['@odata.etag'] ?? null,
    updated: e.lastModifiedDateTime ?? null,
    raw: e,
  };
}

/**
 * The Graph body of a create (all of `input`) or an update (what `patch` names). `current` is the
 * event as it is (an update that moves only the start keeps its all-day-ness and zone).
 */
export function toGraphEvent(patch: EventPatch, current?: { allDay: boolean; timeZone: string | null; start: string }): GraphEvent {
  const out: GraphEvent = {};
  if (patch.summary !== undefined) out.subject = patch.summary;
  if (patch.description !== undefined) out.body = { contentType: 'text', content: patch.description };
  if (patch.location !== undefined) out.location = { displayName: patch.location };
  const allDay = patch.allDay ?? (patch.start !== undefined ? DATE.test(patch.start) : (current?.allDay ?? false));
  if (patch.timeZone !== undefined && !isTimeZone(patch.timeZone)) throw bad('timeZone', `"${patch.timeZone}" is not an IANA time zone (Europe/Berlin)`);
  const zone = patch.timeZone ?? current?.timeZone ?? undefined;
  if (patch.start !== undefined) out.start = toGraphTime(patch.start, allDay, zone, 'start');
  if (patch.end !== undefined) out.end = toGraphTime(patch.end, allDay, zone, 'end');
  if (patch.start !== undefined || patch.allDay !== undefined) out.isAllDay = allDay;
  if (patch.attendees !== undefined) out.attendees = patch.attendees.map((a) => ({ emailAddress: { address: a.email, ...(a.name && { name: a.name }) }, type: a.optional ? 'optional' : 'required' }));
  if (patch.reminders !== undefined) {
    if (patch.reminders.length === 0) out.isReminderOn = false;
    else {
      const minutes = patch.reminders[0]!.minutes;
      if (!Number.isInteger(minutes) || minutes < 0) throw bad('reminders', 'minutes must be a whole number ≥ 0');
      out.isReminderOn = true;
      out.reminderMinutesBeforeStart = minutes;
    }
  }
  if (patch.recurrence !== undefined) {
    const start = patch.start ?? current?.start;
    if (!start) throw bad('recurrence', 'a recurring event needs a start');
    const startDate = allDay ? start.slice(0, 10) : formatInZone(Date.parse(start), zone && zone !== 'UTC' ? zone : null).slice(0, 10);
    out.recurrence = patch.recurrence.length === 0 ? null : toPatternedRecurrence(patch.recurrence, { startDate, timeZone: zone ?? 'UTC', allDay });
  }
  return out;
}
