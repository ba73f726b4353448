/**
 * A multi-row INSERT with one SQL text whatever the row count: the rows travel as column arrays
 * (`unnest`, PostgreSQL) or as one JSON array (`json_each`, SQLite). One prepared statement
 * instead of one per row count, and no query building per value: the hot inserts (inbound
 * webhooks, events) build their rows in a few microseconds this way.
 *
 * @example
 * const insertEvents = bulkInsert<EventRow>('events', [['id', 'text'], ['occurred_at', 'bigint']], 'on conflict (id) do nothing returning id');
 * const { rows } = await trx.executeQuery<{ id: string }>(insertEvents(store.dialect, rows));
 */
import { CompiledQuery } from 'kysely';
import type { Dialect } from './schema.js';

export type ColumnType = 'text' | 'bigint' | 'integer';

export function bulkInsert<R>(table: string, columns: readonly (readonly [keyof R & string, ColumnType])[], suffix = ''): (dialect: Dialect, rows: R[]) => CompiledQuery {
  const names = columns.map(([c]) => c);
  const list = names.join(', ');
  const pg = `insert into ${table} (${list}) select * from unnest(${columns.map(([, t], i) => `$${i + 1}::${t}[]`).join(', ')}) ${suffix}`;
  // `where true`: SQLite needs it before an ON CONFLICT clause on INSERT … SELECT.
  const sqlite = `insert into ${table} (${list}) select ${names.map((_, i) => `value ->> ${i}`).join(', ')} from json_each(?) where true ${suffix}`;
  return (dialect, rows) =>
    dialect === 'postgres'
      ? CompiledQuery.raw(pg, names.map((c) => rows.map((r) => r[c])))
      : CompiledQuery.raw(sqlite, [JSON.stringify(rows.map((r) => names.map((c) => r[c])))]);
}
