/**
 * Normalization of PayPal events (shapes of PayPal's documented sample payloads) and of the two
 * genuine signed deliveries in `test/fixtures/vectors/paypal/`.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAYPAL_VECTORS_FILE } from '../../../test/fixtures/vectors/index.js';
import { PAYMENT_EVENT_TYPES } from '../../categories/payments/events.js';
import { parsePaypalEvents } from './webhooks.js';
import { PAYPAL_MAPPED_EVENT_TYPES, paypalEventToInbound } from './webhooks-normalize.js';

const KNOWN = new Set(Object.values(PAYMENT_EVENT_TYPES).flatMap((group) => Object.keys(group)));
const event = (event_type: string, resource: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  id: `WH-${event_type.replace(/\W/g, '')}`,
  event_version: '1.0',
  create_time: '2026-11-30T10:00:00.123Z',
  resource_type: 'capture',
  event_type,
  summary: 'sample',
  resource,
  ...extra,
});

const CAPTURE = {
  id: '42311647XV020574X',
  status: 'COMPLETED',
  amount: { currency_code: 'USD', value: '19.99' },
  final_capture: true,
  custom_id: 'pay_01hub',
  supplementary_data: { related_ids: { order_id: '5O190127TN364715T' } },
  links: [{ href: 'https://api.paypal.com/v2/checkout/orders/5O190127TN364715T', rel: 'up', method: 'GET' }],
};
const REFUND = {
  id: '1JU08902781691411',
  status: 'COMPLETED',
  amount: { currency_code: 'JPY', value: '500' },
  note_to_payer: 'Defective product',
  custom_id: 'ref_01hub',
  links: [{ href: 'https://api.paypal.com/v2/payments/captures/42311647XV020574X', rel: 'up', method: 'GET' }],
};
const SUBSCRIPTION = {
  id: 'I-BW452GLLEP1G',
  status: 'ACTIVE',
  plan_id: 'P-5ML4271244454362WXNWU5NQ',
  quantity: '2',
  custom_id: 'sub_01hub',
  subscriber: { email_address: 'customer@example.com' },
  billing_info: { next_billing_time: '2026-12-30T10:00:00Z', failed_payments_count: 1, last_failed_payment: { amount: { currency_code: 'EUR', value: '10.50' } } },
};

describe('paypalEventToInbound', () => {
  it('maps every listed type to a registered payment event type', () => {
    expect(PAYPAL_MAPPED_EVENT_TYPES).toHaveLength(19);
    for (const t of PAYPAL_MAPPED_EVENT_TYPES) {
      const e = paypalEventToInbound(event(t, { id: 'X1', dispute_id: 'PP-D-1' }));
      expect(KNOWN.has(e!.type), `${t} → ${e!.type}`).toBe(true);
    }
  });

  it('turns a completed capture into payment.succeeded with the ORDER as paymentId', () => {
    const e = paypalEventToInbound(event('PAYMENT.CAPTURE.COMPLETED', CAPTURE))!;
    expect(e).toMatchObject({ type: 'payment.succeeded', providerEventId: 'WH-PAYMENTCAPTURECOMPLETED', occurredAt: Date.parse('2026-11-30T10:00:00.123Z'), ref: { hubId: 'pay_01hub', providerObjectId: '42311647XV020574X' } });
    expect(e.data).toMatchObject({ objectId: '42311647XV020574X', amount: 1999, currency: 'USD', status: 'COMPLETED', paymentId: '5O190127TN364715T', captureId: '42311647XV020574X', providerType: 'PAYMENT.CAPTURE.COMPLETED' });
  });

  it('takes the order from the up link when supplementary_data is absent', () => {
    const { supplementary_data: _s, ...bare } = CAPTURE;
    expect(paypalEventToInbound(event('PAYMENT.CAPTURE.COMPLETED', bare))!.data.paymentId).toBe('5O190127TN364715T');
  });

  it.each(['PAYMENT.CAPTURE.DENIED', 'PAYMENT.CAPTURE.DECLINED'])('turns %s into payment.failed with the reason', (t) => {
    const e = paypalEventToInbound(event(t, { ...CAPTURE, status: 'DECLINED', status_details: { reason: 'DECLINED_BY_RISK_FRAUD_FILTERS' } }))!;
    expect(e.type).toBe('payment.failed');
    expect(e.data).toMatchObject({ status: 'DECLINED', failureReason: 'DECLINED_BY_RISK_FRAUD_FILTERS', paymentId: '5O190127TN364715T' });
  });

  it('turns a capture refund into refund.succeeded linking the capture, amounts in minor units (JPY has none)', () => {
    const e = paypalEventToInbound(event('PAYMENT.CAPTURE.REFUNDED', REFUND, { resource_type: 'refund' }))!;
    expect(e.type).toBe('refund.succeeded');
    expect(e.ref).toEqual({ hubId: 'ref_01hub', providerObjectId: '1JU08902781691411' });
    expect(e.data).toMatchObject({ refundId: '1JU08902781691411', captureId: '42311647XV020574X', amount: 500, currency: 'JPY', reason: 'Defective product' });
    expect(e.data.paymentId).toBeUndefined();
    const withOrder = paypalEventToInbound(event('PAYMENT.CAPTURE.REFUNDED', { ...REFUND, supplementary_data: { related_ids: { order_id: '5O190127TN364715T' } } }))!;
    expect(withOrder.data.paymentId).toBe('5O190127TN364715T');
  });

  it('marks a reversal (chargeback) as a refund.succeeded with reversal: true', () => {
    const e = paypalEventToInbound(event('PAYMENT.CAPTURE.REVERSED', { ...REFUND, amount: { currency_code: 'USD', value: '-19.99' } }))!;
    expect(e).toMatchObject({ type: 'refund.succeeded', data: { reversal: true, amount: 1999, captureId: '42311647XV020574X' } });
  });

  it('turns a subscription sale into payment.succeeded with subscriptionId, not borrowing the subscription hub id', () => {
    const sale = { id: '80021663DE681814L', state: 'completed', amount: { total: '10.50', currency: 'EUR', details: { subtotal: '10.50' } }, billing_agreement_id: 'I-BW452GLLEP1G', custom: 'sub_01hub' };
    const e = paypalEventToInbound(event('PAYMENT.SALE.COMPLETED', sale, { resource_type: 'sale' }))!;
    expect(e).toMatchObject({ type: 'payment.succeeded', ref: { providerObjectId: '80021663DE681814L' }, data: { amount: 1050, currency: 'EUR', status: 'completed', subscriptionId: 'I-BW452GLLEP1G' } });
    expect(e.ref.hubId).toBeUndefined();
    expect(paypalEventToInbound(event('PAYMENT.SALE.DENIED', { ...sale, state: 'denied' }))!.type).toBe('payment.failed');
    const refunded = paypalEventToInbound(event('PAYMENT.SALE.REFUNDED', { id: '4BW3', state: 'completed', amount: { total: '10.50', currency: 'EUR' }, sale_id: '80021663DE681814L', parent_payment: 'PAY-1' }))!;
    expect(refunded).toMatchObject({ type: 'refund.succeeded', data: { captureId: '80021663DE681814L', paymentId: 'PAY-1', amount: 1050 } });
  });

  it.each([
    ['BILLING.SUBSCRIPTION.CREATED', 'subscription.created'],
    ['BILLING.SUBSCRIPTION.ACTIVATED', 'subscription.updated'],
    ['BILLING.SUBSCRIPTION.UPDATED', 'subscription.updated'],
    ['BILLING.SUBSCRIPTION.SUSPENDED', 'subscription.updated'],
    ['BILLING.SUBSCRIPTION.RE-ACTIVATED', 'subscription.updated'],
    ['BILLING.SUBSCRIPTION.CANCELLED', 'subscription.canceled'],
    ['BILLING.SUBSCRIPTION.EXPIRED', 'subscription.canceled'],
    ['BILLING.SUBSCRIPTION.PAYMENT.FAILED', 'invoice.payment_failed'],
  ])('maps %s to %s', (t, type) => {
    const e = paypalEventToInbound(event(t, SUBSCRIPTION, { resource_type: 'subscription' }))!;
    expect(e).toMatchObject({ type, ref: { hubId: 'sub_01hub', providerObjectId: 'I-BW452GLLEP1G' } });
    expect(e.data).toMatchObject({ subscriptionId: 'I-BW452GLLEP1G', priceId: 'P-5ML4271244454362WXNWU5NQ', quantity: 2, currentPeriodEnd: '2026-12-30T10:00:00Z', amount: 1050, currency: 'EUR' });
  });

  it('maps a paid invoice (wrapped or not) to invoice.paid with the paid amount and the hub id from detail.reference', () => {
    const inv = { id: 'INV2-Z56S-5LLA-Q52L-CPZ5', status: 'PAID', detail: { invoice_number: '0042', currency_code: 'HUF', reference: 'inv_01hub' }, amount: { currency_code: 'HUF', value: '5000' }, payments: { paid_amount: { currency_code: 'HUF', value: '5000' } } };
    for (const resource of [inv, { invoice: inv }]) {
      const e = paypalEventToInbound(event('INVOICING.INVOICE.PAID', resource))!;
      expect(e).toMatchObject({ type: 'invoice.paid', ref: { hubId: 'inv_01hub', providerObjectId: 'INV2-Z56S-5LLA-Q52L-CPZ5' }, data: { amount: 500000, currency: 'HUF', number: '0042' } });
    }
  });

  it('maps a dispute to dispute.created with the disputed capture', () => {
    const e = paypalEventToInbound(event('CUSTOMER.DISPUTE.CREATED', { dispute_id: 'PP-D-27803', reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', status: 'OPEN', dispute_amount: { currency_code: 'USD', value: '3.00' }, disputed_transactions: [{ seller_transaction_id: '42311647XV020574X' }] }))!;
    expect(e).toMatchObject({ type: 'dispute.created', ref: { providerObjectId: 'PP-D-27803' }, data: { amount: 300, reason: 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED', captureId: '42311647XV020574X', status: 'OPEN' } });
  });

  it('gives no event for CHECKOUT.ORDER.APPROVED and other unmapped types, and refuses a non-event', () => {
    expect(paypalEventToInbound(event('CHECKOUT.ORDER.APPROVED', { id: '5O190127TN364715T', status: 'APPROVED' }))).toBeNull();
    expect(paypalEventToInbound(event('CATALOG.PRODUCT.CREATED', { id: 'PROD-1' }))).toBeNull();
    expect(() => paypalEventToInbound({ resource: {} })).toThrow(/lacks "id" or "event_type"/);
    expect(() => parsePaypalEvents(Buffer.from('[1,2]'))).toThrow(/not a JSON object/);
    expect(() => parsePaypalEvents(Buffer.from('{oops'))).toThrow(/not JSON/);
  });
});

const FILE = PAYPAL_VECTORS_FILE;

describe('the genuine deliveries', () => {
  const samples = (JSON.parse(readFileSync(FILE, 'utf8')) as { samples: { name: string; body: string }[] }).samples;
  it('parse without error into no event: BILLING.PLAN.CREATED and the v1 PAYMENTS.PAYMENT.CREATED are not payment outcomes', () => {
    expect(samples.map((s) => JSON.parse(s.body).event_type)).toEqual(['BILLING.PLAN.CREATED', 'PAYMENTS.PAYMENT.CREATED']);
    for (const s of samples) expect(parsePaypalEvents(Buffer.from(s.body, 'utf8'))).toEqual([]);
  });
});
