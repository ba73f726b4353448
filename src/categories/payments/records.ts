/**
 * The hub's own rows of payments and refunds: insert before the provider call, record what the
 * provider answered, and move statuses only forward ({@link shouldMove}). The REST views are built
 * here too. Secrets (Stripe client secrets) are never stored: views get them from a fresh answer.
 */
import type { Selectable } from 'kysely';
import type { Clock } from '../../core/clock.js';
import { HubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { PaymentRefundsTable, PaymentsTable } from '../../store/schema.js';
import type { Store, Trx } from '../../store/store.js';
import { FINAL_PAYMENT_STATUSES, PAYMENT_STATUS_RANK, type Payment, type PaymentStatus, type Refund } from './contract.js';
import { formatMinor, type Money } from './money.js';
import './errors.js'; // registers the payments error codes this file uses

export type PaymentRow = Selectable<PaymentsTable>;
export type RefundRow = Selectable<PaymentRefundsTable>;

/** A payment as the API answers it; amounts in minor units, `amountDecimal` for people. */
export interface PaymentView {
  id: string;
  provider: string;
  providerPaymentId: string | null;
  status: PaymentStatus | 'creating';
  amount: number;
  amountDecimal: string;
  currency: string;
  amountRefunded: number;
  customerId: string | null;
  description: string | null;
  clientSecret?: string;
  approvalUrl?: string;
  nextAction?: { type: string; url?: string };
  failure?: { code: string; declineCode?: string; message: string };
  createdAt: string;
  updatedAt: string;
}

export interface RefundView {
  id: string;
  provider: string;
  providerRefundId: string | null;
  paymentId: string;
  status: string;
  amount: number | null;
  currency: string;
  reason: string | null;
  createdAt: string;
}

/**
 * May a payment in `current` (set at `currentAt`) move to `next` (happened at `nextAt`)? Final
 * statuses (succeeded, canceled, refunds) only move up the rank; among the others the later
 * occurrence wins, so a late webhook never moves a payment back.
 *
 * @example
 * shouldMove('succeeded', 2000, 'requires_action', 1000) // false
 * shouldMove('failed', 1000, 'succeeded', 2000) // true
 */
export function shouldMove(current: string, currentAt: number, next: PaymentStatus, nextAt: number): boolean {
  if (current === 'creating') return true;
  if (current === next) return false;
  const cur = current as PaymentStatus;
  if (FINAL_PAYMENT_STATUSES.has(cur)) return PAYMENT_STATUS_RANK[next] > PAYMENT_STATUS_RANK[cur];
  if (FINAL_PAYMENT_STATUSES.has(next)) return true;
  return nextAt >= currentAt;
}

const iso = (ms: number) => new Date(ms).toISOString();

export class PaymentRecords {
  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {}

  async insertPayment(
    trx: Trx,
    p: { id: string; tenantId: string; provider: string; money: Money; customerId?: string; description?: string; idempotencyKey: string; providerKey: string; requestHash: string; request: unknown },
  ): Promise<PaymentRow | undefined> {
    const now = this.clock.now();
    return trx
      .insertInto('payments')
      .values({
        id: p.id, tenant_id: p.tenantId, provider: p.provider, provider_payment_id: null, status: 'creating', status_at: now,
        amount: p.money.minor, currency: p.money.currency, amount_refunded: 0, customer_id: p.customerId ?? null, description: p.description ?? null,
        idempotency_key: p.idempotencyKey, provider_key: p.providerKey, request_hash: p.requestHash, request: JSON.stringify(p.request),
        result: null, error: null, created_at: now, updated_at: now,
      })
      .onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing())
      .returningAll()
      .executeTakeFirst();
  }

  byKey(tenantId: string, key: string): Promise<PaymentRow | undefined> {
    return this.store.db.selectFrom('payments').selectAll().where('tenant_id', '=', tenantId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  byId(tenantId: string, id: string, trx?: Trx): Promise<PaymentRow | undefined> {
    return (trx ?? this.store.db).selectFrom('payments').selectAll().where('tenant_id', '=', tenantId).where('id', '=', id).executeTakeFirst();
  }

  byIdAny(id: string): Promise<PaymentRow | undefined> {
    return this.store.db.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirst();
  }

  /** By the hub's id (`pay_…`) or the provider's (`pi_…`, a PayPal order id); 404 otherwise. */
  async find(tenantId: string, id: string): Promise<PaymentRow> {
    const row = await this.store.db
      .selectFrom('payments')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', id), eb('provider_payment_id', '=', id)]))
      .executeTakeFirst();
    if (!row) throw new HubError('not_found', `No payment ${id}`);
    return row;
  }

  async switchProvider(id: string, provider: string, providerKey: string): Promise<PaymentRow> {
    await this.store.write((trx) => trx.updateTable('payments').set({ provider, provider_key: providerKey, updated_at: this.clock.now() }).where('id', '=', id).where('status', '=', 'creating').execute());
    return (await this.byIdAny(id))!;
  }

  /** What the provider answered: its id and state (after a create, the recovery job then finds nothing to do). */
  async recordProviderState(id: string, payment: Payment): Promise<PaymentRow> {
    const now = this.clock.now();
    return this.store.write(async (trx) => {
      const row = await trx.selectFrom('payments').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
      const { raw: _raw, clientSecret: _secret, ...result } = payment;
      const set: Partial<PaymentsTable> = { provider_payment_id: payment.id, result: JSON.stringify(result), error: null, updated_at: now };
      if (shouldMove(row.status, row.status_at, payment.status, now)) Object.assign(set, { status: payment.status, status_at: now });
      if (payment.customerId) set.customer_id = payment.customerId;
      await trx.updateTable('payments').set(set).where('id', '=', id).execute();
      return { ...row, ...set } as PaymentRow;
    });
  }

  /** A definitive refusal (declined, invalid): stored, so the same key answers the same error. */
  async recordFailed(id: string, err: HubError): Promise<void> {
    const now = this.clock.now();
    const providerId = typeof err.details?.paymentIntentId === 'string' ? err.details.paymentIntentId : null;
    await this.store.write((trx) =>
      trx
        .updateTable('payments')
        .set({ status: 'failed', status_at: now, error: JSON.stringify(err.toJSON()), updated_at: now, ...(providerId ? { provider_payment_id: providerId } : {}) })
        .where('id', '=', id)
        .where('status', '=', 'creating')
        .execute(),
    );
  }

  /** A create that surely never reached the provider is tried again: back to `creating`. */
  async reopen(trx: Trx, id: string): Promise<void> {
    await trx.updateTable('payments').set({ status: 'creating', error: null, updated_at: this.clock.now() }).where('id', '=', id).where('status', '=', 'failed').where('provider_payment_id', 'is', null).execute();
  }

  async recordDecline(id: string, err: HubError): Promise<void> {
    const now = this.clock.now();
    await this.store.write(async (trx) => {
      const row = await trx.selectFrom('payments').select(['status', 'status_at']).where('id', '=', id).executeTakeFirst();
      if (!row || !shouldMove(row.status, row.status_at, 'failed', now)) return;
      await trx.updateTable('payments').set({ status: 'failed', status_at: now, error: JSON.stringify(err.toJSON()), updated_at: now }).where('id', '=', id).execute();
    });
  }

  view(row: PaymentRow, fresh?: Payment): PaymentView {
    const stored = row.result ? (JSON.parse(row.result) as Partial<Payment>) : {};
    const live = fresh ?? stored;
    const failure = live.failure ?? (row.status === 'failed' && row.error ? failureOf(row.error) : undefined);
    return {
      id: row.id,
      provider: row.provider,
      providerPaymentId: row.provider_payment_id,
      status: row.status as PaymentStatus,
      amount: row.amount,
      amountDecimal: formatMinor(row.amount, row.currency),
      currency: row.currency,
      amountRefunded: row.amount_refunded,
      customerId: row.customer_id,
      description: row.description,
      ...(fresh?.clientSecret ? { clientSecret: fresh.clientSecret } : {}),
      ...(live.approvalUrl ? { approvalUrl: live.approvalUrl } : {}),
      ...(live.nextAction && row.status === 'requires_action' ? { nextAction: live.nextAction } : {}),
      ...(failure ? { failure } : {}),
      createdAt: iso(row.created_at),
      updatedAt: iso(row.updated_at),
    };
  }

  refundByKey(tenantId: string, key: string): Promise<RefundRow | undefined> {
    return this.store.db.selectFrom('payment_refunds').selectAll().where('tenant_id', '=', tenantId).where('idempotency_key', '=', key).executeTakeFirst();
  }

  /** The refund row, committed with `also` (its recovery job); an existing row under the same key wins. */
  async insertRefund(
    r: { tenantId: string; paymentId: string; provider: string; amount?: number; currency: string; reason?: string; idempotencyKey?: string; providerKey: string; requestHash: string; request: unknown },
    also: (trx: Trx, id: string) => Promise<void>,
  ): Promise<RefundRow> {
    const now = this.clock.now();
    const id = newId('rfd', now);
    const row = {
      id, tenant_id: r.tenantId, payment_id: r.paymentId, provider: r.provider, provider_refund_id: null, status: 'creating', amount: r.amount ?? null,
      currency: r.currency, reason: r.reason ?? null, idempotency_key: r.idempotencyKey ?? `gen_${id}`, provider_key: r.providerKey, request_hash: r.requestHash,
      request: JSON.stringify(r.request), error: null, created_at: now, updated_at: now,
    };
    const inserted = await this.store.write(async (trx) => {
      const done = await trx.insertInto('payment_refunds').values(row).onConflict((oc) => oc.columns(['tenant_id', 'idempotency_key']).doNothing()).returning('id').executeTakeFirst();
      if (done) await also(trx, id);
      return done;
    });
    if (!inserted) return (await this.refundByKey(r.tenantId, row.idempotency_key))!;
    return row;
  }

  async refundById(id: string): Promise<RefundRow> {
    return this.store.db.selectFrom('payment_refunds').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  }

  /** The provider's refund: store it, and add a newly succeeded amount to the payment. */
  async recordRefund(refundId: string, refund: Refund, at = this.clock.now()): Promise<RefundRow> {
    return this.store.write(async (trx) => {
      const row = await trx.selectFrom('payment_refunds').selectAll().where('id', '=', refundId).executeTakeFirstOrThrow();
      // A webhook may have reported this refund first (its own row): then it is counted already.
      const seen = await trx.selectFrom('payment_refunds').select(['id', 'status']).where('provider', '=', row.provider).where('provider_refund_id', '=', refund.id).where('id', '!=', refundId).executeTakeFirst();
      if (seen) await trx.deleteFrom('payment_refunds').where('id', '=', seen.id).execute();
      const counted = row.status === 'succeeded' || seen?.status === 'succeeded';
      const set = { provider_refund_id: refund.id, status: refund.status, amount: refund.amount, error: null, updated_at: this.clock.now() };
      await trx.updateTable('payment_refunds').set(set).where('id', '=', refundId).execute();
      if (refund.status === 'succeeded' && !counted) await this.addRefunded(trx, row.payment_id, refund.amount, at);
      return { ...row, ...set };
    });
  }

  /** Adds `amount` refunded to a payment and moves it to partially_refunded / refunded. */
  async addRefunded(trx: Trx, paymentId: string, amount: number, at: number, total?: number): Promise<void> {
    const p = await trx.selectFrom('payments').selectAll().where('id', '=', paymentId).executeTakeFirst();
    if (!p) return;
    const refunded = Math.min(p.amount, total !== undefined ? Math.max(total, p.amount_refunded) : p.amount_refunded + amount);
    const next: PaymentStatus = refunded >= p.amount ? 'refunded' : 'partially_refunded';
    const set: Partial<PaymentsTable> = { amount_refunded: refunded, updated_at: this.clock.now() };
    if (refunded > 0 && shouldMove(p.status, p.status_at, next, at)) Object.assign(set, { status: next, status_at: at });
    await trx.updateTable('payments').set(set).where('id', '=', paymentId).execute();
  }

  async recordRefundFailed(refundId: string, err: HubError): Promise<void> {
    await this.store.write((trx) => trx.updateTable('payment_refunds').set({ status: 'failed', error: JSON.stringify(err.toJSON()), updated_at: this.clock.now() }).where('id', '=', refundId).where('status', '=', 'creating').execute());
  }

  async findRefund(tenantId: string, id: string): Promise<RefundRow> {
    const row = await this.store.db
      .selectFrom('payment_refunds')
      .selectAll()
      .where('tenant_id', '=', tenantId)
      .where((eb) => eb.or([eb('id', '=', id), eb('provider_refund_id', '=', id)]))
      .executeTakeFirst();
    if (!row) throw new HubError('not_found', `No refund ${id}`);
    return row;
  }

  refundView(row: RefundRow): RefundView {
    return { id: row.id, provider: row.provider, providerRefundId: row.provider_refund_id, paymentId: row.payment_id, status: row.status, amount: row.amount, currency: row.currency, reason: row.reason, createdAt: iso(row.created_at) };
  }
}

function failureOf(stored: string): PaymentView['failure'] {
  const e = JSON.parse(stored) as { code?: string; providerCode?: string; message?: string };
  return { code: e.code ?? 'payment_declined', ...(e.providerCode ? { declineCode: e.providerCode } : {}), message: e.message ?? '' };
}
