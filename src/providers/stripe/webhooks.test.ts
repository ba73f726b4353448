import { readFileSync } from 'node:fs';
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../test/helpers/shared-files.js';
import { HubError, type ErrorCode } from '../../core/errors.js';
import { isKnownType } from '../../events/types.js';
import '../../categories/payments/events.js'; // registers the payment event types
import { STRIPE_MAPPED_EVENT_TYPES } from './webhooks-normalize.js';
import { parseStripeEvents, parseStripeSignatureHeader, stripeSignature, stripeWebhooks, verifyStripeWebhook } from './webhooks.js';

/** Stripe's own library signs (and verifies) here: an oracle nobody on this team wrote. */
const stripe = new Stripe('sk_test_x');
const SECRET = 'whsec_test_5f0c1e8a9b2d4c6e8f0a1b2c3d4e5f60';
const OLD_SECRET = 'whsec_test_rotated_away_0123456789abcdef';
const NOW = 1_750_000_000;

const sign = (payload: string, secret = SECRET, timestamp = NOW) => stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
const verify = (payload: string | Buffer, header: string | undefined, secrets = [SECRET], now = NOW * 1000, toleranceSec = 300) =>
  verifyStripeWebhook({ rawBody: Buffer.from(payload), headers: { 'stripe-signature': header }, secrets, now, toleranceSec });

function refusal(fn: () => void): { code: ErrorCode; message: string } {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return { code: (err as HubError).code, message: (err as HubError).message };
  }
  throw new Error('expected a refusal');
}

// ---- fixtures modeled on Stripe's API reference (event, payment_intent, charge, refund, …) ----
const event = (type: string, object: Record<string, unknown>, id = `evt_${type.replace(/\W/g, '_')}`) => ({
  id,
  object: 'event',
  api_version: '2024-06-20',
  created: NOW,
  data: { object },
  livemode: false,
  pending_webhooks: 1,
  request: { id: 'req_8Vq2wLk3hJx1', idempotency_key: 'c0a1e6f2-5a8b-4f0e-9d1c-7b2e3f4a5b6c' },
  type,
});
const paymentIntent = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'pi_3PqR7sLkdIwHu7ix0abc123',
  object: 'payment_intent',
  amount: 9999,
  amount_capturable: 0,
  amount_received: status === 'succeeded' ? 9999 : 0,
  capture_method: 'automatic_async',
  client_secret: 'pi_3PqR7sLkdIwHu7ix0abc123_secret_xyz',
  confirmation_method: 'automatic',
  created: NOW - 5,
  currency: 'usd',
  customer: 'cus_QhA8zPq1Lm2N3o',
  description: 'Order #1042',
  last_payment_error: null,
  latest_charge: 'ch_3PqR7sLkdIwHu7ix0def456',
  livemode: false,
  metadata: { switchboard_id: 'pay_01J9Z8Y7X6W5' },
  next_action: null,
  payment_method: 'pm_1PqR7rLkdIwHu7ixCard',
  payment_method_types: ['card'],
  status,
  ...extra,
});
const declined = { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.', payment_method: { id: 'pm_1Declined', object: 'payment_method' } };
const refund = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 're_3PqR7sLkdIwHu7ix0ghi789',
  object: 'refund',
  amount: 2500,
  balance_transaction: 'txn_3PqR7s',
  charge: 'ch_3PqR7sLkdIwHu7ix0def456',
  created: NOW,
  currency: 'usd',
  metadata: {},
  payment_intent: 'pi_3PqR7sLkdIwHu7ix0abc123',
  reason: 'requested_by_customer',
  status,
  ...extra,
});
const charge = {
  id: 'ch_3PqR7sLkdIwHu7ix0def456',
  object: 'charge',
  amount: 9999,
  amount_captured: 9999,
  amount_refunded: 2500,
  captured: true,
  created: NOW - 100,
  currency: 'usd',
  customer: 'cus_QhA8zPq1Lm2N3o',
  livemode: false,
  metadata: {},
  paid: true,
  payment_intent: 'pi_3PqR7sLkdIwHu7ix0abc123',
  refunded: false,
  refunds: { object: 'list', data: [refund('succeeded', { id: 're_old', created: NOW - 50, amount: 1000 }), refund('succeeded')], has_more: false, url: '/v1/charges/ch_3PqR7sLkdIwHu7ix0def456/refunds' },
  status: 'succeeded',
};
const subscription = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'sub_1PqR8tLkdIwHu7ixSubA',
  object: 'subscription',
  cancel_at: null,
  cancel_at_period_end: false,
  canceled_at: null,
  created: NOW - 10,
  currency: 'eur',
  current_period_end: NOW + 30 * 86400,
  current_period_start: NOW,
  customer: 'cus_QhA8zPq1Lm2N3o',
  items: { object: 'list', data: [{ id: 'si_Q1', object: 'subscription_item', price: { id: 'price_1Pro', object: 'price', unit_amount: 1500, currency: 'eur' }, quantity: 3, subscription: 'sub_1PqR8tLkdIwHu7ixSubA' }], has_more: false, url: '/v1/subscription_items' },
  latest_invoice: 'in_1PqR8uLkdIwHu7ixInvA',
  livemode: false,
  metadata: { switchboard_id: 'sub_01J9Z8' },
  status,
  trial_end: null,
  ...extra,
});
const invoice = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'in_1PqR8uLkdIwHu7ixInvA',
  object: 'invoice',
  amount_due: 4500,
  amount_paid: status === 'paid' ? 4500 : 0,
  amount_remaining: status === 'paid' ? 0 : 4500,
  attempt_count: 1,
  billing_reason: 'subscription_cycle',
  created: NOW,
  currency: 'eur',
  customer: 'cus_QhA8zPq1Lm2N3o',
  hosted_invoice_url: 'https://invoice.stripe.com/i/acct_1/test_abc',
  livemode: false,
  metadata: {},
  number: 'F1A2B3C4-0007',
  paid: status === 'paid',
  payment_intent: 'pi_3PqR9vLkdIwHu7ixInvPay',
  status,
  subscription: 'sub_1PqR8tLkdIwHu7ixSubA',
  ...extra,
});
const dispute = {
  id: 'du_1PqRAwLkdIwHu7ixDisp',
  object: 'dispute',
  amount: 9999,
  charge: 'ch_3PqR7sLkdIwHu7ix0def456',
  created: NOW,
  currency: 'usd',
  is_charge_refundable: false,
  livemode: false,
  metadata: {},
  payment_intent: 'pi_3PqR7sLkdIwHu7ix0abc123',
  reason: 'fraudulent',
  status: 'needs_response',
};

