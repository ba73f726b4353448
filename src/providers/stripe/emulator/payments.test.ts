/**
 * The official `stripe` client drives the emulator through customers, PaymentMethods,
 * PaymentIntents and refunds: the client accepting our answers (and raising its own error
 * classes from our error bodies) is the wire-format oracle.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from './index.js';

/** Card payments confirmed server-side without a return URL (no redirect-based methods). */
const CARD_ONLY = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

let emulator: StripeEmulator;
let stripe: Stripe;

beforeAll(async () => {
  emulator = await startStripeEmulator({ eventDelayMs: 0 });
  stripe = new Stripe(emulator.credentials.secretKey, { host: '127.0.0.1', port: Number(new URL(emulator.url).port), protocol: 'http', maxNetworkRetries: 0 });
});
afterAll(() => emulator.close());

async function cardError(promise: Promise<unknown>): Promise<Stripe.errors.StripeCardError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(Stripe.errors.StripeCardError);
    return err as Stripe.errors.StripeCardError;
  }
  throw new Error('expected a card error');
}

describe('customers and PaymentMethods', () => {
  it('creates, retrieves, updates, lists by email and deletes a customer', async () => {
    const email = `ada.${Date.now()}@example.com`;
    const created = await stripe.customers.create({ email, name: 'Ada', metadata: { tenant: 'acme' } });
    expect(created.id).toMatch(/^cus_/);
    expect(created.lastResponse.requestId).toMatch(/^req_/);
    const updated = await stripe.customers.update(created.id, { name: 'Ada L.', metadata: { tenant: '', plan: 'pro' } });
    expect(updated).toMatchObject({ name: 'Ada L.', email, metadata: { plan: 'pro' } });
    expect((await stripe.customers.retrieve(created.id)) as Stripe.Customer).toMatchObject({ name: 'Ada L.' });
    const listed = await stripe.customers.list({ email });
    expect(listed.data.map((c) => c.id)).toEqual([created.id]);
    expect(await stripe.customers.del(created.id)).toMatchObject({ id: created.id, deleted: true });
    expect(await stripe.customers.retrieve(created.id)).toMatchObject({ id: created.id, deleted: true });
    await expect(stripe.customers.update(created.id, { name: 'x' })).rejects.toMatchObject({ type: 'StripeInvalidRequestError', code: 'resource_missing', statusCode: 404 });
  });

  it('attaches test tokens as new PaymentMethods, lists both ways, sets the default and detaches', async () => {
    const customer = await stripe.customers.create({ email: 'pm@example.com' });
    const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
    const mc = await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
    expect(visa.id).toMatch(/^pm_/);
    expect(visa.id).not.toBe('pm_card_visa');
    expect(visa.card).toMatchObject({ brand: 'visa', last4: '4242' });
    expect(mc.card?.brand).toBe('mastercard');
    const viaCustomer = await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
    expect(viaCustomer.data.map((p) => p.id)).toEqual([mc.id, visa.id]);
    const viaQuery = await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
    expect(viaQuery.data.map((p) => p.id)).toEqual([mc.id, visa.id]);

    const withDefault = await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id } });
    expect(withDefault.invoice_settings.default_payment_method).toBe(visa.id);
    await expect(stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: 'pm_unknown' } })).rejects.toMatchObject({
      param: 'invoice_settings[default_payment_method]',
    });

    const detached = await stripe.paymentMethods.detach(visa.id);
    expect(detached.customer).toBeNull();
    const after = (await stripe.customers.retrieve(customer.id)) as Stripe.Customer;
    expect(after.invoice_settings.default_payment_method).toBeNull();
    expect((await stripe.customers.listPaymentMethods(customer.id)).data.map((p) => p.id)).toEqual([mc.id]);
    await expect(stripe.paymentMethods.detach(visa.id)).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
  });

  it('creates card PaymentMethods from tok_ test tokens, and they behave as their card', async () => {
    const pm = await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_chargeDeclinedInsufficientFunds' }, metadata: { via: 'token' } });
    expect(pm).toMatchObject({ type: 'card', customer: null, metadata: { via: 'token' }, card: { last4: '9995' } });
    const err = await cardError(stripe.paymentIntents.create({ amount: 800, currency: 'usd', payment_method: pm.id, confirm: true, ...CARD_ONLY }));
    expect(err.decline_code).toBe('insufficient_funds');
    await expect(stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_nope' } })).rejects.toMatchObject({ param: 'card[token]' });
  });
});

