/**
 * Calendar events as iCalendar VEVENTs (RFC 5545) with ical.js, both ways.
 *
 * What we write: SUMMARY, DESCRIPTION, LOCATION; DTSTART/DTEND as `VALUE=DATE` for all-day events,
 * with `TZID=<IANA zone>` (and a VTIMEZONE generated from the runtime's zone data, see `tz.ts`)
 * when the event has a zone, else in UTC (`…Z`); ATTENDEE with CN, PARTSTAT, ROLE
 * (`OPT-PARTICIPANT` for optional) and RSVP; ORGANIZER when the account's address is known;
 * VALARM (`ACTION:DISPLAY` for popup, `ACTION:EMAIL` for email, `TRIGGER:-PT<n>M`); RRULE, EXDATE,
 * RDATE lines as given. A resource holds one series: the master VEVENT and its exceptions
 * (VEVENTs with RECURRENCE-ID, same UID). Properties we do not manage (CATEGORIES, X-…) are kept.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5545
 */
import ICAL from 'ical.js';
import type { Attendee, CalendarEvent, Reminder, ResponseStatus } from '../../categories/calendar/contract.js';
import { isoInZone, localIn, vtimezone, zonedToUtc } from './tz.js';
import { ianaZoneOf, isTimeZone, zoneOffsetMinutes } from '../../categories/calendar/recurrence.js';

/** A VEVENT's fields in the contract's terms (what `applyEvent` writes). */
export type EventFields = Pick<CalendarEvent, 'summary' | 'description' | 'location' | 'start' | 'end' | 'allDay' | 'timeZone' | 'attendees' | 'organizer' | 'reminders' | 'recurrence' | 'status'>;

/** A CalDAV calendar object resource, parsed. */
export interface Resource {
  vcal: ICAL.Component;
  /** The series or single event (no RECURRENCE-ID); `null` when the resource holds exceptions only. */
  master: ICAL.Component | null;
  overrides: ICAL.Component[];
}

const PARTSTAT: Record<string, ResponseStatus> = { 'NEEDS-ACTION': 'needsAction', ACCEPTED: 'accepted', DECLINED: 'declined', TENTATIVE: 'tentative' };
const PARTSTAT_OUT: Record<ResponseStatus, string> = { needsAction: 'NEEDS-ACTION', accepted: 'ACCEPTED', declined: 'DECLINED', tentative: 'TENTATIVE' };
const RECURRENCE_PROPS = ['rrule', 'exdate', 'rdate'];

/**
 * Parses a calendar object resource (one VCALENDAR).
 *
 * @example
 * const { master, overrides } = parseResource(text);
 */
export function parseResource(text: string): Resource {
  const vcal = new ICAL.Component(ICAL.parse(text) as unknown[]);
  const events = vcal.getAllSubcomponents('vevent');
  return { vcal, master: events.find((e) => !e.hasProperty('recurrence-id')) ?? null, overrides: events.filter((e) => e.hasProperty('recurrence-id')) };
}

/** A new VCALENDAR holding `vevent`. */
export function newResource(): ICAL.Component {
  const vcal = new ICAL.Component('vcalendar');
  vcal.addPropertyWithValue('prodid', '-//Switchboard//CalDAV connector//EN');
  vcal.addPropertyWithValue('version', '2.0');
  return vcal;
}

/** A VEVENT with its UID, to fill with {@link applyEvent}. */
export function newEvent(uid: string): ICAL.Component {
  const vevent = new ICAL.Component('vevent');
  vevent.addPropertyWithValue('uid', uid);
  return vevent;
}

/** Stamps DTSTAMP and LAST-MODIFIED (a change other than {@link applyEvent}'s, e.g. a PARTSTAT). */
export function touch(vevent: ICAL.Component, now: number): void {
  const stamp = ICAL.Time.fromJSDate(new Date(now), true);
  vevent.updatePropertyWithValue('dtstamp', stamp);
  vevent.updatePropertyWithValue('last-modified', stamp);
}

/** One time property's value: the instant, its ISO form in the event's terms, and its zone. */
export interface ReadTime {
  iso: string;
  ms: number;
  allDay: boolean;
  zone: string | null;
}

