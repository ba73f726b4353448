/**
 * The calendar sync engine's bookkeeping on a real store, queue and event stream: baseline without
 * events, created/updated/deleted from incremental syncs, deletions found by a full resync after
 * an expired cursor, failures counted (an event on the first and on status changes), push channels
 * (token, address, notifications to sync jobs, renewal and swap, lifecycle), polling by the tick.
 *
 * On SQLite and, when it answers, PostgreSQL. The provider is a small in-memory TEST DOUBLE of CalendarProvider (cursor = change sequence):
 * only the engine is under test here; real providers run the contract suite.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CALENDAR_MIGRATIONS } from '../src/categories/calendar/migrations.js';
import { CalendarSync, SYNC_JOB, TICK_JOB } from '../src/categories/calendar/sync.js';
import type { CalendarEvent, CalendarProvider, PushChannel, SyncChange, WatchRequest } from '../src/categories/calendar/contract.js';
import '../src/categories/calendar/errors.js';
import '../src/categories/calendar/events.js';
import { fakeClock } from '../src/core/clock.js';
import { HubError } from '../src/core/errors.js';
import { createLogger } from '../src/core/logger.js';
import { EventStore } from '../src/events/event-store.js';
import { checkPushToken } from '../src/kit/push-token.js';
import { Queue } from '../src/queue/queue.js';
import { openStore, type Store } from '../src/store/store.js';
import { postgresAvailable, postgresFixture, sqliteFixture } from './helpers/stores.js';

const DAY = 86_400_000;
const DIALECTS = (await postgresAvailable()) ? ['sqlite', 'postgres'] : ['sqlite'];

/** TEST DOUBLE: one calendar in memory; `sync` answers the changes after a sequence number. */
class MemoryCalendar implements CalendarProvider {
  readonly id = 'test-double';
  capabilities = new Set<'push'>(['push']);
  private seq = 0;
  private generation = 1;
  readonly events = new Map<string, { event: CalendarEvent; seq: number; deleted: boolean }>();
  failWith: HubError | undefined;
  watches: WatchRequest[] = [];
  stopped: string[] = [];
  renewed: string[] = [];
  grantMs = 2 * DAY;
  renewWatch?: (channel: PushChannel, expiresAt: string) => Promise<PushChannel>;
  /** The next sync computes its answer at once but returns it only when this settles (a slow fetch). */
  hold: Promise<void> | undefined;
  constructor(private readonly clock: { now(): number }) {}

