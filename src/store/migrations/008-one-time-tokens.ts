import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * One-time, expiring tokens the hub hands out and takes back once (`oauth/one-time.ts`): the
 * `state` of an OAuth connect or sign-in (its PKCE verifier, nonce and redirect sealed inside) and
 * the code an application exchanges for a signed-in user's profile. Keyed by the SHA-256 of the
 * token, so the database never holds a usable token.
 */
export function oneTimeTokens(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('one_time_tokens')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('payload', 'text', (c) => c.notNull())
        .addColumn('key_id', 'text', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .addColumn('expires_at', 'bigint', (c) => c.notNull())
        .addColumn('used_at', 'bigint')
        .execute();
      await db.schema.createIndex('one_time_tokens_expires').on('one_time_tokens').column('expires_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropTable('one_time_tokens').execute();
    },
  };
}
