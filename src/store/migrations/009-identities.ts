import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * What a sign-in provider tells only once and the hub keeps (`connections/sign-in-profile.ts`):
 * Apple sends the user's name on the first authorization only. One row per provider and subject,
 * keyed by the SHA-256 of both (no subject in clear), the details sealed by the vault.
 */
export function identities(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('identities')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('details', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('updated_at', 'bigint', (c) => c.notNull())
        .execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('identities').execute();
    },
  };
}
