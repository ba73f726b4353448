/**
 * Applies normalized payment webhooks (`payment.*`, `refund.*`, `subscription.*`, `invoice.*`,
 * `dispute.*`) from Stripe and PayPal: each becomes one unified event (once per provider event
 * id), and the stored payment's status follows — forward only, so a late or replayed event never
 * undoes a newer state ({@link shouldMove}).
 */
import type { Clock } from '../../core/clock.js';
import { newId } from '../../core/ids.js';
import { DEFAULT_TENANT } from '../../connections/connections.js';
import type { EventStore, UnifiedEvent } from '../../events/event-store.js';
import { PAYMENT_EVENT_TYPES } from '../../categories/payments/events.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { Store, Trx } from '../../store/store.js';
import type { PaymentStatus } from './contract.js';
import { shouldMove, type PaymentRecords } from './records.js';

const PREFIXES = new Set(Object.keys(PAYMENT_EVENT_TYPES));
const STATUS_OF: Record<string, PaymentStatus> = {
  'payment.succeeded': 'succeeded',
  'payment.failed': 'failed',
  'payment.requires_action': 'requires_action',
  'payment.canceled': 'canceled',
};

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Is this one of the payment category's events? */
export function isPaymentEvent(type: string): boolean {
  return PREFIXES.has(type.split('.')[0] ?? '');
}

/**
 * Record a provider's payment events and move payments; returns how many were new.
 *
 * @example
 * await applyPaymentEvents(store, clock, records, 'stripe', stripeWebhooks.parse(body, headers), hub.events);
 */
export async function applyPaymentEvents(store: Store, clock: Clock, records: PaymentRecords, provider: string, events: InboundEvent[], stream: EventStore): Promise<number> {
  const mine = events.filter((e) => isPaymentEvent(e.type));
  if (mine.length === 0) return 0;
  const recorded: UnifiedEvent[] = [];
  const fresh = await store.write(async (trx) => {
    recorded.length = 0;
    let n = 0;
    for (const event of mine) if (await applyOne(trx, clock, records, provider, event, stream, recorded)) n++;
    return n;
  });
  stream.publish(recorded);
  return fresh;
}

async function findPayment(trx: Trx, provider: string, event: InboundEvent) {
  const d = event.data;
  const providerId = str(d.paymentId) ?? str(d.paymentIntentId) ?? (event.type.startsWith('payment.') ? event.ref.providerObjectId : undefined);
  const hubId = event.ref.hubId;
  if (!providerId && !hubId) return undefined;
  let q = trx.selectFrom('payments').selectAll().where('provider', '=', provider);
  q = q.where((eb) => eb.or([...(hubId ? [eb('id', '=', hubId)] : []), ...(providerId ? [eb('provider_payment_id', '=', providerId)] : [])]));
  return q.executeTakeFirst();
}

async function applyOne(trx: Trx, clock: Clock, records: PaymentRecords, provider: string, event: InboundEvent, stream: EventStore, recorded: UnifiedEvent[]): Promise<boolean> {
  const payment = event.type.startsWith('payment.') || event.type.startsWith('refund.') || event.type.startsWith('dispute.') ? await findPayment(trx, provider, event) : undefined;
  const unified = await stream.record(trx, {
    tenantId: payment?.tenant_id ?? DEFAULT_TENANT,
    type: event.type,
    provider,
    dedupeKey: event.providerEventId,
    occurredAt: event.occurredAt,
    data: { ...event.data, ...(payment ? { hubPaymentId: payment.id } : {}) },
    raw: event.raw,
  });
  if (!unified) return false; // this provider event was applied before
  recorded.push(unified);
  if (!payment) return true;
  const status = STATUS_OF[event.type];
  if (status && shouldMove(payment.status, payment.status_at, status, event.occurredAt)) {
    await trx
      .updateTable('payments')
      .set({ status, status_at: event.occurredAt, updated_at: clock.now(), ...(payment.provider_payment_id ? {} : { provider_payment_id: str(event.data.paymentId) ?? event.ref.providerObjectId ?? null }) })
      .where('id', '=', payment.id)
      .execute();
  }
  if (event.type === 'refund.succeeded') await applyRefund(trx, clock, records, payment.id, event);
  return true;
}

async function applyRefund(trx: Trx, clock: Clock, records: PaymentRecords, paymentId: string, event: InboundEvent): Promise<void> {
  const d = event.data;
  const amount = typeof d.amount === 'number' ? d.amount : 0;
  // Stripe's charge.refunded reports the charge's cumulative refunded amount; the others one refund.
  if (d.providerType === 'charge.refunded') return records.addRefunded(trx, paymentId, 0, event.occurredAt, d.fullyRefunded === true ? Number.MAX_SAFE_INTEGER : amount);
  const refundId = str(d.refundId) ?? (event.ref.providerObjectId !== str(d.paymentId) ? event.ref.providerObjectId : undefined);
  if (!refundId) return records.addRefunded(trx, paymentId, amount, event.occurredAt);
  // One row per provider refund: a refund reported twice (created, updated) is counted once.
  const hubId = event.ref.hubId;
  const known = await trx
    .selectFrom('payment_refunds')
    .selectAll()
    .where((eb) => eb.or([eb('provider_refund_id', '=', refundId), ...(hubId ? [eb('id', '=', hubId)] : [])]))
    .executeTakeFirst();
  if (known?.status === 'succeeded') return;
  const now = clock.now();
  if (known) {
    await trx.updateTable('payment_refunds').set({ status: 'succeeded', provider_refund_id: refundId, amount: known.amount ?? amount, updated_at: now }).where('id', '=', known.id).execute();
  } else {
    const payment = await trx.selectFrom('payments').select(['tenant_id', 'provider', 'currency']).where('id', '=', paymentId).executeTakeFirstOrThrow();
    const id = newId('rfd', now);
    await trx
      .insertInto('payment_refunds')
      .values({ id, tenant_id: payment.tenant_id, payment_id: paymentId, provider: payment.provider, provider_refund_id: refundId, status: 'succeeded', amount, currency: payment.currency, reason: str(d.reason) ?? null, idempotency_key: `event:${refundId}`, provider_key: '', request_hash: '', request: '{}', error: null, created_at: now, updated_at: now })
      .execute();
  }
  await records.addRefunded(trx, paymentId, amount, event.occurredAt);
}
