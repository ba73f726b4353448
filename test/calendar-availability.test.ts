/**
 * Availability as pure functions with hand-checked answers (merging, working hours in IANA zones
 * across the 2026 daylight-saving changes of Berlin and New York, buffers, notice), and the busy
 * gathering over two connections with small in-memory test doubles of CalendarProvider (only the
 * bookkeeping is under test here; real providers run the contract suite).
 */
import { describe, expect, it } from 'vitest';
import { busyFromEvents, gatherBusy, mergeBusy, openSlots, workingPeriods } from '../src/categories/calendar/availability.js';
import type { CalendarEvent, CalendarProvider, FreeBusyQuery } from '../src/categories/calendar/contract.js';
import { HubError } from '../src/core/errors.js';
import '../src/categories/calendar/errors.js';

const at = (s: string) => Date.parse(s);
const z = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const span = (p: [number, number]) => [z(p[0]), z(p[1])];
const weekdays = (period: [string, string]) => ({ mon: [period], tue: [period], wed: [period], thu: [period], fri: [period] });

function event(partial: Partial<CalendarEvent> & { start: string; end: string }): CalendarEvent {
  return {
    provider: 'test-double', calendarId: 'c', eventId: Math.random().toString(36).slice(2), summary: 's', description: null, location: null, allDay: /^\d{4}-\d{2}-\d{2}$/.test(partial.start),
    timeZone: null, attendees: [], organizer: null, reminders: null, recurrence: null, recurringEventId: null, originalStart: null, status: 'confirmed', htmlLink: null, conference: null, etag: null, updated: null, raw: {},
    ...partial,
  };
}

describe('mergeBusy', () => {
  it('sorts, joins overlapping and touching intervals, reads offsets, drops empty ones', () => {
    expect(
      mergeBusy([
        { start: '2026-12-07T11:00:00+01:00', end: '2026-12-07T12:00:00+01:00' }, // 10:00–11:00Z
        { start: '2026-12-07T09:00:00Z', end: '2026-12-07T09:30:00Z' },
        { start: '2026-12-07T09:15:00Z', end: '2026-12-07T10:00:00Z' },
        { start: '2026-12-07T13:00:00Z', end: '2026-12-07T13:00:00Z' },
        { start: '2026-12-07T14:00:00Z', end: '2026-12-07T15:00:00Z' },
      ]),
    ).toEqual([
      { start: '2026-12-07T09:00:00Z', end: '2026-12-07T11:00:00Z' },
      { start: '2026-12-07T14:00:00Z', end: '2026-12-07T15:00:00Z' },
    ]);
  });
});

