/**
 * The `calendar` contract suite: what every calendar connector must do, whatever the vendor. Run
 * against each provider (`test/calendar-contract.test.ts`) through a real Transport to its emulator
 * (Google Calendar, Microsoft Graph) or to a real server (Radicale for CalDAV).
 *
 * Times are compared as instants (`Date.parse`), since providers answer the same moment with other
 * offsets; all-day dates are compared as written. Optional features are checked where
 * `provider.capabilities` declares them, a declared capability must have its methods and really
 * work, and an undeclared one is skipped. Each test writes into its own days of 2027, so the tests
 * do not see each other's events even without `reset`.
 *
 * @see ./contract.ts
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import type { CalendarCapability, CalendarEvent, CalendarProvider } from './contract.js';
import './errors.js'; // registers the calendar error codes this file uses

/** What `setup()` gives the suite for one provider. */
export interface CalendarContractHarness {
  /** The connector, bound to a real Transport pointed at the emulator or server. */
  provider: CalendarProvider;
  /** The calendar the tests write into; default `primary` (every provider must accept that name). */
  calendarId?: string;
  /**
   * Make `cursor` unusable at the provider and answer the cursor the suite then passes to `sync`,
   * which must reject with `calendar_sync_expired`: the Google emulator resets its sync tokens
   * (410), the Graph emulator forgets its delta state, a CalDAV harness answers a sync-token
   * Radicale never issued.
   */
  expireCursor(cursor: string): Promise<string>;
  /** A calendar to move events to, for a provider with `move` but without `createCalendar`. */
  otherCalendarId?: string;
  /** The connected account's address: required with `respond` (the suite invites it and checks its answer). */
  accountEmail?: string;
  /** Runs before each test (e.g. empty the emulator); optional. */
  reset?(): Promise<void>;
  teardown(): Promise<void>;
}

const same = (a: string | null | undefined, b: string): boolean => a != null && Date.parse(a) === Date.parse(b);
const ids = (events: CalendarEvent[]): string[] => events.map((e) => e.eventId).sort();
const live = (events: CalendarEvent[]): CalendarEvent[] => events.filter((e) => e.status !== 'cancelled');
const METHODS: Partial<Record<CalendarCapability, (keyof CalendarProvider)[]>> = {
  createCalendar: ['createCalendar'],
  sharing: ['listAcl', 'share', 'unshare'],
  push: ['watch', 'stopWatch'],
  move: ['moveEvent'],
  respond: ['respond'],
  freeBusy: ['freeBusy'],
};

/** Every event of a listing, following `nextPageToken` (each page at most `maxResults`). */
async function listAll(p: CalendarProvider, calendarId: string, timeMin: string, timeMax: string, maxResults: number): Promise<{ events: CalendarEvent[]; pages: number }> {
  const events: CalendarEvent[] = [];
  let pageToken: string | undefined;
  let pages = 0;
  do {
    const page = await p.listEvents(calendarId, { timeMin, timeMax, maxResults, pageToken });
    expect(page.events.length).toBeLessThanOrEqual(maxResults);
    events.push(...page.events);
    pageToken = page.nextPageToken ?? undefined;
    pages++;
    if (pages > 20) throw new Error('listEvents: more than 20 pages for a handful of events (a nextPageToken that never ends?)');
  } while (pageToken);
  return { events, pages };
}

/**
 * Declares the suite for one provider.
 *
 * @example
 * // test/calendar-contract.test.ts: a sandbox hub gives each provider's connector, bound to its
 * // emulator (Google, Graph) or to Radicale (CalDAV) through the real transport.
 * calendarContractSuite('google-calendar', async () => {
 *   const hub = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: tmp, CALENDAR_PROVIDERS: 'google-calendar' } });
 *   await hub.connections.startEmulators();
 *   const emu = hub.connections.emulator('google-calendar')!;
 *   return {
 *     provider: hub.connections.connectorFor((await hub.connections.forTenant('default', 'google-calendar'))!, 'calendar'),
 *     accountEmail: 'sandbox@gmail.example',
 *     // the emulator forgets its sync tokens: the next incremental sync answers 410
 *     expireCursor: async (cursor) => (await fetch(`${new URL(emu.url).origin}/__emulator/reset-sync`, { method: 'POST' }), cursor),
 *     teardown: () => hub.close(),
 *   };
 * });
 * // Graph: POST /__emulator/expire-delta; CalDAV: answer a sync-token Radicale never issued
 * // ('http://radicale.org/ns/sync/' + '0'.repeat(64)).
 */
