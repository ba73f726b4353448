/**
 * Refunds, as durable as payments: the refund row — with the request and the idempotency key the
 * provider will receive — commits with a recovery job before the provider is called. A caller's
 * retry with the same `Idempotency-Key` (any process) re-sends the same key; a refund whose
 * outcome is unknown (timeout, lost answer, a crash) is re-sent by the `payments.recover_refund`
 * job and recorded, so the provider refunds once and the hub knows it.
 */
import { HubError, toHubError } from '../../core/errors.js';
import { parseInput } from '../../core/validation.js';
import { enqueue, type Queue } from '../../queue/queue.js';
import type { PaymentsProvider } from './contract.js';
import { checkCallerKey, keyConflict, providerKey, requestHash } from './keys.js';
import { parseAmount } from './money.js';
import type { PaymentRecords, RefundView } from './records.js';
import { refundInput, type RefundRequest } from './schemas.js';

export const RECOVER_REFUND_JOB = 'payments.recover_refund';

/** What a refund row keeps to be sent again exactly as first sent. */
interface StoredRefundRequest {
  amount?: number;
  reason?: string;
  metadata?: Record<string, string>;
}

export interface RefundsOptions {
  queue: Queue;
  records: PaymentRecords;
  provider: (tenantId: string, providerId: string) => Promise<PaymentsProvider>;
  now: () => number;
  recoveryMs: number;
}

export class Refunds {
  constructor(private readonly o: RefundsOptions) {
    o.queue.register<{ refundId: string }>(RECOVER_REFUND_JOB, (p) => this.recover(p.refundId));
  }

  /**
   * Refund all or part of a payment (`amount` absent: what remains).
   *
   * @example
   * await hub.payments.refund('default', { paymentId: 'pay_…', amount: '10.00' }, { idempotencyKey: 'refund-42' });
   */
  async create(tenantId: string, input: RefundRequest, options: { idempotencyKey?: string } = {}): Promise<RefundView> {
    const v = parseInput(refundInput, input);
    const payment = await this.o.records.find(tenantId, v.paymentId);
    const amount = v.amount === undefined && v.amountMinor === undefined ? undefined : parseAmount(v, payment.currency).minor;
    const callerKey = checkCallerKey(options.idempotencyKey);
    const request: StoredRefundRequest = { amount, reason: v.reason, metadata: v.metadata };
    const hash = requestHash({ paymentId: payment.id, ...request });
    // A retry first: it answers the refund it made, even when nothing is left to refund now.
    const existing = callerKey ? await this.o.records.refundByKey(tenantId, callerKey) : undefined;
    if (existing && existing.request_hash !== hash) throw keyConflict(callerKey!);
    if (existing && existing.status !== 'creating') {
      if (existing.error && !existing.provider_refund_id) throw HubError.fromJSON(existing.error);
      return this.o.records.refundView(existing);
    }
    if (existing) return this.drive(existing.id);
    if (amount !== undefined && amount <= 0) throw new HubError('validation_failed', 'amount: must be greater than zero', { errors: [{ field: 'amount', message: 'must be greater than zero' }] });
    const left = payment.amount - payment.amount_refunded;
    if (amount !== undefined && amount > left) {
      throw new HubError('validation_failed', `amount: at most ${left} minor units remain to refund`, { errors: [{ field: 'amount', message: 'is more than the payment has left to refund' }] });
    }
    if (!payment.provider_payment_id) throw new HubError('conflict', `Payment ${payment.id} was not created at ${payment.provider}; nothing to refund`);
    const now = this.o.now();
    const refund = await this.o.records.insertRefund(
      { tenantId, paymentId: payment.id, provider: payment.provider, amount, currency: payment.currency, reason: v.reason, idempotencyKey: callerKey, providerKey: providerKey(tenantId, callerKey, payment.provider, 'payments.refund'), requestHash: hash, request },
      (trx, id) => enqueue(trx, { type: RECOVER_REFUND_JOB, payload: { refundId: id }, runAt: now + this.o.recoveryMs }, now).then(() => undefined),
    );
    return this.drive(refund.id);
  }

  /** Sends a `creating` refund with its stored request and key, and records the answer. */
  private async drive(refundId: string): Promise<RefundView> {
    const refund = await this.o.records.refundById(refundId);
    const payment = await this.o.records.byIdAny(refund.payment_id);
    if (!payment?.provider_payment_id) throw new HubError('conflict', `Payment ${refund.payment_id} has no provider payment to refund`);
    const request = JSON.parse(refund.request) as StoredRefundRequest;
    try {
      const p = await this.o.provider(refund.tenant_id, refund.provider);
      const result = await p.createRefund({ paymentId: payment.provider_payment_id, currency: refund.currency, ...request, hubId: refund.id }, { idempotencyKey: refund.provider_key });
      return this.o.records.refundView(await this.o.records.recordRefund(refund.id, result));
    } catch (err) {
      const e = toHubError(err);
      if (!e.retryable) {
        await this.o.records.recordRefundFailed(refund.id, e);
        throw e;
      }
      throw e.with(`Refund ${refund.id} is kept: retry with the same Idempotency-Key, or it is re-sent with its key and recorded by itself (GET /api/v1/payments/refunds/${refund.id}).`, { refundId: refund.id });
    }
  }

  private async recover(refundId: string): Promise<void> {
    const row = await this.o.records.refundById(refundId).catch(() => undefined);
    if (!row || row.status !== 'creating') return;
    await this.drive(refundId);
  }
}
