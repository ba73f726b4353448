/**
 * Google's `Event` resource ↔ the calendar contract's {@link CalendarEvent}: all-day events as
 * `date`, timed ones as `dateTime` + `timeZone`, reminders as `{useDefault, overrides}`,
 * attendees with `displayName`/`self`/`organizer`, a Meet conference from `hangoutLink` or
 * `conferenceData.entryPoints`.
 *
 * @see https://developers.google.com/calendar/api/v3/reference/events
 */
import type { Attendee, CalendarEvent, EventInput, EventPatch, Reminder, ResponseStatus } from '../../categories/calendar/contract.js';

export type Json = Record<string, unknown>;
export const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
export const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
export const arr = (v: unknown): Json[] => (Array.isArray(v) ? v.map(obj) : []);

const DATE = /^\d{4}-\d{2}-\d{2}$/;
const RESPONSES = new Set<ResponseStatus>(['needsAction', 'accepted', 'declined', 'tentative']);

/** Google's `EventDateTime` of a contract time: `{date}` for all-day, `{dateTime, timeZone}` otherwise. */
export function toGoogleTime(time: string, allDay: boolean, timeZone: string | undefined, patch = false): Json {
  if (allDay) return { date: time.slice(0, 10), ...(patch && { dateTime: null, timeZone: null }) };
  return { dateTime: time, ...(timeZone && { timeZone }), ...(patch && { date: null }) };
}

/** The body of `events.insert` (whole input) or `events.patch` (only what the patch names). */
export function toGoogleEvent(input: EventInput | EventPatch, patch = false): Json {
  const body: Json = {};
  if (input.summary !== undefined) body.summary = input.summary;
  if (input.description !== undefined) body.description = input.description;
  if (input.location !== undefined) body.location = input.location;
  const allDay = input.allDay ?? (input.start !== undefined ? DATE.test(input.start) : input.end !== undefined && DATE.test(input.end));
  if (input.start !== undefined) body.start = toGoogleTime(input.start, allDay, input.timeZone, patch);
  if (input.end !== undefined) body.end = toGoogleTime(input.end, allDay, input.timeZone, patch);
  if (input.timeZone !== undefined && input.start === undefined && input.end === undefined) {
    // A zone alone changes where a recurring series repeats: Google keeps it on start and end.
    body.start = { timeZone: input.timeZone };
    body.end = { timeZone: input.timeZone };
  }
  if (input.attendees !== undefined) {
    body.attendees = input.attendees.map((a) => ({ email: a.email, ...(a.name !== undefined && { displayName: a.name }), ...(a.optional !== undefined && { optional: a.optional }) }));
  }
  if (input.reminders !== undefined) body.reminders = { useDefault: false, overrides: input.reminders.map((r) => ({ method: r.method, minutes: r.minutes })) };
  if (input.recurrence !== undefined) body.recurrence = input.recurrence;
  return body;
}

const timeOf = (t: Json): string => str(t.date) ?? str(t.dateTime) ?? '';

/** A Google `Event` → {@link CalendarEvent} (`provider` says which connector read it). */
export function fromGoogleEvent(raw: Json, calendarId: string, provider = 'google-calendar'): CalendarEvent {
  const start = obj(raw.start);
  const end = obj(raw.end);
  const reminders = raw.reminders === undefined ? null : obj(raw.reminders);
  const organizer = obj(raw.organizer);
  const attendees: Attendee[] = arr(raw.attendees).map((a) => ({
    email: str(a.email) ?? '',
    name: str(a.displayName),
    responseStatus: RESPONSES.has(a.responseStatus as ResponseStatus) ? (a.responseStatus as ResponseStatus) : 'needsAction',
    optional: a.optional === true,
    organizer: a.organizer === true,
    ...(a.self === true && { self: true }),
  }));
  const original = obj(raw.originalStartTime);
  const status = raw.status === 'tentative' || raw.status === 'cancelled' ? raw.status : 'confirmed';
  return {
    provider,
    calendarId,
    eventId: str(raw.id) ?? '',
    summary: str(raw.summary) ?? '',
    description: str(raw.description),
    location: str(raw.location),
    start: timeOf(start),
    end: timeOf(end),
    allDay: str(start.date) !== null,
    timeZone: str(start.timeZone),
    attendees,
    organizer: str(organizer.email) ? { email: str(organizer.email)!, name: str(organizer.displayName) } : null,
    reminders: reminders === null || reminders.useDefault === true ? null : arr(reminders.overrides).map((r): Reminder => ({ method: r.method === 'email' ? 'email' : 'popup', minutes: typeof r.minutes === 'number' ? r.minutes : 0 })),
    recurrence: Array.isArray(raw.recurrence) ? raw.recurrence.filter((l): l is string => typeof l === 'string') : null,
    recurringEventId: str(raw.recurringEventId),
    originalStart: Object.keys(original).length > 0 ? timeOf(original) : null,
    status,
    htmlLink: str(raw.htmlLink),
    conference: conferenceOf(raw),
    ...(raw.transparency === 'transparent' && { transparent: true }),
    etag: str(raw.etag),
    updated: str(raw.updated),
    raw,
  };
}

/** A Meet link from `hangoutLink`, else the conference's video entry point. */
export function conferenceOf(raw: Json): CalendarEvent['conference'] {
  const data = obj(raw.conferenceData);
  const video = arr(data.entryPoints).find((e) => e.entryPointType === 'video');
  const joinUrl = str(raw.hangoutLink) ?? str(video?.uri);
  if (!joinUrl) return null;
  return { provider: 'google-meet', joinUrl, conferenceId: str(data.conferenceId) };
}
