/**
 * The unified event stream: every verified inbound occurrence becomes one stored event
 * `{id, type, provider, connectionId, occurredAt, receivedAt, data, raw}`. The provider's own
 * event id de-duplicates. Recording runs inside the caller's transaction, together with the
 * fan-out hooks (outgoing webhook deliveries, handler jobs); `publish` tells in-process
 * subscribers (SSE, `hub.on`) after the commit.
 */
import { EventEmitter } from 'node:events';
import type { Clock } from '../core/clock.js';
import { newId } from '../core/ids.js';
import type { Selectable } from 'kysely';
import { bulkInsert } from '../store/bulk-insert.js';
import type { EventsTable } from '../store/schema.js';
import type { Store, Trx } from '../store/store.js';

export interface UnifiedEvent {
  id: string;
  /** Position in the stream (SSE `id`, resume with `Last-Event-ID`). */
  seq: number;
  tenantId: string;
  type: string;
  provider: string;
  connectionId: string | null;
  sourceId: string | null;
  occurredAt: string;
  receivedAt: string;
  data: Record<string, unknown>;
  raw: unknown;
}

export interface RecordInput {
  tenantId: string;
  type: string;
  /** Provider id, `source:<id>`, or `switchboard` for operational events. */
  provider: string;
  connectionId?: string | null;
  sourceId?: string | null;
  /** The provider's own event id (absent: a new id, never a duplicate). */
  dedupeKey?: string;
  occurredAt: number;
  data: Record<string, unknown>;
  raw: unknown;
}

/** Runs in the recording transaction for each new (not duplicate) event. */
export type RecordHook = (trx: Trx, event: UnifiedEvent) => Promise<void>;
/** Runs in the recording transaction once per `record`/`recordMany` call, with its new events. */
export type RecordManyHook = (trx: Trx, events: UnifiedEvent[]) => Promise<void>;

export function rowToEvent(row: Selectable<EventsTable>): UnifiedEvent {
  return {
    id: row.id,
    seq: Number(row.seq),
    tenantId: row.tenant_id,
    type: row.type,
    provider: row.provider,
    connectionId: row.connection_id,
    sourceId: row.source_id,
    occurredAt: new Date(row.occurred_at).toISOString(),
    receivedAt: new Date(row.received_at).toISOString(),
    data: JSON.parse(row.data) as Record<string, unknown>,
    raw: JSON.parse(row.raw) as unknown,
  };
}

type EventRow = Omit<EventsTable, 'seq'>;
const insertEvents = bulkInsert<EventRow>(
  'events',
  [['id', 'text'], ['tenant_id', 'text'], ['type', 'text'], ['provider', 'text'], ['connection_id', 'text'], ['source_id', 'text'], ['dedupe_key', 'text'], ['occurred_at', 'bigint'], ['received_at', 'bigint'], ['data', 'text'], ['raw', 'text']],
  'on conflict (provider, dedupe_key) do nothing returning id, seq',
);

export class EventStore {
  private readonly hooks: RecordHook[] = [];
  private readonly manyHooks: RecordManyHook[] = [];
  private readonly bus = new EventEmitter().setMaxListeners(0);

  constructor(
    readonly store: Store,
    private readonly clock: Clock,
  ) {}

  /** Add work that must commit with every new event (fan-out). */
  onRecord(hook: RecordHook): void {
    this.hooks.push(hook);
  }

  /** The same, called once with all the new events of a `recordMany` (one query for many events). */
  onRecordMany(hook: RecordManyHook): void {
    this.manyHooks.push(hook);
  }

  /**
   * Store one event in `trx`; null when it is a duplicate of one already stored.
   *
   * @example
   * const ev = await hub.events.record(trx, { tenantId, type: 'email.delivered', provider: 'sendgrid', dedupeKey: sgEventId, occurredAt, data, raw });
   */
  async record(trx: Trx, input: RecordInput): Promise<UnifiedEvent | null> {
    return (await this.recordMany(trx, [input]))[0]!;
  }

  /**
   * Store several events in `trx` with one multi-row insert; each answer in the order of the
   * inputs, null for a duplicate (also of an earlier input of the same call). The fan-out hooks
   * run for each new event, in order.
   */
  async recordMany(trx: Trx, inputs: RecordInput[]): Promise<(UnifiedEvent | null)[]> {
    if (inputs.length === 0) return [];
    const now = this.clock.now();
    const rows = inputs.map((input): EventRow => {
      const id = newId('evt', now);
      return {
        id,
        tenant_id: input.tenantId,
        type: input.type,
        provider: input.provider,
        connection_id: input.connectionId ?? null,
        source_id: input.sourceId ?? null,
        dedupe_key: input.dedupeKey ?? id,
        occurred_at: input.occurredAt,
        received_at: now,
        data: JSON.stringify(input.data),
        raw: JSON.stringify(input.raw ?? null),
      };
    });
    const stored = await trx.executeQuery<{ id: string; seq: number | string }>(insertEvents(this.store.dialect, rows));
    const seqOf = new Map(stored.rows.map((r) => [r.id, Number(r.seq)]));
    const out: (UnifiedEvent | null)[] = [];
    const fresh: UnifiedEvent[] = [];
    for (const row of rows) {
      const seq = seqOf.get(row.id);
      if (seq === undefined) {
        out.push(null);
        continue;
      }
      // The event as a reader of the row would see it (data and raw as JSON gives them back), without reading it.
      const event = rowToEvent({ ...row, seq });
      for (const hook of this.hooks) await hook(trx, event);
      out.push(event);
      fresh.push(event);
    }
    if (fresh.length > 0) for (const hook of this.manyHooks) await hook(trx, fresh);
    return out;
  }

  /** Record in a group commit of its own, then publish. */
  async recordNow(input: RecordInput): Promise<UnifiedEvent | null> {
    const event = await this.store.write((trx) => this.record(trx, input));
    if (event) this.publish([event]);
    return event;
  }

  /** Tell in-process subscribers about committed events. */
  publish(events: UnifiedEvent[]): void {
    for (const e of events) this.bus.emit('event', e);
  }

  /** Subscribe to events committed by this process; returns the unsubscribe function. */
  subscribe(listener: (event: UnifiedEvent) => void): () => void {
    this.bus.on('event', listener);
    return () => this.bus.off('event', listener);
  }
}
