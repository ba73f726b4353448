/**
 * The payments service: provider-agnostic payments and refunds that never charge twice.
 *
 * A create writes the payment row — with the idempotency key the provider will receive — and a
 * recovery job in one commit BEFORE calling the provider. A retry (the transport's, the caller's
 * with the same `Idempotency-Key`, another process's, or the recovery job after a crash) re-sends
 * the same key, and the provider answers the payment it already made. Customers, payment methods,
 * subscriptions and invoices live at the provider (`objects.ts`).
 */
import type { Clock } from '../../core/clock.js';
import { HubError, surelyNotSent, toHubError } from '../../core/errors.js';
import { newId } from '../../core/ids.js';
import type { Logger } from '../../core/logger.js';
import { parseInput } from '../../core/validation.js';
import type { ConnectionManager } from '../../connections/connections.js';
import type { CategoryContext } from '../category.js';
import { enqueue, type Queue } from '../../queue/queue.js';
import type { Store, Trx } from '../../store/store.js';
import type { Payment, PaymentsCapability, PaymentsProvider } from './contract.js';
import { checkCallerKey, keyConflict, providerKey, requestHash, type PaymentCallOptions } from './keys.js';
import { PaymentObjects } from './objects.js';
import { parseAmount } from './money.js';
import { PaymentRecords, type PaymentRow, type PaymentView, type RefundView } from './records.js';
import { Refunds } from './refunds.js';
import { capturePaymentInput, confirmPaymentInput, createPaymentInput, type CreatePaymentRequest, type RefundRequest } from './schemas.js';
import './errors.js'; // registers the payments error codes this file uses

export const RECOVER_PAYMENT_JOB = 'payments.recover';

export interface PaymentsServiceOptions {
  store: Store;
  queue: Queue;
  connections: ConnectionManager;
  clock: Clock;
  logger: Logger;
  /** Provider ids (`PAYMENT_PROVIDERS`); the first is the default. */
  chain: string[];
  /** Runs a create along the chain under the category's `not-acted` failover policy. */
  failover: CategoryContext['failover'];
  /** A recovery job re-sends a create whose outcome is unknown this long after it began (default 2 min). */
  recoveryMs?: number;
}

export type { PaymentCallOptions } from './keys.js';

export class PaymentsService {
  readonly records: PaymentRecords;
  /** Customers, payment methods, subscriptions, invoices (at the provider). */
  readonly objects: PaymentObjects = new PaymentObjects((tenantId, providerId) => this.provider(tenantId, providerId));
  private readonly refunds: Refunds;
  private readonly recoveryMs: number;

  constructor(private readonly o: PaymentsServiceOptions) {
    this.records = new PaymentRecords(o.store, o.clock);
    o.queue.register<{ paymentId: string }>(RECOVER_PAYMENT_JOB, (p) => this.recover(p.paymentId));
    this.recoveryMs = o.recoveryMs ?? 120_000;
    this.refunds = new Refunds({ queue: o.queue, records: this.records, provider: (t, id) => this.provider(t, id), now: () => o.clock.now(), recoveryMs: this.recoveryMs });
  }

  /** What each configured provider supports. */
  capabilities(): Record<string, PaymentsCapability[]> {
    const out: Record<string, PaymentsCapability[]> = {};
    for (const id of this.o.chain) {
      const conn = this.o.connections.defaultConnection(id);
      if (conn) out[id] = [...this.o.connections.connectorFor(conn, 'payments').capabilities].sort();
    }
    return out;
  }

  /** The connector a tenant uses for `providerId` (default: the first of the chain). */
  async provider(tenantId: string, providerId?: string): Promise<PaymentsProvider> {
    const id = providerId ?? this.o.chain[0];
    if (!id) throw new HubError('not_configured', 'No payment provider is configured: set PAYMENT_PROVIDERS');
    if (!this.o.chain.includes(id)) {
      throw new HubError('validation_failed', `provider: "${id}" is not a payment provider of this hub (PAYMENT_PROVIDERS: ${this.o.chain.join(', ')})`, { errors: [{ field: 'provider', message: `must be one of ${this.o.chain.join(', ')}` }] });
    }
    const conn = await this.o.connections.forTenant(tenantId, id);
    if (!conn) throw new HubError('not_configured', `${id} is not configured: ${this.o.connections.configError(id) ?? 'no connection'}`, { provider: id });
    return this.o.connections.connectorFor(conn, 'payments');
  }

