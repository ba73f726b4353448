import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * One refresh lease per connection (`oauth/refresh-lease.ts`): the process refreshing a token
 * holds it, so processes sharing the store make one token request. `sent_*` records a refresh
 * token sent under a lease that has not finished yet: if its holder dies, the next holder knows the
 * token it reads may already be spent at the provider.
 */
export function oauthRefreshLeases(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('oauth_refresh_leases')
        .addColumn('connection_id', 'text', (c) => c.primaryKey())
        .addColumn('lease_id', 'text')
        .addColumn('owner', 'text')
        .addColumn('lease_until', 'bigint', (c) => c.notNull())
        .addColumn('sent_hash', 'text')
        .addColumn('sent_by', 'text')
        .addColumn('sent_at', 'bigint')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('oauth_refresh_leases').execute();
    },
  };
}
