import { afterAll, describe, expect, it } from 'vitest';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from '../../test/helpers/stores.js';
import { bulkInsert } from './bulk-insert.js';
import type { BatchesTable } from './schema.js';
import type { Store } from './store.js';

const hasPg = await postgresAvailable();
const insert = bulkInsert<BatchesTable>('batches', [['id', 'text'], ['tenant_id', 'text'], ['type', 'text'], ['total', 'integer'], ['meta', 'text'], ['created_at', 'bigint']], 'on conflict (id) do nothing returning id');

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('bulkInsert on %s', (dialect, make) => {
  let fixture: StoreFixture;
  let store: Store;
  afterAll(async () => {
    await store?.close();
    await fixture?.cleanup();
  });

  it.skipIf(dialect === 'postgres' && !hasPg)('stores any number of rows exactly (text with quotes, JSON and unicode, big integers, duplicates skipped) with one SQL text', async () => {
    fixture = make();
    store = await fixture.open();
    const row = (id: string, meta: string) => ({ id, tenant_id: 't', type: 'x"y\'z', total: 7, meta, created_at: 1_733_000_000_123 });
    const rows = [row('a', '{"k":"v\\n"}'), row('b', 'ünïcödé ✓ 🎉'), row('a', 'again'), row('c', '')];
    const first = insert(store.dialect, rows);
    const { rows: stored } = await store.write((trx) => trx.executeQuery<{ id: string }>(first));
    expect(stored.map((r) => r.id).sort()).toEqual(['a', 'b', 'c']);
    expect(insert(store.dialect, [row('d', 'x')]).sql).toBe(first.sql);
    const back = await store.db.selectFrom('batches').selectAll().where('id', 'in', ['a', 'b', 'c']).orderBy('id').execute();
    expect(back.map((r) => ({ ...r, created_at: Number(r.created_at) }))).toEqual([rows[0], rows[1], rows[3]]);
  });
});
