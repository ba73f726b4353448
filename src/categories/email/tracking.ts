/**
 * Delivery tracking: applies normalized `email.*` events to messages. Each event is stored once
 * (unique per provider event id); a message's status only moves forward (a late `delivered`
 * never undoes `opened`); hard bounces, spam reports and unsubscribes suppress the address.
 */
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { EventStore, RecordInput, UnifiedEvent } from '../../events/event-store.js';
import type { Store, Trx } from '../../store/store.js';
import { DEFAULT_TENANT } from '../../connections/connections.js';
import { statusRank } from '../../store/status-rank.js';
import { EMAIL_EVENT_TYPES, EMAIL_STATUS_RANK, type EmailEventData, type EmailEventType, type EmailStatus } from './contract.js';
import { addSuppression, type SuppressionReason } from './suppressions.js';

function suppressionReason(type: EmailEventType, data: EmailEventData): SuppressionReason | undefined {
  if (type === 'email.bounced' && data.bounceType !== 'soft') return 'bounce';
  if (type === 'email.spam_report') return 'spam_report';
  if (type === 'email.unsubscribed') return 'unsubscribe';
  return undefined;
}

/** Rows per statement when a delivery's events are looked up or inserted together. */
const CHUNK = 400;

/**
 * Apply a provider's events; returns how many were new (not duplicates).
 *
 * @example
 * await applyEmailEvents(store, clock, 'sendgrid', sendgrid.webhooks.parse(body, headers));
 */
export async function applyEmailEvents(store: Store, clock: Clock, provider: string, events: InboundEvent[], stream?: EventStore): Promise<number> {
  // One delivery's events commit together (a SendGrid batch carries many), with their unified events.
  const mine = events.filter((e) => e.type in EMAIL_EVENT_TYPES);
  if (mine.length === 0) return 0;
  const recorded: UnifiedEvent[] = [];
  const fresh = await store.write(async (trx) => {
    recorded.length = 0;
    return applyAll(trx, clock, provider, mine, stream, recorded);
  });
  stream?.publish(recorded);
  return fresh;
}

type MessageRef = { id: string; tenant_id: string; status: string };

function chunks<T>(items: T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += CHUNK) out.push(items.slice(i, i + CHUNK));
  return out;
}

/**
 * A delivery's events in a few statements, however many it carries: the messages they name in one
 * query, their rows in one insert (a duplicate provider event id is skipped, as before), the unified
 * events of the new ones in one insert (in order), a suppression per suppressing event; each
 * message's status is written once, at the highest rank its events reached (only forward).
 */
async function applyAll(trx: Trx, clock: Clock, provider: string, events: InboundEvent[], stream: EventStore | undefined, recorded: UnifiedEvent[]): Promise<number> {
  const byHubId = new Map<string, MessageRef>();
  const byProviderId = new Map<string, MessageRef>();
  const hubIds = [...new Set(events.map((e) => e.ref.hubId).filter((id): id is string => !!id))];
  const providerIds = [...new Set(events.filter((e) => !e.ref.hubId && e.ref.providerObjectId).map((e) => e.ref.providerObjectId!))];
  for (const ids of chunks(hubIds)) {
    for (const m of await trx.selectFrom('email_messages').select(['id', 'tenant_id', 'status']).where('id', 'in', ids).execute()) byHubId.set(m.id, m);
  }
  for (const ids of chunks(providerIds)) {
    const rows = await trx.selectFrom('email_messages').select(['id', 'tenant_id', 'status', 'provider_message_id']).where('provider', '=', provider).where('provider_message_id', 'in', ids).execute();
    // Several rows with one provider id: the first the database answers, as a single-row lookup did.
    for (const m of rows) if (m.provider_message_id !== null && !byProviderId.has(m.provider_message_id)) byProviderId.set(m.provider_message_id, m);
  }
  const messageOf = (e: InboundEvent) => (e.ref.hubId ? byHubId.get(e.ref.hubId) : e.ref.providerObjectId ? byProviderId.get(e.ref.providerObjectId) : undefined);

  const now = clock.now();
  const rows = events.map((event) => {
    const message = messageOf(event);
    const data = event.data as EmailEventData;
    return {
      id: newId('evt', now),
      tenant_id: message?.tenant_id ?? DEFAULT_TENANT,
      message_id: message?.id ?? null,
      type: event.type,
      provider,
      provider_event_id: event.providerEventId,
      recipient: data.recipient ?? null,
      occurred_at: event.occurredAt,
      data: JSON.stringify(data),
      created_at: now,
    };
  });
  const inserted = new Set<string>();
  for (const part of chunks(rows)) {
    const ids = await trx
      .insertInto('email_events')
      .values(part)
      .onConflict((oc) => oc.columns(['provider', 'provider_event_id']).doNothing())
      .returning('id')
      .execute();
    for (const r of ids) inserted.add(r.id);
  }

  const moved = new Map<string, { message: MessageRef; status: EmailStatus }>();
  const unified: RecordInput[] = [];
  let n = 0;
  for (let i = 0; i < events.length; i++) {
    if (!inserted.has(rows[i]!.id)) continue; // a duplicate delivery of an event we already have
    n++;
    const event = events[i]!;
    const type = event.type as EmailEventType;
    const data = event.data as EmailEventData;
    const message = messageOf(event);
    const tenantId = rows[i]!.tenant_id;
    const status: EmailStatus = EMAIL_EVENT_TYPES[type];
    if (message) {
      const current = moved.get(message.id)?.status ?? (message.status as EmailStatus);
      if (EMAIL_STATUS_RANK[status] > EMAIL_STATUS_RANK[current]) moved.set(message.id, { message, status });
    }
    unified.push({ tenantId, type, provider, dedupeKey: event.providerEventId, occurredAt: event.occurredAt, data: { ...data, messageId: message?.id ?? null }, raw: event.raw });
    const reason = suppressionReason(type, data);
    if (reason && data.recipient) await addSuppression(trx, tenantId, data.recipient, reason, provider, now);
  }
  // The unified events of the new ones, in order, in one multi-row insert (duplicates answer null).
  if (stream) for (const e of await stream.recordMany(trx, unified)) if (e) recorded.push(e);
  for (const { message, status } of moved.values()) {
    // Forward only, decided by the UPDATE (a delivery processed at the same moment in another transaction cannot undo it).
    await trx.updateTable('email_messages').set({ status, updated_at: now }).where('id', '=', message.id).where(statusRank(EMAIL_STATUS_RANK), '<', EMAIL_STATUS_RANK[status]).execute();
  }
  return n;
}
