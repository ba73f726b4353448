import { mkdtempSync } from 'node:fs';
import { fdatasync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, type Store } from './store.js';
import type { SyncFn } from './wal-sync.js';

/** An fdatasync that really syncs, but only when the test lets it finish. */
function heldSync() {
  const held: (() => void)[] = [];
  let calls = 0;
  let failWith: Error | undefined;
  let holding = false; // passes through until hold(): the store syncs its migrations on open
  const fn: SyncFn = (fd, done) => {
    calls++;
    const run = () => (failWith ? done(failWith) : fdatasync(fd, done));
    if (holding) held.push(run);
    else run();
  };
  return {
    fn,
    get calls() {
      return calls;
    },
    get waiting() {
      return held.length;
    },
    hold: () => (holding = true),
    release: () => held.splice(0).forEach((f) => f()),
    releaseFirst: () => held.shift()?.(),
    releaseLast: () => held.pop()?.(),
    fail: (err: Error) => (failWith = err),
  };
}

const row = (id: string) => ({ id, tenant_id: 't', type: 'x', total: 1, meta: '{}', created_at: Date.now() });
const count = async (store: Store) => Number((await store.db.selectFrom('batches').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n);
const settled = (p: Promise<unknown>) => {
  const state = { done: false };
  p.then(
    () => (state.done = true),
    () => (state.done = true),
  );
  return state;
};
const turn = () => new Promise((r) => setTimeout(r, 20));

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await turn();
  expect(cond()).toBe(true);
}

describe('SQLite commits are acknowledged only after an fdatasync of the WAL, run off the main thread', () => {
  let store: Store | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  async function open(sync: SyncFn) {
    const dir = mkdtempSync(join(tmpdir(), 'sb-walsync-'));
    store = await openStore({ databaseUrl: `sqlite:${join(dir, 'x.db')}`, syncWal: sync });
    return store;
  }

  it('runs at synchronous=NORMAL on a WAL file (the one fsync of FULL is ours)', async () => {
    const s = await open(fdatasync);
    const mode = await sql<{ synchronous: number; journal_mode?: string }>`pragma synchronous`.execute(s.db);
    expect(mode.rows[0]!.synchronous).toBe(1);
    await s.write((trx) => trx.insertInto('batches').values(row('real')).execute());
    expect(await count(s)).toBe(1);
  });

  it('holds every write of a group until the sync started after its COMMIT completes, and one sync serves the group', async () => {
    const sync = heldSync();
    const s = await open(sync.fn);
    sync.hold();
    const before = sync.calls;
    const writes = Array.from({ length: 20 }, (_, i) => s.write((trx) => trx.insertInto('batches').values(row(`g${i}`)).execute()));
    const states = writes.map(settled);
    await waitFor(() => sync.waiting === 1);
    // committed (visible) but not yet acknowledged
    expect(await count(s)).toBe(20);
    await turn();
    expect(states.some((x) => x.done)).toBe(false);
    sync.release();
    await Promise.all(writes);
    expect(sync.calls - before).toBe(1);
  });

  /** Write a, and while its sync is held, write b: both committed, two syncs waiting. */
  async function twoGroups() {
    const sync = heldSync();
    const s = await open(sync.fn);
    sync.hold();
    const a = s.write((trx) => trx.insertInto('batches').values(row('a')).execute());
    await waitFor(() => sync.waiting === 1);
    const b = s.write((trx) => trx.insertInto('batches').values(row('b')).execute());
    // b commits while a's sync is in flight, and its own sync starts without waiting for a's
    await waitFor(() => sync.waiting === 2);
    expect(await count(s)).toBe(2);
    return { sync, a, b };
  }

  it("runs the next group's statements while the previous group syncs, and starts its own sync at once", async () => {
    const { sync, a, b } = await twoGroups();
    const bState = settled(b);
    sync.releaseFirst(); // a's sync started before b's COMMIT: it does not cover b
    await a;
    await turn();
    expect(bState.done).toBe(false);
    sync.releaseFirst();
    await b;
  });

  it('a sync that ends first covers every commit made before it started, whatever the order', async () => {
    const { sync, a, b } = await twoGroups();
    sync.releaseLast(); // b's sync started after a's COMMIT too: both are durable
    await Promise.all([a, b]);
    sync.release();
  });

  it('a write outside any transaction (autocommit) also waits for its sync; reads trigger none', async () => {
    const sync = heldSync();
    const s = await open(sync.fn);
    sync.hold();
    const before = sync.calls;
    await s.db.selectFrom('batches').selectAll().execute();
    await sql`pragma table_info(batches)`.execute(s.db);
    expect(sync.calls).toBe(before);
    const insert = s.db.insertInto('batches').values(row('auto')).execute();
    const state = settled(insert);
    await waitFor(() => sync.waiting === 1);
    await turn();
    expect(state.done).toBe(false);
    sync.release();
    await insert;
    expect(sync.calls).toBe(before + 1);
  });

  it('a failed sync fails the writes it covers, once each (never re-run: they are committed), and every later write', async () => {
    const sync = heldSync();
    const s = await open(sync.fn);
    sync.hold();
    const writes = [1, 2, 3].map((i) => s.write((trx) => trx.insertInto('batches').values(row(`f${i}`)).execute()));
    await waitFor(() => sync.waiting === 1);
    sync.fail(Object.assign(new Error('EIO: i/o error'), { code: 'EIO' }));
    sync.release();
    for (const w of writes) await expect(w).rejects.toThrow(/fdatasync of .*-wal failed: EIO.*restart the hub/);
    expect(await count(s)).toBe(3);
    await expect(s.write((trx) => trx.insertInto('batches').values(row('later')).execute())).rejects.toThrow(/fdatasync/);
  });

  it('a write with durable: false resolves at its COMMIT; the next durable write waits for a sync that covers both', async () => {
    const sync = heldSync();
    const s = await open(sync.fn);
    sync.hold();
    const before = sync.calls;
    await s.write((trx) => trx.insertInto('batches').values(row('early')).execute(), { durable: false }); // resolves with its sync held
    expect(await count(s)).toBe(1);
    const later = s.write((trx) => trx.insertInto('batches').values(row('acked')).execute());
    const state = settled(later);
    await waitFor(() => sync.waiting >= 1);
    await turn();
    expect(state.done).toBe(false);
    sync.release();
    await later;
    // every sync started before 'acked' committed has ended, and the last one started after it: both rows are on disk
    expect(sync.calls - before).toBeGreaterThanOrEqual(1);
  });
});

