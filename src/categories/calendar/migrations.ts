/**
 * The `calendar` category's tables: the calendars the hub tracks (cursor, push channel, health) and
 * the events it knows of each (id and version), so a sync can tell created from updated and a full
 * resync can find what vanished. Table types join the store's by declaration merging.
 */
import type { Kysely, Migration } from 'kysely';
import type { Dialect } from '../../store/store.js';

export interface CalendarSyncsTable {
  id: string;
  tenant_id: string;
  connection_id: string;
  provider: string;
  calendar_id: string;
  /** The provider's sync position (Google syncToken, Graph deltaLink, CalDAV sync-token); null before the baseline. */
  cursor: string | null;
  /** `push` (a channel notifies) or `poll` (the tick syncs). */
  mode: string;
  channel_id: string | null;
  resource_id: string | null;
  channel_started_at: number | null;
  channel_expires_at: number | null;
  /** `syncing` (baseline not done), `active`, `failing`, `revoked`. */
  status: string;
  failures: number;
  last_error_code: string | null;
  last_error: string | null;
  last_synced_at: number | null;
  created_at: number;
  updated_at: number;
}

export interface CalendarSyncEventsTable {
  sync_id: string;
  event_id: string;
  /** etag, else updated, else '' : what tells an update. */
  version: string;
}

declare module '../../store/schema.js' {
  interface Database {
    calendar_syncs: CalendarSyncsTable;
    calendar_sync_events: CalendarSyncEventsTable;
  }
}

const big = 'bigint' as const;

export const CALENDAR_MIGRATIONS: Record<string, (dialect: Dialect) => Migration> = {
  'calendar-001-syncs': () => ({
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('calendar_syncs')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('connection_id', 'text', (c) => c.notNull())
        .addColumn('provider', 'text', (c) => c.notNull())
        .addColumn('calendar_id', 'text', (c) => c.notNull())
        .addColumn('cursor', 'text')
        .addColumn('mode', 'text', (c) => c.notNull())
        .addColumn('channel_id', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('channel_started_at', big)
        .addColumn('channel_expires_at', big)
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('failures', 'integer', (c) => c.notNull())
        .addColumn('last_error_code', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_synced_at', big)
        .addColumn('created_at', big, (c) => c.notNull())
        .addColumn('updated_at', big, (c) => c.notNull())
        .addUniqueConstraint('calendar_syncs_calendar', ['tenant_id', 'connection_id', 'calendar_id'])
        .execute();
      await db.schema.createIndex('calendar_syncs_channel').on('calendar_syncs').column('channel_id').execute();

      await db.schema
        .createTable('calendar_sync_events')
        .addColumn('sync_id', 'text', (c) => c.notNull())
        .addColumn('event_id', 'text', (c) => c.notNull())
        .addColumn('version', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('calendar_sync_events_pk', ['sync_id', 'event_id'])
        .execute();
    },
  }),
};
