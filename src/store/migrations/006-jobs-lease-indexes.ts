import { sql, type Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * The queue's lease reads the due jobs in its own order from an index instead of sorting the whole
 * backlog on every lease: pending jobs by `(priority desc, run_at)`, running jobs by `lease_until`
 * (expired leases), both partial, so finished jobs (most rows) sit in neither. They replace
 * `jobs_due (status, run_at)`, which only the old lease query used.
 */
export function jobsLeaseIndexes(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await sql`create index jobs_pending on jobs (priority desc, run_at) where status = 'pending'`.execute(db);
      await sql`create index jobs_running on jobs (lease_until) where status = 'running'`.execute(db);
      await db.schema.dropIndex('jobs_due').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.createIndex('jobs_due').on('jobs').columns(['status', 'run_at']).execute();
      await db.schema.dropIndex('jobs_running').execute();
      await db.schema.dropIndex('jobs_pending').execute();
    },
  };
}