describe('busyFromEvents', () => {
  const window = { timeMin: '2026-12-07T00:00:00Z', timeMax: '2026-12-09T00:00:00Z' };
  it('skips cancelled, transparent and self-declined events; clips to the window', () => {
    const busy = busyFromEvents(
      [
        event({ start: '2026-12-06T23:00:00Z', end: '2026-12-07T01:00:00Z' }),
        event({ start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z', status: 'cancelled' }),
        event({ start: '2026-12-07T11:00:00Z', end: '2026-12-07T12:00:00Z', transparent: true }),
        event({ start: '2026-12-07T13:00:00Z', end: '2026-12-07T14:00:00Z', attendees: [{ email: 'me@example.com', name: null, responseStatus: 'declined', optional: false, organizer: false, self: true }] }),
        event({ start: '2026-12-07T15:00:00Z', end: '2026-12-07T16:00:00Z', attendees: [{ email: 'other@example.com', name: null, responseStatus: 'declined', optional: false, organizer: false }] }),
      ],
      window,
    );
    expect(busy).toEqual([
      { start: '2026-12-07T00:00:00Z', end: '2026-12-07T01:00:00Z' },
      { start: '2026-12-07T15:00:00Z', end: '2026-12-07T16:00:00Z' },
    ]);
  });

  it('blocks an all-day event\'s days in the given zone (end exclusive)', () => {
    expect(busyFromEvents([event({ start: '2026-12-08', end: '2026-12-09' })], window, 'Europe/Berlin')).toEqual([{ start: '2026-12-07T23:00:00Z', end: '2026-12-08T23:00:00Z' }]); // Berlin midnights
    expect(busyFromEvents([event({ start: '2026-12-08', end: '2026-12-09' })], window)).toEqual([{ start: '2026-12-08T00:00:00Z', end: '2026-12-09T00:00:00Z' }]);
  });
});

describe('workingPeriods', () => {
  it('keeps 09:00–17:00 Berlin local across the spring change (29 March 2026)', () => {
    const periods = workingPeriods({ timeZone: 'Europe/Berlin', days: weekdays(['09:00', '17:00']) }, at('2026-03-27T00:00:00Z'), at('2026-03-31T00:00:00Z'));
    expect(periods.map(span)).toEqual([
      ['2026-03-27T08:00:00Z', '2026-03-27T16:00:00Z'], // Friday, CET
      ['2026-03-30T07:00:00Z', '2026-03-30T15:00:00Z'], // Monday, CEST
    ]);
  });

  it('keeps 09:00–10:00 New York local across the spring change (8 March 2026), weekends included', () => {
    const daily: [string, string] = ['09:00', '10:00'];
    const periods = workingPeriods({ timeZone: 'America/New_York', days: { ...weekdays(daily), sat: [daily], sun: [daily] } }, at('2026-03-07T00:00:00Z'), at('2026-03-10T00:00:00Z'));
    expect(periods.map(span)).toEqual([
      ['2026-03-07T14:00:00Z', '2026-03-07T15:00:00Z'], // Saturday, EST
      ['2026-03-08T13:00:00Z', '2026-03-08T14:00:00Z'], // Sunday, EDT
      ['2026-03-09T13:00:00Z', '2026-03-09T14:00:00Z'],
    ]);
  });

  it('reads 24:00 as the next midnight, clips to the window and follows the autumn change', () => {
    const periods = workingPeriods({ timeZone: 'Europe/Berlin', days: { sat: [['22:00', '24:00']], sun: [['08:00', '09:00'], ['12:00', '13:00']] } }, at('2026-10-24T00:00:00Z'), at('2026-10-25T11:30:00Z'));
    expect(periods.map(span)).toEqual([
      ['2026-10-24T20:00:00Z', '2026-10-24T22:00:00Z'], // Saturday, CEST (22:00–24:00 local)
      ['2026-10-25T07:00:00Z', '2026-10-25T08:00:00Z'], // Sunday, CET after 03:00
      ['2026-10-25T11:00:00Z', '2026-10-25T11:30:00Z'], // clipped at timeMax
    ]);
  });
});

describe('openSlots', () => {
  const busy = [
    { start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' },
    { start: '2026-12-07T10:30:00Z', end: '2026-12-07T11:00:00Z' },
  ];
  const base = { timeMin: '2026-12-07T08:00:00Z', timeMax: '2026-12-07T12:00:00Z', duration: 30, now: 0 };
  const starts = (slots: { start: string }[]) => slots.map((s) => s.start.slice(11, 16));

  it('answers the free slots of the window', () => {
    expect(starts(openSlots(busy, base))).toEqual(['08:00', '08:30', '10:00', '11:00', '11:30']);
    expect(openSlots(busy, base)[0]).toEqual({ start: '2026-12-07T08:00:00Z', end: '2026-12-07T08:30:00Z' });
  });

  it('keeps buffers before and after busy blocks', () => {
    expect(starts(openSlots(busy, { ...base, bufferMinutes: 15 }))).toEqual(['08:00', '11:30']);
  });

  it('respects a minimum notice from now, and a finer step', () => {
    expect(starts(openSlots([], { ...base, now: at('2026-12-07T08:10:00Z'), minimumNoticeMinutes: 60 }))).toEqual(['09:30', '10:00', '10:30', '11:00', '11:30']);
    expect(starts(openSlots(busy, { ...base, duration: 60, stepMinutes: 15 }))).toEqual(['08:00', '11:00']);
  });

  it('fits slots in Berlin working hours across DST, around busy time', () => {
    const hours = { timeZone: 'Europe/Berlin', days: weekdays(['09:00', '17:00']) };
    const slots = openSlots([{ start: '2026-03-30T07:00:00Z', end: '2026-03-30T08:00:00Z' }], { timeMin: '2026-03-27T00:00:00Z', timeMax: '2026-03-31T00:00:00Z', duration: 60, workingHours: hours, now: 0 });
    const friday = slots.filter((s) => s.start.startsWith('2026-03-27'));
    const monday = slots.filter((s) => s.start.startsWith('2026-03-30'));
    expect(friday.map((s) => s.start.slice(11, 16))).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00', '15:00']);
    expect(monday.map((s) => s.start.slice(11, 16))).toEqual(['08:00', '09:00', '10:00', '11:00', '12:00', '13:00', '14:00']); // 09:00 local is busy
    expect(slots).toHaveLength(15);
  });
});

/** A test double: events in memory, freeBusy optional, a failure on demand. */
function double(id: string, events: Record<string, CalendarEvent[]>, options: { freeBusy?: boolean; fail?: string } = {}): CalendarProvider & { calls: string[] } {
  const calls: string[] = [];
  const p: CalendarProvider & { calls: string[] } = {
    id,
    calls,
    capabilities: new Set(options.freeBusy ? ['freeBusy'] : []),
    listCalendars: async () => [],
    createEvent: async () => { throw new Error('not in this double'); },
    getEvent: async () => { throw new Error('not in this double'); },
    updateEvent: async () => { throw new Error('not in this double'); },
    deleteEvent: async () => {},
    instances: async () => [],
    sync: async () => ({ changes: [], cursor: 'c', full: true }),
    async listEvents(calendarId, q) {
      calls.push(`list ${calendarId} ${q.pageToken ?? ''}`);
      if (options.fail === calendarId) throw new HubError('provider_unavailable', `${id} did not answer`);
      const all = events[calendarId];
      if (!all) throw new HubError('calendar_not_found', `no calendar ${calendarId}`);
      const from = Number(q.pageToken ?? 0);
      return { events: all.slice(from, from + 1), nextPageToken: from + 1 < all.length ? String(from + 1) : null }; // one per page: paging is exercised
    },
  };
  if (options.freeBusy) {
    p.freeBusy = async (q: FreeBusyQuery) => {
      calls.push(`freeBusy ${q.calendarIds.join(',')}`);
      return Object.fromEntries(q.calendarIds.map((c) => [c, events[c] ? { busy: events[c].map((e) => ({ start: e.start, end: e.end })) } : { busy: [], error: 'notFound' }]));
    };
  }
  return p;
}

describe('gatherBusy', () => {
  const window = { timeMin: '2026-12-07T00:00:00Z', timeMax: '2026-12-08T00:00:00Z' };
  it('asks freeBusy once per connection, reads events elsewhere, and reports a failing calendar without failing the rest', async () => {
    const google = double('google-calendar', { primary: [event({ start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' })], team: [event({ start: '2026-12-07T09:30:00Z', end: '2026-12-07T11:00:00Z' })] }, { freeBusy: true });
    const caldav = double('caldav', { home: [event({ start: '2026-12-07T13:00:00Z', end: '2026-12-07T14:00:00Z' }), event({ start: '2026-12-07T15:00:00Z', end: '2026-12-07T16:00:00Z', transparent: true }), event({ start: '2026-12-07T16:00:00Z', end: '2026-12-07T17:00:00Z' })], work: [] }, { fail: 'work' });
    const src = (provider: string, connectionId: string, calendarId: string) => ({ ref: `${connectionId}/${calendarId}`, provider, connectionId, calendarId });
    const answer = await gatherBusy(
      [
        { connector: google, sources: [src('google-calendar', 'g1', 'primary'), src('google-calendar', 'g1', 'team'), src('google-calendar', 'g1', 'nope')] },
        { connector: caldav, sources: [src('caldav', 'c1', 'home'), src('caldav', 'c1', 'work')] },
      ],
      window,
    );
    expect(google.calls).toEqual(['freeBusy primary,team,nope']);
    expect(caldav.calls.filter((c) => c.startsWith('list home'))).toHaveLength(3);
    expect(answer['g1/primary']).toEqual({ provider: 'google-calendar', connectionId: 'g1', calendarId: 'primary', busy: [{ start: '2026-12-07T09:00:00Z', end: '2026-12-07T10:00:00Z' }] });
    expect(answer['g1/nope']).toMatchObject({ busy: [], error: 'notFound' });
    expect(answer['c1/home']!.busy).toEqual([
      { start: '2026-12-07T13:00:00Z', end: '2026-12-07T14:00:00Z' },
      { start: '2026-12-07T16:00:00Z', end: '2026-12-07T17:00:00Z' },
    ]);
    expect(answer['c1/work']).toMatchObject({ busy: [], error: 'provider_unavailable: caldav did not answer' });
    const merged = mergeBusy(Object.values(answer).flatMap((c) => c.busy));
    expect(merged).toEqual([
      { start: '2026-12-07T09:00:00Z', end: '2026-12-07T11:00:00Z' },
      { start: '2026-12-07T13:00:00Z', end: '2026-12-07T14:00:00Z' },
      { start: '2026-12-07T16:00:00Z', end: '2026-12-07T17:00:00Z' },
    ]);
  });
});
