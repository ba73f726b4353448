/**
 * The Stripe connector against the Stripe emulator, through the real transport: every method of
 * the payments contract, declines, 3-D Secure, manual capture, refunds, Billing, and the
 * transport's guarantees (one PaymentIntent after a dropped answer, Retry-After, a wrong key).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { PaymentsProvider } from '../../categories/payments/contract.js';
import { Transport } from '../../transport/transport.js';
import type { AuditEntry } from '../../transport/types.js';
import type { Emulator } from '../../kit/emulator.js';
import type { ProviderContext } from '../../kit/connector.js';
import { failure } from '../../../test/helpers/hub-error.js';
import { startStripeEmulator } from './emulator/index.js';
import { stripe } from './index.js';
import type { StripeCredentials } from './manifest.js';

let emu: Emulator;
let seq = 0;
/** A fresh idempotency key per call, as the service derives one per hub request. */
const key = () => ({ idempotencyKey: `test-${process.pid}-${++seq}` });

function connect(emulator: Emulator, credentials: Partial<StripeCredentials> = {}, audit?: (entry: AuditEntry) => void): PaymentsProvider {
  const conn = { id: 'c1', tenantId: 't', provider: 'stripe', mode: 'sandbox' as const, baseUrl: emulator.url, credentials: { ...(emulator.credentials as StripeCredentials), ...credentials } };
  const ctx: ProviderContext<StripeCredentials> = {
    connection: conn,
    http: new Transport({ random: () => 0.5, audit }).forConnection(stripe.manifest, conn),
    clock: systemClock,
    logger: createLogger('silent'),
  };
  return stripe.payments!(ctx);
}

/** A recurring price made on the emulator directly (the contract has no price catalogue). */
async function price(unitAmount: number, currency = 'usd'): Promise<string> {
  const body = new URLSearchParams({ unit_amount: String(unitAmount), currency, 'recurring[interval]': 'month', 'product_data[name]': `Plan ${unitAmount}` });
  const res = await fetch(`${emu.url}/v1/prices`, { method: 'POST', headers: { authorization: `Bearer ${emu.credentials.secretKey}` }, body });
  expect(res.status).toBe(200);
  return ((await res.json()) as { id: string }).id;
}

beforeAll(async () => {
  emu = await stripe.startEmulator!();
});
afterAll(() => emu.close());
beforeEach(() => Object.assign(emu.chaos, { errorRate: 0, latencyMs: 0, rateLimitNext: 0, dropAfterAcceptNext: 0, retryAfterSec: 1 }));

describe('Stripe customers and payment methods', () => {
  it('creates, reads and updates a customer, attaches, lists and detaches payment methods', async () => {
    const payments = connect(emu);
    const created = await payments.createCustomer({ email: 'alex@example.com', name: 'Alex', phone: '+33100000000', description: 'vip', metadata: { crm: '42' } }, key());
    expect(created).toMatchObject({ provider: 'stripe', email: 'alex@example.com', name: 'Alex', phone: '+33100000000', description: 'vip', metadata: { crm: '42' } });
    expect(created.id).toMatch(/^cus_/);
    expect(created.defaultPaymentMethodId).toBeUndefined();

    const visa = await payments.attachPaymentMethod(created.id, 'pm_card_visa', key());
    expect(visa).toMatchObject({ provider: 'stripe', type: 'card', customerId: created.id, card: { brand: 'visa', last4: '4242' } });
    expect(visa.id).toMatch(/^pm_/);
    const mc = await payments.attachPaymentMethod(created.id, 'pm_card_mastercard', key());

    const updated = await payments.updateCustomer(created.id, { name: 'Alexandra', defaultPaymentMethodId: visa.id }, key());
    expect(updated).toMatchObject({ id: created.id, name: 'Alexandra', email: 'alex@example.com', defaultPaymentMethodId: visa.id });
    expect(await payments.getCustomer(created.id)).toMatchObject({ name: 'Alexandra', defaultPaymentMethodId: visa.id, metadata: { crm: '42' } });

    const listed = await payments.listPaymentMethods(created.id);
    expect(listed.map((m) => m.id).sort()).toEqual([visa.id, mc.id].sort());
    const detached = await payments.detachPaymentMethod(mc.id, key());
    expect(detached.id).toBe(mc.id);
    expect(detached.customerId).toBeUndefined();
    expect((await payments.listPaymentMethods(created.id)).map((m) => m.id)).toEqual([visa.id]);
  });

  it('treats a deleted customer as not_found', async () => {
    const payments = connect(emu);
    const gone = await payments.createCustomer({ email: 'gone@example.com' }, key());
    const res = await fetch(`${emu.url}/v1/customers/${gone.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${emu.credentials.secretKey}` } });
    expect(res.status).toBe(200);
    expect(await failure(payments.getCustomer(gone.id))).toMatchObject({ code: 'not_found', provider: 'stripe' });
  });

  it('maps an unknown customer to not_found', async () => {
    const err = await failure(connect(emu).getCustomer('cus_doesnotexist'));
    expect(err).toMatchObject({ code: 'not_found', provider: 'stripe', providerStatus: 404, providerCode: 'resource_missing' });
    expect(err.requestId).toMatch(/^req_/);
  });
});