  put(id: string, summary: string): void {
    const n = ++this.seq;
    this.events.set(id, { seq: n, deleted: false, event: { provider: this.id, calendarId: 'primary', eventId: id, summary, description: null, location: null, start: '2027-01-04T09:00:00Z', end: '2027-01-04T10:00:00Z', allDay: false, timeZone: null, attendees: [], organizer: null, reminders: null, recurrence: null, recurringEventId: null, originalStart: null, status: 'confirmed', htmlLink: null, conference: null, etag: `"v${n}"`, updated: null, raw: { id } } });
  }
  /** Google's way: a cancelled occurrence is an item of its own, `status: cancelled`, naming its series. */
  cancelOccurrence(masterId: string, instanceId: string): void {
    this.put(instanceId, 'occurrence');
    const e = this.events.get(instanceId)!.event;
    Object.assign(e, { status: 'cancelled', recurringEventId: masterId, originalStart: '2027-01-11T09:00:00Z' });
  }
  remove(id: string): void {
    const e = this.events.get(id)!;
    Object.assign(e, { seq: ++this.seq, deleted: true });
  }
  /** Forget every cursor handed out (Google's 410 after a reset); the deleted are gone for good. */
  expire(): void {
    this.generation++;
    for (const [id, e] of this.events) if (e.deleted) this.events.delete(id);
  }
  async sync(calendarId: string, cursor: string | null) {
    if (this.failWith) throw this.failWith;
    if (calendarId !== 'primary') throw new HubError('calendar_not_found', `no calendar ${calendarId}`);
    const next = `${this.generation}:${this.seq}`;
    if (cursor === null) return { full: true, cursor: next, changes: [...this.events.values()].filter((e) => !e.deleted).map((e): SyncChange => ({ eventId: e.event.eventId, deleted: false, event: e.event })) };
    const [gen, after] = cursor.split(':').map(Number);
    if (gen !== this.generation) throw new HubError('calendar_sync_expired', 'sync token expired');
    const changes = [...this.events.values()].filter((e) => e.seq > after!).map((e): SyncChange => (e.deleted ? { eventId: e.event.eventId, deleted: true } : { eventId: e.event.eventId, deleted: false, event: { ...e.event } }));
    const hold = this.hold;
    this.hold = undefined;
    if (hold) await hold;
    return { full: false, cursor: next, changes };
  }
  async watch(_calendarId: string, request: WatchRequest): Promise<PushChannel> {
    this.watches.push(request);
    return { channelId: `ch-${this.watches.length}`, resourceId: `res-${this.watches.length}`, expiresAt: new Date(Math.min(Date.parse(request.expiresAt), this.clock.now() + this.grantMs)).toISOString() };
  }
  async stopWatch(channel: PushChannel): Promise<void> {
    this.stopped.push(channel.channelId);
  }
  listCalendars = async () => [];
  createEvent = async (): Promise<CalendarEvent> => { throw new Error('not in this double'); };
  getEvent = async (): Promise<CalendarEvent> => { throw new Error('not in this double'); };
  updateEvent = async (): Promise<CalendarEvent> => { throw new Error('not in this double'); };
  deleteEvent = async () => {};
  listEvents = async () => ({ events: [], nextPageToken: null });
  instances = async () => [];
}