const pad = (n: number) => String(n).padStart(2, '0');

/**
 * The IANA zone a Windows zone name stands for (`W. Europe Standard Time` → `Europe/Berlin`, CLDR's
 * windowsZones mapping through `windows-iana`), when its VTIMEZONE agrees with that zone at `ms`:
 * Outlook and Exchange write Windows names, and a series must repeat in a real zone across DST.
 */
function ianaOfWindows(tzid: string, ms: number, vtimezone: ICAL.Component | undefined): string | undefined {
  const iana = ianaZoneOf(tzid);
  if (!iana) return undefined;
  if (vtimezone) {
    const t = ICAL.Time.fromJSDate(new Date(ms), true);
    const offset = new ICAL.Timezone(vtimezone).utcOffset(t) / 60;
    if (offset !== zoneOffsetMinutes(iana, ms)) return undefined; // the sender's rules differ: trust its VTIMEZONE
  }
  return iana;
}

/**
 * Reads DTSTART, DTEND, RECURRENCE-ID. A TZID that is no IANA name is read through its VTIMEZONE;
 * a Windows zone name whose VTIMEZONE agrees with CLDR's IANA zone answers that zone.
 */
export function readTime(prop: ICAL.Property, vcal: ICAL.Component): ReadTime {
  const t = prop.getFirstValue() as ICAL.Time;
  if (t.isDate) return { iso: `${t.year}-${pad(t.month)}-${pad(t.day)}`, ms: Date.UTC(t.year, t.month - 1, t.day), allDay: true, zone: null };
  const tzid = prop.getParameter('tzid') as string | undefined;
  const local = { year: t.year, month: t.month, day: t.day, hour: t.hour, minute: t.minute, second: t.second };
  if (tzid && isTimeZone(tzid)) {
    const ms = zonedToUtc(local, tzid);
    return { iso: isoInZone(ms, tzid), ms, allDay: false, zone: tzid };
  }
  const def = tzid ? vcal.getAllSubcomponents('vtimezone').find((z) => z.getFirstPropertyValue('tzid') === tzid) : undefined;
  const ms = def ? ICAL.Time.fromData({ ...local, isDate: false }, new ICAL.Timezone(def)).toUnixTime() * 1000 : Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second);
  const iana = tzid ? ianaOfWindows(tzid, ms, def) : undefined;
  if (iana) return { iso: isoInZone(ms, iana), ms, allDay: false, zone: iana };
  return { iso: isoInZone(ms, null), ms, allDay: false, zone: null };
}

/** A time property's value in the event's form: a date, a wall-clock time in `zone`, or UTC. */
export function icalTime(value: string, allDay: boolean, zone: string | null): ICAL.Time {
  if (allDay) return ICAL.Time.fromDateString(value.slice(0, 10));
  const ms = Date.parse(value);
  if (zone) return ICAL.Time.fromData({ ...localIn(ms, zone), isDate: false });
  return ICAL.Time.fromJSDate(new Date(ms), true);
}

/** Sets DTSTART, DTEND, RECURRENCE-ID or an EXDATE value with the TZID it needs. */
export function setTime(vevent: ICAL.Component, name: string, value: string, allDay: boolean, zone: string | null, add = false): ICAL.Property {
  if (!add) vevent.removeAllProperties(name);
  const prop = new ICAL.Property(name, vevent);
  prop.setValue(icalTime(value, allDay, zone));
  if (allDay) prop.setParameter('value', 'DATE');
  else if (zone) prop.setParameter('tzid', zone);
  vevent.addProperty(prop);
  return prop;
}

const text = (vevent: ICAL.Component, name: string): string | null => {
  const v = vevent.getFirstPropertyValue(name);
  return typeof v === 'string' && v !== '' ? v : null;
};

const address = (value: unknown): string => String(value ?? '').replace(/^mailto:/i, '');

