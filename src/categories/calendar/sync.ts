/**
 * Calendar sync into the event stream. A tracked calendar (`calendar_syncs`) keeps the provider's
 * cursor and the events the hub knows of it (`calendar_sync_events`: id and etag/updated), so each
 * incremental sync turns into `calendar.event.created` (a new id), `…updated` (a known id with a
 * new version) or `…deleted`. The baseline sync records what exists without emitting anything;
 * when the provider expires the cursor (`calendar_sync_expired`: Google 410, Graph
 * `syncStateNotFound`, CalDAV `valid-sync-token`) a full resync is compared with the known set and
 * the ids that vanished become deletions.
 *
 * Syncs run as durable queue jobs (`calendar.sync`): a push notification (the sink of
 * `calendar.push`), the periodic tick (`calendar.tick`, every `CALENDAR_SYNC_INTERVAL_SECONDS`)
 * for calendars without push, and channel renewals enqueue them. The tick also renews push
 * channels near expiry (`renewWatch`, or watch anew and then stop the old one, and sync after the
 * swap so no change is lost). A failing sync counts consecutive failures, sets the status
 * `failing` (or `revoked` when the connection is), shows in health and emits `calendar.sync.failed`
 * on the first failure and on each status change, never on every retry.
 *
 * @example
 * const tracked = await hub.calendar.sync.track('default', { provider: 'google-calendar', calendarId: 'primary' });
 * hub.on('calendar.event.*', (e) => console.log(e.type, e.data.eventId));
 */
