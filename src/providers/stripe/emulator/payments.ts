/**
 * The PaymentIntent state machine: a confirmation attempt with a PaymentMethod makes a charge and
 * ends in `succeeded`, `requires_capture` (manual capture), `requires_action` (3-D Secure) or,
 * declined, back in `requires_payment_method` with `last_payment_error` and a 402 card error.
 *
 * @see https://docs.stripe.com/payments/paymentintents/lifecycle
 * @see https://docs.stripe.com/declines/codes
 * @see https://docs.stripe.com/api/charges/object
 */
import type { EmulatorContext } from './context.js';
import { StripeApiError } from './errors.js';
import { nowSec, stripeId, type StripeCharge, type StripePaymentIntent, type StripePaymentMethod } from './objects.js';
import type { Emit } from './router.js';

const doc = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

/** A charge for one attempt of `pi` with `pm`. */
function newCharge(pi: StripePaymentIntent, pm: StripePaymentMethod, failure?: { code: string; declineCode: string; message: string }): StripeCharge {
  const ok = failure === undefined;
  const captured = ok && pi.capture_method !== 'manual';
  return {
    id: stripeId('ch'),
    object: 'charge',
    amount: pi.amount,
    amount_captured: captured ? pi.amount : 0,
    amount_refunded: 0,
    application_fee_amount: null,
    balance_transaction: captured ? stripeId('txn') : null,
    billing_details: structuredClone(pm.billing_details),
    calculated_statement_descriptor: 'SWITCHBOARD',
    captured,
    created: nowSec(),
    currency: pi.currency,
    customer: pi.customer,
    description: pi.description ?? null,
    disputed: false,
    failure_code: failure?.code ?? null,
    failure_message: failure?.message ?? null,
    fraud_details: {},
    livemode: false,
    metadata: { ...pi.metadata },
    outcome: ok
      ? { network_status: 'approved_by_network', reason: null, risk_level: 'normal', risk_score: 20, seller_message: 'Payment complete.', type: 'authorized' }
      : { network_status: 'declined_by_network', reason: failure.declineCode, risk_level: 'normal', risk_score: 20, seller_message: 'The bank did not return any further details with this decline.', type: 'issuer_declined' },
    paid: ok,
    payment_intent: pi.id,
    payment_method: pm.id,
    payment_method_details: {
      type: 'card',
      card: { ...structuredClone(pm.card), network: pm.card.brand, three_d_secure: null },
    },
    receipt_email: pi.receipt_email ?? null,
    receipt_url: null,
    refunded: false,
    status: ok ? 'succeeded' : 'failed',
    statement_descriptor: pi.statement_descriptor ?? null,
    statement_descriptor_suffix: pi.statement_descriptor_suffix ?? null,
  };
}

/**
 * The card payment succeeds: captured now, or authorized for a manual capture.
 *
 * @example
 * succeed(ctx, pi, pm, emit); // pi.status: 'succeeded' (or 'requires_capture' for manual capture)
 */
export function succeed(ctx: EmulatorContext, pi: StripePaymentIntent, pm: StripePaymentMethod, emit: Emit): void {
  const charge = ctx.store.put(newCharge(pi, pm));
  Object.assign(pi, { latest_charge: charge.id, last_payment_error: null, next_action: null });
  if (pi.capture_method === 'manual') {
    Object.assign(pi, { status: 'requires_capture', amount_capturable: pi.amount });
    emit('charge.succeeded', charge);
    emit('payment_intent.amount_capturable_updated', pi);
  } else {
    Object.assign(pi, { status: 'succeeded', amount_received: pi.amount, amount_capturable: 0 });
    emit('charge.succeeded', charge);
    emit('payment_intent.succeeded', pi);
  }
  if (pi.setup_future_usage && pi.customer && pm.customer === null) pm.customer = pi.customer;
  for (const hook of ctx.onIntentSettled) hook(pi, emit);
}

/** A failed attempt: `requires_payment_method`, `last_payment_error`, events; returns the 402 to answer. */
function fail(ctx: EmulatorContext, pi: StripePaymentIntent, pm: StripePaymentMethod, failure: { code: string; declineCode: string; message: string }, emit: Emit): StripeApiError {
  const charge = ctx.store.put(newCharge(pi, pm, failure));
  const error = {
    type: 'card_error' as const,
    code: failure.code,
    decline_code: failure.declineCode,
    doc_url: doc(failure.code),
    message: failure.message,
    charge: charge.id,
    payment_method: structuredClone(pm),
  };
  Object.assign(pi, { status: 'requires_payment_method', latest_charge: charge.id, last_payment_error: error, next_action: null, payment_method: null });
  emit('charge.failed', charge);
  emit('payment_intent.payment_failed', pi);
  for (const hook of ctx.onIntentSettled) hook(pi, emit);
  return new StripeApiError(402, { ...error, payment_intent: structuredClone(pi) });
}