function attendeesOf(vevent: ICAL.Component, organizer: string | null): Attendee[] {
  return vevent.getAllProperties('attendee').map((p) => {
    const email = address(p.getFirstValue());
    return {
      email,
      name: (p.getParameter('cn') as string | undefined) ?? null,
      responseStatus: PARTSTAT[String(p.getParameter('partstat') ?? 'NEEDS-ACTION').toUpperCase()] ?? 'needsAction',
      optional: String(p.getParameter('role') ?? '').toUpperCase() === 'OPT-PARTICIPANT',
      organizer: organizer !== null && email.toLowerCase() === organizer.toLowerCase(),
    };
  });
}

function remindersOf(vevent: ICAL.Component): Reminder[] {
  const out: Reminder[] = [];
  for (const alarm of vevent.getAllSubcomponents('valarm')) {
    const trigger = alarm.getFirstPropertyValue('trigger');
    if (!(trigger instanceof ICAL.Duration)) continue; // an absolute TRIGGER has no "minutes before"
    const action = String(alarm.getFirstPropertyValue('action') ?? '').toUpperCase();
    out.push({ method: action === 'EMAIL' ? 'email' : 'popup', minutes: Math.max(0, Math.round(-trigger.toSeconds() / 60)) });
  }
  return out;
}

/** The end of a VEVENT: DTEND, else DTSTART + DURATION, else a day (all-day) or the start itself. */
function endOf(vevent: ICAL.Component, vcal: ICAL.Component, start: ReadTime): ReadTime {
  const dtend = vevent.getFirstProperty('dtend');
  if (dtend) return readTime(dtend, vcal);
  const duration = vevent.getFirstPropertyValue('duration');
  const ms = start.ms + (duration instanceof ICAL.Duration ? duration.toSeconds() * 1000 : start.allDay ? 86_400_000 : 0);
  return start.allDay ? { ...start, ms, iso: new Date(ms).toISOString().slice(0, 10) } : { ...start, ms, iso: isoInZone(ms, start.zone) };
}

/**
 * A VEVENT's fields in the contract's terms.
 *
 * @example
 * fieldsOf(master, vcal).start // '2026-12-07T09:00:00+01:00'
 */
export function fieldsOf(vevent: ICAL.Component, vcal: ICAL.Component): EventFields & { updated: string | null } {
  const start = readTime(vevent.getFirstProperty('dtstart')!, vcal);
  const end = endOf(vevent, vcal, start);
  const org = vevent.getFirstProperty('organizer');
  const organizer = org ? { email: address(org.getFirstValue()), name: (org.getParameter('cn') as string | undefined) ?? null } : null;
  const recurrence = RECURRENCE_PROPS.flatMap((n) => vevent.getAllProperties(n).map((p) => p.toICALString()));
  const status = String(vevent.getFirstPropertyValue('status') ?? '').toUpperCase();
  const modified = vevent.getFirstPropertyValue('last-modified') ?? vevent.getFirstPropertyValue('dtstamp');
  return {
    summary: text(vevent, 'summary') ?? '',
    description: text(vevent, 'description'),
    location: text(vevent, 'location'),
    start: start.iso,
    end: end.iso,
    allDay: start.allDay,
    timeZone: start.zone,
    attendees: attendeesOf(vevent, organizer?.email ?? null),
    organizer,
    reminders: remindersOf(vevent),
    recurrence: recurrence.length > 0 ? recurrence : null,
    status: status === 'CANCELLED' ? 'cancelled' : status === 'TENTATIVE' ? 'tentative' : 'confirmed',
    updated: modified instanceof ICAL.Time ? modified.toJSDate().toISOString() : null,
  };
}

function setText(vevent: ICAL.Component, name: string, value: string | null): void {
  vevent.removeAllProperties(name);
  if (value) vevent.addPropertyWithValue(name, value);
}

function alarm(r: Reminder, summary: string, organizer: string | null): ICAL.Component {
  const a = new ICAL.Component('valarm');
  a.addPropertyWithValue('action', r.method === 'email' ? 'EMAIL' : 'DISPLAY');
  a.addPropertyWithValue('trigger', ICAL.Duration.fromSeconds(-r.minutes * 60));
  a.addPropertyWithValue('description', summary || 'Reminder');
  if (r.method === 'email') {
    a.addPropertyWithValue('summary', summary || 'Reminder');
    if (organizer) a.addPropertyWithValue('attendee', `mailto:${organizer}`);
  }
  return a;
}

