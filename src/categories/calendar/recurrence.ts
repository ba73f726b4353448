/**
 * Recurrence expansion: RFC 5545 `RRULE`, `EXDATE` and `RDATE` lines turned into the occurrences
 * of a series within a window, in the event's own time zone. Used by the CalDAV connector (CalDAV
 * servers store the rule, not the instances), the emulators, and availability.
 *
 * The rule runs over wall-clock time: the series' local start (09:00 in `Europe/Berlin`) is fed to
 * `rrule` as a "floating" time, and each local occurrence is placed in the zone afterwards. So a
 * weekly 09:00 meeting stays at 09:00 local across a daylight-saving change, as RFC 5545 says
 * (§3.3.10) and as Google, Outlook and python-dateutil do. A local time that does not exist (the
 * spring-forward gap) is read with the offset before the gap (02:30 becomes 03:30 summer time); a
 * repeated local time (the autumn fold) is its first instance. `UNTIL` given in UTC (`…Z`) is
 * compared in the zone's local time, as RFC 5545 requires for a zoned `DTSTART`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc5545#section-3.3.10
 * @example
 * expandRecurrence(
 *   { start: '2026-03-23T09:00:00+01:00', end: '2026-03-23T10:00:00+01:00', allDay: false, timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] },
 *   { timeMin: '2026-03-01T00:00:00Z', timeMax: '2026-05-01T00:00:00Z' },
 * ).map((o) => o.start) // ['2026-03-23T09:00:00+01:00', '2026-03-30T09:00:00+02:00', '2026-04-06T09:00:00+02:00']
 */
import rrulePkg from 'rrule';
import { findIana } from 'windows-iana';
import { HubError } from '../../core/errors.js';

const { RRuleSet, rrulestr } = rrulePkg;

/** One occurrence, in the master's form: dates for all-day series, ISO 8601 with the zone's offset otherwise. */
export interface Occurrence {
  start: string;
  end: string;
  /** Where the rule placed this occurrence: what identifies it (RECURRENCE-ID, Google's `originalStartTime`). */
  originalStart: string;
}

export interface RecurringMaster {
  start: string;
  end: string;
  allDay: boolean;
  /** IANA zone; `null`: the fixed offset of `start` (UTC for `Z`). */
  timeZone: string | null;
  recurrence: string[];
}

/** A wall-clock time as a Date whose UTC fields hold the local fields ("floating"). */
type Floating = Date;

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const DATETIME_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
const DAY_MS = 86_400_000;
/** A runaway rule (`FREQ=SECONDLY`) stops here rather than filling memory. */
const DEFAULT_LIMIT = 5000;

const invalid = (message: string) => new HubError('validation_failed', message, { errors: [{ field: 'recurrence', message }] });

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when `timeZone` is an IANA zone this runtime knows. */
export function isTimeZone(timeZone: string): boolean {
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    return false;
  }
}

/**
 * The IANA zone a zone name stands for: an IANA name itself, or a Windows zone name as Outlook and
 * Exchange write them (`W. Europe Standard Time` → `Europe/Berlin`, CLDR's windowsZones mapping);
 * undefined for anything else.
 *
 * @example
 * ianaZoneOf('Eastern Standard Time') // 'America/New_York'
 */
export function ianaZoneOf(name: string): string | undefined {
  if (isTimeZone(name)) return name;
  const iana = findIana(name)[0];
  return iana && isTimeZone(iana) ? iana : undefined;
}

/** The zone's offset from UTC at `instantMs`, in minutes (Berlin in winter: 60). */
export function zoneOffsetMinutes(timeZone: string, instantMs: number): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instantMs));
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return Math.round((wall - Math.floor(instantMs / 1000) * 1000) / 60_000);
}

/** The instant of a local wall-clock time in `timeZone` (gap: the offset before it; fold: the first). */
export function zonedToInstant(floating: Floating, timeZone: string): number {
  const wall = floating.getTime();
  const before = zoneOffsetMinutes(timeZone, wall - DAY_MS / 2);
  const after = zoneOffsetMinutes(timeZone, wall + DAY_MS / 2);
  // The earlier instant first: in a fold both readings match, and the first one is wanted.
  const candidates = [...new Set([before, after])].sort((a, b) => b - a);
  for (const offset of candidates) {
    const instant = wall - offset * 60_000;
    if (zoneOffsetMinutes(timeZone, instant) === offset) return instant;
  }
  return wall - before * 60_000; // in the gap: RFC 5545 reads it with the offset before
}

function instantToFloating(instantMs: number, timeZone: string | null, fixedOffset: number): Floating {
  const offset = timeZone ? zoneOffsetMinutes(timeZone, instantMs) : fixedOffset;
  return new Date(instantMs + offset * 60_000);
}

