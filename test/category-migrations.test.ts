/**
 * Every category's own tables (its `migrations`) apply on both stores, once, each in its own
 * history table: opening again applies nothing, and a process that opens the store without the
 * categories (a CLI command) neither runs nor trips over their histories.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { categoryMigrations } from '../src/categories/plan.js';
import { CATEGORIES } from '../src/categories/registry.js';
import { openStore } from '../src/store/store.js';
import { allFixtures, type StoreFixture } from './helpers/stores.js';

const fixtures = await allFixtures();
const migrations = categoryMigrations(CATEGORIES);

describe.each(fixtures.map((f) => [f.dialect, f] as const))('category migrations on %s', (_dialect, fixture: StoreFixture) => {
  afterAll(() => fixture.cleanup());

  it('apply once, each category in its own history, and leave a store opened without them working', async () => {
    const first = await fixture.open(); // the hub's own migrations
    await first.close();
    const withCategories = await openStore({ ...fixture.options, migrations });
    const applied = await withCategories.migrate(); // already applied by openStore: nothing more
    expect(applied).toEqual([]);
    const owners = [...new Set(Object.keys(migrations).map((n) => n.split('-')[0]))];
    expect(owners.length).toBeGreaterThan(0);
    for (const owner of owners) {
      const rows = await withCategories.db.selectFrom(`kysely_migration_${owner}` as never).select('name' as never).execute();
      expect(rows.map((r) => (r as { name: string }).name).sort()).toEqual(Object.keys(migrations).filter((n) => n.startsWith(`${owner}-`)).sort());
    }
    await withCategories.close();
    const plain = await openStore(fixture.options);
    expect(await plain.migrate()).toEqual([]);
    await plain.close();
  });
});
