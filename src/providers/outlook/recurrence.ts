/**
 * RFC 5545 `RRULE` ↔ Microsoft Graph `patternedRecurrence`. Graph stores a pattern (daily, weekly
 * on days, absolute or relative monthly and yearly) and a range (an end date, a number of
 * occurrences, or none) in the series' time zone; the hub speaks RRULE lines. What a pattern
 * cannot say (hourly rules, `BYWEEKNO`, several month days, `EXDATE`/`RDATE` lines: cancel or add
 * occurrences through `instances` instead) is refused with a 400 naming `recurrence`.
 *
 * `UNTIL` becomes the range's `endDate` (the local date of the last allowed instant, in the
 * series' zone); back from Graph an `endDate` is the end of that local day as UTC
 * (`UNTIL=20270331T215959Z`), or the date itself for an all-day series.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/patternedrecurrence
 * @see https://www.rfc-editor.org/rfc/rfc5545#section-3.3.10
 * @example
 * toPatternedRecurrence(['RRULE:FREQ=MONTHLY;BYDAY=-1FR;COUNT=6'], { startDate: '2027-01-29', timeZone: 'Europe/Berlin', allDay: false })
 * // { pattern: { type: 'relativeMonthly', interval: 1, daysOfWeek: ['friday'], index: 'last', firstDayOfWeek: 'monday' }, range: { type: 'numbered', numberOfOccurrences: 6, startDate: '2027-01-29', recurrenceTimeZone: 'Europe/Berlin' } }
 */
import type { DayOfWeek, PatternedRecurrence, RecurrencePattern, RecurrenceRange, WeekIndex } from '@microsoft/microsoft-graph-types';
import { HubError } from '../../core/errors.js';
import { zonedToInstant, zoneOffsetMinutes } from '../../categories/calendar/recurrence.js';

const DAYS: Record<string, DayOfWeek> = { SU: 'sunday', MO: 'monday', TU: 'tuesday', WE: 'wednesday', TH: 'thursday', FR: 'friday', SA: 'saturday' };
const DAY_CODES = Object.fromEntries(Object.entries(DAYS).map(([k, v]) => [v, k])) as Record<DayOfWeek, string>;
const INDEX: Record<string, WeekIndex> = { '1': 'first', '2': 'second', '3': 'third', '4': 'fourth', '-1': 'last' };
const INDEX_NUM = Object.fromEntries(Object.entries(INDEX).map(([k, v]) => [v, k])) as Record<WeekIndex, string>;
const WEEKDAY_ORDER: DayOfWeek[] = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];
const ALLOWED = new Set(['FREQ', 'INTERVAL', 'COUNT', 'UNTIL', 'BYDAY', 'BYMONTHDAY', 'BYMONTH', 'BYSETPOS', 'WKST']);

/** Where a series starts, as Graph's range needs it. */
export interface SeriesStart {
  /** The first occurrence's local date (`YYYY-MM-DD`) in the series' zone. */
  startDate: string;
  /** IANA zone of the series (`UTC` when none). */
  timeZone: string;
  allDay: boolean;
}

const refuse = (message: string) => new HubError('validation_failed', `recurrence: ${message}`, { errors: [{ field: 'recurrence', message }] });
const pad = (n: number) => String(n).padStart(2, '0');

function ruleParts(lines: string[]): Map<string, string> {
  const rules = lines.map((l) => l.trim()).filter((l) => l !== '');
  const other = rules.find((l) => !/^RRULE:/i.test(l));
  if (other) throw refuse(`Microsoft Graph keeps one pattern per series, not "${other.split(':')[0]}" lines: create the series, then cancel or change occurrences through instances`);
  if (rules.length !== 1) throw refuse(`Microsoft Graph keeps exactly one RRULE per series (got ${rules.length})`);
  const parts = new Map<string, string>();
  for (const p of rules[0]!.slice(6).split(';')) {
    const [k, v] = p.split('=');
    if (!k || v === undefined) throw refuse(`"${p}" is not NAME=VALUE`);
    if (!ALLOWED.has(k.toUpperCase())) throw refuse(`Microsoft Graph cannot express ${k.toUpperCase()} (patterns are daily, weekly on days, monthly or yearly on a day or a weekday of a week)`);
    parts.set(k.toUpperCase(), v.toUpperCase());
  }
  return parts;
}

function intOf(v: string | undefined, name: string, min: number, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min || n > max) throw refuse(`${name}=${v} is out of what Microsoft Graph accepts (${min}..${max})`);
  return n;
}

