/**
 * The delivery job: one attempt of one delivery. Signs the stored body (the same `webhook-id` on
 * every attempt), posts it, records the attempt, and in the same transaction schedules the next
 * attempt, or finishes the delivery (succeeded, dead). A job is fenced by the attempt number it
 * carries: a stale or duplicated job (a crash between "attempt recorded" and "job done") finds the
 * delivery moved on and does nothing.
 *
 * Operational events: `webhook.delivery.exhausted` when the schedule runs out, and
 * `webhook.endpoint.disabled` on 410 Gone or after 5 days of continuous failure. Endpoints may
 * subscribe to them; an exhausted delivery OF a `webhook.*` event emits nothing more (logged
 * instead), so a dead endpoint subscribed to `*` makes at most one extra message per failure.
 */
import type { BlockList } from 'node:net';
import type { Agent } from 'undici';
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import { CompiledQuery } from 'kysely';
import { completeJobs, enqueue, enqueueMany, type EnqueueOptions, type JobContext } from '../../queue/queue.js';
import type { Store, Trx } from '../../store/store.js';
import type { Vault } from '../../vault/vault.js';
import { DEFAULT_RETRY_SCHEDULE_MS, endpointHeaders, secretsContext, type EndpointSecrets } from './endpoints.js';
import { DELIVER_JOB, DELIVER_JOB_MAX_RUNS, type DeliverJob } from './fan-out.js';
import { DerivedCache, TurnBatcher } from './batch.js';
import { postWebhook, type PostOutcome } from './http-post.js';
import type { EndpointLimits } from './limits.js';

/**
 * Settlement writes in flight at once (see {@link Deliverer.settle}): SQLite commits one group at a
 * time anyway; PostgreSQL runs several groups at once (leave one of the store's 5 for the leases).
 */
const SETTLE_WRITES = { sqlite: 2, postgres: 4 } as const;
/** An endpoint failing this long without a success is disabled. */
export const FAILING_DISABLE_MS = 5 * 86_400_000;
/** Longest `Retry-After` honoured. */
const MAX_RETRY_AFTER_MS = 24 * 3600_000;

const isOk = (out: PostOutcome) => out.status !== null && out.status >= 200 && out.status < 300;

export interface DelivererOptions {
  store: Store;
  vault: Vault;
  clock: Clock;
  logger: Logger;
  events: EventStore;
  limits: EndpointLimits;
  agent: () => Agent;
  allow: BlockList;
  timeoutMs: number;
}

/** A delivery with its message and endpoint (the endpoint columns are null once it is deleted). */
interface Loaded {
  id: string;
  status: string;
  attempts: number;
  endpoint_id: string;
  message_id: string;
  payload: string;
  event_id: string;
  event_type: string;
  tenant_id: string;
  endpoint_id_live: string | null;
  url: string;
  enabled: number;
  secrets: string;
  rate_limit_per_second: number | null;
  retry_schedule: string | null;
  failing_since: number | null;
  disabled_reason: string | null;
}

/** What one job leaves to write: its attempt's result, a deferral, a drop, or nothing (stale). */
type Settle =
  | { kind: 'result'; row: Loaded; p: DeliverJob; out: PostOutcome }
  | { kind: 'defer'; next: DeliverJob; runAt: number }
  | { kind: 'drop'; p: DeliverJob }
  | { kind: 'stale' };

