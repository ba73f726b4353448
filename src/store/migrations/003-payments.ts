import type { Kysely } from 'kysely';
import type { Dialect } from '../schema.js';

/**
 * Payments and refunds the hub created (or learned of from webhooks). The row is written with its
 * provider idempotency key BEFORE the provider is called, so a retry — from any process, after a
 * restart — reaches the provider with the same key and cannot charge twice.
 */
export function payments(_dialect: Dialect) {
  const big = 'bigint' as const;
  return {
    async up(db: Kysely<unknown>): Promise<void> {
      await db.schema
        .createTable('payments')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('provider_payment_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('status_at', big, (c) => c.notNull())
        .addColumn('amount', big, (c) => c.notNull())
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('amount_refunded', big, (c) => c.notNull())
        .addColumn('customer_id', 'text')
        .addColumn('description', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('provider_key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('result', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('payments_idempotency', ['tenant_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('payments_provider_id').on('payments').columns(['provider', 'provider_payment_id']).execute();

      await db.schema
        .createTable('payment_refunds')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('payment_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('provider_refund_id', 'text')
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('amount', big)
        .addColumn('currency', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('idempotency_key', 'text', (c) => c.notNull())
        .addColumn('provider_key', 'text', (c) => c.notNull())
        .addColumn('request_hash', 'text', (c) => c.notNull())
        .addColumn('request', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('payment_refunds_idempotency', ['tenant_id', 'idempotency_key'])
        .execute();
      await db.schema.createIndex('payment_refunds_provider_id').on('payment_refunds').columns(['provider', 'provider_refund_id']).execute();
      await db.schema.createIndex('payment_refunds_payment').on('payment_refunds').column('payment_id').execute();
    },
  };
}
