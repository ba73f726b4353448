/**
 * Availability: busy time over several calendars at several connections, merged, and the open
 * slots of a given length inside working hours. The busy part asks each provider once per
 * connection (`freeBusy` where it has the capability, else its events expanded with
 * `singleEvents`); the slot part is pure arithmetic on instants, with working hours read in their
 * IANA zone day by day (a 09:00–17:00 day stays 09:00–17:00 local across a daylight-saving change).
 *
 * A calendar that cannot be read is reported in its own entry (`error`) and left out of the
 * merge; the others still answer.
 *
 * @example
 * const busy = mergeBusy([{ start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' }, { start: '2026-12-07T09:30:00Z', end: '2026-12-07T11:00:00Z' }]);
 * // [{ start: '2026-12-07T09:00:00Z', end: '2026-12-07T11:00:00Z' }]
 * openSlots(busy, { timeMin: '2026-12-07T08:00:00Z', timeMax: '2026-12-07T12:00:00Z', duration: 60, now: 0 });
 * // 08:00–09:00 and 11:00–12:00
 */
import { HubError } from '../../core/errors.js';
import type { BusyInterval, CalendarEvent, CalendarProvider } from './contract.js';
import { zonedToInstant, zoneOffsetMinutes } from './recurrence.js';
import type { WorkingHours } from './schemas.js';

const MIN = 60_000;
const DAY = 86_400_000;
const DAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
/** Pages of events read per calendar without `freeBusy` (250 each). */
const MAX_PAGES = 20;

const iso = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');
/** An all-day date's midnight in `zone` (UTC without one). */
const dayStart = (date: string, zone: string | undefined): number => {
  const floating = Date.parse(`${date}T00:00:00Z`);
  return zone ? zonedToInstant(new Date(floating), zone) : floating;
};

/** Sorted, overlapping or touching intervals joined, in UTC (`…Z`); empty ones dropped. */
export function mergeBusy(intervals: readonly BusyInterval[]): BusyInterval[] {
  const spans = intervals.map((b) => [Date.parse(b.start), Date.parse(b.end)] as const).filter(([s, e]) => !Number.isNaN(s) && !Number.isNaN(e) && e > s);
  spans.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, e] of spans) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out.map(([s, e]) => ({ start: iso(s), end: iso(e) }));
}

/**
 * The busy time of events (instances, not masters) within the window: cancelled and transparent
 * events and those the connected account declined do not block. All-day events block their days
 * in `zone` (UTC without one).
 */
export function busyFromEvents(events: readonly CalendarEvent[], window: { timeMin: string; timeMax: string }, zone?: string): BusyInterval[] {
  const lo = Date.parse(window.timeMin);
  const hi = Date.parse(window.timeMax);
  const spans: BusyInterval[] = [];
  for (const e of events) {
    if (e.status === 'cancelled' || e.transparent) continue;
    if (e.attendees.some((a) => a.self && a.responseStatus === 'declined')) continue;
    const s = e.allDay ? dayStart(e.start, zone) : Date.parse(e.start);
    const end = e.allDay ? dayStart(e.end, zone) : Date.parse(e.end);
    const from = Math.max(s, lo);
    const to = Math.min(end, hi);
    if (to > from) spans.push({ start: iso(from), end: iso(to) });
  }
  return mergeBusy(spans);
}

const minutesOf = (hhmm: string): number => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/** The working periods within `[minMs, maxMs)` as instants, day by day in the zone. */
export function workingPeriods(hours: WorkingHours, minMs: number, maxMs: number): [number, number][] {
  const zone = hours.timeZone;
  const localMidnight = (ms: number) => Math.floor((ms + zoneOffsetMinutes(zone, ms) * MIN) / DAY) * DAY;
  const out: [number, number][] = [];
  for (let day = localMidnight(minMs) - DAY; day <= localMidnight(maxMs) + DAY; day += DAY) {
    for (const [a, b] of hours.days[DAYS[new Date(day).getUTCDay()]!] ?? []) {
      const s = Math.max(zonedToInstant(new Date(day + minutesOf(a) * MIN), zone), minMs);
      const e = Math.min(zonedToInstant(new Date(day + minutesOf(b) * MIN), zone), maxMs);
      if (e > s) out.push([s, e]);
    }
  }
  return out.sort((x, y) => x[0] - y[0]);
}

export interface SlotOptions {
  timeMin: string;
  timeMax: string;
  /** Slot length, minutes. */
  duration: number;
  /** Slot starts every so many minutes from each period's start (default `duration`). */
  stepMinutes?: number;
  /** Absent: the whole window is working time (slots on the UTC grid of `stepMinutes`). */
  workingHours?: WorkingHours;
  /** Free time kept before and after every busy block. */
  bufferMinutes?: number;
  /** No slot starts earlier than `now` plus this. */
  minimumNoticeMinutes?: number;
  /** Epoch ms (the hub's clock). */
  now: number;
}

