/**
 * Delivery tracking: applies normalized `email.*` events to messages. Each event is stored once
 * (unique per provider event id); a message's status only moves forward (a late `delivered`
 * never undoes `opened`); hard bounces, spam reports and unsubscribes suppress the address.
 */
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import type { Store, Trx } from '../../store/store.js';
import { DEFAULT_TENANT } from '../../connections/connections.js';
import { EMAIL_EVENT_TYPES, EMAIL_STATUS_RANK, type EmailEventData, type EmailEventType, type EmailStatus } from './contract.js';
import { addSuppression, type SuppressionReason } from './suppressions.js';

function suppressionReason(type: EmailEventType, data: EmailEventData): SuppressionReason | undefined {
  if (type === 'email.bounced' && data.bounceType !== 'soft') return 'bounce';
  if (type === 'email.spam_report') return 'spam_report';
  if (type === 'email.unsubscribed') return 'unsubscribe';
  return undefined;
}

/**
 * Apply a provider's events; returns how many were new (not duplicates).
 *
 * @example
 * await applyEmailEvents(store, clock, 'sendgrid', sendgrid.webhooks.parse(body, headers));
 */
export async function applyEmailEvents(store: Store, clock: Clock, provider: string, events: InboundEvent[], stream?: EventStore): Promise<number> {
  // One delivery's events commit together (a SendGrid batch carries many), with their unified events.
  const recorded: UnifiedEvent[] = [];
  const fresh = await store.write(async (trx) => {
    recorded.length = 0;
    let n = 0;
    for (const event of events) {
      if (!(event.type in EMAIL_EVENT_TYPES)) continue;
      if (await applyOne(trx, clock, provider, event, stream, recorded)) n++;
    }
    return n;
  });
  stream?.publish(recorded);
  return fresh;
}

async function applyOne(trx: Trx, clock: Clock, provider: string, event: InboundEvent, stream: EventStore | undefined, recorded: UnifiedEvent[]): Promise<boolean> {
  const type = event.type as EmailEventType;
  const data = event.data as EmailEventData;
  const status: EmailStatus = EMAIL_EVENT_TYPES[type];
    let q = trx.selectFrom('email_messages').select(['id', 'tenant_id', 'status']);
    if (event.ref.hubId) q = q.where('id', '=', event.ref.hubId);
    else if (event.ref.providerObjectId) q = q.where('provider', '=', provider).where('provider_message_id', '=', event.ref.providerObjectId);
    else q = q.where('id', '=', '');
    const message = await q.executeTakeFirst();
    const tenantId = message?.tenant_id ?? DEFAULT_TENANT;
    const now = clock.now();
    const row = await trx
      .insertInto('email_events')
      .values({
        id: newId('evt', now),
        tenant_id: tenantId,
        message_id: message?.id ?? null,
        type,
        provider,
        provider_event_id: event.providerEventId,
        recipient: data.recipient ?? null,
        occurred_at: event.occurredAt,
        data: JSON.stringify(data),
        created_at: now,
      })
      .onConflict((oc) => oc.columns(['provider', 'provider_event_id']).doNothing())
      .returning('id')
      .executeTakeFirst();
    if (!row) return false; // a duplicate delivery of an event we already have
    if (message && EMAIL_STATUS_RANK[status] > EMAIL_STATUS_RANK[message.status as EmailStatus]) {
      await trx.updateTable('email_messages').set({ status, updated_at: now }).where('id', '=', message.id).execute();
    }
    if (stream) {
    const unified = await stream.record(trx, {
      tenantId,
      type,
      provider,
      dedupeKey: event.providerEventId,
      occurredAt: event.occurredAt,
      data: { ...data, messageId: message?.id ?? null },
      raw: event.raw,
    });
    if (unified) recorded.push(unified);
  }
  const reason = suppressionReason(type, data);
    if (reason && data.recipient) await addSuppression(trx, tenantId, data.recipient, reason, provider, now);
    return true;
}