const parseOne = (body: unknown) => {
  const events = parseStripeEvents(Buffer.from(JSON.stringify(body)));
  expect(events).toHaveLength(1);
  return events[0]!;
};

describe('Stripe-Signature verification against headers made by the stripe library', () => {
  const payload = JSON.stringify(event('payment_intent.succeeded', paymentIntent('succeeded')), null, 2);

  it('accepts a delivery signed by stripe.webhooks.generateTestHeaderString', () => {
    const header = sign(payload);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(() => verify(payload, header)).not.toThrow();
    expect(() => stripeWebhooks.verify({ rawBody: Buffer.from(payload), headers: { 'stripe-signature': header }, secrets: [SECRET], now: NOW * 1000 + 60_000, toleranceSec: 300 })).not.toThrow();
    expect(() => verify(payload, sign(payload, SECRET, Math.floor(Date.now() / 1000)), [SECRET], Date.now())).not.toThrow();
  });

  it('computes what Stripe’s library verifies (stripe.webhooks.constructEvent)', () => {
    const header = `t=${NOW},v1=${stripeSignature(SECRET, NOW, Buffer.from(payload))}`;
    expect(stripe.webhooks.constructEvent(payload, header, SECRET, 300, undefined, NOW).id).toBe('evt_payment_intent_succeeded');
  });

  it('refuses a tampered body with Stripe’s raw-body hint', () => {
    const header = sign(payload);
    const r = refusal(() => verify(payload.replace('9999', '1'), header));
    expect(r.code).toBe('webhook_signature_invalid');
    expect(r.message).toMatch(/did you pass the raw request body you received from Stripe/);
    // Re-serialized JSON (what a body parser produces) is a different body too.
    expect(refusal(() => verify(JSON.stringify(JSON.parse(payload)), header)).code).toBe('webhook_signature_invalid');
  });

  it('refuses a wrong secret, and an empty list of secrets', () => {
    expect(refusal(() => verify(payload, sign(payload, 'whsec_someone_else'))).code).toBe('webhook_signature_invalid');
    const r = refusal(() => verify(payload, sign(payload), ['', '  ']));
    expect(r).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringMatching(/STRIPE_WEBHOOK_SECRET/) });
  });

  it('refuses stale and far-future timestamps, but only for authentic deliveries', () => {
    expect(refusal(() => verify(payload, sign(payload, SECRET, NOW - 301))).code).toBe('webhook_timestamp_stale');
    expect(refusal(() => verify(payload, sign(payload, SECRET, NOW + 600))).code).toBe('webhook_timestamp_stale');
    expect(() => verify(payload, sign(payload, SECRET, NOW - 299))).not.toThrow();
    expect(() => verify(payload, sign(payload, SECRET, NOW - 3000), [SECRET], NOW * 1000, 3600)).not.toThrow();
    // A forged old delivery is reported as forged, not as stale.
    expect(refusal(() => verify(payload, sign(payload, 'whsec_forger', NOW - 3000))).code).toBe('webhook_signature_invalid');
  });

  it('refuses a missing or garbled header as webhook_signature_missing', () => {
    for (const header of [undefined, '', '   ', 'garbage', 't=,v1=', `t=${NOW}`, `v1=${'a'.repeat(64)}`, `t=abc,v1=${'a'.repeat(64)}`, `t=${NOW},v1=xyz`, `t=${NOW},v0=${'a'.repeat(64)}`]) {
      const r = refusal(() => verify(payload, header));
      expect([header, r.code]).toEqual([header, 'webhook_signature_missing']);
    }
    expect(refusal(() => verifyStripeWebhook({ rawBody: Buffer.from(payload), headers: {}, secrets: [SECRET], now: NOW * 1000, toleranceSec: 300 })).message).toMatch(/Stripe-Signature/);
  });

  it('accepts any of several v1 entries and ignores v0 (test-mode) entries', () => {
    const good = sign(payload).split(',v1=')[1]!;
    const other = sign(payload, OLD_SECRET).split(',v1=')[1]!;
    expect(() => verify(payload, `t=${NOW},v1=${other},v1=${good}`)).not.toThrow();
    expect(() => verify(payload, `t=${NOW},v1=${good},v1=${other},v0=${'0'.repeat(64)}`)).not.toThrow();
    expect(() => verify(payload, ` t=${NOW} , v0=${good} , v1=${good} `)).not.toThrow();
    expect(refusal(() => verify(payload, `t=${NOW},v0=${good},v1=${other}`)).code).toBe('webhook_signature_invalid');
  });

  it('accepts any configured secret (rotation)', () => {
    expect(() => verify(payload, sign(payload, OLD_SECRET), [SECRET, OLD_SECRET])).not.toThrow();
    expect(() => verify(payload, sign(payload), [OLD_SECRET, ` ${SECRET}\n`])).not.toThrow();
    expect(refusal(() => verify(payload, sign(payload, OLD_SECRET), [SECRET])).code).toBe('webhook_signature_invalid');
  });

  it('verifies the raw bytes, non-ASCII included', () => {
    const body = JSON.stringify(event('payment_intent.succeeded', paymentIntent('succeeded', { description: 'Café für 2 — 東京' })));
    expect(() => verify(Buffer.from(body, 'utf8'), sign(body))).not.toThrow();
  });

  it('parses the header', () => {
    expect(parseStripeSignatureHeader(`t=${NOW},v1=${'ab'.repeat(32)},v1=${'CD'.repeat(32)}`)).toEqual({ timestamp: NOW, signatures: [Buffer.from('ab'.repeat(32), 'hex'), Buffer.from('cd'.repeat(32), 'hex')] });
    expect(stripeWebhooks.secretFields).toEqual(['webhookSecret']);
  });
});

