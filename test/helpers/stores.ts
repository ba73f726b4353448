/**
 * Store fixtures for suites that must pass on SQLite and on PostgreSQL.
 * PostgreSQL: `TEST_DATABASE_URL` (default the machine's postgres://127.0.0.1:5432/test); each
 * store gets a schema of its own, named after the run (`t_<run>_…`) and dropped when the whole run
 * ends (`global-setup.ts`), never while other files migrate. Unreachable: skipped loudly, failed
 * under CI.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { inject } from 'vitest';
import { openStore, type Store, type StoreOptions } from '../../src/store/store.js';

export const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A schema name of this run's (dropped at its end by `global-setup.ts`). */
export function runSchema(what = ''): string {
  return `t_${inject('pgRun') ?? 'norun'}_${what}${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
}

let pgReachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL answers (asked once per process). */
export function postgresAvailable(): Promise<boolean> {
  pgReachable ??= (async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch (err) {
      const msg = `PostgreSQL at ${PG_URL} is not reachable (${(err as Error).message}): PostgreSQL suites are SKIPPED`;
      if (process.env.CI === 'true') throw new Error(`${msg} — and CI=true requires them`);
      console.warn(`\n!!! ${msg}\n`);
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return pgReachable;
}

export interface StoreFixture {
  dialect: 'sqlite' | 'postgres';
  /** Options that open this fixture's database (the same database each call). */
  options: StoreOptions;
  open(): Promise<Store>;
  /** Drop the PostgreSQL schema (SQLite files live in a temp dir). */
  cleanup(): Promise<void>;
}

export function sqliteFixture(): StoreFixture {
  const dir = mkdtempSync(join(tmpdir(), 'sb-store-'));
  const options = { databaseUrl: `sqlite:${join(dir, 'test.db')}` };
  return { dialect: 'sqlite', options, open: () => openStore(options), cleanup: async () => {} };
}

export function postgresFixture(): StoreFixture {
  const schema = runSchema();
  const sep = PG_URL.includes('?') ? '&' : '?';
  const options = { databaseUrl: `${PG_URL}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}` };
  return {
    dialect: 'postgres',
    options,
    async open() {
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      await client.query(`create schema if not exists ${schema}`);
      await client.end();
      return openStore(options);
    },
    async cleanup() {
      // Dropped when the run ends (global-setup.ts): a drop now could fail another file's migration.
    },
  };
}

/** Both fixtures; the PostgreSQL one is `null` when unreachable outside CI. */
export async function allFixtures(): Promise<StoreFixture[]> {
  return (await postgresAvailable()) ? [sqliteFixture(), postgresFixture()] : [sqliteFixture()];
}
