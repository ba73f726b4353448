/**
 * Google Calendar: the calendar contract suite against the connector and the emulator through a
 * real Transport, then what only Google has — a sync token dropped after the emulator's reset
 * (410 → `calendar_sync_expired`), Google's 403 `rateLimitExceeded` waited out, 401 on a revoked
 * token, the account's own answer to an invitation, and watch channels.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarContractSuite } from '../src/categories/calendar/contract-suite.js';
import type { CalendarProvider } from '../src/categories/calendar/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { googleCalendar, googleCalendarManifest, startGoogleCalendarEmulator, type GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';
import { mapGoogleCalendarError } from '../src/providers/google-calendar/index.js';
import { toResponse } from '../src/transport/http.js';
import { Transport } from '../src/transport/transport.js';
import { failure } from './helpers/hub-error.js';

async function connect(): Promise<{ emulator: GoogleCalendarEmulator; provider: CalendarProvider }> {
  const emulator = await startGoogleCalendarEmulator();
  const connection: ResolvedConnection = { id: 'conn_test_gcal', tenantId: 't', provider: 'google-calendar', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens };
  const http = new Transport().forConnection(googleCalendarManifest as never, connection);
  const provider = googleCalendar.calendar!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never);
  return { emulator, provider };
}

calendarContractSuite('google-calendar', async () => {
  const { emulator, provider } = await connect();
  return {
    provider,
    accountEmail: emulator.account.email,
    expireCursor: async (cursor) => {
      emulator.resetSync();
      return cursor;
    },
    teardown: () => emulator.close(),
  };
});

describe('google-calendar: what only Google has', () => {
  let emulator: GoogleCalendarEmulator;
  let p: CalendarProvider;
  beforeAll(async () => ({ emulator, provider: p } = await connect()));
  afterAll(() => emulator?.close());

  it('pages a sync until nextSyncToken and reports a 410 after the reset as calendar_sync_expired', async () => {
    const cal = (await p.createCalendar!({ name: 'Many' })).calendarId;
    for (let i = 0; i < 260; i++) emulator.account.create(emulator.account.calendar(cal), { summary: `E${i}`, start: { date: '2027-05-01' }, end: { date: '2027-05-02' } }, 0);
    const full = await p.sync(cal, null);
    expect(full.changes).toHaveLength(260); // two pages of Google's 250
    emulator.resetSync();
    const err = await failure(p.sync(cal, full.cursor));
    expect([err.code, err.status, err.providerCode, err.provider]).toEqual(['calendar_sync_expired', 410, 'fullSyncRequired', 'google-calendar']);
  });

  it('free/busy merges overlapping events and a series\' occurrences, skipping transparent and cancelled ones', async () => {
    const cal = (await p.createCalendar!({ name: 'Busy' })).calendarId;
    const c = emulator.account.calendar(cal);
    const add = (body: Record<string, unknown>) => emulator.account.create(c, body, 0);
    add({ summary: 'a', start: { dateTime: '2027-05-10T09:00:00Z' }, end: { dateTime: '2027-05-10T10:00:00Z' } });
    add({ summary: 'b', start: { dateTime: '2027-05-10T09:30:00Z' }, end: { dateTime: '2027-05-10T10:30:00Z' } });
    add({ summary: 'free', transparency: 'transparent', start: { dateTime: '2027-05-10T12:00:00Z' }, end: { dateTime: '2027-05-10T13:00:00Z' } });
    const daily = add({ summary: 'daily', start: { dateTime: '2027-05-10T15:00:00+02:00', timeZone: 'Europe/Berlin' }, end: { dateTime: '2027-05-10T15:30:00+02:00', timeZone: 'Europe/Berlin' }, recurrence: ['RRULE:FREQ=DAILY;COUNT=3'] });
    await p.deleteEvent(cal, `${String(daily.id)}_20270511T130000Z`); // the second occurrence cancelled
    const answer = await p.freeBusy!({ calendarIds: [cal], timeMin: '2027-05-10T00:00:00Z', timeMax: '2027-05-13T00:00:00Z' });
    expect(answer[cal]!.busy).toEqual([
      { start: '2027-05-10T09:00:00.000Z', end: '2027-05-10T10:30:00.000Z' },
      { start: '2027-05-10T13:00:00.000Z', end: '2027-05-10T13:30:00.000Z' },
      { start: '2027-05-12T13:00:00.000Z', end: '2027-05-12T13:30:00.000Z' },
    ]);
    // The transparent event says so.
    const listed = await p.listEvents(cal, { q: 'free' });
    expect(listed.events.map((e) => [e.summary, e.transparent])).toEqual([['free', true]]);
  });

  it('a moved event is cancelled in its calendar\'s sync and present in the destination\'s', async () => {
    const from = (await p.createCalendar!({ name: 'From' })).calendarId;
    const to = (await p.createCalendar!({ name: 'To' })).calendarId;
    const e = await p.createEvent(from, { summary: 'Moving', start: '2027-05-20', end: '2027-05-21' });
    const [a, b] = [await p.sync(from, null), await p.sync(to, null)];
    await p.moveEvent!(from, e.eventId, to);
    expect((await p.sync(from, a.cursor)).changes).toEqual([{ eventId: e.eventId, deleted: true }]);
    expect((await p.sync(to, b.cursor)).changes).toEqual([expect.objectContaining({ eventId: e.eventId, deleted: false, event: expect.objectContaining({ calendarId: to, summary: 'Moving' }) })]);
  });

  it('waits out Google\'s 403 rateLimitExceeded (Retry-After) and answers', async () => {
    emulator.quota.retryAfterSec = 0;
    emulator.quota.rateLimitNext = 1;
    expect((await p.listCalendars()).some((c) => c.primary)).toBe(true);
    expect(emulator.quota.rateLimitNext).toBe(0);
  });

  it('answers an invitation on the account\'s own attendee entry (self: true) only', async () => {
    const made = await p.createEvent('primary', { summary: 'Invited', start: '2027-05-03T09:00:00Z', end: '2027-05-03T10:00:00Z', attendees: [{ email: 'ada@example.com' }, { email: emulator.account.email }] });
    expect(made.attendees.find((a) => a.email === emulator.account.email)?.self).toBe(true);
    const answered = await p.respond!('primary', made.eventId, 'accepted');
    expect(answered.attendees.map((a) => [a.email, a.responseStatus])).toEqual([['ada@example.com', 'needsAction'], [emulator.account.email, 'accepted']]);
    const alone = await p.createEvent('primary', { summary: 'Not invited', start: '2027-05-03T11:00:00Z', end: '2027-05-03T12:00:00Z', attendees: [{ email: 'ada@example.com' }] });
    expect((await failure(p.respond!('primary', alone.eventId, 'declined'))).code).toBe('validation_failed');
  });

  it('a watch channel carries the token; stopping twice is harmless; a 401 names the variables', async () => {
    const channel = await p.watch!('primary', { address: 'http://127.0.0.1:9/unreachable', token: 'pt1.abc.def', expiresAt: new Date(Date.now() + 3_600_000).toISOString() });
    expect(channel.resourceId).toEqual(expect.any(String));
    expect(emulator.channels.list().find((c) => c.id === channel.channelId)).toMatchObject({ token: 'pt1.abc.def', calendarId: emulator.account.email });
    // Google caps a channel's life: more than a week is answered as a week.
    const long = await p.watch!('primary', { address: 'http://127.0.0.1:9/unreachable', token: 't', expiresAt: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(Date.parse(long.expiresAt)).toBeLessThanOrEqual(Date.now() + 7 * 86_400_000 + 1000);
    await p.stopWatch!(channel);
    await p.stopWatch!(channel);
    await p.stopWatch!(long);
    expect(emulator.channels.list()).toEqual([]);
    emulator.expireToken();
    const err = await failure(p.listCalendars());
    expect([err.code, err.providerStatus]).toEqual(['provider_auth_failed', 401]);
    expect(err.message).toContain('GOOGLE_CALENDAR_REFRESH_TOKEN');
  });
});

describe('google-calendar: Google\'s error answers', () => {
  const answer = (status: number, reason: string, headers: Record<string, string> = {}, domain = 'global') => toResponse({ status, headers, text: JSON.stringify({ error: { code: status, message: `m ${reason}`, errors: [{ domain, reason, message: `m ${reason}` }] } }) });
  it.each([
    [404, 'notFound', 'event', 'calendar_event_not_found'],
    [404, 'notFound', 'calendar', 'calendar_not_found'],
    [410, 'deleted', 'event', 'calendar_event_not_found'],
    [410, 'fullSyncRequired', 'sync', 'calendar_sync_expired'],
    [410, 'updatedMinTooLongAgo', 'calendar', 'calendar_sync_expired'],
    [404, 'notFound', 'meeting', 'meeting_not_found'],
    [412, 'conditionNotMet', 'event', 'calendar_conflict'],
    [401, 'authError', 'event', 'provider_auth_failed'],
    [403, 'forbidden', 'event', 'provider_auth_failed'],
    [403, 'userRateLimitExceeded', 'event', 'provider_rate_limited'],
    [403, 'quotaExceeded', 'event', 'provider_rate_limited'],
    [429, 'rateLimitExceeded', 'event', 'provider_rate_limited'],
    [400, 'timeRangeEmpty', 'event', 'provider_rejected'],
    [503, 'backendError', 'event', 'provider_unavailable'],
  ] as const)('%i %s on a %s call is %s', (status, reason, resource, code) => {
    const err = mapGoogleCalendarError(answer(status, reason), resource);
    expect([err.code, err.providerStatus, err.providerCode]).toEqual([code, status, reason]);
  });

  it('reads Retry-After on a 403 of the usageLimits domain, and a non-JSON answer as text', () => {
    const err = mapGoogleCalendarError(answer(403, 'dailyLimitExceeded', { 'retry-after': '7' }, 'usageLimits'), 'event');
    expect([err.code, err.retryAfter]).toEqual(['provider_rate_limited', 7]);
    expect(mapGoogleCalendarError(toResponse({ status: 502, headers: {}, text: '<html>Bad Gateway</html>' }), 'event').message).toContain('Bad Gateway');
  });
});