  /**
   * Create a payment (Stripe PaymentIntent, PayPal order). The same `idempotencyKey` answers the
   * same payment, however often and from whichever process it is retried.
   *
   * @example
   * await hub.payments.create('default', { amount: '99.99', currency: 'USD' }, { idempotencyKey: 'order-42' });
   */
  async create(tenantId: string, input: CreatePaymentRequest, options: PaymentCallOptions = {}): Promise<PaymentView> {
    const v = parseInput(createPaymentInput, input);
    const money = parseAmount(v, v.currency);
    const callerKey = checkCallerKey(options.idempotencyKey);
    const hash = requestHash({ ...v, amount: money.minor, amountMinor: undefined, currency: money.currency });
    const candidates = v.provider ? [v.provider] : this.o.chain.filter((p) => this.o.connections.defaultConnection(p));
    const first = candidates[0] ?? v.provider ?? this.o.chain[0] ?? 'stripe';

    const existing = callerKey ? await this.records.byKey(tenantId, callerKey) : undefined;
    if (existing && existing.request_hash !== hash) throw keyConflict(callerKey!);
    const now = this.o.clock.now();
    if (existing && existing.status !== 'creating') {
      const stored = existing.error && !existing.provider_payment_id ? HubError.fromJSON(existing.error) : undefined;
      if (stored && !stored.retryable) throw stored;
      if (!stored) return this.records.view(existing, await this.refresh(existing.tenant_id, existing.provider, existing.provider_payment_id));
      // It surely never reached the provider: this retry sends it (with the same key), under a new recovery job.
      await this.o.store.write(async (trx) => {
        await this.records.reopen(trx, existing.id);
        await this.scheduleRecovery(trx, existing.id, now);
      });
    }
    const providers = existing ? [existing.provider] : candidates.length > 0 ? candidates : [first];
    const inserted = existing
      ? undefined
      : await this.o.store.write(async (trx) => {
          const id = newId('pay', now);
          const row = await this.records.insertPayment(trx, {
            id, tenantId, provider: first, money, customerId: v.customerId, description: v.description,
            idempotencyKey: callerKey ?? `gen_${id}`, providerKey: providerKey(tenantId, callerKey, first, 'payments.create'), requestHash: hash, request: v,
          });
          if (row) await this.scheduleRecovery(trx, id, now); // no row: a concurrent request with the same key won the insert
          return row;
        });
    // The row this request inserted is driven as committed (no read back); an existing one (maybe
    // just reopened) or a concurrent winner's is read again.
    if (inserted) return this.drive(inserted, callerKey, providers);
    const other = existing ?? (await this.records.byKey(tenantId, callerKey!));
    if (!other) throw new HubError('internal_error', 'payment row vanished');
    return this.drive(other.id, callerKey, providers);
  }

  /** The job that re-sends this create if its outcome is still unknown by then (same commit as the row). */
  private async scheduleRecovery(trx: Trx, paymentId: string, now: number): Promise<void> {
    await enqueue(trx, { type: RECOVER_PAYMENT_JOB, payload: { paymentId }, runAt: now + this.recoveryMs }, now);
  }

  /**
   * Calls the provider(s) for a `creating` row and records the outcome. The chain moves on only
   * when a provider surely did not act (the category's `not-acted` policy).
   */
  private async drive(payment: string | PaymentRow, callerKey: string | undefined, providers: string[]): Promise<PaymentView> {
    const found = typeof payment === 'string' ? await this.records.byIdAny(payment) : payment;
    if (!found) throw new HubError('not_found', `No payment ${String(payment)}`);
    const paymentId = found.id;
    let row = found;
    const request = JSON.parse(row.request) as ReturnType<typeof createPaymentInput.parse>;
    try {
      const { value, failures } = await this.o.failover(
        async (providerId) => {
          if (providerId !== row.provider) row = await this.records.switchProvider(row.id, providerId, providerKey(row.tenant_id, callerKey, providerId, 'payments.create'));
          const p = await this.provider(row.tenant_id, providerId);
          const payment = await p.createPayment(
            { amount: row.amount, currency: row.currency, description: request.description, metadata: request.metadata, customerId: request.customerId, paymentMethodId: request.paymentMethodId, captureMethod: request.captureMethod, returnUrl: request.returnUrl, cancelUrl: request.cancelUrl, receiptEmail: request.receiptEmail, hubId: row.id },
            { idempotencyKey: row.provider_key },
          );
          return this.records.view(await this.records.recordProviderState(row.id, payment), payment);
        },
        { providers, exhausted: 'last' },
      );
      if (failures.length > 0) this.o.logger.warn({ paymentId, failures }, 'payments: failed over');
      return value;
    } catch (err) {
      const e = toHubError(err);
      // Refused, or surely never sent (connection refused, open circuit): final for this attempt.
      // A retryable one may be retried with the same key (the row reopens); nothing re-sends it by itself.
      if (!e.retryable || surelyNotSent(e)) {
        await this.records.recordFailed(row.id, e);
        throw e;
      }
      // Uncertain (timeout, dropped connection): keep `creating`; a retry or the recovery job re-sends the same key.
      throw e.with(`Payment ${row.id} is kept: retry with the same Idempotency-Key, or it is re-sent with its key and recorded by itself (GET /api/v1/payments/${row.id}).`, { paymentId: row.id });
    }
  }