/** Slots of `duration` minutes that fit the working hours and the window, and keep the buffers from every busy block. */
export function openSlots(busy: readonly BusyInterval[], o: SlotOptions): BusyInterval[] {
  const minMs = Date.parse(o.timeMin);
  const maxMs = Date.parse(o.timeMax);
  const length = o.duration * MIN;
  const step = (o.stepMinutes ?? o.duration) * MIN;
  const buffer = (o.bufferMinutes ?? 0) * MIN;
  const earliest = Math.max(minMs, o.now + (o.minimumNoticeMinutes ?? 0) * MIN);
  const blocks = mergeBusy(busy).map((b) => [Date.parse(b.start) - buffer, Date.parse(b.end) + buffer] as const);
  const periods = o.workingHours ? workingPeriods(o.workingHours, minMs, maxMs) : [[Math.ceil(minMs / step) * step, maxMs] as [number, number]];
  const starts = new Set<number>();
  for (const [ps, pe] of periods) {
    let i = 0;
    for (let t = ps; t + length <= pe; t += step) {
      if (t < earliest) continue;
      while (i < blocks.length && blocks[i]![1] <= t) i++;
      const clash = i < blocks.length && blocks[i]![0] < t + length;
      if (!clash) starts.add(t);
    }
  }
  return [...starts].sort((a, b) => a - b).map((t) => ({ start: iso(t), end: iso(t + length) }));
}

/** One calendar asked for: at which connection, and the key it answers under. */
export interface BusySource {
  ref: string;
  provider: string;
  connectionId: string;
  calendarId: string;
}

export interface CalendarBusy {
  provider: string;
  connectionId: string;
  calendarId: string;
  busy: BusyInterval[];
  /** Why this calendar could not be read (`code: message`); it is left out of the merge. */
  error?: string;
}

const describe = (err: unknown): string => (err instanceof HubError ? `${err.code}: ${err.message}` : 'internal_error: the provider answered something the hub could not read');

async function eventsBusy(connector: CalendarProvider, calendarId: string, window: { timeMin: string; timeMax: string }, zone?: string): Promise<BusyInterval[]> {
  const events: CalendarEvent[] = [];
  let pageToken: string | undefined;
  for (let page = 0; page < MAX_PAGES; page++) {
    const answer = await connector.listEvents(calendarId, { ...window, singleEvents: true, maxResults: 250, pageToken });
    events.push(...answer.events);
    pageToken = answer.nextPageToken ?? undefined;
    if (!pageToken) return busyFromEvents(events, window, zone);
  }
  throw new HubError('validation_failed', `calendar ${calendarId} has more than ${MAX_PAGES * 250} events in the window: ask for a shorter one`, { errors: [{ field: 'timeMax', message: 'shorten the window' }] });
}

/**
 * Busy time of each source, one provider call per connection where it has `freeBusy`, else from
 * its events. Never rejects: a failure lands in the entries it concerns.
 */
export async function gatherBusy(groups: readonly { connector: CalendarProvider; sources: readonly BusySource[] }[], window: { timeMin: string; timeMax: string }, zone?: string): Promise<Record<string, CalendarBusy>> {
  const out: Record<string, CalendarBusy> = {};
  const entry = (s: BusySource, busy: BusyInterval[], error?: string) => {
    out[s.ref] = { provider: s.provider, connectionId: s.connectionId, calendarId: s.calendarId, busy, ...(error ? { error } : {}) };
  };
  await Promise.all(
    groups.map(async ({ connector, sources }) => {
      if (connector.capabilities.has('freeBusy') && connector.freeBusy) {
        try {
          const answer = await connector.freeBusy({ calendarIds: [...new Set(sources.map((s) => s.calendarId))], ...window });
          for (const s of sources) {
            const got = answer[s.calendarId];
            if (!got) entry(s, [], `calendar_not_found: ${s.provider} answered nothing for ${s.calendarId}`);
            else entry(s, got.error ? [] : busyFromIntervals(got.busy, window), got.error);
          }
        } catch (err) {
          for (const s of sources) entry(s, [], describe(err));
        }
        return;
      }
      await Promise.all(sources.map((s) => eventsBusy(connector, s.calendarId, window, zone).then((busy) => entry(s, busy), (err: unknown) => entry(s, [], describe(err)))));
    }),
  );
  return out;
}

function busyFromIntervals(busy: readonly BusyInterval[], window: { timeMin: string; timeMax: string }): BusyInterval[] {
  const lo = Date.parse(window.timeMin);
  const hi = Date.parse(window.timeMax);
  return mergeBusy(busy.map((b) => ({ start: iso(Math.max(Date.parse(b.start), lo)), end: iso(Math.min(Date.parse(b.end), hi)) })));
}
