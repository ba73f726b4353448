/**
 * Delivery tracking: the sink that receives the `sms.*` / `whatsapp.*` events of verified provider
 * webhooks. Each event is stored once (provider + its event id), moves its message forward only
 * (a late `sent` after `delivered` changes nothing), and becomes a unified event. Incoming STOP /
 * START replies and Twilio's 21610 (unsubscribed recipient) update the opt-out list and add
 * `sms.opted_out` / `sms.opted_in`.
 */
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import type { EventStore, RecordInput, UnifiedEvent } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { Store, Trx } from '../../store/store.js';
import type { InboundOrigin } from '../../webhooks/inbound.js';
import { statusRank } from '../../store/status-rank.js';
import { SMS_STATUS_RANK, type SmsChannel, type SmsEventData, type SmsStatus } from './contract.js';
import { addOptOut, optOutKeyword, removeOptOut } from './opt-outs.js';

/** Twilio's "Attempt to send to unsubscribed recipient". */
const UNSUBSCRIBED = 21610;

const channelOf = (type: string): SmsChannel | undefined => (type.startsWith('sms.') ? 'sms' : type.startsWith('whatsapp.') ? 'whatsapp' : undefined);

/**
 * Applies one delivery's events; answers how many were new.
 *
 * @example
 * sinks: [(provider, events, origin) => applySmsEvents(ctx.store, ctx.clock, provider, events, origin, ctx.events).then(() => undefined)]
 */
export async function applySmsEvents(store: Store, clock: Clock, provider: string, events: InboundEvent[], origin: InboundOrigin, stream?: EventStore): Promise<number> {
  const mine = events.filter((e) => channelOf(e.type));
  if (mine.length === 0) return 0;
  const recorded: UnifiedEvent[] = [];
  const n = await store.write(async (trx) => {
    recorded.length = 0;
    let fresh = 0;
    for (const e of mine) fresh += await applyOne(trx, clock.now(), provider, e, origin, stream, recorded);
    return fresh;
  });
  stream?.publish(recorded);
  return n;
}

async function applyOne(trx: Trx, now: number, provider: string, event: InboundEvent, origin: InboundOrigin, stream: EventStore | undefined, recorded: UnifiedEvent[]): Promise<number> {
  const channel = channelOf(event.type)!;
  const data = event.data as SmsEventData;
  const received = data.status === 'received';
  const message = !received && event.ref.providerObjectId
    ? await trx.selectFrom('sms_messages').select(['id', 'tenant_id', 'status']).where('provider', '=', provider).where('provider_message_id', '=', event.ref.providerObjectId).executeTakeFirst()
    : undefined;
  const tenantId = message?.tenant_id ?? origin.tenantId;
  const inserted = await trx
    .insertInto('sms_events')
    .values({ id: newId('evt', now), tenant_id: tenantId, message_id: message?.id ?? null, type: event.type, provider, provider_event_id: event.providerEventId, phone_number: data.phoneNumber || null, occurred_at: event.occurredAt, data: JSON.stringify(data), created_at: now })
    .onConflict((oc) => oc.columns(['provider', 'provider_event_id']).doNothing())
    .executeTakeFirst();
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return 0; // a duplicate delivery

  const unified: RecordInput[] = [
    { tenantId, type: event.type, provider, connectionId: origin.connectionId, dedupeKey: event.providerEventId, occurredAt: event.occurredAt, data: { ...data, messageId: message?.id ?? null }, raw: event.raw },
  ];
  if (message && data.status) {
    const status = data.status;
    if (SMS_STATUS_RANK[status] > SMS_STATUS_RANK[message.status as SmsStatus]) {
      await trx
        .updateTable('sms_messages')
        .set({ status, updated_at: now, ...(data.errorCode ? { error_code: String(data.errorCode), error: JSON.stringify({ code: data.errorCode, message: data.errorMessage ?? null }) } : {}) })
        .where('id', '=', message.id)
        .where(statusRank(SMS_STATUS_RANK), '<', SMS_STATUS_RANK[status]) // decided by the UPDATE: no concurrent callback undoes it
        .execute();
    }
  }
  const optOut = (type: 'opted_out' | 'opted_in', extra: Record<string, unknown>) =>
    unified.push({ tenantId, type: `sms.${type}`, provider, connectionId: origin.connectionId, dedupeKey: `${event.providerEventId}:${type}`, occurredAt: event.occurredAt, data: { phoneNumber: data.phoneNumber, channel, ...extra, messageId: message?.id ?? null }, raw: null });
  if (received && data.phoneNumber) {
    const keyword = optOutKeyword(data.body ?? '');
    if (keyword?.action === 'stop' && (await addOptOut(trx, tenantId, channel, data.phoneNumber, 'keyword', keyword.keyword, now))) optOut('opted_out', { keyword: keyword.keyword, source: 'keyword' });
    if (keyword?.action === 'start' && (await removeOptOut(trx, tenantId, channel, data.phoneNumber))) optOut('opted_in', { keyword: keyword.keyword, source: 'keyword' });
  }
  if (!received && data.errorCode === UNSUBSCRIBED && data.phoneNumber && (await addOptOut(trx, tenantId, channel, data.phoneNumber, 'provider', null, now))) {
    optOut('opted_out', { source: 'provider', errorCode: UNSUBSCRIBED });
  }
  if (stream) for (const e of await stream.recordMany(trx, unified)) if (e) recorded.push(e);
  return 1;
}

/**
 * Events that arrived before the send recorded the provider's id (a fast callback): attach them
 * to the message now and move its status as they would have.
 */
export async function adoptEarlyEvents(trx: Trx, messageId: string, provider: string, providerMessageId: string, now: number): Promise<void> {
  const early = await trx
    .selectFrom('sms_events')
    .select(['id', 'data'])
    .where('provider', '=', provider)
    .where('message_id', 'is', null)
    .where('provider_event_id', '>=', `${providerMessageId}:`)
    .where('provider_event_id', '<', `${providerMessageId};`)
    .execute();
  if (early.length === 0) return;
  await trx.updateTable('sms_events').set({ message_id: messageId }).where('id', 'in', early.map((e) => e.id)).execute();
  const row = await trx.selectFrom('sms_messages').select('status').where('id', '=', messageId).executeTakeFirst();
  let best = (row?.status ?? 'pending') as SmsStatus;
  for (const e of early) {
    const s = (JSON.parse(e.data) as SmsEventData).status;
    if (s && SMS_STATUS_RANK[s] > SMS_STATUS_RANK[best]) best = s;
  }
  if (row && best !== row.status) await trx.updateTable('sms_messages').set({ status: best, updated_at: now }).where('id', '=', messageId).execute();
}