/** Local date in `timeZone` of an RFC 5545 UNTIL value. */
function untilDate(v: string, timeZone: string): string {
  const m = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})(Z)?)?$/.exec(v);
  if (!m) throw refuse(`UNTIL=${v} is not an RFC 5545 date or date-time`);
  if (m[7] !== 'Z') return `${m[1]}-${m[2]}-${m[3]}`;
  const instant = Date.UTC(+m[1]!, +m[2]! - 1, +m[3]!, +m[4]!, +m[5]!, +m[6]!);
  const local = new Date(instant + zoneOffsetMinutes(timeZone, instant) * 60_000);
  return `${local.getUTCFullYear()}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())}`;
}

/** Weekdays of BYDAY with their ordinals (`2TU` → { n: '2', day: 'tuesday' }). */
function byDay(v: string | undefined): { n: string | null; day: DayOfWeek }[] {
  if (!v) return [];
  return v.split(',').map((d) => {
    const m = /^([+-]?\d{1,2})?(SU|MO|TU|WE|TH|FR|SA)$/.exec(d);
    if (!m) throw refuse(`BYDAY=${v} is not a list of weekdays`);
    return { n: m[1] ? String(Number(m[1])) : null, day: DAYS[m[2]!]! };
  });
}

/**
 * One RRULE line as Graph's `patternedRecurrence`; 400 `validation_failed` naming `recurrence`
 * for what Graph cannot express.
 */
export function toPatternedRecurrence(lines: string[], start: SeriesStart): PatternedRecurrence {
  const r = ruleParts(lines);
  const interval = intOf(r.get('INTERVAL'), 'INTERVAL', 1, 999) ?? 1;
  const [y, mo, d] = start.startDate.split('-').map(Number) as [number, number, number];
  const weekday = WEEKDAY_ORDER[new Date(Date.UTC(y, mo - 1, d)).getUTCDay()]!;
  const firstDayOfWeek: DayOfWeek = r.has('WKST') ? (DAYS[r.get('WKST')!] ?? (() => { throw refuse(`WKST=${r.get('WKST')} is not a weekday`); })()) : 'monday';
  const days = byDay(r.get('BYDAY'));
  const monthDay = intOf(r.get('BYMONTHDAY'), 'BYMONTHDAY', 1, 31);
  const month = intOf(r.get('BYMONTH'), 'BYMONTH', 1, 12);
  const setPos = r.get('BYSETPOS');
  const relative = (): Pick<RecurrencePattern, 'daysOfWeek' | 'index'> => {
    const ordinals = new Set(days.map((x) => x.n));
    const n = setPos ?? (ordinals.size === 1 ? [...ordinals][0] : null);
    if (days.length === 0 || n === null || n === undefined || (setPos && ordinals.has(null) === false) || (!setPos && days.length > 1)) throw refuse(`BYDAY=${r.get('BYDAY')}${setPos ? `;BYSETPOS=${setPos}` : ''}: Graph takes one weekday of a week (2TU, -1FR) or several weekdays with one BYSETPOS`);
    const index = INDEX[String(Number(n))];
    if (!index) throw refuse(`the week ${n} of a month: Graph takes first..fourth or last (1..4, -1)`);
    return { daysOfWeek: days.map((x) => x.day), index };
  };
  let pattern: RecurrencePattern;
  switch (r.get('FREQ')) {
    case 'DAILY':
      if (days.length || monthDay || month || setPos) throw refuse('a DAILY rule with BY… parts: Graph has plain daily patterns only (use WEEKLY with BYDAY)');
      pattern = { type: 'daily', interval };
      break;
    case 'WEEKLY':
      if (monthDay || month || setPos || days.some((x) => x.n !== null)) throw refuse('a WEEKLY rule takes plain weekdays only (BYDAY=MO,WE)');
      pattern = { type: 'weekly', interval, daysOfWeek: days.length ? days.map((x) => x.day) : [weekday], firstDayOfWeek };
      break;
    case 'MONTHLY':
      if (month) throw refuse('BYMONTH in a MONTHLY rule');
      if (days.length) {
        if (monthDay) throw refuse('BYDAY and BYMONTHDAY together');
        pattern = { type: 'relativeMonthly', interval, ...relative(), firstDayOfWeek };
      } else pattern = { type: 'absoluteMonthly', interval, dayOfMonth: monthDay ?? d };
      break;
    case 'YEARLY':
      if (days.length) {
        if (monthDay) throw refuse('BYDAY and BYMONTHDAY together');
        pattern = { type: 'relativeYearly', interval, month: month ?? mo, ...relative(), firstDayOfWeek };
      } else pattern = { type: 'absoluteYearly', interval, month: month ?? mo, dayOfMonth: monthDay ?? d };
      break;
    default:
      throw refuse(`FREQ=${r.get('FREQ') ?? '(none)'}: Microsoft Graph repeats daily, weekly, monthly or yearly`);
  }
  if (r.has('COUNT') && r.has('UNTIL')) throw refuse('COUNT and UNTIL together (RFC 5545 forbids it)');
  const base = { startDate: start.startDate, recurrenceTimeZone: start.timeZone };
  const count = intOf(r.get('COUNT'), 'COUNT', 1, 999);
  const range: RecurrenceRange = count !== undefined ? { type: 'numbered', numberOfOccurrences: count, ...base } : r.has('UNTIL') ? { type: 'endDate', endDate: untilDate(r.get('UNTIL')!, start.timeZone), ...base } : { type: 'noEnd', ...base };
  return { pattern, range };
}

