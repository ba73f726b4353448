/**
 * PayPal subscriptions (Billing v1) through the connector against the emulator: a product and two
 * plans of it, a subscription approved by the buyer, a price change, a cancel; plus the manifest.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import { startPaypalEmulator, type PaypalEmulator } from './emulator/index.js';
import { paypal } from './index.js';
import { paypalCredentials, paypalManifest } from './manifest.js';
import { paypalPayments } from './payments.js';
import { approveAt, connectPaypal, type TestPaypal } from './test-utils.js';
import { paypalEventToInbound } from './webhooks-normalize.js';

let emu: PaypalEmulator;
let pp: TestPaypal;
const plans: string[] = [];
const key = () => randomUUID();

const plan = (productId: string, value: string) => ({
  product_id: productId,
  name: `Club ${value}`,
  billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: 'USD', value } } }],
  payment_preferences: { auto_bill_outstanding: true },
  quantity_supported: true,
});

beforeAll(async () => {
  emu = await startPaypalEmulator({ eventDelayMs: 1 });
  pp = connectPaypal(emu);
  const product = await pp.call('POST', '/v1/catalogs/products', 'test.product', { body: { name: 'Club', type: 'SERVICE' }, idempotencyKey: key() });
  for (const value of ['10.00', '15.00']) plans.push(String((await pp.call('POST', '/v1/billing/plans', 'test.plan', { body: plan(String(product.id), value), idempotencyKey: key() })).id));
});
afterAll(() => emu.close());

describe('PayPal subscriptions against the emulator', () => {
  it('creates a subscription to approve, activates it on approval, changes its plan and cancels it at once', async () => {
    const created = await pp.createSubscription({ priceId: plans[0]!, quantity: 2, subscriberEmail: 'member@example.com', returnUrl: 'https://club.example/welcome', hubId: 'sub_01test' }, { idempotencyKey: key() });
    expect(created).toMatchObject({ provider: 'paypal', status: 'approval_pending', priceId: plans[0], quantity: 2, cancelAtPeriodEnd: false, metadata: { switchboard_id: 'sub_01test' } });
    expect(created.id).toMatch(/^I-/);
    expect(created.approvalUrl).toMatch(new RegExp(`^${emu.url}/checkoutnow\\?`));

    await approveAt(emu, 'subscriptions', created.id);
    const active = await pp.getSubscription(created.id);
    expect(active.status).toBe('active');
    expect(Date.parse(active.currentPeriodEnd!)).toBeGreaterThan(Date.now());

    const revised = await pp.changeSubscriptionPrice(created.id, plans[1]!, { idempotencyKey: key() });
    expect(revised).toMatchObject({ id: created.id, priceId: plans[1] });
    expect((await pp.getSubscription(created.id)).priceId).toBe(plans[1]);

    const canceled = await pp.cancelSubscription(created.id, { atPeriodEnd: false, reason: 'moving away' }, { idempotencyKey: key() });
    expect(canceled).toMatchObject({ status: 'canceled', cancelAtPeriodEnd: false });
    expect(canceled.canceledAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);

    // What the emulator announced about it, normalized.
    const events = emu.events.map((e) => paypalEventToInbound(e as unknown as Record<string, unknown>)).filter((e) => e !== null && (e.data.subscriptionId === created.id));
    expect(events.map((e) => e!.type)).toEqual(['subscription.created', 'subscription.updated', 'payment.succeeded', 'subscription.updated', 'subscription.canceled']);
    expect(events[0]!.ref).toEqual({ hubId: 'sub_01test', providerObjectId: created.id });
    const sale = events[2]!;
    expect(sale).toMatchObject({ data: { amount: 2000, currency: 'USD', subscriptionId: created.id, providerType: 'PAYMENT.SALE.COMPLETED' } });
    expect(sale.ref.hubId).toBeUndefined();
    expect(events[4]!.data).toMatchObject({ priceId: plans[1], status: 'CANCELLED' });
  });

  it('refuses trials, customers and cancel at period end with capability_unsupported', async () => {
    expect(await failure(pp.createSubscription({ priceId: plans[0]!, trialDays: 7, hubId: 's' }, { idempotencyKey: key() }))).toMatchObject({ code: 'capability_unsupported', message: expect.stringMatching(/TRIAL/) });
    expect((await failure(pp.createSubscription({ priceId: plans[0]!, customerId: 'cus_1', hubId: 's' }, { idempotencyKey: key() }))).code).toBe('capability_unsupported');
    expect((await failure(pp.cancelSubscription('I-ANY', { atPeriodEnd: true }, { idempotencyKey: key() }))).code).toBe('capability_unsupported');
  });

  it('maps an unknown plan to provider_rejected naming plan_id, and an unknown subscription to not_found', async () => {
    const err = await failure(pp.createSubscription({ priceId: 'P-NOPE', hubId: 's' }, { idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'provider_rejected', errors: [expect.objectContaining({ field: expect.stringContaining('plan_id') })] });
    expect((await failure(pp.getSubscription('I-DOESNOTEXIST'))).code).toBe('not_found');
  });
});

describe('PayPal manifest', () => {
  it('defaults to sandbox, names PAYPAL_MODE on a bad mode, and picks the base URL by mode', () => {
    expect(paypalCredentials.parse({ clientId: 'a', clientSecret: 'b' }).mode).toBe('sandbox');
    expect(paypalCredentials.parse({ clientId: 'a', clientSecret: 'b', mode: ' LIVE ', webhookId: '' })).toEqual({ clientId: 'a', clientSecret: 'b', mode: 'live' });
    expect(paypalCredentials.safeParse({ clientId: 'a', clientSecret: 'b', mode: 'production' }).error?.issues[0]?.message).toMatch(/PAYPAL_MODE must be "sandbox" or "live"/);
    expect(paypalManifest.baseUrlFor!({ clientId: 'a', clientSecret: 'b', mode: 'live' })).toBe('https://api-m.paypal.com');
    expect(paypalManifest.baseUrlFor!({ clientId: 'a', clientSecret: 'b', mode: 'sandbox' })).toBe('https://api-m.sandbox.paypal.com');
    expect(paypal.manifest).toBe(paypalManifest);
    expect(paypal.payments).toBe(paypalPayments);
    expect(paypal.webhooks?.secretFields).toEqual(['webhookId']);
  });
});