export function calendarContractSuite(name: string, setup: () => Promise<CalendarContractHarness>): void {
  describe(`calendar contract: ${name}`, () => {
    let h: CalendarContractHarness;
    let cal: string;
    let p: CalendarProvider;
    const has = (c: CalendarCapability) => p.capabilities.has(c);
    beforeAll(async () => {
      h = await setup();
      p = h.provider;
      cal = h.calendarId ?? 'primary';
    });
    afterAll(() => h?.teardown());
    beforeEach(async () => {
      await h.reset?.();
    });

    it('declares a capability exactly when it has its methods', () => {
      expect(p.id).toBe(name);
      for (const [capability, methods] of Object.entries(METHODS)) for (const m of methods) expect(`${capability}:${m}:${typeof p[m] === 'function'}`).toBe(`${capability}:${m}:${has(capability as CalendarCapability)}`);
    });

    it('lists the calendars, one of them primary; creates a calendar where capable', async () => {
      const calendars = await p.listCalendars();
      expect(calendars.filter((c) => c.primary)).toHaveLength(1);
      for (const c of calendars) expect(c).toMatchObject({ provider: name, calendarId: expect.any(String), name: expect.any(String) });
      if (!has('createCalendar')) return;
      const made = await p.createCalendar!({ name: 'Contract team', description: 'made by the contract suite', timeZone: 'Europe/Berlin' });
      expect(made).toMatchObject({ provider: name, name: 'Contract team', primary: false });
      expect((await p.listCalendars()).map((c) => c.calendarId)).toContain(made.calendarId);
    });

    it('creates, reads, updates and deletes an event; unknown ids are calendar_event_not_found', async () => {
      const made = await p.createEvent(cal, { summary: 'Contract review', description: 'Agenda: all', location: 'Room 1', start: '2027-03-01T10:00:00Z', end: '2027-03-01T11:00:00Z', timeZone: 'UTC' });
      expect(made).toMatchObject({ provider: name, summary: 'Contract review', description: 'Agenda: all', location: 'Room 1', allDay: false, recurrence: null, recurringEventId: null });
      expect(made.status).not.toBe('cancelled');
      expect(same(made.start, '2027-03-01T10:00:00Z') && same(made.end, '2027-03-01T11:00:00Z')).toBe(true);
      expect(made.eventId).not.toBe('');
      const got = await p.getEvent(cal, made.eventId);
      expect(got).toMatchObject({ eventId: made.eventId, summary: 'Contract review', location: 'Room 1' });
      const moved = await p.updateEvent(cal, made.eventId, { summary: 'Contract review (moved)', start: '2027-03-01T14:00:00Z', end: '2027-03-01T15:30:00Z' });
      expect(moved).toMatchObject({ eventId: made.eventId, summary: 'Contract review (moved)', description: 'Agenda: all', location: 'Room 1' });
      expect(same(moved.start, '2027-03-01T14:00:00Z') && same(moved.end, '2027-03-01T15:30:00Z')).toBe(true);
      expect((await p.getEvent(cal, made.eventId)).summary).toBe('Contract review (moved)');
      await p.deleteEvent(cal, made.eventId);
      // Google still answers a deleted event as `cancelled`; the others forget it.
      const after = await p.getEvent(cal, made.eventId).then((e) => e.status, (e: { code?: string }) => e.code);
      expect(['cancelled', 'calendar_event_not_found']).toContain(after);
      expect((await failure(p.getEvent(cal, 'no-such-event-0000'))).code).toBe('calendar_event_not_found');
      expect((await failure(p.updateEvent(cal, 'no-such-event-0000', { summary: 'x' }))).code).toBe('calendar_event_not_found');
      expect((await failure(p.listEvents('no-such-calendar-0000', {}))).code).toBe('calendar_not_found');
    });

    it('keeps an all-day event as dates with an exclusive end', async () => {
      const made = await p.createEvent(cal, { summary: 'Contract holiday', start: '2027-03-03', end: '2027-03-05' });
      expect(made).toMatchObject({ allDay: true, start: '2027-03-03', end: '2027-03-05' });
      expect(await p.getEvent(cal, made.eventId)).toMatchObject({ allDay: true, start: '2027-03-03', end: '2027-03-05' });
      const { events } = await listAll(p, cal, '2027-03-04T00:00:00Z', '2027-03-04T12:00:00Z', 10);
      expect(ids(events)).toContain(made.eventId);
      const none = await listAll(p, cal, '2027-03-05T01:00:00Z', '2027-03-05T23:00:00Z', 10); // the end date is not part of it
      expect(ids(none.events)).not.toContain(made.eventId);
    });

    it('keeps the IANA time zone an event was written in', async () => {
      const made = await p.createEvent(cal, { summary: 'Contract NY', start: '2027-03-02T10:00:00-05:00', end: '2027-03-02T10:30:00-05:00', timeZone: 'America/New_York' });
      expect(made.timeZone).toBe('America/New_York');
      expect(same(made.start, '2027-03-02T15:00:00Z')).toBe(true);
      expect((await p.getEvent(cal, made.eventId)).timeZone).toBe('America/New_York');
    });

    it('invites attendees, each with a response status', async () => {
      const made = await p.createEvent(cal, {
        summary: 'Contract invite',
        start: '2027-03-06T09:00:00Z',
        end: '2027-03-06T09:30:00Z',
        attendees: [{ email: 'ada@example.com', name: 'Ada' }, { email: 'grace@example.com', optional: true }],
      });
      const byEmail = new Map((await p.getEvent(cal, made.eventId)).attendees.map((a) => [a.email.toLowerCase(), a]));
      expect(byEmail.get('ada@example.com')).toMatchObject({ responseStatus: 'needsAction', optional: false });
      expect(byEmail.get('grace@example.com')).toMatchObject({ responseStatus: 'needsAction', optional: true });
      const fewer = await p.updateEvent(cal, made.eventId, { attendees: [{ email: 'ada@example.com' }] });
      expect(fewer.attendees.map((a) => a.email.toLowerCase())).not.toContain('grace@example.com');
    });

    it('sets reminders, changes them, and clears them with []', async () => {
      const made = await p.createEvent(cal, { summary: 'Contract remind', start: '2027-03-07T09:00:00Z', end: '2027-03-07T10:00:00Z', reminders: [{ method: 'popup', minutes: 15 }] });
      expect(made.reminders).toEqual([{ method: 'popup', minutes: 15 }]);
      expect((await p.updateEvent(cal, made.eventId, { reminders: [{ method: 'popup', minutes: 60 }] })).reminders).toEqual([{ method: 'popup', minutes: 60 }]);
      expect((await p.updateEvent(cal, made.eventId, { reminders: [] })).reminders).toEqual([]);
      expect((await p.getEvent(cal, made.eventId)).reminders).toEqual([]);
    });

    it('expands a weekly RRULE in its zone across DST; one instance changed, one cancelled, the rest unchanged', async () => {
      // Mondays 09:00 Berlin: 15 and 22 March are CET (08:00Z), 29 March and 5 April CEST (07:00Z).
      const master = await p.createEvent(cal, { summary: 'Contract weekly', start: '2027-03-15T09:00:00+01:00', end: '2027-03-15T09:30:00+01:00', timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'] });
      expect(master.recurrence?.some((l) => /^RRULE:/.test(l) && /FREQ=WEEKLY/.test(l) && /COUNT=4/.test(l))).toBe(true);
      const window = { timeMin: '2027-03-10T00:00:00Z', timeMax: '2027-04-30T00:00:00Z' };
      const all = live(await p.instances(cal, master.eventId, window));
      expect(all.map((i) => new Date(i.start).toISOString())).toEqual(['2027-03-15T08:00:00.000Z', '2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z', '2027-04-05T07:00:00.000Z']);
      for (const i of all) expect(i).toMatchObject({ recurringEventId: master.eventId, summary: 'Contract weekly', recurrence: null });
      for (const i of all) expect(same(i.originalStart, i.start)).toBe(true);
      expect(new Set(ids(all)).size).toBe(4);
      const [first, second, third, fourth] = all as [CalendarEvent, CalendarEvent, CalendarEvent, CalendarEvent];
      const changed = await p.updateEvent(cal, second.eventId, { summary: 'Contract weekly (special)', start: '2027-03-22T11:00:00+01:00', end: '2027-03-22T11:30:00+01:00' });
      expect(changed).toMatchObject({ summary: 'Contract weekly (special)', recurringEventId: master.eventId });
      expect(same(changed.originalStart, '2027-03-22T08:00:00Z')).toBe(true);
      await p.deleteEvent(cal, third.eventId);
      const after = live(await p.instances(cal, master.eventId, window));
      expect(after.map((i) => [new Date(i.start).toISOString(), i.summary])).toEqual([
        ['2027-03-15T08:00:00.000Z', 'Contract weekly'],
        ['2027-03-22T10:00:00.000Z', 'Contract weekly (special)'],
        ['2027-04-05T07:00:00.000Z', 'Contract weekly'],
      ]);
      expect(after.map((i) => i.eventId)).toEqual([first.eventId, changed.eventId, fourth.eventId]);
      expect((await p.getEvent(cal, master.eventId)).summary).toBe('Contract weekly');
      // Expanded in a listing too, ordered by start, the cancelled one left out.
      const single = await p.listEvents(cal, { ...window, singleEvents: true, maxResults: 50 });
      expect(live(single.events).filter((e) => e.recurringEventId === master.eventId).map((e) => new Date(e.start).toISOString())).toEqual(['2027-03-15T08:00:00.000Z', '2027-03-22T10:00:00.000Z', '2027-04-05T07:00:00.000Z']);
    });

    it('lists the events of a window, page by page', async () => {
      const made = [];
      for (const hour of [9, 11, 13]) made.push(await p.createEvent(cal, { summary: `Contract page ${hour}`, start: `2027-03-09T${String(hour).padStart(2, "0")}:00:00Z`, end: `2027-03-09T${String(hour).padStart(2, "0")}:45:00Z` }));
      const outside = await p.createEvent(cal, { summary: 'Contract page outside', start: '2027-03-10T09:00:00Z', end: '2027-03-10T10:00:00Z' });
      const { events, pages } = await listAll(p, cal, '2027-03-09T00:00:00Z', '2027-03-10T00:00:00Z', 2);
      expect(pages).toBeGreaterThanOrEqual(2);
      expect(ids(live(events))).toEqual(ids(made));
      expect(ids(events)).not.toContain(outside.eventId);
    });

    it('moves an event to another calendar where capable', async () => {
      if (!has('move')) return;
      const dest = has('createCalendar') ? (await p.createCalendar!({ name: 'Contract move target' })).calendarId : h.otherCalendarId;
      if (!dest) throw new Error(`${name}: declares move but neither createCalendar nor harness.otherCalendarId gives a destination`);
      const made = await p.createEvent(cal, { summary: 'Contract move', start: '2027-03-11T09:00:00Z', end: '2027-03-11T10:00:00Z' });
      const moved = await p.moveEvent!(cal, made.eventId, dest);
      expect(moved).toMatchObject({ calendarId: dest, summary: 'Contract move' });
      expect((await p.getEvent(dest, moved.eventId)).summary).toBe('Contract move');
      const left = await p.getEvent(cal, made.eventId).then((e) => e.status, (e: { code?: string }) => e.code);
      expect(['cancelled', 'calendar_event_not_found']).toContain(left);
    });

    it('answers an invitation where capable', async () => {
      if (!has('respond')) return;
      if (!h.accountEmail) throw new Error(`${name} declares respond: give the harness accountEmail (the connected account, invited so it can answer)`);
      const attendees = [{ email: 'ada@example.com' }, { email: h.accountEmail }];
      const made = await p.createEvent(cal, { summary: 'Contract respond', start: '2027-03-12T09:00:00Z', end: '2027-03-12T10:00:00Z', attendees });
      const answered = await p.respond!(cal, made.eventId, 'tentative', 'maybe');
      const mine = (e: CalendarEvent) => e.attendees.filter((a) => a.email.toLowerCase() === h.accountEmail!.toLowerCase());
      expect(mine(answered).map((a) => a.responseStatus)).toEqual(['tentative']);
      expect(mine(await p.getEvent(cal, made.eventId)).map((a) => a.responseStatus)).toEqual(['tentative']);
    });

    it('shares a calendar (reader, writer), lists and unshares where capable', async () => {
      if (!has('sharing')) return;
      const target = has('createCalendar') ? (await p.createCalendar!({ name: 'Contract shared' })).calendarId : cal;
      const reader = await p.share!(target, { email: 'reader@example.com', role: 'reader' });
      const writer = await p.share!(target, { email: 'writer@example.com', role: 'writer' });
      expect(reader).toMatchObject({ email: 'reader@example.com', role: 'reader' });
      expect(writer).toMatchObject({ email: 'writer@example.com', role: 'writer' });
      const rules = await p.listAcl!(target);
      expect(rules.filter((r) => r.email.endsWith('@example.com')).map((r) => [r.email, r.role]).sort()).toEqual([['reader@example.com', 'reader'], ['writer@example.com', 'writer']]);
      await p.unshare!(target, reader.ruleId);
      expect((await p.listAcl!(target)).map((r) => r.email)).not.toContain('reader@example.com');
    });

    it('answers free/busy where capable, with an error for an unreadable calendar', async () => {
      if (!has('freeBusy')) return;
      await p.createEvent(cal, { summary: 'Contract busy', start: '2027-03-13T09:00:00Z', end: '2027-03-13T10:00:00Z' });
      await p.createEvent(cal, { summary: 'Contract free', start: '2027-03-13T11:00:00Z', end: '2027-03-13T12:00:00Z' }).then((e) => p.updateEvent(cal, e.eventId, { start: '2027-03-13T13:00:00Z', end: '2027-03-13T14:00:00Z' }));
      const answer = await p.freeBusy!({ calendarIds: [cal, 'no-such-calendar-0000'], timeMin: '2027-03-13T00:00:00Z', timeMax: '2027-03-14T00:00:00Z' });
      const busy = answer[cal]!.busy.map((b) => [new Date(b.start).toISOString(), new Date(b.end).toISOString()]);
      expect(busy).toEqual([
        ['2027-03-13T09:00:00.000Z', '2027-03-13T10:00:00.000Z'],
        ['2027-03-13T13:00:00.000Z', '2027-03-13T14:00:00.000Z'],
      ]);
      expect(answer['no-such-calendar-0000']?.error).toEqual(expect.any(String));
    });

    it('syncs: a full sync answers a cursor; then exactly the changes since, deletions marked', async () => {
      const kept = await p.createEvent(cal, { summary: 'Contract sync kept', start: '2027-03-14T09:00:00Z', end: '2027-03-14T10:00:00Z' });
      const gone = await p.createEvent(cal, { summary: 'Contract sync gone', start: '2027-03-14T11:00:00Z', end: '2027-03-14T12:00:00Z' });
      const full = await p.sync(cal, null);
      expect(full.full).toBe(true);
      expect(full.cursor).toEqual(expect.any(String));
      expect(full.cursor).not.toBe('');
      expect(full.changes.map((c) => c.eventId)).toEqual(expect.arrayContaining([kept.eventId, gone.eventId]));
      const fresh = await p.createEvent(cal, { summary: 'Contract sync new', start: '2027-03-14T13:00:00Z', end: '2027-03-14T14:00:00Z' });
      await p.updateEvent(cal, kept.eventId, { summary: 'Contract sync kept (edited)' });
      await p.deleteEvent(cal, gone.eventId);
      const delta = await p.sync(cal, full.cursor);
      expect(delta.full).toBe(false);
      const byId = new Map(delta.changes.map((c) => [c.eventId, c]));
      expect([...byId.keys()].sort()).toEqual([kept.eventId, gone.eventId, fresh.eventId].sort());
      expect(byId.get(gone.eventId)!.deleted).toBe(true);
      expect(byId.get(fresh.eventId)).toMatchObject({ deleted: false, event: { summary: 'Contract sync new' } });
      expect(byId.get(kept.eventId)).toMatchObject({ deleted: false, event: { summary: 'Contract sync kept (edited)' } });
      const quiet = await p.sync(cal, delta.cursor);
      expect(quiet.changes).toEqual([]);
    });

    it('refuses an expired cursor with calendar_sync_expired; a full sync works again', async () => {
      const { cursor } = await p.sync(cal, null);
      const expired = await h.expireCursor(cursor);
      const err = await failure(p.sync(cal, expired));
      expect(err.code).toBe('calendar_sync_expired');
      expect(err.status).toBe(410);
      const again = await p.sync(cal, null);
      expect(again.full).toBe(true);
    });
  });
}