/**
 * Graph's `patternedRecurrence` as RRULE lines (`['RRULE:FREQ=WEEKLY;BYDAY=MO,WE;COUNT=10']`).
 *
 * @example
 * fromPatternedRecurrence({ pattern: { type: 'absoluteMonthly', interval: 1, dayOfMonth: 15 }, range: { type: 'numbered', numberOfOccurrences: 6 } }, { allDay: false, timeZone: 'UTC' })
 * // ['RRULE:FREQ=MONTHLY;BYMONTHDAY=15;COUNT=6']
 */
export function fromPatternedRecurrence(recurrence: PatternedRecurrence, series: { allDay: boolean; timeZone: string }): string[] {
  const p = recurrence.pattern ?? {};
  const parts: string[] = [];
  const days = (p.daysOfWeek ?? []).map((x) => DAY_CODES[x]);
  const interval = p.interval && p.interval > 1 ? `;INTERVAL=${p.interval}` : '';
  const wkst = p.firstDayOfWeek && p.firstDayOfWeek !== 'monday' ? `;WKST=${DAY_CODES[p.firstDayOfWeek]}` : '';
  const relative = () => (days.length === 1 ? `;BYDAY=${INDEX_NUM[p.index ?? 'first']}${days[0]}` : `;BYDAY=${days.join(',')};BYSETPOS=${INDEX_NUM[p.index ?? 'first']}`);
  switch (p.type) {
    case 'daily':
      parts.push(`FREQ=DAILY${interval}`);
      break;
    case 'weekly':
      parts.push(`FREQ=WEEKLY${interval};BYDAY=${days.join(',')}${wkst}`);
      break;
    case 'absoluteMonthly':
      parts.push(`FREQ=MONTHLY${interval};BYMONTHDAY=${p.dayOfMonth}`);
      break;
    case 'relativeMonthly':
      parts.push(`FREQ=MONTHLY${interval}${relative()}${wkst}`);
      break;
    case 'absoluteYearly':
      parts.push(`FREQ=YEARLY${interval};BYMONTH=${p.month};BYMONTHDAY=${p.dayOfMonth}`);
      break;
    case 'relativeYearly':
      parts.push(`FREQ=YEARLY${interval};BYMONTH=${p.month}${relative()}${wkst}`);
      break;
    default:
      return [];
  }
  const range = recurrence.range ?? {};
  if (range.type === 'numbered' && range.numberOfOccurrences) parts.push(`COUNT=${range.numberOfOccurrences}`);
  if (range.type === 'endDate' && range.endDate) {
    const [y, m, d] = range.endDate.split('-').map(Number) as [number, number, number];
    if (series.allDay) parts.push(`UNTIL=${range.endDate.replace(/-/g, '')}`);
    else {
      const u = new Date(zonedToInstant(new Date(Date.UTC(y, m - 1, d, 23, 59, 59)), range.recurrenceTimeZone || series.timeZone));
      parts.push(`UNTIL=${u.getUTCFullYear()}${pad(u.getUTCMonth() + 1)}${pad(u.getUTCDate())}T${pad(u.getUTCHours())}${pad(u.getUTCMinutes())}${pad(u.getUTCSeconds())}Z`);
    }
  }
  return [`RRULE:${parts.join(';')}`];
}