  /** The recovery job: a payment still `creating` is re-sent with its key (the provider replays). */
  private async recover(paymentId: string): Promise<void> {
    const row = await this.records.byIdAny(paymentId);
    if (!row || row.status !== 'creating') return;
    await this.drive(row, undefined, [row.provider]);
  }

  /** A payment by hub id or provider id; `refresh` asks the provider for its current state. */
  async get(tenantId: string, paymentId: string, options: { refresh?: boolean } = {}): Promise<PaymentView> {
    const row = await this.records.find(tenantId, paymentId);
    if (!options.refresh || !row.provider_payment_id) return this.records.view(row);
    const payment = await this.refresh(tenantId, row.provider, row.provider_payment_id);
    const updated = payment ? await this.records.recordProviderState(row.id, payment) : row;
    return this.records.view(updated, payment);
  }

  async confirm(tenantId: string, paymentId: string, input: unknown, options: PaymentCallOptions = {}): Promise<PaymentView> {
    const v = parseInput(confirmPaymentInput, input ?? {});
    // A payment created with a return URL needs it again to be confirmed (redirect methods allowed).
    const row = await this.records.find(tenantId, paymentId);
    v.returnUrl ??= (JSON.parse(row.request) as { returnUrl?: string }).returnUrl;
    return this.act(tenantId, paymentId, 'payments.confirm', options, (p, id, key) => p.confirmPayment(id, v, { idempotencyKey: key }));
  }

  async capture(tenantId: string, paymentId: string, input: unknown, options: PaymentCallOptions = {}): Promise<PaymentView> {
    const v = parseInput(capturePaymentInput, input ?? {});
    const row = await this.records.find(tenantId, paymentId);
    const amount = v.amount === undefined && v.amountMinor === undefined ? undefined : parseAmount(v, row.currency).minor;
    return this.act(tenantId, paymentId, 'payments.capture', options, (p, id, key) => p.capturePayment(id, { amount }, { idempotencyKey: key }));
  }

  async cancel(tenantId: string, paymentId: string, options: PaymentCallOptions = {}): Promise<PaymentView> {
    return this.act(tenantId, paymentId, 'payments.cancel', options, (p, id, key) => p.cancelPayment(id, { idempotencyKey: key }));
  }

  /** Runs one follow-up call on a created payment and records the state the provider answers. */
  private async act(
    tenantId: string,
    paymentId: string,
    operation: string,
    options: PaymentCallOptions,
    call: (p: PaymentsProvider, providerPaymentId: string, key: string) => Promise<Payment>,
  ): Promise<PaymentView> {
    const row = await this.records.find(tenantId, paymentId);
    if (!row.provider_payment_id) throw new HubError('conflict', `Payment ${row.id} was not created at ${row.provider} (status ${row.status}); create it again`);
    const p = await this.provider(tenantId, row.provider);
    const key = providerKey(tenantId, checkCallerKey(options.idempotencyKey), row.provider, `${operation}:${row.id}`);
    try {
      const payment = await call(p, row.provider_payment_id, key);
      return this.records.view(await this.records.recordProviderState(row.id, payment), payment);
    } catch (err) {
      const e = toHubError(err);
      if (e.code === 'payment_declined') await this.records.recordDecline(row.id, e);
      throw e;
    }
  }

  /** Refund all or part of a payment (see `refunds.ts`). */
  refund(tenantId: string, input: RefundRequest, options: PaymentCallOptions = {}): Promise<RefundView> {
    return this.refunds.create(tenantId, input, options);
  }

  async getRefund(tenantId: string, refundId: string): Promise<RefundView> {
    return this.records.refundView(await this.records.findRefund(tenantId, refundId));
  }

  private async refresh(tenantId: string, providerId: string, providerPaymentId: string | null) {
    if (!providerPaymentId) return undefined;
    try {
      return await (await this.provider(tenantId, providerId)).getPayment(providerPaymentId);
    } catch (err) {
      this.o.logger.warn({ err, providerPaymentId }, 'payments: could not refresh from the provider');
      return undefined;
    }
  }
}
