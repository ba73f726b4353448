/**
 * Durable jobs in the store. A job is enqueued in the same transaction as the record it works on,
 * leased with a timeout (kept alive by a heartbeat while it runs), retried on a jittered
 * exponential schedule and dead-lettered with its reason when exhausted. A process killed at any
 * moment loses nothing: its leases expire and another worker (or the restarted one) takes the jobs.
 * On PostgreSQL several processes share the queue (`FOR UPDATE SKIP LOCKED`); a lease is fenced by
 * `(locked_by, attempts)`, so a worker whose lease was taken over cannot overwrite the new result.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { CompiledQuery, sql } from 'kysely';
import { backoff, retryAfterMs } from '../core/backoff.js';
import { systemClock, type Clock } from '../core/clock.js';
import type { HubError} from '../core/errors.js';
import { toHubError } from '../core/errors.js';
import { newId } from '../core/ids.js';
import type { Logger } from '../core/logger.js';
import type { JobsTable } from '../store/schema.js';
import type { Dialect, Store, Trx } from '../store/store.js';

export interface EnqueueOptions {
  type: string;
  payload: unknown;
  id?: string;
  /** Epoch ms; default now. */
  runAt?: number;
  maxAttempts?: number;
  /** Higher runs first. */
  priority?: number;
  batchId?: string;
}

export interface JobContext {
  id: string;
  type: string;
  /** 1 on the first run. */
  attempt: number;
  maxAttempts: number;
  batchId: string | null;
  signal: AbortSignal;
  /**
   * Mark this job done inside the handler's own transaction (fenced by the lease), so its result
   * and the job's completion commit together and the queue writes nothing more for it. Call it
   * only in a write whose failure makes the handler throw. See {@link completeJobs} for many.
   */
  complete(trx: Trx): Promise<void>;
  /**
   * Free this job's worker slot for another job while this one only waits for its own commit (a
   * batched write shared with other jobs): the queue still heartbeats it, waits for it on `stop`
   * and records its outcome as usual. Running jobs in all stay within 4 × concurrency, so a
   * stalled store cannot make released jobs pile up.
   */
  release(): void;
}

interface Lease {
  id: string;
  attempts: number;
  workerId: string;
  dialect: Dialect;
  settled: boolean;
}

const leases = new WeakMap<JobContext, Lease>();

/**
 * Mark several running jobs done in the caller's transaction, in one statement per worker: what a
 * handler batching the results of many jobs into one write uses. Fenced by `(locked_by, attempts)`.
 *
 * @example
 * await store.write(async (trx) => { await recordResults(trx, items); await completeJobs(trx, items.map((i) => i.job)); });
 */
export async function completeJobs(trx: Trx, jobs: JobContext[], now = Date.now()): Promise<void> {
  const byWorker = new Map<string, Lease[]>();
  for (const job of jobs) {
    const lease = leases.get(job);
    if (!lease) continue;
    let list = byWorker.get(lease.workerId);
    if (!list) byWorker.set(lease.workerId, (list = []));
    list.push(lease);
  }
  for (const [workerId, list] of byWorker) {
    // One statement text whatever the count (a prepared statement reused), no query builder.
    const query =
      list[0]!.dialect === 'postgres'
        ? CompiledQuery.raw(
            `update jobs set status = 'done', lease_until = null, updated_at = $1
              where locked_by = $2 and (id, attempts) in (select * from unnest($3::text[], $4::int[]))`,
            [now, workerId, list.map((l) => l.id), list.map((l) => l.attempts)],
          )
        : CompiledQuery.raw(
            `update jobs set status = 'done', lease_until = null, updated_at = ?
              where locked_by = ? and (id, attempts) in (select value ->> 0, value ->> 1 from json_each(?))`,
            [now, workerId, JSON.stringify(list.map((l) => [l.id, l.attempts]))],
          );
    await trx.executeQuery(query);
    for (const lease of list) lease.settled = true;
  }
}

export type JobHandler<P = unknown> = (payload: P, job: JobContext) => Promise<void>;

export interface RetrySchedule {
  baseMs: number;
  maxMs: number;
}

export interface QueueOptions {
  clock?: Clock;
  logger?: Logger;
  concurrency?: number;
  /** How long a lease lasts without a heartbeat (default 30 s). */
  leaseMs?: number;
  pollMs?: number;
  workerId?: string;
  retry?: RetrySchedule;
}

type JobRow = JobsTable;

const DEFAULT_MAX_ATTEMPTS = 8;
/** Running jobs in all (holding a slot or waiting on their commit), as a multiple of the concurrency. */
const RELEASED_MAX = 4;
/**
 * Jobs leased ahead plus jobs holding a slot, as a multiple of the concurrency. A lease is a write
 * (tens of ms on a busy PostgreSQL): with 2× the workers ran dry between leases.
 */