import type { CategoryHealth } from '../category.js';
import type { Clock } from '../../core/clock.js';
import { HubError, toHubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { EventStore, RecordInput, UnifiedEvent } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import { issuePushToken } from '../../kit/push-token.js';
import type { Queue } from '../../queue/queue.js';
import type { Store, Trx } from '../../store/store.js';
import type { InboundOrigin } from '../../webhooks/inbound.js';
import { CALENDAR_PUSH_TYPE, type CalendarEvent, type CalendarPushData, type CalendarProvider, type PushChannel, type SyncResult } from './contract.js';
import type { CalendarSyncsTable } from './migrations.js';

export const SYNC_JOB = 'calendar.sync';
export const TICK_JOB = 'calendar.tick';
const HOUR = 3_600_000;
/** What the hub asks a channel to last; providers grant less (Graph: under 3 days for events). */
const CHANNEL_LIFETIME = 7 * 24 * HOUR;
const REVOKED = new Set(['connection_inactive', 'oauth_invalid_grant', 'provider_auth_failed']);
const CHUNK = 300;
/** A push calendar with no sync for this many tick intervals is synced by the tick anyway. */
const PUSH_SAFETY_SYNCS = 12;

type Row = CalendarSyncsTable;

/** A tracked calendar as the API answers it. */
export interface TrackedCalendar {
  id: string;
  connectionId: string;
  provider: string;
  calendarId: string;
  mode: 'push' | 'poll';
  status: 'syncing' | 'active' | 'failing' | 'revoked';
  failures: number;
  lastError: { code: string; message: string } | null;
  lastSyncedAt: string | null;
  channel: { channelId: string; expiresAt: string | null } | null;
  createdAt: string;
}

export interface SyncOutcome {
  created: number;
  updated: number;
  deleted: number;
  full: boolean;
  baseline: boolean;
  failed?: string;
  /**
   * Another run of the same calendar moved the cursor while this one fetched: its answer was
   * dropped (it could be older than what is recorded) and a fresh sync queued.
   */
  superseded?: boolean;
}

export interface CalendarSyncOptions {
  store: Store;
  queue: Queue;
  events: EventStore;
  clock: Clock;
  logger: Logger;
  /** The connector of a tracked calendar's connection (throws `connection_inactive` for a revoked one). */
  connectorOf(connectionId: string): Promise<CalendarProvider>;
  /** The push key of a connection (`ConnectionManager.pushKeys(id)[0]`). */
  pushKey(connectionId: string): string;
  /** `SWITCHBOARD_PUBLIC_URL`: where providers post notifications. */
  publicUrl?: string;
  /**
   * Without a public URL: where a connection's provider can still reach the hub (a sandbox
   * connection's emulator runs in this process and posts over loopback); undefined: poll.
   */
  localBase?(connectionId: string): Promise<string | undefined>;
  intervalSeconds: number;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(Number(ms)).toISOString());
const versionOf = (e: CalendarEvent | undefined) => e?.etag ?? e?.updated ?? '';

export function trackedView(r: Row): TrackedCalendar {
  return {
    id: r.id,
    connectionId: r.connection_id,
    provider: r.provider,
    calendarId: r.calendar_id,
    mode: r.mode as TrackedCalendar['mode'],
    status: r.status as TrackedCalendar['status'],
    failures: Number(r.failures),
    lastError: r.last_error_code ? { code: r.last_error_code, message: r.last_error ?? '' } : null,
    lastSyncedAt: iso(r.last_synced_at),
    channel: r.channel_id ? { channelId: r.channel_id, expiresAt: iso(r.channel_expires_at) } : null,
    createdAt: iso(r.created_at)!,
  };
}

export class CalendarSync {
  constructor(private readonly o: CalendarSyncOptions) {
    o.queue.register<{ syncId: string }>(SYNC_JOB, async (p) => {
      await this.run(p.syncId);
    });
    o.queue.register(TICK_JOB, async (_p, job) => {
      try {
        await this.tick();
      } finally {
        await this.scheduleTick(job.id);
      }
    });
  }

  /**
   * Start tracking a calendar: the baseline sync (which also proves the calendar exists), then a
   * push channel when the provider can push and the hub has a public URL, else polling. Tracking
   * the same calendar again answers the existing entry.
   */
  async track(tenantId: string, input: { connectionId: string; provider: string; calendarId: string; push?: boolean }): Promise<TrackedCalendar> {
    const existing = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('tenant_id', '=', tenantId).where('connection_id', '=', input.connectionId).where('calendar_id', '=', input.calendarId).executeTakeFirst();
    if (existing) return trackedView(existing);
    const now = this.o.clock.now();
    const id = newId('csy', now);
    const row: Row = { id, tenant_id: tenantId, connection_id: input.connectionId, provider: input.provider, calendar_id: input.calendarId, cursor: null, mode: 'poll', channel_id: null, resource_id: null, channel_started_at: null, channel_expires_at: null, status: 'syncing', failures: 0, last_error_code: null, last_error: null, last_synced_at: null, created_at: now, updated_at: now };
    try {
      await this.o.store.write((trx) => trx.insertInto('calendar_syncs').values(row).execute());
    } catch (err) {
      const raced = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('tenant_id', '=', tenantId).where('connection_id', '=', input.connectionId).where('calendar_id', '=', input.calendarId).executeTakeFirst();
      if (raced) return trackedView(raced); // tracked by a concurrent request
      throw err;
    }
    let connector: CalendarProvider;
    try {
      connector = await this.o.connectorOf(input.connectionId);
      await this.apply(row, await connector.sync(input.calendarId, null));
    } catch (err) {
      await this.o.store.write((trx) => trx.deleteFrom('calendar_syncs').where('id', '=', id).execute());
      throw err;
    }
    const base = input.push === false ? undefined : await this.baseFor(row);
    if (base && connector.capabilities.has('push') && connector.watch) {
      try {
        await this.saveChannel(id, await this.watch(connector, row, base));
        await this.enqueueSync(id); // a change between the baseline and the channel
      } catch (err) {
        const e = toHubError(err);
        this.o.logger.warn({ syncId: id, code: e.code }, 'calendar: watch failed; polling instead');
        await this.o.store.write((trx) => trx.updateTable('calendar_syncs').set({ last_error_code: e.code, last_error: `watch failed, polling: ${e.message}`, updated_at: this.o.clock.now() }).where('id', '=', id).execute());
      }
    }
    await this.scheduleTick();
    return this.get(tenantId, id);
  }

  async list(tenantId: string): Promise<TrackedCalendar[]> {
    const rows = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('tenant_id', '=', tenantId).orderBy('created_at').execute();
    return rows.map(trackedView);
  }

  async get(tenantId: string, id: string): Promise<TrackedCalendar> {
    const row = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new HubError('calendar_sync_not_found', `No tracked calendar ${id}`);
    return trackedView(row);
  }

  /** Stop tracking: the push channel is stopped (best effort) and the known events forgotten. */
  async untrack(tenantId: string, id: string): Promise<void> {
    const row = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
    if (!row) throw new HubError('calendar_sync_not_found', `No tracked calendar ${id}`);
    if (row.channel_id) await this.stop(row, { channelId: row.channel_id, resourceId: row.resource_id, expiresAt: iso(row.channel_expires_at) ?? '' });
    await this.o.store.write(async (trx) => {
      await trx.deleteFrom('calendar_sync_events').where('sync_id', '=', id).execute();
      await trx.deleteFrom('calendar_syncs').where('id', '=', id).execute();
    });
  }

  /** One sync of a tracked calendar (the job's work); a failure is recorded, not thrown. */
  async run(syncId: string): Promise<SyncOutcome | undefined> {
    const row = await this.o.store.db.selectFrom('calendar_syncs').selectAll().where('id', '=', syncId).executeTakeFirst();
    if (!row) return undefined; // untracked meanwhile
    let result: SyncResult;
    try {
      const connector = await this.o.connectorOf(row.connection_id);
      try {
        result = await connector.sync(row.calendar_id, row.cursor);
      } catch (err) {
        if (!(err instanceof HubError && err.code === 'calendar_sync_expired') || row.cursor === null) throw err;
        this.o.logger.info({ syncId, provider: row.provider }, 'calendar: sync cursor expired; full resync');
        result = await connector.sync(row.calendar_id, null);
      }
    } catch (err) {
      return this.fail(row, toHubError(err));
    }
    return this.apply(row, result);
  }

  /**
   * Compare a sync's changes with the known events, record the unified events, move the cursor.
   * Only if the cursor is still the one the run started from: two runs of one calendar may overlap
   * (a notification's job while the tick's runs, two processes), and an answer fetched earlier but
   * applied later would move the cursor back and tell a deleted event as created again. The check
   * is the transaction's first statement, a conditional UPDATE (on PostgreSQL it takes the row's
   * lock, so a concurrent apply waits and then finds the cursor moved).
   */
  private async apply(row: Row, result: SyncResult): Promise<SyncOutcome> {
    const baseline = row.last_synced_at === null;
    const outcome: SyncOutcome = { created: 0, updated: 0, deleted: 0, full: result.full, baseline };
    const recorded: UnifiedEvent[] = [];
    await this.o.store.write(async (trx) => {
      recorded.length = 0;
      Object.assign(outcome, { created: 0, updated: 0, deleted: 0, superseded: undefined });
      const now = this.o.clock.now();
      const claimed = await trx
        .updateTable('calendar_syncs')
        .set({ updated_at: now })
        .where('id', '=', row.id)
        .where((eb) => (row.cursor === null ? eb('cursor', 'is', null) : eb('cursor', '=', row.cursor)))
        .executeTakeFirst();
      if (Number(claimed.numUpdatedRows) === 0) {
        outcome.superseded = true;
        return;
      }
      const known = new Map((await trx.selectFrom('calendar_sync_events').select(['event_id', 'version']).where('sync_id', '=', row.id).execute()).map((k) => [k.event_id, k.version]));
      const emit: RecordInput[] = [];
      const upserts = new Map<string, string>();
      const removed: string[] = [];
      const event = (type: string, eventId: string, version: string, data: Record<string, unknown>, raw: unknown) =>
        emit.push({ tenantId: row.tenant_id, type, provider: row.provider, connectionId: row.connection_id, dedupeKey: `${row.connection_id}:${row.calendar_id}:${eventId}:${version}:${type.slice(15)}`, occurredAt: now, data, raw });
      const seen = new Set<string>();
      for (const change of result.changes) {
        seen.add(change.eventId);
        const before = known.get(change.eventId);
        if (change.deleted || change.event?.status === 'cancelled') {
          const occurrence = change.event?.recurringEventId;
          if (before === undefined && !occurrence) continue; // never known: nothing to tell
          if (before !== undefined) removed.push(change.eventId);
          outcome.deleted++;
          // A cancelled occurrence of a series is told even if the hub never saw it alone (Google sends it then only).
          const extra = occurrence ? { recurringEventId: occurrence, originalStart: change.event?.originalStart ?? null } : {};
          event('calendar.event.deleted', change.eventId, before ?? '', { calendarId: row.calendar_id, eventId: change.eventId, ...extra }, change.event?.raw ?? null);
          continue;
        }
        const version = versionOf(change.event);
        if (before === version) continue;
        upserts.set(change.eventId, version);
        const { raw, ...rest } = change.event!;
        if (before === undefined) outcome.created++;
        else outcome.updated++;
        event(before === undefined ? 'calendar.event.created' : 'calendar.event.updated', change.eventId, version, { calendarId: row.calendar_id, eventId: change.eventId, event: rest }, raw);
      }
      if (result.full) {
        for (const [eventId, version] of known) {
          if (seen.has(eventId)) continue;
          removed.push(eventId);
          outcome.deleted++;
          event('calendar.event.deleted', eventId, version, { calendarId: row.calendar_id, eventId, vanished: true }, null);
        }
      }
      await saveKnown(trx, row.id, upserts, removed);
      await trx.updateTable('calendar_syncs').set({ cursor: result.cursor, status: 'active', failures: 0, last_error_code: null, last_error: null, last_synced_at: now, updated_at: now }).where('id', '=', row.id).execute();
      if (!baseline) for (const e of await this.o.events.recordMany(trx, emit)) if (e) recorded.push(e);
    });
    this.o.events.publish(recorded);
    if (outcome.superseded) {
      this.o.logger.info({ syncId: row.id, provider: row.provider }, 'calendar: another sync moved the cursor first; syncing again from it');
      await this.enqueueSync(row.id);
    }
    return outcome;
  }

  private async fail(row: Row, err: HubError): Promise<SyncOutcome> {
    const status = REVOKED.has(err.code) || err.code === 'not_configured' ? 'revoked' : 'failing';
    const failures = Number(row.failures) + 1;
    const now = this.o.clock.now();
    const recorded: UnifiedEvent[] = [];
    this.o.logger.warn({ syncId: row.id, provider: row.provider, code: err.code, failures }, 'calendar: sync failed');
    await this.o.store.write(async (trx) => {
      recorded.length = 0;
      await trx.updateTable('calendar_syncs').set({ status, failures, last_error_code: err.code, last_error: err.message.slice(0, 1000), updated_at: now }).where('id', '=', row.id).execute();
      if (failures > 1 && status === row.status) return; // told already
      const [e] = await this.o.events.recordMany(trx, [
        { tenantId: row.tenant_id, type: 'calendar.sync.failed', provider: row.provider, connectionId: row.connection_id, occurredAt: now, data: { calendarId: row.calendar_id, code: err.code, message: err.message, failures, status, syncId: row.id }, raw: null },
      ]);
      if (e) recorded.push(e);
    });
    this.o.events.publish(recorded);
    return { created: 0, updated: 0, deleted: 0, full: false, baseline: false, failed: err.code };
  }

  /**
   * The sink of `calendar.push` notifications: the tracked calendar of the channel gets a sync job
   * (a Graph `reauthorizationRequired` renews the subscription first, `subscriptionRemoved` watches
   * anew). A notification of an unknown channel (stopped, or another tenant's) is ignored.
   */
  readonly sink = async (provider: string, inbound: InboundEvent[], origin: InboundOrigin): Promise<void> => {
    for (const e of inbound) {
      if (e.type !== CALENDAR_PUSH_TYPE) continue;
      const data = e.data as unknown as CalendarPushData;
      let q = this.o.store.db.selectFrom('calendar_syncs').selectAll().where('channel_id', '=', data.channelId).where('provider', '=', provider).where('tenant_id', '=', origin.tenantId);
      if (origin.connectionId) q = q.where('connection_id', '=', origin.connectionId);
      const row = await q.executeTakeFirst();
      if (!row) {
        this.o.logger.info({ provider, channelId: data.channelId }, 'calendar: notification for an unknown channel ignored');
        continue;
      }
      if (data.state === 'sync' && !data.lifecycle) continue; // Google's "channel created" hello
      if (data.lifecycle === 'reauthorizationRequired' || data.lifecycle === 'subscriptionRemoved') await this.renew(row, data.lifecycle === 'subscriptionRemoved');
      await this.enqueueSync(row.id);
    }
  };

  /**
   * The periodic work: renew channels near expiry; sync calendars without push, those failing, and
   * push ones whose channel lapsed or that heard nothing for 12 intervals.
   */
  async tick(): Promise<void> {
    const now = this.o.clock.now();
    const rows = await this.o.store.db.selectFrom('calendar_syncs').selectAll().execute();
    for (const row of rows) {
      if (row.channel_id && row.channel_expires_at !== null) {
        const expires = Number(row.channel_expires_at);
        const lifetime = expires - Number(row.channel_started_at ?? now);
        if (expires - now < Math.max(HOUR, lifetime / 4)) await this.renew(row, false).catch((err: unknown) => this.o.logger.warn({ syncId: row.id, code: toHubError(err).code }, 'calendar: channel renewal failed'));
      }
      // Push calendars are synced too once their channel lapsed (a failed renewal) or nothing came
      // for a while (a lost notification): never silent staleness.
      const lapsed = row.mode === 'push' && (row.channel_expires_at === null || Number(row.channel_expires_at) <= now || now - Number(row.last_synced_at ?? 0) > PUSH_SAFETY_SYNCS * this.o.intervalSeconds * 1000);
      if (row.mode === 'poll' || row.status !== 'active' || lapsed) await this.enqueueSync(row.id);
    }
  }

  /** Counts of tracked calendars by status (public in health: no ids); `degraded` when any is failing or revoked. */
  async health(): Promise<CategoryHealth> {
    const rows = await this.o.store.db.selectFrom('calendar_syncs').select(['status', 'mode']).execute();
    const count = (f: (r: { status: string; mode: string }) => boolean) => rows.filter(f).length;
    const failing = count((r) => r.status === 'failing');
    const revoked = count((r) => r.status === 'revoked');
    return { status: failing + revoked > 0 ? 'degraded' : 'ok', details: { tracked: rows.length, push: count((r) => r.mode === 'push'), poll: count((r) => r.mode === 'poll'), failing, revoked } };
  }

  /**
   * Make sure one tick is pending while any calendar is tracked (at start, after tracking, after
   * each tick); `current` is the running tick's own job. A hub that tracks nothing has no tick.
   */
  async scheduleTick(current?: string): Promise<void> {
    const tracked = await this.o.store.db.selectFrom('calendar_syncs').select('id').limit(1).executeTakeFirst();
    if (!tracked) return;
    let q = this.o.store.db.selectFrom('jobs').select('id').where('type', '=', TICK_JOB).where('status', 'in', ['pending', 'running']);
    if (current) q = q.where('id', '!=', current);
    if (await q.executeTakeFirst()) return;
    await this.o.queue.add({ type: TICK_JOB, payload: null, runAt: this.o.clock.now() + this.o.intervalSeconds * 1000 });
  }

  private async enqueueSync(syncId: string): Promise<void> {
    const payload = JSON.stringify({ syncId });
    const waiting = await this.o.store.db.selectFrom('jobs').select('id').where('type', '=', SYNC_JOB).where('status', '=', 'pending').where('payload', '=', payload).executeTakeFirst();
    if (waiting) return; // one waiting sync covers every notification before it
    await this.o.queue.add({ type: SYNC_JOB, payload: { syncId } });
  }

  private async baseFor(row: Row): Promise<string | undefined> {
    return this.o.publicUrl ?? (await this.o.localBase?.(row.connection_id));
  }

  private watch(connector: CalendarProvider, row: Row, base: string): Promise<PushChannel> {
    const address = `${base.replace(/\/+$/, '')}/webhooks/${row.provider}/${row.connection_id}`;
    return connector.watch!(row.calendar_id, { address, token: issuePushToken(this.o.pushKey(row.connection_id)), expiresAt: new Date(this.o.clock.now() + CHANNEL_LIFETIME).toISOString() });
  }

  /** Renew a channel where the provider can; else watch anew, store the new channel, stop the old one, and sync. */
  private async renew(row: Row, gone: boolean): Promise<void> {
    const connector = await this.o.connectorOf(row.connection_id);
    const old: PushChannel | null = row.channel_id ? { channelId: row.channel_id, resourceId: row.resource_id, expiresAt: iso(row.channel_expires_at) ?? '' } : null;
    if (old && !gone && connector.renewWatch) {
      await this.saveChannel(row.id, await connector.renewWatch(old, new Date(this.o.clock.now() + CHANNEL_LIFETIME).toISOString()));
      return;
    }
    const base = await this.baseFor(row);
    if (!base || !connector.watch) return;
    await this.saveChannel(row.id, await this.watch(connector, row, base));
    if (old && !gone) await this.stop(row, old);
    await this.enqueueSync(row.id); // whatever changed during the swap
  }

  private async stop(row: Row, channel: PushChannel): Promise<void> {
    try {
      const connector = await this.o.connectorOf(row.connection_id);
      await connector.stopWatch?.(channel);
    } catch (err) {
      this.o.logger.warn({ syncId: row.id, code: toHubError(err).code }, 'calendar: stopping the old channel failed (its notifications are ignored)');
    }
  }

  private async saveChannel(syncId: string, channel: PushChannel): Promise<void> {
    const now = this.o.clock.now();
    const expires = Date.parse(channel.expiresAt);
    await this.o.store.write((trx) =>
      trx.updateTable('calendar_syncs').set({ mode: 'push', channel_id: channel.channelId, resource_id: channel.resourceId, channel_started_at: now, channel_expires_at: Number.isNaN(expires) ? null : expires, updated_at: now }).where('id', '=', syncId).execute(),
    );
  }
}

async function saveKnown(trx: Trx, syncId: string, upserts: Map<string, string>, removed: string[]): Promise<void> {
  for (let i = 0; i < removed.length; i += CHUNK) await trx.deleteFrom('calendar_sync_events').where('sync_id', '=', syncId).where('event_id', 'in', removed.slice(i, i + CHUNK)).execute();
  const rows = [...upserts].map(([event_id, version]) => ({ sync_id: syncId, event_id, version }));
  for (let i = 0; i < rows.length; i += CHUNK) {
    await trx
      .insertInto('calendar_sync_events')
      .values(rows.slice(i, i + CHUNK))
      .onConflict((oc) => oc.columns(['sync_id', 'event_id']).doUpdateSet((eb) => ({ version: eb.ref('excluded.version') })))
      .execute();
  }
}