describe('Stripe payments (PaymentIntents)', () => {
  it('charges a card at once, in minor units and lower-case currency, with the hub id in metadata', async () => {
    const payments = connect(emu);
    const customer = await payments.createCustomer({ email: 'b@example.com' }, key());
    const paid = await payments.createPayment(
      { amount: 1999, currency: 'EUR', paymentMethodId: 'pm_card_visa', customerId: customer.id, description: 'Order 7', receiptEmail: 'b@example.com', metadata: { order: '7' }, hubId: 'pay_hub_1' },
      key(),
    );
    expect(paid).toMatchObject({ provider: 'stripe', status: 'succeeded', amount: 1999, currency: 'EUR', amountReceived: 1999, customerId: customer.id, captureMethod: 'automatic', description: 'Order 7' });
    expect(paid.id).toMatch(/^pi_/);
    expect(paid.metadata).toEqual({ order: '7', switchboard_id: 'pay_hub_1' });
    expect(paid.clientSecret).toMatch(new RegExp(`^${paid.id}_secret_`));
    expect(paid.paymentMethodId).toMatch(/^pm_/);
    expect(paid.captureId).toMatch(/^ch_/);
    expect(await connect(emu).getPayment(paid.id)).toMatchObject({ id: paid.id, status: 'succeeded', amount: 1999 });
  });

  it.each([
    ['pm_card_chargeDeclined', 'generic_decline'],
    ['pm_card_chargeDeclinedInsufficientFunds', 'insufficient_funds'],
  ])('maps the decline of %s to payment_declined with providerCode %s', async (token, declineCode) => {
    const payments = connect(emu);
    const err = await failure(payments.createPayment({ amount: 5000, currency: 'USD', paymentMethodId: token, hubId: 'pay_declined' }, key()));
    expect(err).toMatchObject({ code: 'payment_declined', status: 402, providerStatus: 402, providerCode: declineCode, retryable: false });
    expect(err.requestId).toMatch(/^req_/);
    const piId = err.details?.paymentIntentId as string;
    expect(piId).toMatch(/^pi_/);
    // The intent stays, waiting for another method: the hub sees it as failed, with the reason.
    const after = await payments.getPayment(piId);
    expect(after).toMatchObject({ status: 'failed', failure: { code: 'card_declined', declineCode } });
    // Another card on the same intent succeeds.
    expect((await payments.confirmPayment(piId, { paymentMethodId: 'pm_card_visa' }, key())).status).toBe('succeeded');
  });

  it('answers requires_action with the next action for a 3-D Secure card', async () => {
    const payment = await connect(emu).createPayment({ amount: 3000, currency: 'GBP', paymentMethodId: 'pm_card_threeDSecure2Required', returnUrl: 'https://shop.example/back', hubId: 'pay_3ds' }, key());
    expect(payment.status).toBe('requires_action');
    expect(payment.nextAction?.type).toMatch(/^(redirect_to_url|use_stripe_sdk)$/);
    if (payment.nextAction?.type === 'redirect_to_url') expect(payment.nextAction.url).toMatch(/^https?:\/\//);
    expect(payment.clientSecret).toBeTruthy();
  });

  it('authorizes now and captures part later (manual capture)', async () => {
    const payments = connect(emu);
    const held = await payments.createPayment({ amount: 10_000, currency: 'USD', paymentMethodId: 'pm_card_visa', captureMethod: 'manual', hubId: 'pay_manual' }, key());
    expect(held).toMatchObject({ status: 'requires_capture', captureMethod: 'manual', amountReceived: 0 });
    const captured = await payments.capturePayment(held.id, { amount: 7_500 }, key());
    expect(captured).toMatchObject({ status: 'succeeded', amountReceived: 7_500 });
    const again = await failure(payments.capturePayment(held.id, {}, key()));
    expect(again).toMatchObject({ code: 'provider_rejected', providerCode: 'payment_intent_unexpected_state' });
  });

  it('creates a payment to confirm later, confirms it, and cancels another', async () => {
    const payments = connect(emu);
    const open = await payments.createPayment({ amount: 1200, currency: 'USD', hubId: 'pay_later' }, key());
    expect(open).toMatchObject({ status: 'requires_payment_method', metadata: { switchboard_id: 'pay_later' } });
    expect(open.failure).toBeUndefined();
    const confirmed = await payments.confirmPayment(open.id, { paymentMethodId: 'pm_card_visa', returnUrl: 'https://shop.example/back' }, key());
    expect(confirmed).toMatchObject({ id: open.id, status: 'succeeded', amountReceived: 1200 });

    const other = await payments.createPayment({ amount: 800, currency: 'USD', hubId: 'pay_cancel' }, key());
    expect(await payments.cancelPayment(other.id, key())).toMatchObject({ id: other.id, status: 'canceled' });
  });

  it('refunds part, then the rest, and refuses a third refund', async () => {
    const payments = connect(emu);
    const paid = await payments.createPayment({ amount: 2000, currency: 'USD', paymentMethodId: 'pm_card_visa', hubId: 'pay_refund' }, key());
    const part = await payments.createRefund({ paymentId: paid.id, amount: 500, reason: 'requested_by_customer', hubId: 'rf_1' }, key());
    expect(part).toMatchObject({ provider: 'stripe', paymentId: paid.id, status: 'succeeded', amount: 500, currency: 'USD', reason: 'requested_by_customer' });
    expect(part.id).toMatch(/^re_/);
    const rest = await payments.createRefund({ paymentId: paid.id, reason: 'arrived damaged', hubId: 'rf_2' }, key());
    expect(rest).toMatchObject({ status: 'succeeded', amount: 1500, reason: 'arrived damaged' });
    expect((rest.raw as { reason: unknown; metadata: Record<string, string> }).reason).toBeNull();
    expect((rest.raw as { metadata: Record<string, string> }).metadata).toEqual({ reason: 'arrived damaged', switchboard_id: 'rf_2' });
    expect(await payments.getRefund(part.id)).toMatchObject({ id: part.id, amount: 500, paymentId: paid.id });
    const third = await failure(payments.createRefund({ paymentId: paid.id, amount: 1, hubId: 'rf_3' }, key()));
    expect(third.code).toBe('provider_rejected');
  });
});

describe('Stripe Billing', () => {
  it('subscribes with a trial, changes the price on the same item, cancels at period end and at once', async () => {
    const payments = connect(emu);
    const customer = await payments.createCustomer({ email: 'sub@example.com' }, key());
    const pm = await payments.attachPaymentMethod(customer.id, 'pm_card_visa', key());
    const [basic, pro] = [await price(1000), await price(2500)];
    const sub = await payments.createSubscription({ customerId: customer.id, priceId: basic, trialDays: 14, defaultPaymentMethodId: pm.id, metadata: { plan: 'basic' }, hubId: 'sub_hub_1' }, key());
    expect(sub).toMatchObject({ provider: 'stripe', status: 'trialing', customerId: customer.id, priceId: basic, quantity: 1, cancelAtPeriodEnd: false, metadata: { plan: 'basic', switchboard_id: 'sub_hub_1' } });
    expect(Date.parse(sub.trialEnd!) - Date.now()).toBeGreaterThan(13 * 86_400_000);

    const changed = await payments.changeSubscriptionPrice(sub.id, pro, key());
    expect(changed.priceId).toBe(pro);
    expect((changed.raw as { items: { data: unknown[] } }).items.data).toHaveLength(1);

    const atEnd = await payments.cancelSubscription(sub.id, { atPeriodEnd: true }, key());
    expect(atEnd).toMatchObject({ cancelAtPeriodEnd: true, status: 'trialing' });
    const now = await payments.cancelSubscription(sub.id, { atPeriodEnd: false, reason: 'too expensive' }, key());
    expect(now.status).toBe('canceled');
    expect(now.canceledAt).toBeTruthy();
    expect((now.raw as { cancellation_details: { comment: string } }).cancellation_details.comment).toBe('too expensive');
    expect((await payments.getSubscription(sub.id)).status).toBe('canceled');
  });

  it('needs a customer for a subscription', async () => {
    const err = await failure(connect(emu).createSubscription({ priceId: 'price_x', hubId: 'sub_x' }, key()));
    expect(err).toMatchObject({ code: 'validation_failed', errors: [{ field: 'customerId' }] });
  });

  it('invoices: items, finalize, send, mark paid, and lists pages with a cursor', async () => {
    const payments = connect(emu);
    const customer = await payments.createCustomer({ email: 'inv@example.com' }, key());
    const draft = await payments.createInvoice(
      { customerId: customer.id, currency: 'EUR', daysUntilDue: 30, description: 'Setup', items: [{ description: 'Setup', unitAmount: 3000 }, { description: 'Seats', unitAmount: 1000, quantity: 3 }], hubId: 'inv_hub_1' },
      key(),
    );
    expect(draft).toMatchObject({ provider: 'stripe', status: 'draft', customerId: customer.id, currency: 'EUR', total: 6000, amountDue: 6000, metadata: { switchboard_id: 'inv_hub_1' } });
    expect((draft.raw as { collection_method: string }).collection_method).toBe('send_invoice');
    expect(draft.items).toEqual(expect.arrayContaining([{ description: 'Setup', unitAmount: 3000, quantity: 1 }, { description: 'Seats', unitAmount: 1000, quantity: 3 }]));
    const more = await payments.addInvoiceItem(draft.id, { description: 'Extra', unitAmount: 250, quantity: 2 }, key());
    expect(more).toMatchObject({ total: 6500, amountDue: 6500 });
    expect(more.items).toHaveLength(3);

    const open = await payments.finalizeInvoice(draft.id, key());
    expect(open.status).toBe('open');
    expect(open.number).toBeTruthy();
    expect((await payments.sendInvoice(draft.id, key())).status).toBe('open');
    const paid = await payments.markInvoicePaid(draft.id, key());
    expect(paid).toMatchObject({ status: 'paid', amountPaid: 6500 });
    expect((await payments.getInvoice(draft.id)).status).toBe('paid');

    await payments.createInvoice({ customerId: customer.id, currency: 'EUR', hubId: 'inv_hub_2' }, key());
    await payments.createInvoice({ customerId: customer.id, currency: 'EUR', hubId: 'inv_hub_3' }, key());
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 5; pages++) {
      const page = await payments.listInvoices({ customerId: customer.id, limit: 2, after });
      seen.push(...page.data.map((i) => i.id));
      expect(page.data.every((i) => i.customerId === customer.id)).toBe(true);
      if (page.next === null) break;
      after = page.next;
    }
    expect(seen).toHaveLength(3);
    expect(new Set(seen).size).toBe(3);
    expect(seen).toContain(draft.id);
  });
});

