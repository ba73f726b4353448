/**
 * The `sms` category's tables: messages (SMS and WhatsApp), their provider events, the opt-out
 * list and pending verification codes (hashed). Table types join the store's by declaration
 * merging.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../../store/store.js';

export interface SmsMessagesTable {
  id: string;
  tenant_id: string;
  channel: string;
  status: string;
  provider: string | null;
  provider_message_id: string | null;
  to_number: string;
  from_number: string | null;
  segments: number;
  /** The message (JSON) the send job hands to providers. */
  message: string;
  purpose: string;
  send_at: number | null;
  batch_id: string | null;
  error_code: string | null;
  error: string | null;
  created_at: number;
  updated_at: number;
}

export interface SmsEventsTable {
  id: string;
  tenant_id: string;
  message_id: string | null;
  type: string;
  provider: string;
  provider_event_id: string;
  phone_number: string | null;
  occurred_at: number;
  data: string;
  created_at: number;
}

export interface SmsOptOutsTable {
  tenant_id: string;
  channel: string;
  phone_number: string;
  /** `keyword` (STOP reply), `provider` (Twilio 21610), `manual`. */
  source: string;
  keyword: string | null;
  created_at: number;
}

export interface SmsVerificationsTable {
  id: string;
  tenant_id: string;
  phone_number: string;
  channel: string;
  /** `local` (hashed code here) or the provider's hosted verification (`twilio`). */
  method: string;
  /** scrypt of the code with `salt`; null for a hosted verification. */
  code_hash: string | null;
  salt: string | null;
  attempts: number;
  max_attempts: number;
  expires_at: number;
  sent_at: number;
  consumed_at: number | null;
  message_id: string | null;
  created_at: number;
}

declare module '../../store/schema.js' {
  interface Database {
    sms_messages: SmsMessagesTable;
    sms_events: SmsEventsTable;
    sms_opt_outs: SmsOptOutsTable;
    sms_verifications: SmsVerificationsTable;
  }
}

const big = 'bigint' as const;

export const SMS_MIGRATIONS: Record<string, (dialect: Dialect) => Migration> = {
  'sms-001-messages': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('sms_messages')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('provider', 'text')
        .addColumn('provider_message_id', 'text')
        .addColumn('to_number', 'text', (c) => c.notNull())
        .addColumn('from_number', 'text')
        .addColumn('segments', 'integer', (c) => c.notNull())
        .addColumn('message', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('send_at', big)
        .addColumn('batch_id', 'text')
        .addColumn('error_code', 'text')
        .addColumn('error', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sms_messages_provider_id').on('sms_messages').columns(['provider', 'provider_message_id']).execute();
      await db.schema.createIndex('sms_messages_batch').on('sms_messages').columns(['batch_id', 'status']).execute();

      await db.schema
        .createTable('sms_events')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('message_id', 'text')
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('provider_event_id', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text')
        .addColumn('occurred_at', big, (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('created_at', big, (c) => c.notNull())
        .addUniqueConstraint('sms_events_provider_event', ['provider', 'provider_event_id'])
        .execute();
      await db.schema.createIndex('sms_events_message').on('sms_events').column('message_id').execute();

      await db.schema
        .createTable('sms_opt_outs')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('source', 'text', (c) => c.notNull())
        .addColumn('keyword', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .addPrimaryKeyConstraint('sms_opt_outs_pk', ['tenant_id', 'channel', 'phone_number'])
        .execute();

      await db.schema
        .createTable('sms_verifications')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('phone_number', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text')
        .addColumn('salt', 'text')
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('expires_at', big, (c) => c.notNull())
        .addColumn('sent_at', big, (c) => c.notNull())
        .addColumn('consumed_at', big)
        .addColumn('message_id', 'text')
        .addColumn('created_at', big, (c) => c.notNull())
        .execute();
      await db.schema.createIndex('sms_verifications_number').on('sms_verifications').columns(['tenant_id', 'phone_number', 'sent_at']).execute();
    },
  }),
};