interface Pending {
  settle: Settle;
  job?: JobContext;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** A delivery with its message and endpoint (see {@link Loaded}); completed with a `where` on `d.id`. */
const LOAD = `select d.id, d.status, d.attempts, d.endpoint_id, d.message_id, m.payload, m.event_id, m.event_type, m.tenant_id,
    e.id as endpoint_id_live, e.url, e.enabled, e.secrets, e.rate_limit_per_second, e.retry_schedule, e.failing_since, e.disabled_reason
  from webhook_deliveries d join webhook_messages m on m.id = d.message_id left join webhook_endpoints e on e.id = d.endpoint_id`;

/** Successful attempts, fenced by the attempt count each job carries: updated_at, then (id, attempts before, status code) rows. */
const SUCCEEDED_PG = `update webhook_deliveries d set status = 'succeeded', attempts = d.attempts + 1, last_status = v.code, next_attempt_at = null, updated_at = $1
  from unnest($2::text[], $3::int[], $4::int[]) as v(id, attempts, code)
  where d.id = v.id and d.attempts = v.attempts and d.status = 'pending' returning d.id`;
const SUCCEEDED_SQLITE = `update webhook_deliveries set status = 'succeeded', attempts = webhook_deliveries.attempts + 1, last_status = v.code, next_attempt_at = null, updated_at = ?
  from (select value ->> 0 as id, value ->> 1 as attempts, value ->> 2 as code from json_each(?)) as v
  where webhook_deliveries.id = v.id and webhook_deliveries.attempts = v.attempts and webhook_deliveries.status = 'pending' returning id`;
const ATTEMPT_COLUMNS = ['id', 'delivery_id', 'endpoint_id', 'message_id', 'at', 'status_code', 'latency_ms', 'response', 'error'] as const;
const ATTEMPTS_PG = `insert into webhook_attempts (${ATTEMPT_COLUMNS.join(', ')})
  select * from unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::bigint[], $6::int[], $7::int[], $8::text[], $9::text[])`;
const ATTEMPTS_SQLITE = `insert into webhook_attempts (${ATTEMPT_COLUMNS.join(', ')})
  select ${ATTEMPT_COLUMNS.map((_, i) => `value ->> ${i}`).join(', ')} from json_each(?)`;

export class Deliverer {
  private readonly rows = new TurnBatcher((ids: string[]) => this.loadMany(ids));
  private readonly secrets = new DerivedCache<EndpointSecrets>();
  /** Settlements gathering for the next write (handed to the store, or waiting for a write to finish). */
  private batch: Pending[] | null = null;
  /** The batch last handed to the store (it gathers until the store runs it). */
  private handed: Pending[] | null = null;
  /** Settlement writes in flight. */
  private writing = 0;

  constructor(private readonly o: DelivererOptions) {}

  /** The queue handler of `webhook.deliver`. */
  async handle(p: DeliverJob, job?: JobContext): Promise<void> {
    const row = await this.rows.add(p.d);
    if (!row || row.status !== 'pending' || row.attempts !== p.a - 1) return this.settle({ kind: 'stale' }, job);
    const now = this.o.clock.now();
    if (!row.endpoint_id_live || !row.enabled) {
      const reason = row.endpoint_id_live ? `endpoint disabled${row.disabled_reason ? `: ${row.disabled_reason}` : ''}` : 'endpoint deleted';
      await this.settle({ kind: 'drop', p }, job);
      this.o.logger.info({ delivery: p.d, reason }, 'webhook delivery dropped');
      return;
    }
    const admission = await this.o.limits.acquire(row.endpoint_id, row.rate_limit_per_second, now, p.w ?? 0, p.slot);
    if (!admission.ok) {
      return this.settle({ kind: 'defer', next: { ...p, w: (p.w ?? 0) + 1, slot: admission.slot }, runAt: now + admission.deferMs }, job);
    }
    let out: PostOutcome;
    try {
      const secrets = this.secrets.get(`${row.endpoint_id}\n${row.secrets}`, () => this.o.vault.open<EndpointSecrets>(row.secrets, secretsContext(row.endpoint_id)));
      const headers = endpointHeaders(secrets, row.message_id, this.o.clock.now(), row.payload);
      out = await postWebhook(this.o.agent(), this.o.allow, row.url, headers, row.payload, this.o.timeoutMs, () => this.o.clock.now());
    } finally {
      this.o.limits.release(row.endpoint_id);
    }
    await this.settle({ kind: 'result', row, p, out }, job);
  }

  /**
   * Write what a job leaves, with the writes of the other jobs settling now, in one group-committed
   * transaction that also completes their queue jobs (so a result and its job commit together). The
   * job's worker slot is released while it waits (its lease and heartbeat stay). At most
   * {@link SETTLE_WRITES} such writes (2 on SQLite, 4 on PostgreSQL) are in flight: meanwhile the
   * next batch grows, so under load the batches get larger instead of more numerous (each write
   * costs its round trips and its fsync whatever its size).
   */
  private settle(settle: Settle, job?: JobContext): Promise<void> {
    // What is left is the shared commit: let the queue start another job meanwhile.
    job?.release();
    return new Promise<void>((resolve, reject) => {
      (this.batch ??= []).push({ settle, job, resolve, reject });
      this.flush();
    });
  }