describe.each(DIALECTS)('calendar sync engine on %s', (dialect) => {
  let store: Store;
  let queue: Queue;
  let events: EventStore;
  let provider: MemoryCalendar;
  const clock = fakeClock(Date.parse('2027-01-01T00:00:00Z'));
  let revoked = false;
  const pushKey = 'push-key-for-conn1';

  const engine = (publicUrl?: string) =>
    new CalendarSync({
      store,
      queue,
      events,
      clock,
      logger: createLogger('silent'),
      connectorOf: async (connectionId) => {
        if (revoked) throw new HubError('connection_inactive', `Connection ${connectionId} is needs_reauth`);
        return provider;
      },
      pushKey: () => pushKey,
      publicUrl,
      intervalSeconds: 300,
    });
  const types = async (): Promise<string[]> => (await store.db.selectFrom('events').select(['type', 'data']).orderBy('seq').execute()).map((e) => `${e.type} ${(JSON.parse(e.data) as { eventId?: string; failures?: number }).eventId ?? (JSON.parse(e.data) as { failures?: number }).failures}`);
  const jobs = async (type: string) => store.db.selectFrom('jobs').select(['payload', 'run_at']).where('type', '=', type).where('status', '=', 'pending').execute();

  beforeEach(async () => {
    const fixture = dialect === 'postgres' ? postgresFixture() : sqliteFixture();
    await (await fixture.open()).close(); // the schema and the hub's tables
    store = await openStore({ ...fixture.options, migrations: CALENDAR_MIGRATIONS });
    queue = new Queue(store, { clock });
    events = new EventStore(store, clock);
    provider = new MemoryCalendar(clock);
    revoked = false;
  });
  afterEach(async () => {
    await queue.stop();
    await store.close();
  });

  it('records the baseline silently, then emits created, updated and deleted once each', async () => {
    const sync = engine();
    provider.put('a', 'A');
    provider.put('b', 'B');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    expect(tracked).toMatchObject({ mode: 'poll', status: 'active', failures: 0, channel: null });
    expect(await types()).toEqual([]);
    expect(await store.db.selectFrom('calendar_sync_events').select('event_id').orderBy('event_id').execute()).toEqual([{ event_id: 'a' }, { event_id: 'b' }]);

    provider.put('c', 'C');
    provider.put('a', 'A edited');
    provider.remove('b');
    expect(await sync.run(tracked.id)).toMatchObject({ created: 1, updated: 1, deleted: 1, full: false, baseline: false });
    expect(await types()).toEqual(['calendar.event.updated a', 'calendar.event.deleted b', 'calendar.event.created c']); // in the provider's order
    const updated = await store.db.selectFrom('events').selectAll().where('type', '=', 'calendar.event.updated').executeTakeFirstOrThrow();
    expect(JSON.parse(updated.data)).toMatchObject({ calendarId: 'primary', eventId: 'a', event: { summary: 'A edited', etag: '"v4"' } });
    expect(JSON.parse(updated.data).event.raw).toBeUndefined();
    expect(updated).toMatchObject({ tenant_id: 't1', provider: 'test-double', connection_id: 'conn1' });

    expect(await sync.run(tracked.id)).toMatchObject({ created: 0, updated: 0, deleted: 0 });
    expect(await types()).toHaveLength(3);

    provider.cancelOccurrence('a', 'a_20270111T090000Z');
    expect(await sync.run(tracked.id)).toMatchObject({ deleted: 1 });
    const cancelled = await store.db.selectFrom('events').select('data').where('type', '=', 'calendar.event.deleted').orderBy('seq', 'desc').executeTakeFirstOrThrow();
    expect(JSON.parse(cancelled.data)).toEqual({ calendarId: 'primary', eventId: 'a_20270111T090000Z', recurringEventId: 'a', originalStart: '2027-01-11T09:00:00Z' });
    expect(await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' })).toMatchObject({ id: tracked.id });
  });

  it('answers a full resync after an expired cursor with the deletions it missed, and no repeats', async () => {
    const sync = engine();
    provider.put('keep', 'Keep');
    provider.put('gone', 'Gone');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    provider.remove('gone');
    provider.put('new', 'New');
    provider.expire(); // the 410: the cursor is refused, the deletion is not in the full answer
    expect(await sync.run(tracked.id)).toMatchObject({ created: 1, updated: 0, deleted: 1, full: true });
    expect(await types()).toEqual(['calendar.event.created new', 'calendar.event.deleted gone']);
    const deleted = await store.db.selectFrom('events').select('data').where('type', '=', 'calendar.event.deleted').executeTakeFirstOrThrow();
    expect(JSON.parse(deleted.data)).toEqual({ calendarId: 'primary', eventId: 'gone', vanished: true });
    expect(await sync.run(tracked.id)).toMatchObject({ created: 0, deleted: 0, full: false });
  });

  it('drops the answer of an overlapping run that fetched before another applied, and syncs again', async () => {
    const sync = engine();
    provider.put('a', 'A');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    provider.put('a', 'A edited');
    let release!: () => void;
    provider.hold = new Promise((r) => (release = r));
    const slow = sync.run(tracked.id); // fetched: a edited, answer held
    await new Promise((r) => setTimeout(r, 20));
    provider.remove('a');
    expect(await sync.run(tracked.id)).toMatchObject({ updated: 0, deleted: 1 }); // the quick run: a edited then deleted, seen as deleted
    release();
    expect(await slow).toMatchObject({ superseded: true, created: 0, updated: 0 });
    expect(await types()).toEqual(['calendar.event.deleted a']); // never "created a" again
    expect((await jobs('calendar.sync')).map((j) => JSON.parse(j.payload))).toEqual([{ syncId: tracked.id }]);
    expect(await sync.run(tracked.id)).toMatchObject({ created: 0, updated: 0, deleted: 0 });
  });

  it('refuses to track a calendar the provider does not know, and keeps no row', async () => {
    const sync = engine();
    await expect(sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'nope' })).rejects.toMatchObject({ code: 'calendar_not_found' });
    expect(await sync.list('t1')).toEqual([]);
  });

  it('counts failures, tells the first and each status change, recovers, and shows in health', async () => {
    const sync = engine();
    provider.put('a', 'A');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    provider.failWith = new HubError('provider_unavailable', 'Google Calendar answered 503');
    expect(await sync.run(tracked.id)).toMatchObject({ failed: 'provider_unavailable' });
    expect(await sync.run(tracked.id)).toMatchObject({ failed: 'provider_unavailable' });
    expect(await sync.get('t1', tracked.id)).toMatchObject({ status: 'failing', failures: 2, lastError: { code: 'provider_unavailable', message: 'Google Calendar answered 503' } });
    expect(await sync.health()).toEqual({ status: 'degraded', details: { tracked: 1, push: 0, poll: 1, failing: 1, revoked: 0 } });
    revoked = true;
    await sync.run(tracked.id);
    expect(await sync.get('t1', tracked.id)).toMatchObject({ status: 'revoked', failures: 3, lastError: { code: 'connection_inactive' } });
    expect(await types()).toEqual(['calendar.sync.failed 1', 'calendar.sync.failed 3']);
    revoked = false;
    provider.failWith = undefined;
    provider.put('b', 'B');
    expect(await sync.run(tracked.id)).toMatchObject({ created: 1 });
    expect(await sync.get('t1', tracked.id)).toMatchObject({ status: 'active', failures: 0, lastError: null });
    expect((await sync.health()).status).toBe('ok');
    // The next outage is told again.
    provider.failWith = new HubError('provider_timeout', 'no answer in 30 s');
    await sync.run(tracked.id);
    expect((await types()).filter((t) => t.startsWith('calendar.sync.failed'))).toEqual(['calendar.sync.failed 1', 'calendar.sync.failed 3', 'calendar.sync.failed 1']);
  });

  it('watches with the connection\'s token at its webhook URL; a notification of that channel becomes one sync job', async () => {
    const sync = engine('https://hub.example.com/');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    expect(tracked).toMatchObject({ mode: 'push', channel: { channelId: 'ch-1', expiresAt: new Date(clock.now() + 2 * DAY).toISOString() } });
    expect(provider.watches[0]!.address).toBe('https://hub.example.com/webhooks/test-double/conn1');
    expect(checkPushToken(provider.watches[0]!.token, [pushKey])).toBe(true);
    expect(checkPushToken(provider.watches[0]!.token, ['another-connection-key'])).toBe(false);
    expect((await jobs(SYNC_JOB)).map((j) => JSON.parse(j.payload))).toEqual([{ syncId: tracked.id }]); // a catch-up sync: changes between the baseline and the channel
    await queue.runDue();

    const push = (channelId: string, state = 'exists', lifecycle?: string) => ({ providerEventId: `${channelId}-${state}`, type: 'calendar.push', occurredAt: clock.now(), ref: {}, data: { channelId, state, ...(lifecycle ? { lifecycle } : {}) }, raw: {} });
    await sync.sink('test-double', [push('ch-1', 'sync')], { connectionId: 'conn1', tenantId: 't1', inboxIds: [] });
    expect(await jobs(SYNC_JOB)).toHaveLength(0); // Google's hello
    await sync.sink('test-double', [push('ch-1'), push('ch-1')], { connectionId: 'conn1', tenantId: 't1', inboxIds: [] });
    await sync.sink('test-double', [push('ch-999')], { connectionId: 'conn1', tenantId: 't1', inboxIds: [] });
    await sync.sink('test-double', [push('ch-1')], { connectionId: 'conn1', tenantId: 'another-tenant', inboxIds: [] });
    expect((await jobs(SYNC_JOB)).map((j) => JSON.parse(j.payload))).toEqual([{ syncId: tracked.id }]);

    provider.put('x', 'X');
    await queue.runDue();
    expect(await types()).toEqual(['calendar.event.created x']);
  });

  it('polls without a public URL; the tick enqueues polls and stays single', async () => {
    const sync = engine();
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    expect(tracked.mode).toBe('poll');
    expect(provider.watches).toEqual([]);
    expect((await jobs(TICK_JOB)).map((j) => Number(j.run_at))).toEqual([clock.now() + 300_000]);
    await sync.scheduleTick();
    expect(await jobs(TICK_JOB)).toHaveLength(1);
    await sync.tick();
    expect(await jobs(SYNC_JOB)).toHaveLength(1);
  });

  it('swaps a channel near expiry (watch anew, stop the old, sync) or renews it where the provider can', async () => {
    const sync = engine('https://hub.example.com');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    await queue.runDue(); // the catch-up sync after the channel opened
    clock.advance(DAY); // 1 of 2 days left: more than 25 % and more than an hour
    await sync.tick();
    expect(provider.watches).toHaveLength(1);
    clock.advance(DAY - 3_600_000 + 1); // under an hour left
    await sync.tick();
    expect(provider.watches).toHaveLength(2);
    expect(provider.stopped).toEqual(['ch-1']);
    expect((await sync.get('t1', tracked.id)).channel).toEqual({ channelId: 'ch-2', expiresAt: new Date(clock.now() + 2 * DAY).toISOString() });
    expect((await jobs(SYNC_JOB)).map((j) => JSON.parse(j.payload))).toEqual([{ syncId: tracked.id }]);

    provider.renewWatch = async (channel, expiresAt) => {
      provider.renewed.push(channel.channelId);
      return { ...channel, expiresAt };
    };
    clock.advance(2 * DAY - 1000);
    await sync.tick();
    expect(provider.renewed).toEqual(['ch-2']);
    expect(provider.watches).toHaveLength(2);
    expect((await sync.get('t1', tracked.id)).channel!.expiresAt).toBe(new Date(clock.now() + 7 * DAY).toISOString());
  });

  it('syncs a push calendar from the tick after 12 quiet intervals', async () => {
    const sync = engine('https://hub.example.com');
    await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    await queue.runDue(); // the catch-up sync after the channel opened
    await sync.tick();
    expect(await jobs(SYNC_JOB)).toHaveLength(0); // a fresh channel, a fresh sync: push does the work
    clock.advance(12 * 300_000 + 1);
    await sync.tick();
    expect(await jobs(SYNC_JOB)).toHaveLength(1);
  });

  it('syncs a push calendar from the tick once its channel lapsed because renewals failed', async () => {
    provider.grantMs = 30 * 60_000;
    const sync = engine('https://hub.example.com');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    await queue.runDue(); // the catch-up sync after the channel opened
    provider.watch = async () => {
      throw new HubError('provider_unavailable', 'no answer');
    };
    await sync.tick(); // renewal tried (under an hour left) and failed; the channel still runs
    expect(await jobs(SYNC_JOB)).toHaveLength(0);
    clock.advance(31 * 60_000);
    await sync.tick();
    expect((await sync.get('t1', tracked.id)).channel!.channelId).toBe('ch-1');
    expect(await jobs(SYNC_JOB)).toHaveLength(1);
  });

  it('watches again after subscriptionRemoved; untracking stops the channel and forgets the calendar', async () => {
    const sync = engine('https://hub.example.com');
    const tracked = await sync.track('t1', { connectionId: 'conn1', provider: 'test-double', calendarId: 'primary' });
    await sync.sink('test-double', [{ providerEventId: 'l1', type: 'calendar.push', occurredAt: 0, ref: {}, data: { channelId: 'ch-1', state: 'lifecycle', lifecycle: 'subscriptionRemoved' }, raw: {} }], { connectionId: 'conn1', tenantId: 't1', inboxIds: [] });
    expect(provider.watches).toHaveLength(2);
    expect(provider.stopped).toEqual([]); // it is gone already
    expect((await sync.get('t1', tracked.id)).channel!.channelId).toBe('ch-2');
    await sync.untrack('t1', tracked.id);
    expect(provider.stopped).toEqual(['ch-2']);
    expect(await sync.list('t1')).toEqual([]);
    expect(await store.db.selectFrom('calendar_sync_events').selectAll().execute()).toEqual([]);
    await expect(sync.get('t1', tracked.id)).rejects.toMatchObject({ code: 'calendar_sync_not_found' });
  });
});
