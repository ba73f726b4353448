/**
 * Products, prices, subscriptions and invoices through the official `stripe` client.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startStripeEmulator, type StripeEmulator } from './index.js';
import { addInterval } from './subscription-items.js';

let emulator: StripeEmulator;
let stripe: Stripe;
let monthly: Stripe.Price;
let yearly: Stripe.Price;

beforeAll(async () => {
  emulator = await startStripeEmulator({ eventDelayMs: 0 });
  stripe = new Stripe(emulator.credentials.secretKey, { host: '127.0.0.1', port: Number(new URL(emulator.url).port), protocol: 'http', maxNetworkRetries: 0 });
  const product = await stripe.products.create({ name: 'Pro plan', metadata: { tier: 'pro' } });
  monthly = await stripe.prices.create({ product: product.id, unit_amount: 3000, currency: 'usd', recurring: { interval: 'month' } });
  yearly = await stripe.prices.create({ product_data: { name: 'Pro yearly' }, unit_amount: 30_000, currency: 'usd', recurring: { interval: 'year' } });
});
afterAll(() => emulator.close());

async function payingCustomer(card = 'pm_card_visa'): Promise<Stripe.Customer> {
  const customer = await stripe.customers.create({ email: `c${Math.random()}@example.com` });
  const pm = await stripe.paymentMethods.attach(card, { customer: customer.id });
  return stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: pm.id } });
}

describe('products and prices', () => {
  it('creates, retrieves and lists them', async () => {
    expect(monthly).toMatchObject({ object: 'price', type: 'recurring', unit_amount: 3000, recurring: { interval: 'month', interval_count: 1 } });
    const product = await stripe.products.retrieve(yearly.product as string);
    expect(product.name).toBe('Pro yearly');
    const oneTime = await stripe.prices.create({ product: product.id, unit_amount: 999, currency: 'eur' });
    expect(oneTime).toMatchObject({ type: 'one_time', recurring: null });
    expect((await stripe.prices.list({ product: product.id })).data.map((p) => p.id)).toEqual([oneTime.id, yearly.id]);
    expect((await stripe.prices.retrieve(monthly.id)).id).toBe(monthly.id);
    expect((await stripe.products.list({ limit: 100 })).data.length).toBeGreaterThanOrEqual(2);
    await expect(stripe.prices.create({ product: product.id, unit_amount: 1, currency: 'usd', recurring: { interval: 'fortnight' as 'week' } })).rejects.toMatchObject({ param: 'recurring[interval]' });
  });
});

describe('subscriptions', () => {
  it('bills calendar months, pinning the 31st to the month’s last day', () => {
    const at = (iso: string) => Date.parse(iso) / 1000;
    expect(addInterval(at('2025-01-31T10:00:00Z'), 'month', 1)).toBe(at('2025-02-28T10:00:00Z'));
    expect(addInterval(at('2024-01-31T10:00:00Z'), 'month', 1)).toBe(at('2024-02-29T10:00:00Z'));
    expect(addInterval(at('2024-02-29T00:00:00Z'), 'year', 1)).toBe(at('2025-02-28T00:00:00Z'));
    expect(addInterval(at('2025-11-15T00:00:00Z'), 'month', 3)).toBe(at('2026-02-15T00:00:00Z'));
    expect(addInterval(at('2025-01-01T00:00:00Z'), 'week', 2)).toBe(at('2025-01-15T00:00:00Z'));
  });

  it('starts active and pays its first invoice with the customer’s default PaymentMethod', async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id, quantity: 2 }], metadata: { seat: 'x' }, expand: ['latest_invoice.payment_intent'] });
    expect(sub.status).toBe('active');
    const item = sub.items.data[0]!;
    expect(item).toMatchObject({ quantity: 2, price: { id: monthly.id } });
    expect(item.current_period_end - item.current_period_start).toBeGreaterThanOrEqual(28 * 86_400);
    const invoice = sub.latest_invoice as Stripe.Invoice & { payment_intent: Stripe.PaymentIntent };
    expect(invoice).toMatchObject({ status: 'paid', amount_due: 6000, amount_paid: 6000, amount_remaining: 0, billing_reason: 'subscription_create' });
    expect(invoice.payment_intent.status).toBe('succeeded');
    // API 2025-03-31+: the subscription under `parent`, the PaymentIntent under `payments`.
    expect(invoice.parent?.subscription_details?.subscription).toBe(sub.id);
    const viaPayments = await stripe.invoices.retrieve(invoice.id, { expand: ['payments.data.payment.payment_intent'] });
    expect(viaPayments.payments?.data[0]).toMatchObject({ status: 'paid', payment: { type: 'payment_intent', payment_intent: { id: invoice.payment_intent.id } } });
    expect(invoice.lines.data[0]).toMatchObject({ amount: 6000, quantity: 2 });
    expect((await stripe.subscriptionItems.list({ subscription: sub.id })).data.map((i) => i.id)).toEqual([item.id]);
    expect((await stripe.subscriptionItems.retrieve(item.id)).quantity).toBe(2);
  });

  it('trials with a $0 invoice', async () => {
    const customer = await stripe.customers.create({ email: 'trial@example.com' });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 14, expand: ['latest_invoice'] });
    expect(sub.status).toBe('trialing');
    expect(sub.trial_end! - sub.trial_start!).toBe(14 * 86_400);
    expect(sub.latest_invoice).toMatchObject({ status: 'paid', total: 0, amount_due: 0 });
  });

  it('is incomplete when the first payment is declined, and refuses a customer without any method', async () => {
    const customer = await payingCustomer('pm_card_chargeDeclined');
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], expand: ['latest_invoice'] });
    expect(sub.status).toBe('incomplete');
    expect((sub.latest_invoice as Stripe.Invoice).status).toBe('open');
    const strict = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], payment_behavior: 'error_if_incomplete' }).catch((e: unknown) => e);
    expect(strict).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.map((s) => s.id)).toEqual([sub.id]);
    const bare = await stripe.customers.create({});
    await expect(stripe.subscriptions.create({ customer: bare.id, items: [{ price: monthly.id }] })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const pending = await stripe.subscriptions.create({ customer: bare.id, items: [{ price: monthly.id }], payment_behavior: 'default_incomplete' });
    expect(pending.status).toBe('incomplete');
  });

  it('changes price with prorations, cancels at period end, then at once; lists exclude canceled ones', async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], default_payment_method: (await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id })).id });
    const changed = await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: yearly.id }], proration_behavior: 'create_prorations' });
    expect(changed.items.data).toHaveLength(1);
    expect(changed.items.data[0]!.price.id).toBe(yearly.id);
    const prorations = await stripe.invoiceItems.list({ customer: customer.id, pending: true });
    expect(prorations.data.length).toBe(2);
    expect(prorations.data.every((ii) => ii.proration)).toBe(true);

    const atEnd = await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    expect(atEnd).toMatchObject({ cancel_at_period_end: true, status: 'active', cancel_at: atEnd.items.data[0]!.current_period_end });
    const now = await stripe.subscriptions.cancel(sub.id);
    expect(now.status).toBe('canceled');
    expect(now.ended_at).not.toBeNull();
    const listed = await stripe.subscriptions.list({ customer: customer.id });
    expect(listed.data).toHaveLength(0);
    expect((await stripe.subscriptions.list({ customer: customer.id, status: 'all' })).data.map((s) => s.id)).toEqual([sub.id]);
    expect(emulator.events.filter((e) => e.type === 'customer.subscription.updated' && (e.data.object as { id: string }).id === sub.id)).toHaveLength(2);
  });
});

describe('renewals (test control)', () => {
  const advance = (id: string) => fetch(`${emulator.url}/__emulator/subscriptions/${id}/advance`, { method: 'POST' });

  it('starts the next period with a paid subscription_cycle invoice, past_due when declined, and cancels at period end', async () => {
    const customer = await payingCustomer();
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }] });
    expect((await advance(sub.id)).status).toBe(200);
    const renewed = await stripe.subscriptions.retrieve(sub.id, { expand: ['latest_invoice'] });
    expect(renewed.items.data[0]!.current_period_start).toBe(sub.items.data[0]!.current_period_end);
    expect(renewed.latest_invoice).toMatchObject({ billing_reason: 'subscription_cycle', status: 'paid', amount_paid: 3000 });

    const declined = await payingCustomer();
    const trial = await stripe.subscriptions.create({ customer: declined.id, items: [{ price: monthly.id }], trial_period_days: 3 });
    await stripe.paymentMethods.detach((declined.invoice_settings.default_payment_method as string));
    const bad = await stripe.paymentMethods.attach('pm_card_chargeDeclined', { customer: declined.id });
    await stripe.customers.update(declined.id, { invoice_settings: { default_payment_method: bad.id } });
    await advance(trial.id);
    const pastDue = await stripe.subscriptions.retrieve(trial.id, { expand: ['latest_invoice'] });
    expect(pastDue.status).toBe('past_due');
    expect(pastDue.latest_invoice).toMatchObject({ status: 'open', attempt_count: 1 });

    await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
    await advance(sub.id);
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('canceled');
    expect((await advance(sub.id)).status).toBe(400);
    const types = emulator.events.filter((e) => (e.data.object as { id: string }).id === sub.id).map((e) => e.type);
    expect(types.at(-1)).toBe('customer.subscription.deleted');
  });
});

describe('invoices', () => {
  it('draft with items → finalize → pay out of band', async () => {
    const customer = await stripe.customers.create({ email: 'inv@example.com' });
    const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 30, description: 'Consulting' });
    expect(draft).toMatchObject({ status: 'draft', total: 0, number: null });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 12_000, currency: 'usd', description: 'Day rate' });
    await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, price: monthly.id, quantity: 3 } as Stripe.InvoiceItemCreateParams);
    const withItems = await stripe.invoices.retrieve(draft.id);
    expect(withItems).toMatchObject({ subtotal: 21_000, total: 21_000, amount_due: 21_000 });
    expect(withItems.lines.data).toHaveLength(2);

    const open = await stripe.invoices.finalizeInvoice(draft.id);
    expect(open.status).toBe('open');
    expect(open.number).toMatch(/^[A-Z0-9]+-0001$/);
    expect(open.hosted_invoice_url).toContain(emulator.url);
    await expect(stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 1, currency: 'usd' })).rejects.toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
    const sent = await stripe.invoices.sendInvoice(draft.id);
    expect(sent.status).toBe('open');
    const paid = await stripe.invoices.pay(draft.id, { paid_out_of_band: true });
    expect(paid).toMatchObject({ status: 'paid', paid_out_of_band: true, amount_remaining: 0 });
    const types = emulator.events.filter((e) => (e.data.object as { id: string }).id === draft.id).map((e) => e.type);
    expect(types).toEqual(['invoice.created', 'invoice.finalized', 'invoice.sent', 'invoice.paid']);
  });

  it('pays with the default method, declines with a 402, voids, deletes drafts and filters lists', async () => {
    const customer = await payingCustomer();
    await stripe.invoiceItems.create({ customer: customer.id, amount: 2500, currency: 'usd' });
    const inv = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
    expect(inv.amount_due).toBe(2500);
    await stripe.invoices.finalizeInvoice(inv.id);
    expect((await stripe.invoices.pay(inv.id)).status).toBe('paid');

    const declining = await payingCustomer('pm_card_chargeDeclinedInsufficientFunds');
    const bad = await stripe.invoices.create({ customer: declining.id });
    await stripe.invoiceItems.create({ customer: declining.id, invoice: bad.id, unit_amount: 500, quantity: 2, currency: 'usd' } as Stripe.InvoiceItemCreateParams);
    await stripe.invoices.finalizeInvoice(bad.id);
    await expect(stripe.invoices.pay(bad.id)).rejects.toMatchObject({ type: 'StripeCardError', decline_code: 'insufficient_funds' });
    expect((await stripe.invoices.retrieve(bad.id)).attempt_count).toBe(1);
    expect((await stripe.invoices.voidInvoice(bad.id)).status).toBe('void');

    const scrap = await stripe.invoices.create({ customer: declining.id });
    expect(await stripe.invoices.del(scrap.id)).toMatchObject({ id: scrap.id, deleted: true });
    expect((await stripe.invoices.list({ customer: declining.id, status: 'void' })).data.map((i) => i.id)).toEqual([bad.id]);
  });
});