  /** Hand the open batch to the store unless enough settlement writes are in flight already. */
  private flush(): void {
    const batch = this.batch;
    if (!batch || this.handed === batch || this.writing >= SETTLE_WRITES[this.o.store.dialect]) return;
    this.handed = batch;
    this.writing++;
    void this.commit(batch, () => {
      if (this.batch === batch) this.batch = null; // later settles go to the next batch
    }).finally(() => {
      this.writing--;
      this.flush();
    });
  }

  /** Write a batch; when it fails, write each of its items alone so only the bad one fails. */
  private async commit(batch: Pending[], closing = () => {}): Promise<void> {
    const recorded: UnifiedEvent[] = [];
    try {
      await this.o.store.write(async (trx) => {
        closing();
        recorded.length = 0;
        await this.writeBatch(trx, batch, recorded);
      });
    } catch (err) {
      closing(); // also when the write failed before running: nothing more may join this batch
      if (batch.length === 1) return batch[0]!.reject(err);
      await Promise.all(batch.map((x) => this.commit([x])));
      return;
    }
    this.o.events.publish(recorded);
    for (const x of batch) x.resolve();
  }

  private async writeBatch(trx: Trx, batch: Pending[], recorded: UnifiedEvent[]): Promise<void> {
    const now = this.o.clock.now();
    // The common case in bulk: a 2xx for an endpoint that was not failing.
    const plain = batch.flatMap((x) => (x.settle.kind === 'result' && isOk(x.settle.out) && x.settle.row.failing_since === null ? [x.settle] : []));
    for (let i = 0; i < plain.length; i += 1000) await this.recordSuccesses(trx, plain.slice(i, i + 1000), now);
    const next: EnqueueOptions[] = [];
    for (const { settle: s } of batch) {
      if (s.kind === 'result' && !plain.includes(s)) await this.record(trx, s.row, s.p, s.out, recorded);
      else if (s.kind === 'drop') {
        await trx.updateTable('webhook_deliveries').set({ status: 'dead', next_attempt_at: null, updated_at: now }).where('id', '=', s.p.d).where('status', '=', 'pending').where('attempts', '=', s.p.a - 1).execute();
      } else if (s.kind === 'defer') next.push({ type: DELIVER_JOB, payload: s.next, runAt: s.runAt, maxAttempts: DELIVER_JOB_MAX_RUNS });
    }
    await enqueueMany(trx, next, now);
    await completeJobs(trx, batch.flatMap((x) => (x.job ? [x.job] : [])), now);
  }

  /**
   * Successful attempts: one fenced update of their deliveries, one insert of their attempt rows.
   * Hot path: statements written out per dialect, one text whatever the count (SQLite reuses the
   * prepared statement), rows passed as one JSON array (SQLite) or column arrays (PostgreSQL).
   */
  private async recordSuccesses(trx: Trx, items: Extract<Settle, { kind: 'result' }>[], now: number): Promise<void> {
    const pg = this.o.store.dialect === 'postgres';
    const ids = items.map((x) => x.row.id);
    const fence = items.map((x) => x.p.a - 1);
    const codes = items.map((x) => x.out.status!);
    const updated = await trx.executeQuery<{ id: string }>(
      pg
        ? CompiledQuery.raw(SUCCEEDED_PG, [now, ids, fence, codes])
        : CompiledQuery.raw(SUCCEEDED_SQLITE, [now, JSON.stringify(items.map((_, i) => [ids[i], fence[i], codes[i]]))]),
    );
    const moved = new Set(updated.rows.map((r) => r.id));
    const attempts = items
      .filter((x) => moved.has(x.row.id)) // the others were recorded by another worker
      .map(({ row, out }) => [newId('att', now), row.id, row.endpoint_id, row.message_id, now, out.status, out.latencyMs, out.response, out.error] as const);
    if (attempts.length === 0) return;
    await trx.executeQuery(
      pg
        ? CompiledQuery.raw(ATTEMPTS_PG, ATTEMPT_COLUMNS.map((_, c) => attempts.map((a) => a[c])))
        : CompiledQuery.raw(ATTEMPTS_SQLITE, [JSON.stringify(attempts)]),
    );
  }