describe('Stripe events normalized to payment events', () => {
  it('maps payment_intent.* to payment.*', () => {
    const ok = parseOne(event('payment_intent.succeeded', paymentIntent('succeeded')));
    expect(ok).toMatchObject({ providerEventId: 'evt_payment_intent_succeeded', type: 'payment.succeeded', occurredAt: NOW * 1000, ref: { hubId: 'pay_01J9Z8Y7X6W5', providerObjectId: 'pi_3PqR7sLkdIwHu7ix0abc123' } });
    expect(ok.data).toEqual({ objectId: 'pi_3PqR7sLkdIwHu7ix0abc123', paymentId: 'pi_3PqR7sLkdIwHu7ix0abc123', amount: 9999, amountReceived: 9999, currency: 'USD', status: 'succeeded', customerId: 'cus_QhA8zPq1Lm2N3o', paymentMethodId: 'pm_1PqR7rLkdIwHu7ixCard', captureMethod: 'automatic_async', latestChargeId: 'ch_3PqR7sLkdIwHu7ix0def456', providerType: 'payment_intent.succeeded', livemode: false });
    expect((ok.raw as { type: string }).type).toBe('payment_intent.succeeded');

    const failed = parseOne(event('payment_intent.payment_failed', paymentIntent('requires_payment_method', { last_payment_error: declined, payment_method: null })));
    expect(failed.type).toBe('payment.failed');
    expect(failed.data).toMatchObject({ status: 'requires_payment_method', failureCode: 'card_declined', declineCode: 'insufficient_funds', failureMessage: 'Your card has insufficient funds.', paymentMethodId: 'pm_1Declined' });

    const action = parseOne(event('payment_intent.requires_action', paymentIntent('requires_action', { next_action: { type: 'use_stripe_sdk', use_stripe_sdk: {} } })));
    expect(action).toMatchObject({ type: 'payment.requires_action', data: { status: 'requires_action', nextActionType: 'use_stripe_sdk' } });

    const canceled = parseOne(event('payment_intent.canceled', paymentIntent('canceled', { cancellation_reason: 'abandoned', customer: { id: 'cus_expanded', object: 'customer' } })));
    expect(canceled).toMatchObject({ type: 'payment.canceled', data: { status: 'canceled', cancellationReason: 'abandoned', customerId: 'cus_expanded' } });
    for (const e of [failed, action, canceled]) expect(e.data.paymentId).toBe('pi_3PqR7sLkdIwHu7ix0abc123');
  });

  it('names the PaymentIntent as data.paymentId on every refund.* event, expanded or not', () => {
    expect(parseOne(event('charge.refunded', charge)).data.paymentId).toBe('pi_3PqR7sLkdIwHu7ix0abc123');
    expect(parseOne(event('charge.refunded', { ...charge, payment_intent: { id: 'pi_expanded', object: 'payment_intent' } })).data.paymentId).toBe('pi_expanded');
    expect(parseOne(event('refund.created', refund('succeeded'))).data.paymentId).toBe('pi_3PqR7sLkdIwHu7ix0abc123');
    expect(parseOne(event('refund.updated', refund('failed'))).data.paymentId).toBe('pi_3PqR7sLkdIwHu7ix0abc123');
    expect(parseOne(event('charge.refund.updated', refund('canceled', { payment_intent: 'pi_other' }))).data.paymentId).toBe('pi_other');
    // A refund of a bare charge (no PaymentIntent) has none.
    expect(parseOne(event('refund.created', refund('succeeded', { payment_intent: null }))).data).not.toHaveProperty('paymentId');
    // Other families do not get one.
    expect(parseOne(event('charge.dispute.created', dispute)).data).not.toHaveProperty('paymentId');
  });

  it('maps charge.refunded and refund.* by refund status', () => {
    const refunded = parseOne(event('charge.refunded', charge));
    expect(refunded).toMatchObject({ type: 'refund.succeeded', ref: { providerObjectId: 'ch_3PqR7sLkdIwHu7ix0def456' } });
    expect(refunded.data).toMatchObject({ amount: 2500, chargeAmount: 9999, fullyRefunded: false, refundId: 're_3PqR7sLkdIwHu7ix0ghi789', paymentIntentId: 'pi_3PqR7sLkdIwHu7ix0abc123', currency: 'USD', status: 'succeeded' });
    expect(refunded.ref.hubId).toBeUndefined();

    const created = parseOne(event('refund.created', refund('succeeded', { metadata: { switchboard_id: 'rf_01' } })));
    expect(created).toMatchObject({ type: 'refund.succeeded', ref: { hubId: 'rf_01', providerObjectId: 're_3PqR7sLkdIwHu7ix0ghi789' }, data: { refundId: 're_3PqR7sLkdIwHu7ix0ghi789', amount: 2500, currency: 'USD', status: 'succeeded', paymentIntentId: 'pi_3PqR7sLkdIwHu7ix0abc123', chargeId: 'ch_3PqR7sLkdIwHu7ix0def456', reason: 'requested_by_customer' } });
    const failed = parseOne(event('refund.updated', refund('failed', { failure_reason: 'expired_or_canceled_card' })));
    expect(failed).toMatchObject({ type: 'refund.failed', data: { status: 'failed', failureReason: 'expired_or_canceled_card' } });
    expect(parseOne(event('charge.refund.updated', refund('canceled'))).type).toBe('refund.failed');
    expect(parseOne(event('refund.updated', refund('succeeded'))).type).toBe('refund.succeeded');
    // Still pending: nothing to report yet.
    expect(parseStripeEvents(Buffer.from(JSON.stringify(event('refund.created', refund('pending')))))).toEqual([]);
    expect(parseStripeEvents(Buffer.from(JSON.stringify(event('refund.updated', refund('requires_action')))))).toEqual([]);
  });

  it('maps customer.subscription.* to subscription.*', () => {
    const created = parseOne(event('customer.subscription.created', subscription('trialing', { trial_end: NOW + 7 * 86400 })));
    expect(created).toMatchObject({ type: 'subscription.created', ref: { hubId: 'sub_01J9Z8', providerObjectId: 'sub_1PqR8tLkdIwHu7ixSubA' } });
    expect(created.data).toMatchObject({ amount: 4500, currency: 'EUR', status: 'trialing', priceId: 'price_1Pro', quantity: 3, trialEnd: (NOW + 7 * 86400) * 1000, currentPeriodEnd: (NOW + 30 * 86400) * 1000, cancelAtPeriodEnd: false, latestInvoiceId: 'in_1PqR8uLkdIwHu7ixInvA' });
    const updated = parseOne(event('customer.subscription.updated', subscription('active', { cancel_at_period_end: true, cancel_at: NOW + 30 * 86400 })));
    expect(updated).toMatchObject({ type: 'subscription.updated', data: { cancelAtPeriodEnd: true, cancelAt: (NOW + 30 * 86400) * 1000 } });
    const deleted = parseOne(event('customer.subscription.deleted', subscription('canceled', { canceled_at: NOW })));
    expect(deleted).toMatchObject({ type: 'subscription.canceled', data: { status: 'canceled', canceledAt: NOW * 1000 } });
  });

  it('reads subscriptions and invoices of API versions since 2025-03-31 (period on items, invoice parent)', () => {
    const sub = subscription('active', { current_period_end: undefined });
    const items = sub.items.data.map((i) => ({ ...i, current_period_end: NOW + 86400 }));
    expect(parseOne(event('customer.subscription.updated', { ...sub, items: { ...sub.items, data: items } })).data.currentPeriodEnd).toBe((NOW + 86400) * 1000);
    const inv = invoice('paid', { subscription: undefined, payment_intent: undefined, parent: { type: 'subscription_details', subscription_details: { subscription: 'sub_new', metadata: { switchboard_id: 'sub_hub_9' } } } });
    expect(parseOne(event('invoice.paid', inv))).toMatchObject({ ref: { hubId: 'sub_hub_9' }, data: { subscriptionId: 'sub_new' } });
  });

  it('maps invoice.paid, invoice.payment_failed and charge.dispute.created', () => {
    const paid = parseOne(event('invoice.paid', invoice('paid')));
    expect(paid).toMatchObject({ type: 'invoice.paid', ref: { providerObjectId: 'in_1PqR8uLkdIwHu7ixInvA' }, data: { amount: 4500, amountPaid: 4500, amountDue: 4500, currency: 'EUR', status: 'paid', subscriptionId: 'sub_1PqR8tLkdIwHu7ixSubA', paymentIntentId: 'pi_3PqR9vLkdIwHu7ixInvPay', number: 'F1A2B3C4-0007', attemptCount: 1 } });
    const failed = parseOne(event('invoice.payment_failed', invoice('open', { attempt_count: 2 })));
    expect(failed).toMatchObject({ type: 'invoice.payment_failed', data: { amount: 4500, amountPaid: 0, status: 'open', attemptCount: 2 } });
    const disputed = parseOne(event('charge.dispute.created', dispute));
    expect(disputed).toMatchObject({ type: 'dispute.created', ref: { providerObjectId: 'du_1PqRAwLkdIwHu7ixDisp' }, data: { amount: 9999, currency: 'USD', status: 'needs_response', reason: 'fraudulent', chargeId: 'ch_3PqR7sLkdIwHu7ix0def456', paymentIntentId: 'pi_3PqR7sLkdIwHu7ix0abc123' } });
  });

  it('keeps zero-decimal amounts as Stripe sends them, and marks Connect events', () => {
    const jpy = parseOne({ ...event('payment_intent.succeeded', paymentIntent('succeeded', { amount: 500, amount_received: 500, currency: 'jpy' })), account: 'acct_1Conn', livemode: true });
    expect(jpy.data).toMatchObject({ amount: 500, currency: 'JPY', accountId: 'acct_1Conn', livemode: true });
  });

  it('skips unmapped types and refuses bodies that are not Stripe events', () => {
    for (const type of ['customer.created', 'payment_intent.created', 'charge.succeeded', 'invoice.finalized', 'checkout.session.completed']) {
      expect(parseStripeEvents(Buffer.from(JSON.stringify(event(type, { id: 'x_1', object: 'thing' }))))).toEqual([]);
    }
    expect(refusal(() => parseStripeEvents(Buffer.from('not json'))).code).toBe('validation_failed');
    expect(refusal(() => parseStripeEvents(Buffer.from('[1,2]'))).code).toBe('validation_failed');
    expect(refusal(() => parseStripeEvents(Buffer.from('{"object":"event"}'))).code).toBe('validation_failed');
    expect(stripeWebhooks.parse(Buffer.from(JSON.stringify(event('invoice.paid', invoice('paid')))), {})).toHaveLength(1);
  });

  it('maps only to types the event registry knows', () => {
    expect(STRIPE_MAPPED_EVENT_TYPES).toHaveLength(15);
    for (const t of ['payment.succeeded', 'payment.failed', 'payment.requires_action', 'payment.canceled', 'refund.succeeded', 'refund.failed', 'subscription.created', 'subscription.updated', 'subscription.canceled', 'invoice.paid', 'invoice.payment_failed', 'dispute.created']) {
      expect([t, isKnownType(t)]).toEqual([t, true]);
    }
  });
});

