import { afterEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from '../../test/helpers/stores.js';
import type { Store } from '../store/store.js';
import { Queue, completeJobs, enqueue, jobRetryDelay } from './queue.js';

const hasPg = await postgresAvailable();

async function jobsByStatus(store: Store) {
  const rows = await store.db.selectFrom('jobs').select(['status', 'attempts', 'last_error', 'id']).execute();
  return rows;
}

describe('jobRetryDelay', () => {
  it('grows exponentially within jitter bounds and honours Retry-After', () => {
    const s = { baseMs: 1000, maxMs: 60_000 };
    expect(jobRetryDelay(1, s, undefined, () => 0)).toBe(500);
    expect(jobRetryDelay(1, s, undefined, () => 1)).toBe(1000);
    expect(jobRetryDelay(4, s, undefined, () => 1)).toBe(8000);
    expect(jobRetryDelay(20, s, undefined, () => 1)).toBe(60_000);
    expect(jobRetryDelay(1, s, new HubError('provider_rate_limited', 'x', { retryAfter: 7 }))).toBe(7000);
  });
});

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('queue on %s', (dialect, make) => {
  const skip = dialect === 'postgres' && !hasPg;
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function setup(): Promise<{ store: Store; fixture: StoreFixture }> {
    const fixture = make();
    const store = await fixture.open();
    cleanups.push(async () => {
      await store.close();
      await fixture.cleanup();
    });
    return { store, fixture };
  }

  it.skipIf(skip)('runs a job enqueued with its record in one transaction', async () => {
    const { store } = await setup();
    const queue = new Queue(store, { pollMs: 20 });
    const seen: unknown[] = [];
    queue.register('t.echo', async (p) => {
      seen.push(p);
    });
    await store.write(async (trx) => {
      await trx.insertInto('batches').values({ id: 'b1', tenant_id: 't', type: 'x', total: 1, meta: '{}', created_at: 1 }).execute();
      await enqueue(trx, { type: 't.echo', payload: { n: 1 } });
    });
    queue.start();
    await expect.poll(() => seen.length, { timeout: 5000 }).toBe(1);
    await queue.stop();
    expect(seen).toEqual([{ n: 1 }]);
    await expect.poll(async () => (await jobsByStatus(store))[0]?.status).toBe('done');
  });

  it.skipIf(skip)('jobs running at once may each listen on the job signal without a listener-leak warning', async () => {
    // Every running job gets the queue's one stop signal; a job waiting with it (a timeout, a
    // sleep) adds an abort listener. At the default concurrency, more than Node's 10 at once made
    // it print "MaxListenersExceededWarning: Possible EventTarget memory leak" under load.
    const { store } = await setup();
    const queue = new Queue(store, { concurrency: 16, pollMs: 20 });
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    let waiting = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    queue.register('t.wait', async (_p, ctx) => {
      waiting++;
      await new Promise<void>((resolve) => {
        const done = () => (ctx.signal.removeEventListener('abort', done), resolve());
        ctx.signal.addEventListener('abort', done, { once: true });
        void gate.then(done);
      });
    });
    await store.write(async (trx) => {
      for (let i = 0; i < 16; i++) await enqueue(trx, { type: 't.wait', payload: { i } });
    });
    try {
      queue.start();
      await expect.poll(() => waiting, { timeout: 5000 }).toBe(16);
      await new Promise((r) => setImmediate(r)); // warnings are emitted on the next tick
      release();
      await queue.stop();
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning').map((w) => w.message)).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });

  it.skipIf(skip)('retries retryable failures on the schedule, then dead-letters with the reason', async () => {
    const { store } = await setup();
    const clock = fakeClock(1_000_000);
    const queue = new Queue(store, { clock, retry: { baseMs: 1000, maxMs: 10_000 } });
    let calls = 0;
    queue.register('t.flaky', async () => {
      calls++;
      throw new HubError('provider_unavailable', 'down');
    });
    await queue.add({ type: 't.flaky', payload: {}, maxAttempts: 3 });
    expect(await queue.runDue()).toBe(1);
    let [job] = await jobsByStatus(store);
    expect(job?.status).toBe('pending');
    expect(await queue.runDue()).toBe(0); // not due yet
    clock.advance(1001);
    expect(await queue.runDue()).toBe(1);
    clock.advance(2001);
    expect(await queue.runDue()).toBe(1);
    [job] = await jobsByStatus(store);
    expect(calls).toBe(3);
    expect(job?.status).toBe('dead');
    expect(job?.last_error).toContain('provider_unavailable');
  });

  it.skipIf(skip)('dead-letters a non-retryable error at once', async () => {
    const { store } = await setup();
    const queue = new Queue(store);
    queue.register('t.bad', async () => {
      throw new HubError('invalid_recipient', 'nope');
    });
    await queue.add({ type: 't.bad', payload: {} });
    await queue.runDue();
    const [job] = await jobsByStatus(store);
    expect(job?.status).toBe('dead');
    expect(job?.attempts).toBe(1);
    expect(job?.last_error).toContain('invalid_recipient');
  });

  it.skipIf(skip)('a handler completes its job in its own transaction; a stale worker completing late changes nothing', async () => {
    const { store } = await setup();
    const clock = fakeClock(5_000_000);
    const a = new Queue(store, { clock, leaseMs: 1000, workerId: 'a' });
    const b = new Queue(store, { clock, leaseMs: 1000, workerId: 'b' });
    let finishA!: () => void;
    a.register('t.own', (_p, job) => new Promise<void>((r) => (finishA = () => void store.write((trx) => completeJobs(trx, [job], clock.now())).then(() => r()))));
    b.register('t.own', async (_p, job) => {
      await store.write(async (trx) => {
        await trx.insertInto('batches').values({ id: 'by-b', tenant_id: 't', type: 'x', total: 1, meta: '{}', created_at: 1 }).execute();
        await job.complete(trx);
      });
    });
    await a.add({ type: 't.own', payload: {} });
    const runningA = a.runDue();
    await expect.poll(() => finishA !== undefined).toBe(true);
    clock.advance(1001); // a "died"
    expect(await b.runDue()).toBe(1);
    expect(await jobsByStatus(store)).toMatchObject([{ status: 'done', attempts: 2 }]);
    await store.db.updateTable('jobs').set({ status: 'running' }).execute(); // were a's late completion not fenced, it would show
    finishA();
    await runningA;
    expect(await jobsByStatus(store)).toMatchObject([{ status: 'running', attempts: 2 }]);
  });

  it.skipIf(skip)('jobs leased ahead are handed back on stop (not left to a lease expiry)', async () => {
    const { store } = await setup();
    const queue = new Queue(store, { concurrency: 2, pollMs: 10_000 });
    let open = 0;
    const gates: (() => void)[] = [];
    queue.register('t.gate', () => new Promise<void>((r) => { open++; gates.push(r); }));
    await store.write((trx) => Promise.all(Array.from({ length: 10 }, (_, i) => enqueue(trx, { type: 't.gate', payload: { i } }))));
    queue.start();
    await expect.poll(() => open).toBe(2);
    const running = await store.db.selectFrom('jobs').select('id').where('status', '=', 'running').execute();
    expect(running.length).toBe(8); // two running, six leased ahead (4 × concurrency), two left
    const stopped = queue.stop();
    await expect.poll(async () => (await store.db.selectFrom('jobs').select('id').where('status', '=', 'pending').execute()).length).toBe(8);
    for (const g of gates) g();
    await stopped;
    const rows = await store.db.selectFrom('jobs').select(['status', 'attempts', 'locked_by']).orderBy('status').execute();
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(2);
    expect(rows.filter((r) => r.status === 'pending').every((r) => r.attempts === 0 && r.locked_by === null)).toBe(true);
  });

  it.skipIf(skip)('takes over a job whose worker died once the lease expires; the dead worker cannot overwrite', async () => {
    const { store } = await setup();
    const clock = fakeClock(5_000_000);
    const a = new Queue(store, { clock, leaseMs: 1000, workerId: 'a' });
    const b = new Queue(store, { clock, leaseMs: 1000, workerId: 'b' });
    let release!: () => void;
    a.register('t.slow', () => new Promise<void>((r) => (release = r)));
    const ranB: number[] = [];
    b.register('t.slow', async (_p, job) => {
      ranB.push(job.attempt);
    });
    await a.add({ type: 't.slow', payload: {} });
    const runningA = a.runDue();
    await expect.poll(() => release !== undefined).toBe(true);
    expect(await b.runDue()).toBe(0); // leased by a
    clock.advance(1001); // a "died": no heartbeat advanced the lease on the fake clock
    expect(await b.runDue()).toBe(1);
    expect(ranB).toEqual([2]);
    release(); // the stale worker finishes late...
    await runningA;
    const [job] = await jobsByStatus(store);
    expect(job?.status).toBe('done');
    expect(job?.attempts).toBe(2); // ...and its completion (fenced on attempts 1) changed nothing
  });

  it.skipIf(skip)('leases due jobs by priority then run_at, expired leases among them, never a future or finished job, at most the limit', async () => {
    const { store } = await setup();
    const clock = fakeClock(5_000_000);
    const now = clock.now();
    const dead = new Queue(store, { clock, leaseMs: 1000, workerId: 'dead', concurrency: 1 });
    const order: string[] = [];
    const q = new Queue(store, { clock, leaseMs: 60_000, workerId: 'q', concurrency: 4 });
    q.register<{ n: string }>('t.order', async ({ n }) => void order.push(n));
    dead.register('t.order', () => new Promise(() => {})); // dies holding its lease
    await store.write((trx) => enqueue(trx, { type: 't.order', payload: { n: 'expired-lease p0' }, priority: 0, runAt: now - 500 }, now));
    void dead.runDue();
    await expect.poll(async () => (await store.db.selectFrom('jobs').select('id').where('status', '=', 'running').execute()).length).toBe(1);
    await store.write(async (trx) => {
      await enqueue(trx, { type: 't.order', payload: { n: 'p0 old' }, priority: 0, runAt: now - 1000 }, now);
      await enqueue(trx, { type: 't.order', payload: { n: 'p0 new' }, priority: 0, runAt: now - 10 }, now);
      await enqueue(trx, { type: 't.order', payload: { n: 'p1' }, priority: 1, runAt: now - 1 }, now);
      await enqueue(trx, { type: 't.order', payload: { n: 'p-1' }, priority: -1, runAt: now - 5000 }, now);
      await enqueue(trx, { type: 't.order', payload: { n: 'p5 future' }, priority: 5, runAt: now + 60_000 }, now);
      await enqueue(trx, { type: 't.order', payload: { n: 'p9 done' }, priority: 9, runAt: now - 1 }, now);
    });
    await store.db.updateTable('jobs').set({ status: 'done' }).where('payload', 'like', '%p9 done%').execute();
    clock.advance(1001); // the dead worker's lease has expired
    // One at a time (concurrency 1 would still lease ahead): each runDue takes the best due job.
    const one = new Queue(store, { clock, leaseMs: 60_000, workerId: 'one', concurrency: 1 });
    one.register<{ n: string }>('t.order', async ({ n }) => void order.push(n));
    for (let i = 0; i < 5; i++) expect(await one.runDue()).toBe(1);
    expect(await one.runDue()).toBe(0);
    expect(order).toEqual(['p1', 'p0 old', 'expired-lease p0', 'p0 new', 'p-1']);
    expect(await q.runDue()).toBe(0); // the future and the finished job stay
  });

  it.skipIf(skip)('a job that released its slot lets another start; it is still waited for on stop and its failure still retries', async () => {
    const { store } = await setup();
    const queue = new Queue(store, { concurrency: 2, pollMs: 10, retry: { baseMs: 60_000, maxMs: 60_000 } });
    const commits: { resolve: () => void; reject: (e: Error) => void }[] = [];
    let started = 0;
    queue.register<{ i: number }>('t.rel', (_p, job) => {
      started++;
      job.release(); // only its commit is left
      return new Promise<void>((resolve, reject) => commits.push({ resolve, reject }));
    });
    await store.write((trx) => Promise.all(Array.from({ length: 10 }, (_, i) => enqueue(trx, { type: 't.rel', payload: { i } }))));
    queue.start();
    // Concurrency 2, yet 8 start: running jobs in all are bounded by 4 × concurrency.
    await expect.poll(() => started).toBe(8);
    await new Promise((r) => setTimeout(r, 100));
    expect(started).toBe(8);
    commits.shift()!.reject(new HubError('internal_error', 'commit failed'));
    commits.shift()!.resolve();
    await expect.poll(() => started).toBe(10);
    const stopped = queue.stop();
    let done = false;
    void stopped.then(() => (done = true));
    await new Promise((r) => setTimeout(r, 100));
    expect(done).toBe(false); // stop waits for the released jobs
    for (const c of commits.splice(0)) c.resolve();
    await stopped;
    const rows = await jobsByStatus(store);
    expect(rows.filter((r) => r.status === 'done')).toHaveLength(9);
    expect(rows.filter((r) => r.status === 'pending' && r.last_error?.includes('commit failed'))).toHaveLength(1); // retry scheduled
  });

  it.skipIf(skip)('several workers share the queue and never run one job twice', async () => {
    const { store, fixture } = await setup();
    const total = 300;
    await store.write(async (trx) => {
      for (let i = 0; i < total; i++) await enqueue(trx, { type: 't.count', payload: { i } });
    });
    const counts = new Map<number, number>();
    const stores = dialect === 'postgres' ? [store, await fixture.open(), await fixture.open()] : [store];
    for (const s of stores.slice(1)) cleanups.push(() => s.close());
    const workers = stores.flatMap((s) => [new Queue(s, { pollMs: 5, concurrency: 8 }), new Queue(s, { pollMs: 5, concurrency: 8 })]);
    for (const w of workers) {
      w.register<{ i: number }>('t.count', async ({ i }) => {
        counts.set(i, (counts.get(i) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 1));
      });
      w.start();
    }
    await expect.poll(() => counts.size, { timeout: 20_000 }).toBe(total);
    await Promise.all(workers.map((w) => w.stop()));
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const statuses = new Set((await jobsByStatus(store)).map((j) => j.status));
    expect([...statuses]).toEqual(['done']);
  });
});
