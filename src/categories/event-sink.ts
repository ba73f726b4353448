/**
 * The sink of a category whose webhooks only become events (chat, meetings: the hub keeps no rows
 * of its own for them): the inbound events of its types are recorded as unified events, once per
 * provider event id (a redelivery or a sender's retry is a duplicate), in one write per delivery
 * group, and published after it commits. `hub.on(…)` handlers are jobs enqueued in that same write
 * (`events/handlers.ts`).
 *
 * @example
 * sinks: [recordEventsSink(ctx.store, ctx.events, CHAT_EVENT_TYPES)],
 */
import type { EventStore, UnifiedEvent } from '../events/event-store.js';
import type { Store } from '../store/store.js';
import type { EventSink } from '../webhooks/inbound.js';

export function recordEventsSink(store: Store, events: EventStore, types: readonly string[]): EventSink {
  const mine = new Set(types);
  return async (provider, inbound, origin) => {
    const wanted = inbound.filter((e) => mine.has(e.type));
    if (wanted.length === 0) return;
    const recorded: UnifiedEvent[] = [];
    await store.write(async (trx) => {
      recorded.length = 0; // run again alone if its group failed
      const stored = await events.recordMany(
        trx,
        wanted.map((e) => ({ tenantId: origin.tenantId, type: e.type, provider, connectionId: origin.connectionId, dedupeKey: e.providerEventId, occurredAt: e.occurredAt, data: e.data, raw: e.raw })),
      );
      for (const e of stored) if (e) recorded.push(e);
    });
    events.publish(recorded);
  };
}
