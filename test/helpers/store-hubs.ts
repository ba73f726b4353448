/**
 * One sandbox hub per store — SQLite and PostgreSQL — for suites that must pass on both. The
 * PostgreSQL half is skipped (loudly, by `postgresAvailable`) where no server runs, and fails
 * under CI=true.
 */
import { afterAll, beforeAll, describe, it as baseIt } from 'vitest';
import { startTestHub, type TestHub } from './hub.js';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from './stores.js';

const hasPg = await postgresAvailable();

/**
 * `describe.each` over the two stores; `body` gets the hub (a stand-in that forwards to the hub
 * started in `beforeAll`) and the `it` to use.
 *
 * @example
 * describeOnStores('payments end to end', (t, it) => { it('…', async () => { await t.api('/api/v1/…'); }); });
 */
export function describeOnStores(title: string, body: (t: TestHub, it: typeof baseIt | typeof baseIt.skip, dialect: 'sqlite' | 'postgres') => void, env: Record<string, string> = {}): void {
  describe.each([
    ['sqlite', sqliteFixture],
    ['postgres', postgresFixture],
  ] as const)(`${title} on %s`, (dialect, makeFixture) => {
    let current: TestHub | undefined;
    let fixture: StoreFixture | undefined;
    beforeAll(async () => {
      if (dialect === 'postgres' && !hasPg) return;
      fixture = makeFixture();
      await (await fixture.open()).close();
      current = await startTestHub({ ...env, DATABASE_URL: fixture.options.databaseUrl! });
    });
    afterAll(async () => {
      await current?.close();
      await fixture?.cleanup();
    });
    const t = new Proxy({} as TestHub, { get: (_target, key) => (current as unknown as Record<PropertyKey, unknown>)[key] });
    body(t, dialect === 'postgres' && !hasPg ? baseIt.skip : baseIt, dialect);
  });
}
