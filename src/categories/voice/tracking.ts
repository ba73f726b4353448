/**
 * Applies normalized call webhooks (`call.*` from status callbacks, `call.recording.completed`
 * from recording callbacks): each becomes one unified event (once per provider event id) — but a
 * call status only moves forward, so a late `ringing` after `completed` records nothing.
 */
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { InboundOrigin } from '../../webhooks/inbound.js';
import type { Store } from '../../store/store.js';
import { CALL_EVENT_TYPES, type CallStatus } from './contract.js';
import type { CallRecords } from './records.js';

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Record a provider's call events; returns how many became unified events.
 *
 * @example
 * await applyCallEvents(store, records, 'twilio', twilio.webhooks.parse(body, headers), origin, hub.events);
 */
export async function applyCallEvents(store: Store, records: CallRecords, provider: string, events: InboundEvent[], origin: InboundOrigin, stream: EventStore): Promise<number> {
  const mine = events.filter((e) => e.type.startsWith('call.'));
  if (mine.length === 0) return 0;
  const recorded: UnifiedEvent[] = [];
  await store.write(async (trx) => {
    recorded.length = 0;
    for (const event of mine) {
      const callSid = str(event.data.callSid) ?? event.ref.providerObjectId;
      if (!callSid) continue;
      const status = (CALL_EVENT_TYPES as Record<string, CallStatus | undefined>)[event.type];
      let tenantId = origin.tenantId;
      let hubCallId: string | null = null;
      if (status) {
        const { moved, record } = await records.advance(trx, origin.tenantId, provider, callSid, status, event.occurredAt);
        // A late callback (the call is beyond it) is no event. One for the status the call has
        // already is: the hub's own placement writes `initiated` before Twilio's callback says so
        // (a repeat is one event all the same: its key is the call and the status).
        if (!moved && record.status !== status) continue;
        ({ tenantId, id: hubCallId } = record);
      } else {
        const record = await records.find(provider, callSid, trx);
        if (record) ({ tenantId, id: hubCallId } = record);
      }
      const unified = await stream.record(trx, { tenantId, type: event.type, provider, dedupeKey: event.providerEventId, occurredAt: event.occurredAt, data: { ...event.data, callSid, hubCallId }, raw: event.raw });
      if (unified) recorded.push(unified);
    }
  });
  stream.publish(recorded);
  return recorded.length;
}
