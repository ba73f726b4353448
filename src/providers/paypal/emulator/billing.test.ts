/**
 * Subscriptions v1 through plain fetch: product → plan → subscription → approval on the HTML page
 * → revise → suspend / activate → cancel, with the sale charged for the first paid cycle.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { paypalSession, readAnswer, startReceiver, type PaypalSession } from './test-support.js';

let emulator: PaypalEmulator;
let pp: PaypalSession;
let shop: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  emulator = await startPaypalEmulator();
  pp = await paypalSession(emulator);
  shop = await startReceiver();
});
afterAll(async () => {
  await emulator.close();
  await shop.close();
});

const regular = (value: string, sequence = 1) => ({
  frequency: { interval_unit: 'MONTH', interval_count: 1 }, tenure_type: 'REGULAR', sequence, total_cycles: 0,
  pricing_scheme: { fixed_price: { currency_code: 'USD', value } },
});
const trial = { frequency: { interval_unit: 'DAY', interval_count: 14 }, tenure_type: 'TRIAL', sequence: 1, total_cycles: 1 };
const prefs = { auto_bill_outstanding: true, payment_failure_threshold: 3 };

async function plan(productId: string, name: string, cycles: unknown[]) {
  const res = await pp.call('POST', '/v1/billing/plans', { product_id: productId, name, billing_cycles: cycles, payment_preferences: prefs });
  expect(res.status, res.text).toBe(201);
  return res.body as { id: string };
}

describe('subscriptions', () => {
  let productId: string;
  beforeAll(async () => {
    const product = await pp.call('POST', '/v1/catalogs/products', { name: 'Video streaming', type: 'SERVICE', description: 'Monthly streaming' });
    expect(product.status).toBe(201);
    expect(product.body.id).toMatch(/^PROD-/);
    expect((await pp.call('GET', `/v1/catalogs/products/${product.body.id}`)).body.name).toBe('Video streaming');
    productId = product.body.id;
  });

  it('plan → subscribe → approve on the page (first month charged) → revise → suspend → activate → cancel', async () => {
    const basic = await plan(productId, 'Basic', [regular('10.00')]);
    const fetched = await pp.call('GET', `/v1/billing/plans/${basic.id}`);
    expect(fetched.body).toMatchObject({ id: basic.id, product_id: productId, status: 'ACTIVE', billing_cycles: [{ tenure_type: 'REGULAR', pricing_scheme: { fixed_price: { value: '10.00' } } }] });
    const premium = await plan(productId, 'Premium', [regular('20.00')]);

    const created = await pp.call('POST', '/v1/billing/subscriptions', {
      plan_id: basic.id, custom_id: 'tenant-42', subscriber: { email_address: 'ana@example.com' },
      application_context: { return_url: `${shop.url}/subscribed`, cancel_url: `${shop.url}/nope` },
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ status: 'APPROVAL_PENDING', plan_id: basic.id, custom_id: 'tenant-42' });
    expect(created.body.id).toMatch(/^I-[0-9A-Z]{12}$/);
    const approveHref = created.body.links.find((l: { rel: string }) => l.rel === 'approve').href as string;

    const page = await fetch(approveHref).then(readAnswer);
    expect(page.text).toContain('Subscribe to Basic');
    const token = /name="token" value="([^"]+)"/.exec(page.text)![1]!;
    const redirect = await fetch(`${emulator.url}/checkoutnow/approve`, { method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `token=${token}` });
    expect(redirect.status).toBe(302);
    const back = new URL(redirect.headers.get('location')!);
    expect(back.pathname).toBe('/subscribed');
    expect(back.searchParams.get('subscription_id')).toBe(created.body.id);
    expect(back.searchParams.get('ba_token')).toMatch(/^BA-/);

    const active = await pp.call('GET', `/v1/billing/subscriptions/${created.body.id}`);
    expect(active.body).toMatchObject({ status: 'ACTIVE', subscriber: { email_address: 'ana@example.com' } });
    expect(active.body.billing_info.last_payment.amount).toEqual({ currency_code: 'USD', value: '10.00' });
    expect(active.body.billing_info.cycle_executions[0]).toMatchObject({ tenure_type: 'REGULAR', cycles_completed: 1 });
    expect(Date.parse(active.body.billing_info.next_billing_time) - Date.now()).toBeGreaterThan(29 * 86_400_000);
    const sales = emulator.events.filter((e) => e.event_type === 'PAYMENT.SALE.COMPLETED');
    expect(sales).toHaveLength(1);
    expect(sales[0]!.resource).toMatchObject({ billing_agreement_id: created.body.id, amount: { total: '10.00', currency: 'USD' }, custom: 'tenant-42', state: 'completed' });

    const revised = await pp.call('POST', `/v1/billing/subscriptions/${created.body.id}/revise`, { plan_id: premium.id });
    expect(revised.status).toBe(200);
    expect(revised.body.plan_id).toBe(premium.id);
    expect(revised.body.links.map((l: { rel: string }) => l.rel)).toContain('approve');
    expect((await pp.call('GET', `/v1/billing/subscriptions/${created.body.id}`)).body.plan_id).toBe(premium.id);

    const id = created.body.id as string;
    expect((await pp.call('POST', `/v1/billing/subscriptions/${id}/activate`, { reason: 'x' })).body.details[0].issue).toBe('SUBSCRIPTION_STATUS_INVALID');
    expect((await pp.call('POST', `/v1/billing/subscriptions/${id}/suspend`, { reason: 'Paused by customer' })).status).toBe(204);
    expect((await pp.call('GET', `/v1/billing/subscriptions/${id}`)).body.status).toBe('SUSPENDED');
    expect((await pp.call('POST', `/v1/billing/subscriptions/${id}/activate`, { reason: 'Back' })).status).toBe(204);
    expect((await pp.call('POST', `/v1/billing/subscriptions/${id}/cancel`, {})).body.details[0]).toMatchObject({ issue: 'MISSING_REQUIRED_PARAMETER', field: '/reason' });
    const cancelled = await pp.call('POST', `/v1/billing/subscriptions/${id}/cancel`, { reason: 'Not satisfied' });
    expect(cancelled.status).toBe(204);
    expect(cancelled.text).toBe('');
    const final = await pp.call('GET', `/v1/billing/subscriptions/${id}`);
    expect(final.body).toMatchObject({ status: 'CANCELLED', status_change_note: 'Not satisfied' });
    expect((await pp.call('POST', `/v1/billing/subscriptions/${id}/cancel`, { reason: 'again' })).status).toBe(422);

    const types = emulator.events.filter((e) => e.resource_type === 'subscription').map((e) => e.event_type);
    expect(types).toEqual([
      'BILLING.SUBSCRIPTION.CREATED', 'BILLING.SUBSCRIPTION.ACTIVATED', 'BILLING.SUBSCRIPTION.UPDATED',
      'BILLING.SUBSCRIPTION.SUSPENDED', 'BILLING.SUBSCRIPTION.ACTIVATED', 'BILLING.SUBSCRIPTION.CANCELLED',
    ]);
  });

  it('a free trial charges nothing at approval; the next cycle bills the regular price', async () => {
    const withTrial = await plan(productId, 'Trial first', [trial, regular('15.00', 2)]);
    const sub = await pp.call('POST', '/v1/billing/subscriptions', { plan_id: withTrial.id });
    const salesBefore = emulator.events.filter((e) => e.event_type === 'PAYMENT.SALE.COMPLETED').length;
    await fetch(`${emulator.url}/__emulator/subscriptions/${sub.body.id}/approve`, { method: 'POST' });
    const active = await pp.call('GET', `/v1/billing/subscriptions/${sub.body.id}`);
    expect(active.body.status).toBe('ACTIVE');
    expect(active.body.billing_info.last_payment).toBeUndefined();
    expect(active.body.billing_info.cycle_executions[0]).toMatchObject({ tenure_type: 'TRIAL', cycles_completed: 1, cycles_remaining: 0 });
    expect(emulator.events.filter((e) => e.event_type === 'PAYMENT.SALE.COMPLETED').length).toBe(salesBefore);
    const billed = await fetch(`${emulator.url}/__emulator/subscriptions/${sub.body.id}/bill`, { method: 'POST' }).then(readAnswer);
    expect(billed.body.billing_info.last_payment.amount.value).toBe('15.00');
    expect(emulator.events.filter((e) => e.event_type === 'PAYMENT.SALE.COMPLETED').length).toBe(salesBefore + 1);
  });

  it.each([
    ['no product_id', { name: 'x', billing_cycles: [regular('1.00')], payment_preferences: prefs }, '/product_id'],
    ['an unknown product_id', { product_id: 'PROD-X', name: 'x', billing_cycles: [regular('1.00')], payment_preferences: prefs }, '/product_id'],
    ['an empty product_id', { product_id: '', name: 'x', billing_cycles: [regular('1.00')], payment_preferences: prefs }, '/product_id'],
  ])('refuses a plan with %s', async (_name, body, field) => {
    const res = await pp.call('POST', '/v1/billing/plans', body);
    expect(res.status).toBe(400);
    expect(res.body.details[0].field).toBe(field);
  });

  it('checks plan fields after the product', async () => {
    const noPrefs = await pp.call('POST', '/v1/billing/plans', { product_id: productId, name: 'x', billing_cycles: [regular('1.00')] });
    expect(noPrefs.body.details[0]).toMatchObject({ issue: 'MISSING_REQUIRED_PARAMETER', field: '/payment_preferences' });
    const noPrice = await pp.call('POST', '/v1/billing/plans', { product_id: productId, name: 'x', billing_cycles: [{ ...regular('1.00'), pricing_scheme: {} }], payment_preferences: prefs });
    expect(noPrice.body.details[0].field).toBe('/billing_cycles/0/pricing_scheme/fixed_price');
    const badUnit = await pp.call('POST', '/v1/billing/plans', { product_id: productId, name: 'x', billing_cycles: [{ ...regular('1.00'), frequency: { interval_unit: 'FORTNIGHT' } }], payment_preferences: prefs });
    expect(badUnit.body.details[0]).toMatchObject({ issue: 'INVALID_PARAMETER_VALUE', field: '/billing_cycles/0/frequency/interval_unit' });
    const unknownPlan = await pp.call('POST', '/v1/billing/subscriptions', { plan_id: 'P-NOPE' });
    expect(unknownPlan.status).toBe(400);
    expect((await pp.call('GET', '/v1/billing/subscriptions/I-NOPE')).status).toBe(404);
  });
});