describe('fixtures against Stripe’s OpenAPI description', () => {
  const SPEC = sharedFile('specs/stripe/stripe.openapi.json');
  const haveSpec = requireShared('Stripe webhook fixtures against the OpenAPI description', 'specs/stripe/stripe.openapi.json');

  it.runIf(haveSpec)('uses only fields and event types the description defines', () => {
    const spec = JSON.parse(readFileSync(SPEC, 'utf8')) as { components: { schemas: Record<string, { properties: Record<string, { enum?: string[] }> }> } };
    const props = (name: string) => new Set(Object.keys(spec.components.schemas[name]!.properties));
    const fixtures: [string, Record<string, unknown>][] = [['event', event('x', {})], ['payment_intent', paymentIntent('succeeded')], ['charge', charge], ['refund', refund('succeeded')], ['subscription', subscription('active')], ['invoice', invoice('paid')], ['dispute', dispute]];
    for (const [schema, fixture] of fixtures) {
      const known = props(schema);
      expect([schema, Object.keys(fixture).filter((k) => !known.has(k))]).toEqual([schema, []]);
    }
    expect(Object.keys(declined).filter((k) => !props('api_errors').has(k))).toEqual([]);
    const text = readFileSync(SPEC, 'utf8');
    // `refund.failed` is newer than this description (stripe-node 23 lists it in Events.d.ts).
    for (const t of STRIPE_MAPPED_EVENT_TYPES.filter((x) => x !== 'refund.failed')) expect([t, text.includes(`"${t}"`)]).toEqual([t, true]);
  });
});