  /** Deliveries with their message and endpoint, in the order of `ids` (undefined: not found). */
  async loadMany(ids: string[]): Promise<(Loaded | undefined)[]> {
    const unique = [...new Set(ids)];
    const query = this.o.store.dialect === 'postgres' ? CompiledQuery.raw(`${LOAD} where d.id = any($1::text[])`, [unique]) : CompiledQuery.raw(`${LOAD} where d.id in (select value from json_each(?))`, [JSON.stringify(unique)]);
    const rows = (await this.o.store.db.executeQuery<Loaded>(query)).rows;
    const byId = new Map(rows.map((r) => [r.id, r]));
    return ids.map((id) => byId.get(id));
  }

  private async record(trx: Trx, row: Loaded, p: DeliverJob, out: PostOutcome, recorded: UnifiedEvent[]): Promise<void> {
    const now = this.o.clock.now();
    const ok = isOk(out);
    const schedule = row.retry_schedule ? (JSON.parse(row.retry_schedule) as number[]) : DEFAULT_RETRY_SCHEDULE_MS;
    const step = p.s + 1;
    const failingSince = row.failing_since ?? now;
    const gone = out.status === 410;
    const tooLong = !ok && now - failingSince >= FAILING_DISABLE_MS;
    const exhausted = !ok && !gone && step >= schedule.length;
    let delay = schedule[Math.min(step, schedule.length - 1)] ?? 0;
    if ((out.status === 429 || out.status === 503) && out.retryAfterMs !== undefined) delay = Math.max(delay, Math.min(out.retryAfterMs, MAX_RETRY_AFTER_MS));
    const status = ok ? 'succeeded' : gone || exhausted || tooLong ? 'dead' : 'pending';
    const updated = await trx
      .updateTable('webhook_deliveries')
      .set({ status, attempts: p.a, last_status: out.status, next_attempt_at: status === 'pending' ? now + delay : null, updated_at: now })
      .where('id', '=', row.id)
      .where('status', '=', 'pending')
      .where('attempts', '=', p.a - 1)
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return; // another worker recorded this attempt
    await trx
      .insertInto('webhook_attempts')
      .values({ id: newId('att', now), delivery_id: row.id, endpoint_id: row.endpoint_id, message_id: row.message_id, at: now, status_code: out.status, latency_ms: out.latencyMs, response: out.response, error: out.error })
      .execute();
    if (ok) {
      if (row.failing_since !== null) await trx.updateTable('webhook_endpoints').set({ failing_since: null }).where('id', '=', row.endpoint_id).execute();
      return;
    }
    if (row.failing_since === null) await trx.updateTable('webhook_endpoints').set({ failing_since: now }).where('id', '=', row.endpoint_id).where('failing_since', 'is', null).execute();
    if (status === 'pending') {
      await enqueue(trx, { type: DELIVER_JOB, payload: { d: row.id, a: p.a + 1, s: step } satisfies DeliverJob, runAt: now + delay, maxAttempts: DELIVER_JOB_MAX_RUNS }, now);
    }
    const base = { endpointId: row.endpoint_id, url: row.url, deliveryId: row.id, messageId: row.message_id, eventId: row.event_id, eventType: row.event_type, attempts: p.a, lastStatus: out.status, lastError: out.error };
    if (gone || tooLong) {
      const reason = gone ? 'the endpoint answered 410 Gone' : `failing continuously since ${new Date(failingSince).toISOString()}`;
      const disabled = await trx.updateTable('webhook_endpoints').set({ enabled: 0, disabled_reason: reason, updated_at: now }).where('id', '=', row.endpoint_id).where('enabled', '=', 1).executeTakeFirst();
      if (Number(disabled.numUpdatedRows) > 0) await this.emit(trx, row.tenant_id, 'webhook.endpoint.disabled', `endpoint-disabled:${row.endpoint_id}:${now}`, { ...base, reason }, recorded);
    }
    if (exhausted || (tooLong && !gone)) {
      if (row.event_type.startsWith('webhook.')) {
        this.o.logger.warn(base, 'webhook delivery of an operational event exhausted (no further event, to avoid loops)');
      } else {
        await this.emit(trx, row.tenant_id, 'webhook.delivery.exhausted', `delivery-exhausted:${row.id}:${p.a}`, base, recorded);
      }
    }
  }

  private async emit(trx: Trx, tenantId: string, type: string, dedupeKey: string, data: Record<string, unknown>, recorded: UnifiedEvent[]): Promise<void> {
    const event = await this.o.events.record(trx, { tenantId, type, provider: 'switchboard', dedupeKey, occurredAt: this.o.clock.now(), data, raw: null });
    if (event) recorded.push(event);
  }
}