describe('PaymentIntents', () => {
  it('succeeds with pm_card_visa and makes a charge; expand[] gives the charge object', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY, metadata: { order: '42' }, expand: ['latest_charge'] });
    expect(pi).toMatchObject({ status: 'succeeded', amount_received: 2000, metadata: { order: '42' } });
    const charge = pi.latest_charge as Stripe.Charge;
    expect(charge).toMatchObject({ object: 'charge', status: 'succeeded', captured: true, amount_captured: 2000, payment_intent: pi.id });
    expect(emulator.accepted.at(-1)?.id).toBe(pi.id);
  });

  it('needs a return_url to confirm with automatic payment methods that may redirect, as Stripe does', async () => {
    const before = emulator.accepted.length;
    await expect(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true })).rejects.toMatchObject({ param: 'return_url', statusCode: 400 });
    expect(emulator.accepted.length).toBe(before);
    const pi = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, return_url: 'https://shop.example/done' });
    expect(pi).toMatchObject({ status: 'succeeded', automatic_payment_methods: { enabled: true } });
  });

  it('goes requires_payment_method → requires_confirmation → succeeded in two steps', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur', allowed_payment_method_types: ['card'] });
    expect(pi.payment_method_types).toEqual(['card']);
    expect(pi.status).toBe('requires_payment_method');
    const updated = await stripe.paymentIntents.update(pi.id, { payment_method: 'pm_card_mastercard', description: 'Order 7' });
    expect(updated.status).toBe('requires_confirmation');
    const confirmed = await stripe.paymentIntents.confirm(pi.id);
    expect(confirmed.status).toBe('succeeded');
    await expect(stripe.paymentIntents.confirm(pi.id)).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
  });

  it('declines pm_card_chargeDeclined and insufficient funds with Stripe’s card error', async () => {
    const err = await cardError(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...CARD_ONLY }));
    expect(err).toMatchObject({ statusCode: 402, code: 'card_declined', decline_code: 'generic_decline' });
    expect(err.payment_intent?.status).toBe('requires_payment_method');
    expect(err.payment_intent?.last_payment_error?.decline_code).toBe('generic_decline');
    expect(err.payment_method?.card?.last4).toBe('0002');
    const pi = await stripe.paymentIntents.retrieve(err.payment_intent!.id, { expand: ['latest_charge'] });
    expect((pi.latest_charge as Stripe.Charge).status).toBe('failed');

    const funds = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', ...CARD_ONLY });
    const e2 = await cardError(stripe.paymentIntents.confirm(funds.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
    expect(e2.decline_code).toBe('insufficient_funds');
    // Another card may be tried on the same PaymentIntent.
    expect((await stripe.paymentIntents.confirm(funds.id, { payment_method: 'pm_card_visa' })).status).toBe('succeeded');
  });

  it('asks for 3-D Secure with pm_card_authenticationRequired; the test control completes or fails it', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 5000, currency: 'gbp', payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/back' });
    expect(pi.status).toBe('requires_action');
    expect(pi.next_action).toMatchObject({ type: 'redirect_to_url', redirect_to_url: { url: `${emulator.url}/3ds/${pi.id}`, return_url: 'https://shop.example/back' } });
    const page = await fetch(pi.next_action!.redirect_to_url!.url!);
    expect(await page.text()).toContain(`/__emulator/payment_intents/${pi.id}/authenticate`);
    const done = await fetch(`${emulator.url}/__emulator/payment_intents/${pi.id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"outcome":"succeed"}' });
    expect(((await done.json()) as { status: string }).status).toBe('succeeded');

    const sdk = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, ...CARD_ONLY });
    expect(sdk.next_action?.type).toBe('use_stripe_sdk');
    const form = await fetch(`${emulator.url}/__emulator/payment_intents/${sdk.id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"outcome":"fail"}' });
    expect(form.status).toBe(200);
    const failed = await stripe.paymentIntents.retrieve(sdk.id);
    expect(failed).toMatchObject({ status: 'requires_payment_method', last_payment_error: { code: 'payment_intent_authentication_failure' } });

    const offSession = await cardError(stripe.paymentIntents.create({ amount: 5000, currency: 'usd', payment_method: 'pm_card_authenticationRequired', confirm: true, ...CARD_ONLY, off_session: true }));
    expect(offSession.code).toBe('authentication_required');
  });

  it('captures part of a manual authorization, then refunds partly and fully', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 10_000, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
    expect(pi).toMatchObject({ status: 'requires_capture', amount_capturable: 10_000 });
    await expect(stripe.paymentIntents.capture(pi.id, { amount_to_capture: 20_000 })).rejects.toMatchObject({ code: 'amount_too_large' });
    const captured = await stripe.paymentIntents.capture(pi.id, { amount_to_capture: 8000 });
    expect(captured).toMatchObject({ status: 'succeeded', amount_received: 8000, amount_capturable: 0 });

    const partial = await stripe.refunds.create({ payment_intent: pi.id, amount: 3000, reason: 'requested_by_customer' });
    expect(partial).toMatchObject({ object: 'refund', amount: 3000, status: 'succeeded', payment_intent: pi.id });
    await expect(stripe.refunds.create({ payment_intent: pi.id, amount: 6000 })).rejects.toMatchObject({ code: 'amount_too_large' });
    const rest = await stripe.refunds.create({ charge: captured.latest_charge as string });
    expect(rest.amount).toBe(5000);
    const charge = await stripe.charges.retrieve(captured.latest_charge as string);
    expect(charge).toMatchObject({ refunded: true, amount_captured: 8000 });
    await expect(stripe.refunds.create({ payment_intent: pi.id })).rejects.toMatchObject({ code: 'charge_already_refunded' });
    expect((await stripe.refunds.list({ payment_intent: pi.id })).data.map((r) => r.id)).toEqual([rest.id, partial.id]);
    expect((await stripe.refunds.retrieve(partial.id)).amount).toBe(3000);
  });

  it('cancels with a reason, and refuses to cancel a succeeded one', async () => {
    const pi = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
    const canceled = await stripe.paymentIntents.cancel(pi.id, { cancellation_reason: 'abandoned' });
    expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'abandoned' });
    const done = await stripe.paymentIntents.create({ amount: 700, currency: 'usd', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
    await expect(stripe.paymentIntents.cancel(done.id)).rejects.toMatchObject({ code: 'payment_intent_unexpected_state' });
  });

  it('checks currencies and minimum amounts (zero-decimal JPY is whole yen)', async () => {
    await expect(stripe.paymentIntents.create({ amount: 49, currency: 'usd' })).rejects.toMatchObject({ code: 'amount_too_small', param: 'amount' });
    await expect(stripe.paymentIntents.create({ amount: 29, currency: 'gbp' })).rejects.toMatchObject({ code: 'amount_too_small' });
    expect((await stripe.paymentIntents.create({ amount: 30, currency: 'GBP' })).currency).toBe('gbp');
    expect((await stripe.paymentIntents.create({ amount: 50, currency: 'jpy' })).amount).toBe(50);
    await expect(stripe.paymentIntents.create({ amount: 500, currency: 'xyz' })).rejects.toMatchObject({ param: 'currency' });
  });

  it('pages newest first with limit, starting_after, ending_before and autoPagingToArray', async () => {
    const customer = await stripe.customers.create({ email: 'pages@example.com' });
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) ids.push((await stripe.paymentIntents.create({ amount: 100 + i, currency: 'usd', customer: customer.id })).id);
    const newest = [...ids].reverse();
    const first = await stripe.paymentIntents.list({ customer: customer.id, limit: 3 });
    expect(first).toMatchObject({ object: 'list', has_more: true, url: '/v1/payment_intents' });
    expect(first.data.map((p) => p.id)).toEqual(newest.slice(0, 3));
    const second = await stripe.paymentIntents.list({ customer: customer.id, limit: 3, starting_after: first.data.at(-1)!.id });
    expect(second.data.map((p) => p.id)).toEqual(newest.slice(3, 6));
    const back = await stripe.paymentIntents.list({ customer: customer.id, limit: 2, ending_before: second.data[0]!.id });
    expect(back.data.map((p) => p.id)).toEqual(newest.slice(1, 3));
    const all = await stripe.paymentIntents.list({ customer: customer.id, limit: 2 }).autoPagingToArray({ limit: 100 });
    expect(all.map((p) => p.id)).toEqual(newest);
    await expect(stripe.paymentIntents.list({ limit: 101 })).rejects.toMatchObject({ param: 'limit' });
  });
});
