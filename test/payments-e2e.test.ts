/**
 * Payments end to end through the REST API in sandbox mode: the real Stripe and PayPal connectors
 * talk to their emulators over HTTP, and the emulators' signed webhooks come back to the hub and
 * move the stored payments. Runs on SQLite and PostgreSQL.
 */
import { expect } from 'vitest';
import { describeOnStores } from './helpers/store-hubs.js';

const G = '/api/v1/integrations/payments';

describeOnStores('payments end to end', (t, it, dialect) => {
  const status = async (id: string) => (await t.api(`${G}/${id}/status`)).body.status as string;
  const events = async (type: string) => (await t.api(`/api/v1/events?type=${type}&limit=200`)).body.data as { type: string; data: Record<string, unknown> }[];

  it('Stripe: intent (99.99 USD is 9999 cents), confirm with a card, webhooks, partial then full refund', async () => {
    const intent = await t.api(`${G}/stripe/intent`, { body: { amount: 99.99, currency: 'usd', description: 'Order 1' }, headers: { 'idempotency-key': `e2e-intent-${dialect}` } });
    expect(intent.status).toBe(200);
    expect(intent.body).toMatchObject({ paymentIntentId: expect.stringMatching(/^pi_/), clientSecret: expect.stringMatching(/^pi_.+_secret_/), status: 'requires_payment_method', amount: 9999, currency: 'USD' });
    const pi = intent.body.paymentIntentId as string;

    const confirmed = await t.api(`${G}/stripe/confirm`, { body: { paymentIntentId: pi, paymentMethodId: 'pm_card_visa' } });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ paymentIntentId: pi, status: 'succeeded', amount: 9999 });
    expect(await t.api(`${G}/${pi}/status`)).toMatchObject({ body: { paymentId: pi, provider: 'stripe', status: 'succeeded' } });
    await expect.poll(async () => (await events('payment.succeeded')).some((e) => e.data.paymentId === pi), { timeout: 10_000, interval: 100 }).toBe(true);

    const part = await t.api(`${G}/refund`, { body: { paymentId: pi, amount: '10.00', reason: 'requested_by_customer' } });
    expect(part.status).toBe(200);
    expect(part.body).toMatchObject({ refundId: expect.stringMatching(/^rfd_/), providerRefundId: expect.stringMatching(/^re_/), status: 'succeeded', amount: 1000 });
    expect(await status(pi)).toBe('partially_refunded');
    const rest = await t.api(`${G}/refund`, { body: { paymentId: intent.body.id } });
    expect(rest.body).toMatchObject({ status: 'succeeded', amount: 8999 });
    expect(await status(pi)).toBe('refunded');
    const over = await t.api(`${G}/refund`, { body: { paymentId: pi, amountMinor: 1 } });
    expect(over.status).toBe(400);
    expect(over.body.errors[0].field).toBe('amount');
    // The refund webhooks arrive later and must not count the refunds again.
    await expect.poll(async () => (await events('refund.succeeded')).filter((e) => e.data.paymentId === pi).length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);
    expect((await t.api(`/api/v1/payments/${pi}`)).body).toMatchObject({ status: 'refunded', amountRefunded: 9999 });
  });

  it('a declined card is a 402 with the decline code; the payment is failed, and another card succeeds', async () => {
    const intent = await t.api(`${G}/stripe/intent`, { body: { amount: '25.00', currency: 'EUR' } });
    const pi = intent.body.paymentIntentId as string;
    const declined = await t.api(`${G}/stripe/confirm`, { body: { paymentIntentId: pi, paymentMethodId: 'pm_card_chargeDeclinedInsufficientFunds' } });
    expect(declined.status).toBe(402);
    expect(declined.body).toMatchObject({ code: 'payment_declined', providerCode: 'insufficient_funds' });
    expect(await status(pi)).toBe('failed');
    const ok = await t.api(`${G}/stripe/confirm`, { body: { paymentIntentId: pi, paymentMethodId: 'pm_card_visa' } });
    expect(ok.body.status).toBe('succeeded');
  });

  it('3-D Secure: requires_action with nextAction', async () => {
    const p = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '12.00', currency: 'GBP', paymentMethodId: 'pm_card_authenticationRequired', returnUrl: 'https://shop.example/return' } });
    expect(p.status).toBe(201);
    expect(p.body).toMatchObject({ status: 'requires_action', nextAction: { type: expect.any(String) } });
  });

  it('amounts are exact per currency; bad amounts and currencies are a 400 naming the field', async () => {
    const jpy = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: 500, currency: 'jpy' } });
    expect(jpy.body).toMatchObject({ amount: 500, currency: 'JPY', amountDecimal: '500' });
    const kwd = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '1.230', currency: 'KWD' } });
    expect(kwd.body).toMatchObject({ amount: 1230, amountDecimal: '1.230', currency: 'KWD' });
    // 1.234 KWD is exact money (1234 fils), but Stripe takes three-decimal currencies in tens only.
    const fils = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '1.234', currency: 'KWD' } });
    expect(fils).toMatchObject({ status: 422, body: { code: 'provider_rejected', provider: 'stripe' } });
    const minor = await t.api('/api/v1/payments', { body: { provider: 'stripe', amountMinor: 1999, currency: 'USD' } });
    expect(minor.body).toMatchObject({ amount: 1999, amountDecimal: '19.99' });
    const bad: [unknown, string][] = [
      [{ amount: 99.999, currency: 'USD' }, 'amount'],
      [{ amount: '-5', currency: 'USD' }, 'amount'],
      [{ amount: '1e3', currency: 'USD' }, 'amount'],
      [{ amount: '10.5', currency: 'JPY' }, 'amount'],
      [{ amount: '10', currency: 'ABC' }, 'currency'],
      [{ amount: '10', currency: 'XAU' }, 'currency'],
      [{ amountMinor: 10.5, currency: 'USD' }, 'amountMinor'],
      [{ amount: true, currency: 'USD' }, 'amount'],
      [{ amount: '10', currency: 840 }, 'currency'],
      [{ currency: 'USD' }, 'amount'],
    ];
    for (const [body, field] of bad) {
      const res = await t.api(`${G}/stripe/intent`, { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(res.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    }
  });

  it('PayPal: create an order, the payer approves on the emulator page, execute captures, webhooks follow, refund', async () => {
    const created = await t.api(`${G}/paypal/create`, { body: { amount: '49.90', currency: 'USD', description: 'Order 2', returnUrl: 'https://shop.example/ok', cancelUrl: 'https://shop.example/cancel' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ paymentId: expect.any(String), approvalUrl: expect.stringContaining('token='), status: 'requires_approval' });
    const order = created.body.paymentId as string;
    const emu = t.hub.connections.emulator('paypal')!;
    const approve = await fetch(`${emu.url}/__emulator/orders/${order}/approve`, { method: 'POST' });
    expect(approve.status).toBeLessThan(300);
    const executed = await t.api(`${G}/paypal/execute`, { body: { paymentId: order } });
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({ paymentId: order, status: 'succeeded', amount: 4990, currency: 'USD' });
    await expect.poll(async () => (await events('payment.succeeded')).some((e) => e.data.paymentId === order), { timeout: 10_000, interval: 100 }).toBe(true);
    const refund = await t.api(`${G}/refund`, { body: { paymentId: order, amount: 9.9 } });
    expect(refund.body).toMatchObject({ status: 'succeeded', amount: 990 });
    expect(await status(order)).toBe('partially_refunded');
  });

  it('capabilities say what each provider supports; an unsupported operation is a 422 naming it', async () => {
    const caps = await t.api('/api/v1/payments/capabilities');
    expect(caps.body.providers.stripe).toEqual(expect.arrayContaining(['customers', 'payments', 'refunds', 'subscriptions', 'invoices']));
    expect(caps.body.providers.paypal).toEqual(expect.arrayContaining(['payments', 'approval-redirect', 'refunds']));
    expect(caps.body.providers.paypal).not.toContain('customers');
    const res = await t.api('/api/v1/payments/customers', { body: { provider: 'paypal', email: 'ann@example.com' } });
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('capability_unsupported');
    const spec = await t.api('/api/v1/openapi.json');
    expect(Object.keys(spec.body.paths)).toEqual(expect.arrayContaining(['/api/v1/payments', '/api/v1/payments/refunds', '/api/v1/integrations/payments/stripe/intent', '/api/v1/integrations/payments/paypal/create', '/api/v1/integrations/payments/{paymentId}/status']));
    expect(spec.body.paths['/api/v1/payments'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('amountMinor');
  });

  it('API keys need the payments scopes', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'reader', scopes: ['payments:read'] });
    expect((await t.as(key, '/api/v1/payments/capabilities')).status).toBe(200);
    const denied = await t.as(key, `${G}/stripe/intent`, { amount: '1.00', currency: 'USD' });
    expect(denied).toMatchObject({ status: 403, body: { code: 'forbidden' } });
  });

  it('Stripe customers, payment methods, a subscription with a trial, and an invoice paid out of band', async () => {
    const cus = await t.api('/api/v1/payments/customers', { body: { email: 'ann@example.com', name: 'Ann' } });
    expect(cus.status).toBe(201);
    expect(cus.body).toMatchObject({ provider: 'stripe', id: expect.stringMatching(/^cus_/), email: 'ann@example.com' });
    const pm = await t.api(`/api/v1/payments/customers/${cus.body.id}/payment-methods`, { body: { paymentMethodId: 'pm_card_visa' } });
    expect(pm.status).toBe(201);
    expect((await t.api(`/api/v1/payments/customers/${cus.body.id}/payment-methods`)).body.data).toHaveLength(1);
    await t.api(`/api/v1/payments/customers/${cus.body.id}`, { method: 'PATCH', body: { defaultPaymentMethodId: pm.body.id } });

    const emu = t.hub.connections.emulator('stripe')! as unknown as { url: string; credentials: { secretKey: string } };
    const auth = { authorization: `Bearer ${emu.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' };
    const price = await (await fetch(`${emu.url}/v1/prices`, { method: 'POST', headers: auth, body: 'unit_amount=1500&currency=usd&recurring[interval]=month&product_data[name]=Pro' })).json() as { id: string };
    const sub = await t.api('/api/v1/payments/subscriptions', { body: { customerId: cus.body.id, priceId: price.id, trialDays: 14 } });
    expect(sub.status).toBe(201);
    expect(sub.body).toMatchObject({ status: 'trialing', priceId: price.id, cancelAtPeriodEnd: false });
    const canceled = await t.api(`/api/v1/payments/subscriptions/${sub.body.id}/cancel`, { body: { atPeriodEnd: true, reason: 'too expensive' } });
    expect(canceled.body).toMatchObject({ cancelAtPeriodEnd: true });
    await expect.poll(async () => (await events('subscription.*')).length, { timeout: 10_000, interval: 100 }).toBeGreaterThanOrEqual(2);

    const inv = await t.api('/api/v1/payments/invoices', { body: { customerId: cus.body.id, currency: 'USD', items: [{ description: 'Setup', amount: '120.00' }] } });
    expect(inv.status).toBe(201);
    expect(inv.body).toMatchObject({ status: 'draft', total: 12000 });
    const more = await t.api(`/api/v1/payments/invoices/${inv.body.id}/items`, { body: { description: 'Hours', amount: '50', quantity: 2 } });
    expect(more.body.total).toBe(22000);
    expect((await t.api(`/api/v1/payments/invoices/${inv.body.id}/finalize`, { body: {} })).body.status).toBe('open');
    expect((await t.api(`/api/v1/payments/invoices/${inv.body.id}/mark-paid`, { body: {} })).body).toMatchObject({ status: 'paid', amountPaid: 22000 });
    const list = await t.api(`/api/v1/payments/invoices?customerId=${cus.body.id}`);
    expect(list.body.data.map((i: { id: string }) => i.id)).toContain(inv.body.id);
  });
});