const LOOK_AHEAD = 4;
/** Abort listeners one running job may hold on the stop signal at once (a timeout and a sleep, with room). */
const LISTENERS_PER_JOB = 4;

/**
 * Insert a job inside the caller's transaction (so it commits with the record it belongs to).
 *
 * @example
 * await store.write(async (trx) => { await insertMessage(trx, msg); await enqueue(trx, { type: 'email.send', payload: { id } }); });
 */
export async function enqueue(trx: Trx, options: EnqueueOptions, now = Date.now()): Promise<string> {
  const [id] = await enqueueMany(trx, [options], now);
  return id!;
}

/**
 * Insert several jobs in one statement, inside the caller's transaction (a bulk send's chunk).
 *
 * @example
 * await enqueueMany(trx, ids.map((id) => ({ type: 'email.send', payload: { messageId: id }, batchId })), now);
 */
export async function enqueueMany(trx: Trx, jobs: EnqueueOptions[], now = Date.now()): Promise<string[]> {
  if (jobs.length === 0) return [];
  const rows = jobs.map((o) => ({
    id: o.id ?? newId('job', now),
    type: o.type,
    payload: JSON.stringify(o.payload ?? null),
    status: 'pending',
    priority: o.priority ?? 0,
    run_at: o.runAt ?? now,
    attempts: 0,
    max_attempts: o.maxAttempts ?? DEFAULT_MAX_ATTEMPTS,
    lease_until: null,
    locked_by: null,
    last_error: null,
    batch_id: o.batchId ?? null,
    created_at: now,
    updated_at: now,
  }));
  await trx.insertInto('jobs').values(rows).execute();
  return rows.map((r) => r.id);
}

/**
 * Settle a job that has not started yet, in the caller's transaction: `done` when its work was
 * done another way (a synchronous send that succeeded cancels its recovery job), or dead with the
 * error. A job a worker already took is left to the worker.
 *
 * @example
 * await settlePending(trx, jobId, now); // done
 * await settlePending(trx, jobId, now, err); // dead, with err
 */
export async function settlePending(trx: Trx, jobId: string, now: number, error?: HubError): Promise<void> {
  await trx
    .updateTable('jobs')
    .set(error ? { status: 'dead', last_error: JSON.stringify(error.toJSON()), updated_at: now } : { status: 'done', updated_at: now })
    .where('id', '=', jobId)
    .where('status', '=', 'pending')
    .execute();
}

/**
 * Delay before a job's attempt `attempt + 1`: the error's Retry-After (capped at `maxMs`), else the
 * hub's one backoff with equal jitter (at least half the ceiling).
 *
 * @example
 * jobRetryDelay(1, { baseMs: 1000, maxMs: 60_000 }) // 500..1000
 */
export function jobRetryDelay(attempt: number, schedule: RetrySchedule, err?: HubError, random = Math.random): number {
  const asked = retryAfterMs(err);
  if (asked !== undefined) return Math.min(asked, schedule.maxMs);
  return backoff(attempt, { ...schedule, floor: 0.5 }, random);
}

/** The lease (see {@link Queue.lease}); parameters: lease_until, locked_by, now, now, limit, now, limit, limit. */
const LEASE_PG = `
  with p as (select id, priority, run_at from jobs where status = 'pending' and run_at <= $4
      order by priority desc, run_at limit $5 for update skip locked),
    r as (select id, priority, run_at from jobs where status = 'running' and lease_until < $6
      order by lease_until limit $7 for update skip locked)
  update jobs set status = 'running', attempts = attempts + 1, lease_until = $1, locked_by = $2, updated_at = $3
  where id in (select id from (select * from p union all select * from r) due order by priority desc, run_at limit $8)
  returning *`;
const LEASE_SQLITE = `
  update jobs set status = 'running', attempts = attempts + 1, lease_until = ?, locked_by = ?, updated_at = ?
  where id in (select id from (
      select * from (select id, priority, run_at from jobs indexed by jobs_pending where status = 'pending' and run_at <= ?
        order by priority desc, run_at limit ?)
      union all
      select * from (select id, priority, run_at from jobs indexed by jobs_running where status = 'running' and lease_until < ?
        order by lease_until limit ?)
    ) order by priority desc, run_at limit ?)
  returning *`;

export class Queue {
  readonly workerId: string;
  private readonly handlers = new Map<string, JobHandler>();
  private readonly clock: Clock;
  private readonly concurrency: number;
  private readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly retry: RetrySchedule;
  private readonly running = new Map<string, Promise<unknown>>();
  /** Running jobs that hold a worker slot (not released: see {@link JobContext.release}). */
  private busy = 0;
  /** Leased ahead (up to {@link LOOK_AHEAD} × concurrency with the running ones), so a finished job's slot refills without waiting for a commit. */
  private ready: JobRow[] = [];
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private started = false;
  private polling: Promise<void> | null = null;
  private wakeAgain = false;

