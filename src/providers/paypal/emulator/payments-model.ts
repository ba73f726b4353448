/**
 * Captures, refunds and authorizations as the emulator keeps them, and how they are written on
 * the wire (Payments v2). Orders create them; `payments.ts` serves and changes them.
 *
 * PayPal's surprise: the same capture is written two ways — embedded in the order
 * (`purchase_units[].payments.captures[]`) without `supplementary_data`, and standalone
 * (`GET /v2/payments/captures/:id`, webhooks) with `supplementary_data.related_ids.order_id`.
 *
 * @see https://developer.paypal.com/docs/api/payments/v2/#captures_get
 * @see https://developer.paypal.com/api/rest/webhooks/event-names/#link-payments
 */
import type { PaypalContext } from './context.js';
import { paypalTime } from './context.js';
import { formatMoney, paypalFee } from './money.js';
import { paypalId } from './signing.js';

export interface CaptureRecord {
  id: string;
  orderId: string;
  /** The purchase unit it pays. */
  referenceId: string;
  authorizationId?: string;
  status: 'COMPLETED' | 'DECLINED' | 'PARTIALLY_REFUNDED' | 'REFUNDED';
  currency: string;
  minor: number;
  refundedMinor: number;
  finalCapture: boolean;
  invoiceId?: string;
  customId?: string;
  createTime: string;
  updateTime: string;
}

export interface RefundRecord {
  id: string;
  captureId: string;
  currency: string;
  minor: number;
  /** Refunded on the capture so far, this one included. */
  totalRefundedMinor: number;
  noteToPayer?: string;
  invoiceId?: string;
  createTime: string;
}

export interface AuthorizationRecord {
  id: string;
  orderId: string;
  referenceId: string;
  status: 'CREATED' | 'CAPTURED' | 'PARTIALLY_CAPTURED' | 'VOIDED';
  currency: string;
  minor: number;
  capturedMinor: number;
  invoiceId?: string;
  customId?: string;
  createTime: string;
  expirationTime: string;
}

/**
 * Every payment object of one emulator instance.
 *
 * @example
 * const payments = new PaymentsStore(ctx);
 * const capture = payments.addCapture({ orderId, referenceId: 'default', status: 'COMPLETED', currency: 'USD', minor: 1000, finalCapture: true });
 */
export class PaymentsStore {
  readonly captures = new Map<string, CaptureRecord>();
  readonly refunds = new Map<string, RefundRecord>();
  readonly authorizations = new Map<string, AuthorizationRecord>();

  constructor(private readonly ctx: Pick<PaypalContext, 'link'>) {}

  /** Records a capture (status COMPLETED, or DECLINED for a refused one). */
  addCapture(input: Omit<CaptureRecord, 'id' | 'refundedMinor' | 'createTime' | 'updateTime'>): CaptureRecord {
    const now = paypalTime();
    const record: CaptureRecord = { ...input, id: paypalId(17), refundedMinor: 0, createTime: now, updateTime: now };
    this.captures.set(record.id, record);
    return record;
  }

  /**
   * A capture on the wire; `standalone` adds `supplementary_data` (GET capture, webhooks).
   *
   * @example
   * store.renderCapture(capture, { standalone: true }).supplementary_data.related_ids.order_id
   */
  renderCapture(c: CaptureRecord, { standalone = false } = {}) {
    const fee = c.status === 'DECLINED' ? 0 : paypalFee(c.minor, c.currency);
    return {
      id: c.id,
      status: c.status,
      ...(c.status === 'DECLINED' ? { status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' } } : {}),
      amount: formatMoney(c.minor, c.currency),
      final_capture: c.finalCapture,
      seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
      seller_receivable_breakdown: {
        gross_amount: formatMoney(c.minor, c.currency),
        paypal_fee: formatMoney(fee, c.currency),
        net_amount: formatMoney(c.minor - fee, c.currency),
      },
      ...(c.invoiceId ? { invoice_id: c.invoiceId } : {}),
      ...(c.customId ? { custom_id: c.customId } : {}),
      ...(standalone ? { supplementary_data: { related_ids: { order_id: c.orderId, ...(c.authorizationId ? { authorization_id: c.authorizationId } : {}) } } } : {}),
      links: [
        this.ctx.link(`/v2/payments/captures/${c.id}`, 'self'),
        this.ctx.link(`/v2/payments/captures/${c.id}/refund`, 'refund', 'POST'),
        c.authorizationId
          ? this.ctx.link(`/v2/payments/authorizations/${c.authorizationId}`, 'up')
          : this.ctx.link(`/v2/checkout/orders/${c.orderId}`, 'up'),
      ],
      create_time: c.createTime,
      update_time: c.updateTime,
    };
  }

  /** A refund on the wire. */
  renderRefund(r: RefundRecord) {
    const capture = this.captures.get(r.captureId);
    // PayPal gives back the fee in proportion to the refunded share of the capture.
    const feeBack = capture ? Math.round((paypalFee(capture.minor, capture.currency) * r.minor) / capture.minor) : 0;
    return {
      id: r.id,
      status: 'COMPLETED',
      amount: formatMoney(r.minor, r.currency),
      ...(r.noteToPayer ? { note_to_payer: r.noteToPayer } : {}),
      ...(r.invoiceId ? { invoice_id: r.invoiceId } : {}),
      seller_payable_breakdown: {
        gross_amount: formatMoney(r.minor, r.currency),
        paypal_fee: formatMoney(feeBack, r.currency),
        net_amount: formatMoney(r.minor - feeBack, r.currency),
        total_refunded_amount: formatMoney(r.totalRefundedMinor, r.currency),
      },
      links: [this.ctx.link(`/v2/payments/refunds/${r.id}`, 'self'), this.ctx.link(`/v2/payments/captures/${r.captureId}`, 'up')],
      create_time: r.createTime,
      update_time: r.createTime,
    };
  }

  /** An authorization on the wire. */
  renderAuthorization(a: AuthorizationRecord, { standalone = false } = {}) {
    const self = `/v2/payments/authorizations/${a.id}`;
    return {
      id: a.id,
      status: a.status,
      amount: formatMoney(a.minor, a.currency),
      ...(a.invoiceId ? { invoice_id: a.invoiceId } : {}),
      ...(a.customId ? { custom_id: a.customId } : {}),
      seller_protection: { status: 'ELIGIBLE', dispute_categories: ['ITEM_NOT_RECEIVED', 'UNAUTHORIZED_TRANSACTION'] },
      ...(standalone ? { supplementary_data: { related_ids: { order_id: a.orderId } } } : {}),
      expiration_time: a.expirationTime,
      links: [
        this.ctx.link(self, 'self'),
        this.ctx.link(`${self}/capture`, 'capture', 'POST'),
        this.ctx.link(`${self}/void`, 'void', 'POST'),
        this.ctx.link(`${self}/reauthorize`, 'reauthorize', 'POST'),
        this.ctx.link(`/v2/checkout/orders/${a.orderId}`, 'up'),
      ],
      create_time: a.createTime,
      update_time: a.createTime,
    };
  }
}