/**
 * Confirms `pi` with its PaymentMethod as Stripe does; throws the 402 card error on a decline
 * (after the PaymentIntent and charge were updated, so the error is stored under the idempotency
 * key like any answer).
 *
 * @example
 * confirmIntent(ctx, pi, { returnUrl: 'https://shop.example/return' }, call.emit);
 */
export function confirmIntent(ctx: EmulatorContext, pi: StripePaymentIntent, options: { returnUrl?: string; offSession?: boolean }, emit: Emit): void {
  const pm = ctx.store.find<StripePaymentMethod>('payment_method', pi.payment_method!, 'payment_method');
  const behavior = ctx.methods.behavior(pm.id);
  if (behavior.kind === 'succeed') return succeed(ctx, pi, pm, emit);
  if (behavior.kind === 'decline') throw fail(ctx, pi, pm, behavior, emit);
  if (options.offSession) {
    throw fail(ctx, pi, pm, { code: 'authentication_required', declineCode: 'authentication_required', message: 'Your card was declined. This transaction requires authentication.' }, emit);
  }
  const url = `${ctx.baseUrl()}/3ds/${pi.id}`;
  pi.status = 'requires_action';
  pi.next_action = options.returnUrl
    ? { type: 'redirect_to_url', redirect_to_url: { url, return_url: options.returnUrl } }
    : { type: 'use_stripe_sdk', use_stripe_sdk: { type: 'three_d_secure_redirect', stripe_js: url, source: stripeId('src') } };
  emit('payment_intent.requires_action', pi);
}

/**
 * Completes (or fails) the 3-D Secure step of a PaymentIntent in `requires_action`.
 *
 * @example
 * completeAuthentication(ctx, pi, 'succeed', emit); // pi.status: 'succeeded' (or 'requires_capture')
 */
export function completeAuthentication(ctx: EmulatorContext, pi: StripePaymentIntent, outcome: 'succeed' | 'fail', emit: Emit): void {
  const pm = ctx.store.find<StripePaymentMethod>('payment_method', pi.payment_method!, 'payment_method');
  if (outcome === 'succeed') return succeed(ctx, pi, pm, emit);
  const error = {
    type: 'invalid_request_error',
    code: 'payment_intent_authentication_failure',
    doc_url: doc('payment_intent_authentication_failure'),
    message: 'The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.',
    payment_method: structuredClone(pm),
  };
  Object.assign(pi, { status: 'requires_payment_method', last_payment_error: error, next_action: null, payment_method: null });
  emit('payment_intent.payment_failed', pi);
  for (const hook of ctx.onIntentSettled) hook(pi, emit);
}

/**
 * The fields of a new PaymentIntent; `fields` override the defaults.
 *
 * @example
 * store.put(newPaymentIntent({ amount: 2000, currency: 'usd', customer: 'cus_123' }))
 */
export function newPaymentIntent(fields: Pick<StripePaymentIntent, 'amount' | 'currency'> & Partial<StripePaymentIntent>): StripePaymentIntent {
  const id = stripeId('pi');
  return {
    id,
    object: 'payment_intent',
    amount_capturable: 0,
    amount_details: { tip: {} },
    amount_received: 0,
    application_fee_amount: null,
    automatic_payment_methods: null,
    canceled_at: null,
    cancellation_reason: null,
    capture_method: 'automatic_async',
    client_secret: `${id}_secret_${stripeId('x', 25).slice(2)}`,
    confirmation_method: 'automatic',
    created: nowSec(),
    customer: null,
    description: null,
    last_payment_error: null,
    latest_charge: null,
    livemode: false,
    metadata: {},
    next_action: null,
    on_behalf_of: null,
    payment_method: null,
    payment_method_options: { card: { installments: null, mandate_options: null, network: null, request_three_d_secure: 'automatic' } },
    payment_method_types: ['card'],
    processing: null,
    receipt_email: null,
    review: null,
    setup_future_usage: null,
    shipping: null,
    statement_descriptor: null,
    statement_descriptor_suffix: null,
    status: 'requires_payment_method',
    transfer_data: null,
    transfer_group: null,
    ...fields,
  };
}