/**
 * Writes `f` onto a VEVENT (all managed properties replaced, others kept), bumping SEQUENCE and
 * stamping DTSTAMP and LAST-MODIFIED. `recurrence` is written on a master only. Attendees get
 * `SCHEDULE-AGENT=CLIENT` unless `serverSchedules` (the caller's `sendUpdates` asked for mail).
 */
export function applyEvent(vevent: ICAL.Component, f: EventFields, now: number, options: { serverSchedules?: boolean } = {}): void {
  setText(vevent, 'summary', f.summary);
  setText(vevent, 'description', f.description);
  setText(vevent, 'location', f.location);
  vevent.removeAllProperties('duration');
  setTime(vevent, 'dtstart', f.start, f.allDay, f.allDay ? null : f.timeZone);
  setTime(vevent, 'dtend', f.end, f.allDay, f.allDay ? null : f.timeZone);
  vevent.removeAllProperties('attendee');
  for (const a of f.attendees) {
    const p = new ICAL.Property('attendee', vevent);
    p.setValue(`mailto:${a.email}`);
    if (a.name) p.setParameter('cn', a.name);
    p.setParameter('partstat', PARTSTAT_OUT[a.responseStatus]);
    p.setParameter('role', a.optional ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT');
    if (a.responseStatus === 'needsAction') p.setParameter('rsvp', 'TRUE');
    // RFC 6638 §7.1: a server that schedules (Nextcloud, iCloud) mails attendees unless told the client does.
    if (!options.serverSchedules) p.setParameter('schedule-agent', 'CLIENT');
    vevent.addProperty(p);
  }
  vevent.removeAllProperties('organizer');
  if (f.organizer && f.attendees.length > 0) {
    const p = new ICAL.Property('organizer', vevent);
    p.setValue(`mailto:${f.organizer.email}`);
    if (f.organizer.name) p.setParameter('cn', f.organizer.name);
    vevent.addProperty(p);
  }
  for (const a of vevent.getAllSubcomponents('valarm')) vevent.removeSubcomponent(a);
  for (const r of f.reminders ?? []) vevent.addSubcomponent(alarm(r, f.summary, f.organizer?.email ?? null));
  if (!vevent.hasProperty('recurrence-id')) {
    for (const n of RECURRENCE_PROPS) vevent.removeAllProperties(n);
    for (const line of f.recurrence ?? []) vevent.addProperty(ICAL.Property.fromString(line.trim()));
  }
  setText(vevent, 'status', f.status === 'cancelled' ? 'CANCELLED' : f.status === 'tentative' ? 'TENTATIVE' : null);
  touch(vevent, now);
  vevent.updatePropertyWithValue('sequence', Number(vevent.getFirstPropertyValue('sequence') ?? -1) + 1);
}

/** Adds a VTIMEZONE for every IANA TZID the resource uses and lacks one for (RFC 5545 §3.6.5). */
export function ensureTimezones(vcal: ICAL.Component): void {
  const used = new Map<string, number>();
  for (const ev of vcal.getAllSubcomponents('vevent')) {
    for (const p of ev.getAllProperties()) {
      const tzid = p.getParameter('tzid') as string | undefined;
      if (!tzid) continue;
      const v = p.getFirstValue();
      const year = v instanceof ICAL.Time ? v.year : 9999;
      used.set(tzid, Math.min(used.get(tzid) ?? 9999, year));
    }
  }
  const have = new Set(vcal.getAllSubcomponents('vtimezone').map((z) => String(z.getFirstPropertyValue('tzid'))));
  for (const [tzid, year] of used) if (!have.has(tzid) && isTimeZone(tzid)) vcal.addSubcomponent(vtimezone(tzid, (year === 9999 ? new Date().getUTCFullYear() : year) - 1));
}

/**
 * A VCALENDAR holding only the VTIMEZONE of `zone`: the value of a calendar's `calendar-timezone`
 * property (RFC 4791 §5.2.2).
 */
export function zoneCalendar(zone: string, year: number): string {
  const vcal = newResource();
  vcal.addSubcomponent(vtimezone(zone, year));
  return vcal.toString();
}
