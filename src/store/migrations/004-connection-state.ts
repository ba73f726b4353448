import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * What changes about a connection while it is used: its OAuth token set (sealed by the vault,
 * written back on every refresh) and its status (`active`, `needs_reauth`, `disabled`). One row
 * per connection id, for env default connections (`conn_default_<provider>`) and tenant ones.
 * `seed` is a hash of the refresh token the environment gave: when an operator puts a new one in
 * the environment, it wins over the stored one.
 */
export function connectionState(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('connection_state')
        .addColumn('connection_id', 'text', (c) => c.primaryKey())
        .addColumn('tokens', 'text')
        .addColumn('key_id', 'text')
        .addColumn('seed', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_reason', 'text')
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
  };
}
