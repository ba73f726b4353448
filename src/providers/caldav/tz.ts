/**
 * IANA zones for iCalendar without a zone database of our own: offsets come from the runtime's
 * `Intl` (ICU's tzdata), and the VTIMEZONE a TZID needs (RFC 5545 §3.6.5: every TZID used must
 * be defined in the object) is generated from the transitions `Intl` reports.
 *
 * The generated VTIMEZONE is minimal: a STANDARD and a DAYLIGHT observance with a yearly RRULE
 * (`BYMONTH=3;BYDAY=-1SU`) when the zone's transitions follow one for the years checked, else one
 * observance per transition for those years, else (no transitions) one STANDARD observance.
 * Clients and servers (Radicale's vobject, Apple, Thunderbird) compute offsets from it; we read
 * a TZID that is an IANA name through `Intl` again, so a foreign VTIMEZONE cannot disagree.
 */
import ICAL from 'ical.js';
import { zonedToInstant, zoneOffsetMinutes as offsetAt } from '../../categories/calendar/recurrence.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
/** Wall-clock fields, month 1-12. */
export interface LocalTime {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/**
 * The instant a wall-clock time in `zone` names (a time skipped by a DST change moves forward,
 * an ambiguous one takes the first, as RFC 5545 §3.3.5 says).
 *
 * @example
 * new Date(zonedToUtc({ year: 2026, month: 12, day: 7, hour: 9, minute: 0, second: 0 }, 'Europe/Berlin')).toISOString() // '2026-12-07T08:00:00.000Z'
 */
export function zonedToUtc(t: LocalTime, zone: string): number {
  return zonedToInstant(new Date(Date.UTC(t.year, t.month - 1, t.day, t.hour, t.minute, t.second)), zone);
}

const pad = (n: number, w = 2) => String(Math.abs(n)).padStart(w, '0');

/** `+01:00` from minutes. */
export const offsetText = (minutes: number, colon = true): string => `${minutes < 0 ? '-' : '+'}${pad(Math.trunc(Math.abs(minutes) / 60))}${colon ? ':' : ''}${pad(Math.abs(minutes) % 60)}`;

/**
 * ISO 8601 with the zone's offset at that instant.
 *
 * @example
 * isoInZone(Date.UTC(2026, 11, 7, 8), 'Europe/Berlin') // '2026-12-07T09:00:00+01:00'
 */
export function isoInZone(epochMs: number, zone: string | null): string {
  const offset = zone ? offsetAt(zone, epochMs) : 0;
  const d = new Date(epochMs + offset * MINUTE);
  const base = `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}T${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
  return zone ? `${base}${offsetText(offset)}` : `${base}Z`;
}

/** The wall-clock fields of an instant in `zone`. */
export function localIn(epochMs: number, zone: string): LocalTime {
  const d = new Date(epochMs + offsetAt(zone, epochMs) * MINUTE);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: d.getUTCSeconds() };
}

interface Transition {
  at: number;
  from: number;
  to: number;
}

/** Offset changes between two instants: daily samples, then a binary search to the minute. */
function transitions(zone: string, from: number, to: number): Transition[] {
  const out: Transition[] = [];
  let prev = offsetAt(zone, from);
  for (let t = from + DAY; t <= to; t += DAY) {
    const cur = offsetAt(zone, t);
    if (cur === prev) continue;
    let lo = t - DAY;
    let hi = t;
    while (hi - lo > MINUTE) {
      const mid = lo + Math.floor((hi - lo) / 2 / MINUTE) * MINUTE;
      if (offsetAt(zone, mid) === prev) lo = mid;
      else hi = mid;
    }
    out.push({ at: hi, from: prev, to: cur });
    prev = cur;
  }
  return out;
}

const DAYS = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'];

/** `BYMONTH=3;BYDAY=-1SU` for a local date: the nth (or last) weekday of its month. */
function yearlyRule(local: LocalTime): { month: number; nth: number; weekday: number } {
  const weekday = new Date(Date.UTC(local.year, local.month - 1, local.day)).getUTCDay();
  const daysInMonth = new Date(Date.UTC(local.year, local.month, 0)).getUTCDate();
  return { month: local.month, nth: local.day + 7 > daysInMonth ? -1 : Math.ceil(local.day / 7), weekday };
}

/** The day of month the rule falls on in `year`. */
function ruleDay(rule: { month: number; nth: number; weekday: number }, year: number): number {
  const daysInMonth = new Date(Date.UTC(year, rule.month, 0)).getUTCDate();
  if (rule.nth > 0) {
    const first = new Date(Date.UTC(year, rule.month - 1, 1)).getUTCDay();
    return 1 + ((rule.weekday - first + 7) % 7) + (rule.nth - 1) * 7;
  }
  const last = new Date(Date.UTC(year, rule.month - 1, daysInMonth)).getUTCDay();
  return daysInMonth - ((last - rule.weekday + 7) % 7);
}

function observance(kind: 'standard' | 'daylight', t: Transition, rrule?: string): ICAL.Component {
  const c = new ICAL.Component(kind);
  const l = localOf(t);
  c.addPropertyWithValue('dtstart', ICAL.Time.fromData({ ...l, isDate: false }));
  c.addPropertyWithValue('tzoffsetfrom', ICAL.UtcOffset.fromSeconds(t.from * 60));
  c.addPropertyWithValue('tzoffsetto', ICAL.UtcOffset.fromSeconds(t.to * 60));
  if (rrule) c.addProperty(ICAL.Property.fromString(`RRULE:${rrule}`));
  return c;
}

/**
 * A VTIMEZONE for `zone` valid from `fromYear` on (its rules checked over `years` years).
 *
 * @example
 * vtimezone('Europe/Berlin', 2026).toString() // BEGIN:VTIMEZONE … RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU …
 */
export function vtimezone(zone: string, fromYear: number, years = 12): ICAL.Component {
  const tz = new ICAL.Component('vtimezone');
  tz.addPropertyWithValue('tzid', zone);
  // From a year earlier: the observances must already be in force on 1 January of `fromYear`
  // (southern zones are in summer time then, and a client reads nothing before the first DTSTART).
  const start = Date.UTC(fromYear - 1, 0, 1);
  const found = transitions(zone, start, Date.UTC(fromYear + years, 0, 1));
  if (found.length === 0) {
    const offset = offsetAt(zone, start);
    tz.addSubcomponent(observance('standard', { at: Date.UTC(1970, 0, 1) - offset * MINUTE, from: offset, to: offset }));
    return tz;
  }
  const [a, b] = found;
  const rules = [a, b].filter((t): t is Transition => t !== undefined).map((t) => ({ t, rule: yearlyRule(localOf(t)) }));
  const regular =
    rules.length === 2 &&
    found.every((t) => {
      const r = rules.find((x) => x.t.to === t.to && x.t.from === t.from);
      if (!r) return false;
      const l = localOf(t);
      return l.month === r.rule.month && l.day === ruleDay(r.rule, l.year) && l.hour === localOf(r.t).hour && l.minute === localOf(r.t).minute;
    });
  if (regular) {
    for (const { t, rule } of rules) {
      const kind = t.to > t.from ? 'daylight' : 'standard';
      tz.addSubcomponent(observance(kind, t, `FREQ=YEARLY;BYMONTH=${rule.month};BYDAY=${rule.nth}${DAYS[rule.weekday]}`));
    }
    return tz;
  }
  for (const t of found) tz.addSubcomponent(observance(t.to > t.from ? 'daylight' : 'standard', t));
  return tz;
}

/** The wall clock at a transition, read in the offset before it (what DTSTART of an observance says). */
function localOf(t: Transition): LocalTime {
  const d = new Date(t.at + t.from * MINUTE);
  return { year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate(), hour: d.getUTCHours(), minute: d.getUTCMinutes(), second: 0 };
}