describe('Stripe through the transport', () => {
  it('retries a create whose answer was dropped with the same Idempotency-Key: one PaymentIntent', async () => {
    const fresh = await stripe.startEmulator!();
    try {
      fresh.chaos.dropAfterAcceptNext = 1;
      const payment = await connect(fresh).createPayment({ amount: 4200, currency: 'USD', paymentMethodId: 'pm_card_visa', hubId: 'pay_drop' }, key());
      expect(payment.status).toBe('succeeded');
      expect(fresh.accepted.length).toBe(1);
      expect(JSON.stringify(fresh.accepted[0])).toContain(payment.id);
    } finally {
      await fresh.close();
    }
  });

  it('waits as long as Retry-After asks on a 429, then succeeds', async () => {
    Object.assign(emu.chaos, { rateLimitNext: 1, retryAfterSec: 1 });
    const started = Date.now();
    const customer = await connect(emu).createCustomer({ email: 'slow@example.com' }, key());
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(customer.id).toMatch(/^cus_/);
  });

  it('replays a create under the same Idempotency-Key and refuses the key with other parameters', async () => {
    const payments = connect(emu);
    const once = key();
    const first = await payments.createCustomer({ email: 'same@example.com' }, once);
    expect((await payments.createCustomer({ email: 'same@example.com' }, once)).id).toBe(first.id);
    const err = await failure(payments.createCustomer({ email: 'other@example.com' }, once));
    expect(err).toMatchObject({ code: 'idempotency_conflict', providerStatus: 400, retryable: false });
  });

  it('waits out a 409 while the first request under the key still runs, then gets its answer', async () => {
    const slow = await startStripeEmulator({ processingDelayMs: 100 });
    try {
      const attempts: AuditEntry[] = [];
      const payments = connect(slow, {}, (e) => attempts.push(e));
      const same = key();
      const input = { amount: 900, currency: 'USD', paymentMethodId: 'pm_card_visa', hubId: 'pay_twice' };
      const [a, b] = await Promise.all([payments.createPayment(input, same), payments.createPayment(input, same)]);
      expect(a.id).toBe(b.id);
      expect(slow.accepted.length).toBe(1);
      // The second request met the running first one (409 idempotency_in_progress) and was retried.
      const conflicts = attempts.filter((e) => e.status === 409);
      expect(conflicts.length).toBeGreaterThan(0);
      expect(conflicts.every((e) => e.errorCode === 'idempotency_in_progress')).toBe(true);
    } finally {
      await slow.close();
    }
  });

  it('maps a wrong secret key to provider_auth_failed', async () => {
    const err = await failure(connect(emu, { secretKey: 'sk_test_wrongwrongwrong' }).getPayment('pi_x'));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerStatus: 401, failover: true, provider: 'stripe' });
    expect(err.message).toMatch(/STRIPE_SECRET_KEY/);
  });
});