  constructor(
    private readonly store: Store,
    private readonly options: QueueOptions = {},
  ) {
    this.clock = options.clock ?? systemClock;
    this.concurrency = options.concurrency ?? 16;
    this.leaseMs = options.leaseMs ?? 30_000;
    this.pollMs = options.pollMs ?? 500;
    this.retry = options.retry ?? { baseMs: 1000, maxMs: 60 * 60_000 };
    this.workerId = options.workerId ?? `w_${randomUUID().slice(0, 8)}`;
    // Every running job gets this one stop signal, and a job waiting with it (a timeout, a sleep)
    // adds an abort listener for the wait: up to a few per running job is normal, not the leak
    // Node warns of past 10 ("MaxListenersExceededWarning" under load). A bound, not Infinity, so
    // a real leak still warns.
    setMaxListeners(LISTENERS_PER_JOB * RELEASED_MAX * this.concurrency, this.abort.signal);
  }

  /** Register the handler of a job type (before `start`). */
  register<P>(type: string, handler: JobHandler<P>): void {
    this.handlers.set(type, handler as JobHandler);
  }

  /** Enqueue in a transaction of its own (group-committed) and wake the worker. */
  async add(options: EnqueueOptions): Promise<string> {
    const id = await this.store.write((trx) => enqueue(trx, options, this.clock.now()));
    this.wake();
    return id;
  }

  start(): void {
    if (this.started) return;
    this.started = true;
    this.wake();
  }

  /** Stop leasing; hand back jobs leased ahead; wait for running jobs (they finish or their leases expire elsewhere). */
  async stop(): Promise<void> {
    this.started = false;
    clearTimeout(this.timer);
    await this.polling;
    await this.unlease(this.ready.splice(0));
    await Promise.allSettled([...this.running.values()]);
  }

  /** Abort running handlers at once (simulates a crash in tests; leases are left to expire). */
  kill(): void {
    this.started = false;
    clearTimeout(this.timer);
    this.abort.abort(new Error('queue killed'));
  }

  /** Look for due jobs now (call after enqueueing from outside `add`). */
  wake(): void {
    if (!this.started) return;
    this.startReady();
    if (this.polling) {
      this.wakeAgain = true;
      return;
    }
    clearTimeout(this.timer);
    this.polling = this.poll().finally(() => {
      this.polling = null;
      if (!this.started) return;
      if (this.wakeAgain) {
        this.wakeAgain = false;
        this.wake();
      } else this.timer = setTimeout(() => this.wake(), this.pollMs);
    });
  }

  /** Lease and run due jobs once; resolves when they have finished. For tests and the CLI. */
  async runDue(): Promise<number> {
    const jobs = await this.lease(this.concurrency);
    await Promise.all(jobs.map((job) => this.run(job)));
    return jobs.length;
  }

  private async poll(): Promise<void> {
    const want = Math.min(LOOK_AHEAD * this.concurrency - this.busy, RELEASED_MAX * this.concurrency - this.running.size) - this.ready.length;
    // Lease in large batches (each lease sorts the due jobs): wait until half the look-ahead is used.
    if (want <= 0 || (want < this.concurrency / 2 && this.ready.length > 0)) return;
    let jobs: JobRow[];
    try {
      jobs = await this.lease(want);
    } catch (err) {
      this.options.logger?.error({ err }, 'queue: lease failed');
      return;
    }
    if (!this.started) return void (await this.unlease(jobs));
    this.ready.push(...jobs);
    this.startReady();
    if (jobs.length === want) this.wakeAgain = true;
  }

  /** Run jobs leased ahead in the free slots (a lease half gone is left to expire and be taken again). */
  private startReady(): void {
    while (this.busy < this.concurrency && this.running.size < RELEASED_MAX * this.concurrency && this.ready.length > 0) {
      const job = this.ready.shift()!;
      if ((job.lease_until ?? 0) - this.clock.now() < this.leaseMs / 2) continue;
      let held = true;
      this.busy++;
      /** Give the slot back once; true when this call gave it. */
      const free = () => {
        if (!held) return false;
        held = false;
        this.busy--;
        return true;
      };
      const release = () => {
        if (free()) this.wake();
      };
      const p = this.run(job, release).finally(() => {
        this.running.delete(job.id);
        free();
        this.wake();
      });
      this.running.set(job.id, p);
    }
  }

