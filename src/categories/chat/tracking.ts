/**
 * The chat sink: normalized `chat.*` events from verified Slack requests become unified events
 * (one per provider event id: a Slack retry is a duplicate), recorded in one write per delivery
 * group. `hub.on('chat.message', …)` handlers and `hub.chat.command` handlers are jobs enqueued in
 * that same write (`events/handlers.ts`, `commands.ts`).
 */
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { Store } from '../../store/store.js';
import type { InboundOrigin } from '../../webhooks/inbound.js';
import { CHAT_EVENT_TYPES } from './contract.js';

const TYPES = new Set<string>(CHAT_EVENT_TYPES);

/**
 * Record the chat events of a delivery; answers how many were new.
 *
 * @example
 * await applyChatEvents(store, events, 'slack', slack.webhooks.parse(body, headers), origin);
 */
export async function applyChatEvents(store: Store, events: EventStore, provider: string, inbound: InboundEvent[], origin: InboundOrigin): Promise<number> {
  const mine = inbound.filter((e) => TYPES.has(e.type));
  if (mine.length === 0) return 0;
  const recorded: UnifiedEvent[] = [];
  await store.write(async (trx) => {
    recorded.length = 0;
    const stored = await events.recordMany(
      trx,
      mine.map((e) => ({ tenantId: origin.tenantId, type: e.type, provider, connectionId: origin.connectionId, dedupeKey: e.providerEventId, occurredAt: e.occurredAt, data: e.data, raw: e.raw })),
    );
    for (const e of stored) if (e) recorded.push(e);
  });
  events.publish(recorded);
  return recorded.length;
}