function pad(n: number, width = 2): string {
  return String(n).padStart(width, '0');
}

function formatOffset(minutes: number): string {
  if (minutes === 0) return 'Z';
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** ISO 8601 with the offset the zone has at that instant (`2026-03-30T09:00:00+02:00`). */
export function formatInZone(instantMs: number, timeZone: string | null, fixedOffset = 0): string {
  const offset = timeZone ? zoneOffsetMinutes(timeZone, instantMs) : fixedOffset;
  const f = new Date(instantMs + offset * 60_000);
  return `${f.getUTCFullYear()}-${pad(f.getUTCMonth() + 1)}-${pad(f.getUTCDate())}T${pad(f.getUTCHours())}:${pad(f.getUTCMinutes())}:${pad(f.getUTCSeconds())}${formatOffset(offset)}`;
}

function formatDate(f: Floating): string {
  return `${f.getUTCFullYear()}-${pad(f.getUTCMonth() + 1)}-${pad(f.getUTCDate())}`;
}

/** Parses `2026-12-07`, `2026-12-07T09:00:00Z` or `…+01:00` into an instant and the offset written. */
function parseTime(value: string, field: string): { instant: number; offset: number; date: boolean } {
  if (DATE_RE.test(value)) return { instant: Date.parse(`${value}T00:00:00Z`), offset: 0, date: true };
  const m = DATETIME_RE.exec(value);
  if (!m) throw new HubError('validation_failed', `${field}: "${value}" is not an ISO 8601 date or date-time with an offset`, { errors: [{ field, message: 'use YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS±HH:MM' }] });
  const tz = m[7]!;
  const offset = tz === 'Z' ? 0 : (tz.startsWith('-') ? -1 : 1) * (Number(tz.slice(1, 3)) * 60 + Number(tz.slice(-2)));
  const local = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  return { instant: local - offset * 60_000, offset, date: false };
}

/** `20261207T090000Z`, `20261207T090000` (local, or in `;TZID=`) or `20261207` into floating time of the series. */
function icalValueToFloating(value: string, tzid: string | undefined, zone: string | null, fixedOffset: number): Floating {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(value.trim());
  if (!m) throw invalid(`recurrence: "${value}" is not an RFC 5545 DATE or DATE-TIME`);
  const wall = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0));
  if (m[7] === 'Z') return instantToFloating(wall, zone, fixedOffset);
  const tz = tzid === undefined ? undefined : ianaZoneOf(tzid);
  if (tzid !== undefined && tz === undefined) throw invalid(`recurrence: unknown TZID "${tzid}"`);
  if (tz && tz !== zone) return instantToFloating(zonedToInstant(new Date(wall), tz), zone, fixedOffset);
  return new Date(wall);
}

function icalFloating(f: Floating, date: boolean): string {
  const d = `${f.getUTCFullYear()}${pad(f.getUTCMonth() + 1)}${pad(f.getUTCDate())}`;
  return date ? d : `${d}T${pad(f.getUTCHours())}${pad(f.getUTCMinutes())}${pad(f.getUTCSeconds())}`;
}

interface ParsedLines {
  rules: string[];
  exdates: Floating[];
  rdates: Floating[];
}

/** Splits the lines, moving every date into the series' floating time (UNTIL included). */
function parseLines(lines: string[], zone: string | null, fixedOffset: number, allDay: boolean): ParsedLines {
  const out: ParsedLines = { rules: [], exdates: [], rdates: [] };
  for (const raw of lines) {
    const line = raw.trim();
    if (line === '') continue;
    const colon = line.indexOf(':');
    if (colon < 0) throw invalid(`recurrence: "${line.slice(0, 80)}" is not an RFC 5545 line (RRULE:…, EXDATE:…, RDATE:…)`);
    const [name, ...params] = line.slice(0, colon).split(';');
    const value = line.slice(colon + 1);
    const tzid = params.find((p) => p.toUpperCase().startsWith('TZID='))?.slice(5);
    switch (name!.toUpperCase()) {
      case 'RRULE': {
        // UNTIL in UTC is compared in local time: rewrite it as a floating local value.
        const rule = value.replace(/UNTIL=(\d{8}(?:T\d{6}Z?)?)/i, (_, until: string) => `UNTIL=${icalFloating(icalValueToFloating(until, undefined, zone, fixedOffset), false)}`);
        out.rules.push(rule);
        break;
      }
      case 'EXDATE':
      case 'RDATE':
        for (const v of value.split(',')) {
          if (v.includes('/')) throw invalid('recurrence: RDATE periods are not supported; give start times');
          (name!.toUpperCase() === 'EXDATE' ? out.exdates : out.rdates).push(icalValueToFloating(v, tzid, zone, fixedOffset));
        }
        break;
      case 'EXRULE':
        throw invalid('recurrence: EXRULE is deprecated by RFC 5545 and not supported; use EXDATE');
      default:
        throw invalid(`recurrence: unsupported line "${name}"; use RRULE, EXDATE or RDATE`);
    }
  }
  if (out.rules.length === 0 && out.rdates.length === 0) throw invalid('recurrence: needs an RRULE or RDATE line');
  if (allDay) for (const d of [...out.exdates, ...out.rdates]) d.setUTCHours(0, 0, 0, 0);
  return out;
}

