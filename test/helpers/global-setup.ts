/**
 * Once per test run, in Vitest's main process: a name for this run's PostgreSQL schemas, and their
 * removal when every worker is done. Schemas are not dropped while the run goes on: Kysely's
 * migrator introspects every schema of the database, and a schema another worker drops meanwhile
 * failed it ("schema … does not exist") now that two files run at once.
 */
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { TestProject } from 'vitest/node';

const PG_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

declare module 'vitest' {
  export interface ProvidedContext {
    /** This run's prefix of PostgreSQL schema names (`t_<run>_…`). */
    pgRun: string;
  }
}

export default function setup(project: TestProject) {
  const run = randomBytes(4).toString('hex');
  project.provide('pgRun', run);
  return async () => {
    const client = new pg.Client({ connectionString: PG_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      const { rows } = await client.query<{ nspname: string }>(`select nspname from pg_namespace where nspname like $1`, [`t\\_${run}\\_%`]);
      for (const { nspname } of rows) await client.query(`drop schema if exists "${nspname}" cascade`);
    } catch {
      // PostgreSQL absent: the suites that need it skipped (or failed under CI) already.
    } finally {
      await client.end().catch(() => {});
    }
  };
}
