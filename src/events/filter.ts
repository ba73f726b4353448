/**
 * Selecting stored events: one filter shape for the list API, the SSE replay and live matching,
 * the SQL it becomes, and the opaque `seq`-based cursor of the list API.
 *
 * Time filters apply to `receivedAt` (when the hub stored the event): it follows the stream order
 * and cannot be set by a sender, unlike the provider's `occurredAt`.
 */
import { sql, type ExpressionBuilder, type Selectable } from 'kysely';
import { validationError } from '../core/errors.js';
import type { Database, EventsTable } from '../store/schema.js';
import type { Db } from '../store/store.js';
import { rowToEvent, type UnifiedEvent } from './event-store.js';
import { matchesAny } from './types.js';

/** Which events a reader wants. Empty lists select everything. */
export interface EventFilter {
  tenantId: string;
  /** Type patterns (`email.bounced`, `email.*`, `*`). */
  types: string[];
  providers: string[];
  /** Epoch ms, inclusive, on `receivedAt`. */
  since?: number;
  /** Epoch ms, exclusive, on `receivedAt`. */
  until?: number;
}

export type Order = 'asc' | 'desc';

/** A page request: events strictly after (asc) or before (desc) `afterSeq` in stream order. */
export interface PageRequest {
  order: Order;
  limit: number;
  /** Position to continue from (exclusive); absent: from the start (asc) or the newest (desc). */
  afterSeq?: number;
}

/**
 * Does a (live) event pass `filter`?
 *
 * @example
 * matchesFilter(event, { tenantId: 'default', types: ['email.*'], providers: [] })
 */
export function matchesFilter(event: UnifiedEvent, filter: EventFilter): boolean {
  if (event.tenantId !== filter.tenantId) return false;
  if (filter.providers.length > 0 && !filter.providers.includes(event.provider)) return false;
  if (!matchesAny(filter.types, event.type)) return false;
  if (filter.since === undefined && filter.until === undefined) return true;
  const at = Date.parse(event.receivedAt);
  if (filter.since !== undefined && at < filter.since) return false;
  if (filter.until !== undefined && at >= filter.until) return false;
  return true;
}

/**
 * A string that two filters share only when they select the same events (the order and repeats
 * of patterns and providers do not matter), so that streams with equal filters can share work.
 *
 * @example
 * filterKey({ tenantId: 'a', types: ['x.*', 'y'], providers: [] }) === filterKey({ tenantId: 'a', types: ['y', 'x.*', 'y'], providers: [] }) // true
 */
export function filterKey(filter: EventFilter): string {
  const set = (xs: string[]) => [...new Set(xs)].sort();
  return JSON.stringify([filter.tenantId, set(filter.types), set(filter.providers), filter.since ?? null, filter.until ?? null]);
}

function whereFilter(eb: ExpressionBuilder<Database, 'events'>, filter: EventFilter) {
  const parts = [eb('tenant_id', '=', filter.tenantId)];
  if (filter.providers.length > 0) parts.push(eb('provider', 'in', filter.providers));
  if (filter.types.length > 0 && !filter.types.includes('*')) {
    const exact = filter.types.filter((p) => !p.endsWith('.*'));
    // A prefix compare, not LIKE: `_` is a LIKE wildcard and SQLite's LIKE ignores case.
    const prefixes = filter.types.filter((p) => p.endsWith('.*')).map((p) => p.slice(0, -1));
    const alternatives = prefixes.map((p) => eb(sql<string>`substr(type, 1, ${sql.lit(p.length)})`, '=', p));
    if (exact.length > 0) alternatives.push(eb('type', 'in', exact));
    parts.push(eb.or(alternatives));
  }
  if (filter.since !== undefined) parts.push(eb('received_at', '>=', filter.since));
  if (filter.until !== undefined) parts.push(eb('received_at', '<', filter.until));
  return eb.and(parts);
}

/**
 * One page of stored events in stream (`seq`) order.
 *
 * @example
 * const page = await queryEvents(store.db, filter, { order: 'asc', limit: 500, afterSeq: 41 });
 */
export async function queryEvents(db: Db, filter: EventFilter, page: PageRequest): Promise<UnifiedEvent[]> {
  let q = db
    .selectFrom('events')
    .selectAll()
    .where((eb) => whereFilter(eb, filter));
  if (page.afterSeq !== undefined) q = q.where('seq', page.order === 'asc' ? '>' : '<', page.afterSeq);
  const rows: Selectable<EventsTable>[] = await q.orderBy('seq', page.order).limit(page.limit).execute();
  return rows.map(rowToEvent);
}

/**
 * One event of a tenant by id, or undefined.
 *
 * @example
 * const event = await findEvent(store.db, 'default', 'evt_01…');
 */
export async function findEvent(db: Db, tenantId: string, id: string): Promise<UnifiedEvent | undefined> {
  const row = await db.selectFrom('events').selectAll().where('id', '=', id).where('tenant_id', '=', tenantId).executeTakeFirst();
  return row ? rowToEvent(row) : undefined;
}

/**
 * The opaque cursor of the list API: the order and the last `seq` of the page, base64url.
 *
 * @example
 * decodeCursor(encodeCursor('desc', 42)) // { order: 'desc', seq: 42 }
 */
export function encodeCursor(order: Order, seq: number): string {
  return Buffer.from(`${order === 'asc' ? 'a' : 'd'}:${seq}`, 'utf8').toString('base64url');
}

/** Read a cursor; a 400 naming `cursor` when it is not one of ours. */
export function decodeCursor(cursor: string): { order: Order; seq: number } {
  const m = /^([ad]):(\d{1,15})$/.exec(Buffer.from(cursor, 'base64url').toString('utf8'));
  if (!m) throw validationError('cursor', 'not a cursor from a previous page (pass nextCursor unchanged)');
  return { order: m[1] === 'a' ? 'asc' : 'desc', seq: Number(m[2]) };
}

/** The API's view of an event: everything but the tenant (the caller's own). */
export function toApiEvent(event: UnifiedEvent): Omit<UnifiedEvent, 'tenantId'> {
  const { tenantId: _tenantId, ...rest } = event;
  return rest;
}