/**
 * The occurrences of `master` that overlap `[timeMin, timeMax)`, in order, EXDATEs removed and
 * RDATEs added. Throws HubError `validation_failed` naming `recurrence` for a rule `rrule` cannot
 * read or an unsupported line.
 */
export function expandRecurrence(master: RecurringMaster, window: { timeMin: string; timeMax: string }, options: { limit?: number } = {}): Occurrence[] {
  const limit = options.limit ?? DEFAULT_LIMIT;
  const start = parseTime(master.start, 'start');
  const end = parseTime(master.end, 'end');
  if (master.timeZone && !isTimeZone(master.timeZone)) throw new HubError('validation_failed', `timeZone: "${master.timeZone}" is not an IANA time zone`, { errors: [{ field: 'timeZone', message: 'use an IANA zone such as Europe/Berlin' }] });
  const zone = master.allDay ? null : master.timeZone;
  const fixed = master.allDay ? 0 : start.offset;
  const dtstart = master.allDay ? new Date(start.instant) : instantToFloating(start.instant, zone, fixed);
  const dtend = master.allDay ? new Date(end.instant) : instantToFloating(end.instant, zone, fixed);
  const lengthMs = dtend.getTime() - dtstart.getTime();
  const lines = parseLines(master.recurrence, zone, fixed, master.allDay);

  const set = new RRuleSet();
  for (const rule of lines.rules) {
    try {
      set.rrule(rrulestr(`RRULE:${rule}`, { dtstart }) as InstanceType<typeof rrulePkg.RRule>);
    } catch (err) {
      throw invalid(`recurrence: RRULE "${rule.slice(0, 120)}" cannot be read (${(err as Error).message})`);
    }
  }
  // The series' first occurrence is DTSTART itself (RFC 5545), even when the rule would skip it.
  set.rdate(dtstart);
  for (const d of lines.rdates) set.rdate(d);
  for (const d of lines.exdates) set.exdate(d);

  const minMs = Date.parse(window.timeMin);
  const maxMs = Date.parse(window.timeMax);
  if (Number.isNaN(minMs) || Number.isNaN(maxMs)) throw new HubError('validation_failed', 'timeMin and timeMax must be ISO 8601 date-times', { errors: [{ field: Number.isNaN(minMs) ? 'timeMin' : 'timeMax', message: 'use YYYY-MM-DDTHH:MM:SSZ' }] });
  // Floating bounds widened by a day each side (any zone's offset) and the length of one occurrence.
  const from = new Date(minMs - DAY_MS - Math.max(lengthMs, 0));
  const to = new Date(maxMs + DAY_MS);
  const out: Occurrence[] = [];
  const toInstant = (f: Floating) => (master.allDay ? f.getTime() : zone ? zonedToInstant(f, zone) : f.getTime() - fixed * 60_000);
  const format = (f: Floating, instant: number) => (master.allDay ? formatDate(f) : formatInZone(instant, zone, fixed));
  let seen = 0;
  set.between(from, to, true, (f) => {
    if (++seen > limit) return false;
    const occEnd = new Date(f.getTime() + lengthMs);
    const s = toInstant(f);
    // An occurrence starting in a spring-forward gap is moved forward: keep its length, not its local end.
    const e = Math.max(toInstant(occEnd), s + (master.allDay ? 0 : lengthMs));
    if (s < maxMs && e > minMs) out.push({ start: format(f, s), end: master.allDay ? formatDate(occEnd) : formatInZone(e, zone, fixed), originalStart: format(f, s) });
    return true;
  });
  return out;
}

/**
 * The suffix that names one occurrence in an instance id, as Google writes it: `20261207T080000Z`
 * (UTC, basic format) for timed series, `20261207` for all-day ones.
 *
 * @example
 * occurrenceIdSuffix('2026-12-07T09:00:00+01:00') // '20261207T080000Z'
 */
export function occurrenceIdSuffix(originalStart: string): string {
  const t = parseTime(originalStart, 'originalStart');
  const d = new Date(t.instant);
  const date = `${d.getUTCFullYear()}${pad(d.getUTCMonth() + 1)}${pad(d.getUTCDate())}`;
  return t.date ? date : `${date}T${pad(d.getUTCHours())}${pad(d.getUTCMinutes())}${pad(d.getUTCSeconds())}Z`;
}
