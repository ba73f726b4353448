/**
 * Stripe objects (shaped as Stripe's API reference shows them) → the payments contract's types.
 */
import { describe, expect, it } from 'vitest';
import { firstItemId, toInvoice, toPayment, toRefund, toSubscription } from './objects.js';

const pi = (extra: Record<string, unknown> = {}) => ({
  id: 'pi_3MtwBwLkdIwHu7ix28a3tqPa',
  object: 'payment_intent',
  amount: 2000,
  amount_received: 0,
  capture_method: 'automatic_async',
  client_secret: 'pi_3MtwBwLkdIwHu7ix28a3tqPa_secret_YrKJUKribcBjcG8HVhfZluoGH',
  currency: 'usd',
  customer: null,
  last_payment_error: null,
  latest_charge: null,
  metadata: { switchboard_id: 'pay_1', n: 3 },
  next_action: null,
  payment_method: null,
  status: 'requires_payment_method',
  ...extra,
});

describe('toPayment', () => {
  it('maps the statuses, a failed attempt to failed', () => {
    for (const s of ['requires_confirmation', 'requires_action', 'processing', 'requires_capture', 'canceled', 'succeeded']) expect(toPayment(pi({ status: s })).status).toBe(s);
    expect(toPayment(pi()).status).toBe('requires_payment_method');
    const failed = toPayment(
      pi({ last_payment_error: { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', payment_method: { id: 'pm_9', object: 'payment_method' } } }),
    );
    expect(failed).toMatchObject({ status: 'failed', paymentMethodId: 'pm_9', failure: { code: 'card_declined', declineCode: 'insufficient_funds', message: 'Your card has insufficient funds.' } });
  });

  it('upper-cases the currency, keeps string metadata, reads next_action and an expanded charge', () => {
    const p = toPayment(
      pi({
        status: 'requires_action',
        next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://hooks.stripe.com/redirect/authenticate/src_1', return_url: 'https://shop.example' } },
        latest_charge: { id: 'ch_1', object: 'charge', amount_refunded: 700 },
        customer: { id: 'cus_1', object: 'customer' },
      }),
    );
    expect(p).toMatchObject({ currency: 'USD', captureMethod: 'automatic', customerId: 'cus_1', captureId: 'ch_1', amountRefunded: 700, metadata: { switchboard_id: 'pay_1' } });
    expect(p.nextAction).toEqual({ type: 'redirect_to_url', url: 'https://hooks.stripe.com/redirect/authenticate/src_1' });
    expect(toPayment(pi({ status: 'requires_action', next_action: { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect' } } })).nextAction).toEqual({ type: 'use_stripe_sdk' });
    // A refunded charge does not move the payment off succeeded: the service counts refunds.
    expect(toPayment(pi({ status: 'succeeded', latest_charge: { id: 'ch_1', amount_refunded: 2000, refunded: true } })).status).toBe('succeeded');
    expect(toPayment(pi({ capture_method: 'manual' })).captureMethod).toBe('manual');
  });
});

describe('toRefund, toSubscription, toInvoice', () => {
  it('maps refund statuses and the reason kept in metadata', () => {
    expect(toRefund({ id: 're_1', payment_intent: 'pi_1', status: 'requires_action', amount: 5, currency: 'eur' })).toMatchObject({ status: 'pending', currency: 'EUR', paymentId: 'pi_1' });
    expect(toRefund({ id: 're_2', payment_intent: 'pi_1', status: 'canceled', amount: 5, currency: 'eur', reason: null, metadata: { reason: 'damaged' } })).toMatchObject({ status: 'canceled', reason: 'damaged' });
  });

  it('reads the period from the subscription or, since 2025-03-31, from its item', () => {
    const items = { object: 'list', data: [{ id: 'si_1', price: { id: 'price_1', unit_amount: 1000 }, quantity: 2, current_period_end: 1_900_000_000 }] };
    const sub = toSubscription({ id: 'sub_1', status: 'incomplete_expired', customer: 'cus_1', items, cancel_at_period_end: true, trial_end: null, metadata: {} });
    expect(sub).toMatchObject({ status: 'canceled', priceId: 'price_1', quantity: 2, cancelAtPeriodEnd: true, currentPeriodEnd: new Date(1_900_000_000_000).toISOString() });
    expect(sub.trialEnd).toBeUndefined();
    expect(toSubscription({ id: 'sub_2', status: 'active', items, current_period_end: 1_800_000_000 }).currentPeriodEnd).toBe(new Date(1_800_000_000_000).toISOString());
    expect(firstItemId({ items })).toBe('si_1');
    expect(firstItemId({ items: { data: [] } })).toBeUndefined();
  });

  it('maps invoice lines to items (unit amount from the price, else amount / quantity)', () => {
    const inv = toInvoice({
      id: 'in_1',
      status: 'open',
      currency: 'eur',
      customer: 'cus_1',
      total: 6000,
      amount_due: 6000,
      amount_paid: 0,
      number: 'ABC-0001',
      hosted_invoice_url: 'https://invoice.stripe.com/i/x',
      lines: { data: [{ description: 'Seats', amount: 3000, quantity: 3, price: { unit_amount: 1000 } }, { description: 'Setup', amount: 3000, quantity: 1, price: null }] },
    });
    expect(inv).toMatchObject({ status: 'open', currency: 'EUR', total: 6000, number: 'ABC-0001', hostedUrl: 'https://invoice.stripe.com/i/x' });
    expect(inv.items).toEqual([
      { description: 'Seats', unitAmount: 1000, quantity: 3 },
      { description: 'Setup', unitAmount: 3000, quantity: 1 },
    ]);
  });
});
