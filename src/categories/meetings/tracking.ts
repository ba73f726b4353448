/**
 * The meetings sink: normalized `meeting.*` events from verified provider webhooks become unified
 * events (one per provider event id: a redelivery is a duplicate), recorded in one write per
 * delivery group. The hub keeps no meeting rows: a meeting lives at its provider.
 */
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { Store } from '../../store/store.js';
import type { InboundOrigin } from '../../webhooks/inbound.js';
import { MEETING_EVENT_TYPES } from './contract.js';

const TYPES = new Set<string>(MEETING_EVENT_TYPES);

/**
 * Record the meeting events of a delivery; answers how many were new.
 *
 * @example
 * await applyMeetingEvents(store, events, 'zoom', zoom.webhooks.parse(body, headers), origin);
 */
export async function applyMeetingEvents(store: Store, events: EventStore, provider: string, inbound: InboundEvent[], origin: InboundOrigin): Promise<number> {
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
