import { sql } from 'kysely';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from '../../test/helpers/stores.js';
import type { Store } from './store.js';

const hasPg = await postgresAvailable();

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('store on %s', (dialect, make) => {
  const skip = dialect === 'postgres' && !hasPg;
  let fixture: StoreFixture;
  let store: Store;

  afterAll(async () => {
    await store?.close();
    await fixture?.cleanup();
  });

  it.skipIf(skip)('migrates once and again without change', async () => {
    fixture = make();
    store = await fixture.open();
    expect(store.dialect).toBe(dialect);
    expect(await store.migrate()).toEqual([]);
    const tables = ['jobs', 'email_messages', 'audit_log', 'connections'];
    for (const t of tables) await expect(store.db.selectFrom(t as 'jobs').selectAll().execute()).resolves.toEqual([]);
  });

  it.skipIf(skip)('groups concurrent writes and resolves each with its own result', async () => {
    const writes = Array.from({ length: 50 }, (_, i) =>
      store.write(async (trx) => {
        await trx.insertInto('batches').values({ id: `b${i}`, tenant_id: 't', type: 'x', total: i, meta: '{}', created_at: Date.now() }).execute();
        return i;
      }),
    );
    expect(await Promise.all(writes)).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const rows = await store.db.selectFrom('batches').select(({ fn }) => fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    expect(Number(rows.n)).toBe(50);
  });

  it.skipIf(skip)('durable: false writes commit and are read back; on PostgreSQL a group of only those commits without waiting for the WAL flush', async () => {
    const setting = (trx: Parameters<Parameters<Store['write']>[0]>[0]) =>
      dialect === 'postgres' ? sql<{ s: string }>`select current_setting('synchronous_commit') as s`.execute(trx).then((r) => r.rows[0]!.s) : Promise.resolve('n/a');
    const early = await Promise.all([1, 2].map((i) => store.write(async (trx) => {
      await trx.insertInto('batches').values({ id: `nd${i}`, tenant_id: 't', type: 'x', total: i, meta: '{}', created_at: 1 }).execute();
      return setting(trx);
    }, { durable: false })));
    const durable = await store.write((trx) => setting(trx));
    if (dialect === 'postgres') {
      expect(early).toEqual(['off', 'off']);
      expect(durable).toBe('on');
    }
    const ids = (await store.db.selectFrom('batches').select('id').where('id', 'in', ['nd1', 'nd2']).execute()).map((r) => r.id).sort();
    expect(ids).toEqual(['nd1', 'nd2']);
  });

  it.skipIf(skip)('a failing write fails alone; the rest of its group commits', async () => {
    const ok1 = store.write((trx) => trx.insertInto('batches').values({ id: 'g1', tenant_id: 't', type: 'x', total: 1, meta: '{}', created_at: 1 }).execute());
    const bad = store.write((trx) => trx.insertInto('batches').values({ id: 'g1', tenant_id: 't', type: 'dup', total: 1, meta: '{}', created_at: 1 }).execute());
    const ok2 = store.write((trx) => trx.insertInto('batches').values({ id: 'g2', tenant_id: 't', type: 'x', total: 2, meta: '{}', created_at: 1 }).execute());
    await expect(ok1).resolves.toBeDefined();
    await expect(bad).rejects.toThrow();
    await expect(ok2).resolves.toBeDefined();
    const ids = (await store.db.selectFrom('batches').select('id').where('id', 'in', ['g1', 'g2']).execute()).map((r) => r.id).sort();
    expect(ids).toEqual(['g1', 'g2']);
    const g1 = await store.db.selectFrom('batches').selectAll().where('id', '=', 'g1').executeTakeFirstOrThrow();
    expect(g1.type).toBe('x');
  });

  it.skipIf(skip)('writes issued while groups commit (several at once on PostgreSQL) each commit or fail alone, and a racing key is won once', async () => {
    const row = (id: string, type = 'x') => ({ id, tenant_id: 't', type, total: 1, meta: '{}', created_at: 1 });
    const ok: Promise<unknown>[] = [];
    const bad: Promise<string>[] = [];
    const race: Promise<boolean>[] = [];
    for (let wave = 0; wave < 6; wave++) {
      for (let i = 0; i < 15; i++) ok.push(store.write((trx) => trx.insertInto('batches').values(row(`w${wave}_${i}`)).execute()));
      // A duplicate primary key fails its own write only.
      bad.push(store.write((trx) => trx.insertInto('batches').values(row(`w${wave}_0`, 'dup')).execute()).then(() => 'committed', () => 'failed'));
      // The same key from every wave: exactly one insert wins, the others see it as there.
      race.push(store.write(async (trx) => !!(await trx.insertInto('batches').values(row('race')).onConflict((oc) => oc.column('id').doNothing()).returning('id').executeTakeFirst())));
      await new Promise((r) => setImmediate(r)); // the next wave lands in another group
    }
    await Promise.all(ok);
    expect(await Promise.all(bad)).toEqual(Array(6).fill('failed'));
    expect((await Promise.all(race)).filter(Boolean)).toHaveLength(1);
    const rows = await store.db.selectFrom('batches').select(['id', 'type']).where('id', 'like', 'w%').execute();
    expect(rows).toHaveLength(90);
    expect(rows.every((r) => r.type === 'x')).toBe(true);
  });

  it.skipIf(skip)('close waits for every group in flight', async () => {
    const writes = Array.from({ length: 20 }, (_, i) => store.write((trx) => trx.insertInto('batches').values({ id: `c${i}`, tenant_id: 't', type: 'x', total: i, meta: '{}', created_at: 1 }).execute()));
    await new Promise((r) => setImmediate(r));
    const more = Array.from({ length: 20 }, (_, i) => store.write((trx) => trx.insertInto('batches').values({ id: `c${20 + i}`, tenant_id: 't', type: 'x', total: i, meta: '{}', created_at: 1 }).execute()));
    await store.close();
    await Promise.all([...writes, ...more]);
    store = await fixture.open();
    const n = await store.db.selectFrom('batches').select(({ fn }) => fn.countAll<number>().as('n')).where('id', 'like', 'c%').executeTakeFirstOrThrow();
    expect(Number(n.n)).toBe(40);
  });

  it.skipIf(skip)('data written survives closing and reopening', async () => {
    await store.write((trx) => trx.insertInto('batches').values({ id: 'persist', tenant_id: 't', type: 'x', total: 7, meta: '{}', created_at: 1_700_000_000_000 }).execute());
    await store.close();
    store = await fixture.open();
    const row = await store.db.selectFrom('batches').selectAll().where('id', '=', 'persist').executeTakeFirstOrThrow();
    expect(row.total).toBe(7);
    expect(row.created_at).toBe(1_700_000_000_000);
  });
});