  /** Give back leased jobs that never ran, as if never leased (fenced). */
  private async unlease(jobs: JobRow[]): Promise<void> {
    if (jobs.length === 0) return;
    const pairs = sql.join(jobs.map((j) => sql`(${j.id}, cast(${j.attempts} as integer))`));
    await this.store
      .write((trx) =>
        sql`update jobs set status = 'pending', attempts = attempts - 1, lease_until = null, locked_by = null
          where status = 'running' and locked_by = ${this.workerId} and (id, attempts) in (values ${pairs})`.execute(trx),
      )
      .catch((err: unknown) => this.options.logger?.error({ err }, 'queue: giving back leased jobs failed; their leases expire'));
  }

  /**
   * Take up to `limit` due jobs, highest priority first, then oldest `run_at`: pending ones that are
   * due, and running ones whose lease expired (their worker died). Each kind is read in order from
   * its own partial index (migration 006) and only the first `limit` of each are merged, so a lease
   * costs the same with a backlog of a million jobs as with ten (one query with an OR sorted the
   * whole backlog every time). On PostgreSQL each kind is locked `FOR UPDATE SKIP LOCKED`, in a
   * CTE, since neither a UNION nor an OR can carry the lock clause as one index scan.
   */
  private async lease(limit: number): Promise<JobRow[]> {
    const now = this.clock.now();
    const query = CompiledQuery.raw(this.store.dialect === 'postgres' ? LEASE_PG : LEASE_SQLITE, [now + this.leaseMs, this.workerId, now, now, limit, now, limit, limit]);
    // Through the group commit: a lease shares its transaction with the writes of the moment.
    const rows = (await this.store.write((trx) => trx.executeQuery<JobRow>(query))).rows;
    return rows.sort((a, b) => b.priority - a.priority || a.run_at - b.run_at);
  }

  private async run(job: JobRow, release: () => void = () => {}): Promise<unknown> {
    const handler = this.handlers.get(job.type);
    if (!handler) return this.finish(job, 'dead', `no handler registered for job type "${job.type}"`);
    if (job.attempts > job.max_attempts) {
      return this.finish(job, 'dead', `lease expired on every one of ${job.max_attempts} attempts (${job.last_error ?? 'process died?'})`);
    }
    const heartbeat = setInterval(() => void this.extend(job), Math.max(50, this.leaseMs / 3));
    try {
      const ctx: JobContext = {
        id: job.id,
        type: job.type,
        attempt: job.attempts,
        maxAttempts: job.max_attempts,
        batchId: job.batch_id,
        signal: this.abort.signal,
        complete: (trx) => completeJobs(trx, [ctx], this.clock.now()),
        release,
      };
      const lease: Lease = { id: job.id, attempts: job.attempts, workerId: this.workerId, dialect: this.store.dialect, settled: false };
      leases.set(ctx, lease);
      await handler(JSON.parse(job.payload), ctx);
      if (this.abort.signal.aborted) return;
      if (!lease.settled) await this.finish(job, 'done', null);
    } catch (err) {
      if (this.abort.signal.aborted) return;
      await this.fail(job, toHubError(err));
    } finally {
      clearInterval(heartbeat);
    }
  }

  private async fail(job: JobRow, err: HubError): Promise<unknown> {
    const reason = JSON.stringify(err.toJSON());
    if (!err.retryable && err.code !== 'internal_error') return this.finish(job, 'dead', reason);
    if (job.attempts >= job.max_attempts) return this.finish(job, 'dead', reason);
    const runAt = this.clock.now() + jobRetryDelay(job.attempts, this.retry, err);
    await this.store.write((trx) =>
      trx
        .updateTable('jobs')
        .set({ status: 'pending', run_at: runAt, lease_until: null, locked_by: null, last_error: reason, updated_at: this.clock.now() })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .where('attempts', '=', job.attempts)
        .execute(),
    );
    this.options.logger?.warn({ job: job.id, type: job.type, attempt: job.attempts, code: err.code }, 'job failed; retry scheduled');
  }

  private finish(job: JobRow, status: 'done' | 'dead', error: string | null): Promise<unknown> {
    if (status === 'dead') this.options.logger?.error({ job: job.id, type: job.type, error }, 'job dead-lettered');
    return this.store.write((trx) =>
      trx
        .updateTable('jobs')
        .set({ status, lease_until: null, last_error: error ?? job.last_error, updated_at: this.clock.now() })
        .where('id', '=', job.id)
        .where('locked_by', '=', this.workerId)
        .where('attempts', '=', job.attempts)
        .execute(),
    );
  }

  private async extend(job: JobRow): Promise<void> {
    await this.store
      .write((trx) =>
        trx
          .updateTable('jobs')
          .set({ lease_until: this.clock.now() + this.leaseMs })
          .where('id', '=', job.id)
          .where('locked_by', '=', this.workerId)
          .where('attempts', '=', job.attempts)
          .execute(),
      )
      .catch(() => {});
  }
}
