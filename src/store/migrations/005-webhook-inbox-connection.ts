import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * The inbox records which connection a webhook was posted for (`/webhooks/:provider/:connectionId`;
 * null for the default route) and that connection's tenant, so sinks know the tenant even after
 * the connection is deleted; an index on `received_at` serves the retention purge.
 */
export function webhookInboxConnection(_dialect: Dialect) {
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema.alterTable('webhook_inbox').addColumn('connection_id', 'text').execute();
      await db.schema.alterTable('webhook_inbox').addColumn('tenant_id', 'text').execute();
      await db.schema.createIndex('webhook_inbox_received').on('webhook_inbox').column('received_at').execute();
    },
    async down(db: Kysely<unknown>): Promise<void> {
      await db.schema.dropIndex('webhook_inbox_received').execute();
      await db.schema.alterTable('webhook_inbox').dropColumn('tenant_id').execute();
      await db.schema.alterTable('webhook_inbox').dropColumn('connection_id').execute();
    },
  };
}
