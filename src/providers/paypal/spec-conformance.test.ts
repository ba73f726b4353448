/**
 * Every request the PayPal connector sends is one PayPal's published OpenAPI descriptions accept:
 * the connector talks to the emulator through a local recording proxy, and each recorded request
 * (path, query, headers, JSON body) goes through openapi-backend's `matchOperation` +
 * `validateRequest` against Orders v2, Payments v2, Subscriptions v1 or Invoicing v2. The
 * descriptions live outside the project (`../shared/specs/paypal/`), never copied in.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { OpenAPIBackend, type Document, type Request } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../test/helpers/shared-files.js';
import { startPaypalEmulator, type PaypalEmulator } from './emulator/index.js';
import { approveAt, connectPaypal } from './test-utils.js';

const DIR = sharedFile('specs/paypal');
const SPECS = ['checkout_orders_v2.json', 'payments_payment_v2.json', 'billing_subscriptions_v1.json', 'invoicing_v2.json'];
const haveSpecs = requireShared('PayPal connector spec conformance', ...SPECS.map((f) => `specs/paypal/${f}`));

/**
 * PayPal's patterns are Java regexes: `(?i)` inline flags and classes JavaScript's `u` mode
 * refuses. Read them without `u`, turn a leading `(?i)` into the `i` flag; a pattern JavaScript
 * still cannot read checks nothing (rather than failing the whole description).
 */
const javaRegExp = Object.assign(
  (pattern: string, flags: string) => {
    const insensitive = pattern.startsWith('(?i)');
    try {
      return new RegExp(insensitive ? pattern.slice(4) : pattern, flags.replace('u', '') + (insensitive ? 'i' : ''));
    } catch {
      return { test: () => true };
    }
  },
  { code: 'new RegExp' },
);

describe.skipIf(!haveSpecs)('PayPal connector requests against the published OpenAPI descriptions', () => {
  let emu: PaypalEmulator;
  let proxy: Server;
  let apis: OpenAPIBackend[];
  const captured: Request[] = [];

  beforeAll(async () => {
    apis = await Promise.all(
      SPECS.map(async (file) => {
        const api = new OpenAPIBackend({ definition: JSON.parse(readFileSync(resolve(DIR, file), 'utf8')) as Document, quick: true, validate: true, ajvOpts: { strict: false, logger: false, code: { regExp: javaRegExp } } });
        await api.init();
        return api;
      }),
    );
    emu = await startPaypalEmulator({ eventDelayMs: 1 });
    // Records each request, then forwards it to the emulator unchanged.
    proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        void (async () => {
          const url = new URL(req.url ?? '/', 'http://local');
          const raw = Buffer.concat(chunks);
          const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
          const json = /json/.test(headers['content-type'] ?? '') && raw.length > 0 ? (JSON.parse(raw.toString('utf8')) as unknown) : undefined;
          captured.push({ method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), headers, body: json });
          const { host: _h, 'content-length': _l, connection: _c, ...forward } = headers;
          const answer = await fetch(`${emu.url}${req.url}`, { method: req.method, headers: forward, body: raw.length > 0 ? raw : undefined });
          const text = await answer.text();
          res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'application/json', 'paypal-debug-id': answer.headers.get('paypal-debug-id') ?? '' }).end(text);
        })().catch((err: unknown) => res.writeHead(502).end(String(err)));
      });
    });
    await new Promise<void>((done) => proxy.listen(0, '127.0.0.1', done));
  }, 30_000);
  afterAll(async () => {
    await emu?.close();
    await new Promise<void>((done) => (proxy ? proxy.close(() => done()) : done()));
  });

  it('sends only requests the descriptions accept, for every supported method', async () => {
    const direct = connectPaypal(emu);
    const pp = connectPaypal({ ...emu, url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } as PaypalEmulator);
    const k = () => ({ idempotencyKey: randomUUID() });

    const order = await pp.createPayment({ amount: 2500, currency: 'USD', description: 'Order 42', returnUrl: 'https://shop.example/r', cancelUrl: 'https://shop.example/c', receiptEmail: 'payer@example.com', hubId: 'pay_1' }, k());
    await approveAt(emu, 'orders', order.id);
    await pp.capturePayment(order.id, {}, k());
    const refund = await pp.createRefund({ paymentId: order.id, amount: 500, currency: 'USD', reason: 'one item back', hubId: 're_1' }, k());
    await pp.getRefund(refund.id);
    await pp.createRefund({ paymentId: order.id, hubId: 're_2' }, k());
    const manual = await pp.createPayment({ amount: 4000, currency: 'JPY', captureMethod: 'manual', returnUrl: 'https://shop.example/r', hubId: 'pay_2' }, k());
    await approveAt(emu, 'orders', manual.id);
    await pp.capturePayment(manual.id, { amount: 3000 }, k());
    await pp.getPayment(manual.id);

    const product = await direct.call('POST', '/v1/catalogs/products', 'test.product', { body: { name: 'Club', type: 'SERVICE' }, ...k() });
    const plan = (value: string) => ({
      product_id: product.id, name: `Club ${value}`, quantity_supported: true, payment_preferences: { auto_bill_outstanding: true },
      billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: 'USD', value } } }],
    });
    const [p1, p2] = [String((await direct.call('POST', '/v1/billing/plans', 'test.plan', { body: plan('10.00'), ...k() })).id), String((await direct.call('POST', '/v1/billing/plans', 'test.plan', { body: plan('15.00'), ...k() })).id)];
    const sub = await pp.createSubscription({ priceId: p1, quantity: 2, subscriberEmail: 'member@example.com', returnUrl: 'https://club.example/ok', cancelUrl: 'https://club.example/no', hubId: 'sub_1' }, k());
    await approveAt(emu, 'subscriptions', sub.id);
    await pp.changeSubscriptionPrice(sub.id, p2, k());
    await pp.cancelSubscription(sub.id, { atPeriodEnd: false, reason: 'moving away' }, k());

    const inv = await pp.createInvoice({ currency: 'EUR', customerEmail: 'buyer@example.com', description: 'Consulting', daysUntilDue: 12, items: [{ description: 'Setup', unitAmount: 5000, quantity: 2 }], hubId: 'inv_1' }, k());
    await pp.addInvoiceItem(inv.id, { description: 'Travel', unitAmount: 2599 }, k());
    await pp.sendInvoice(inv.id, k());
    await pp.markInvoicePaid(inv.id, k());
    await pp.listInvoices({ limit: 5 });

    const api = captured.filter((r) => r.path !== '/v1/oauth2/token');
    expect(new Set(api.map((r) => `${r.method} ${r.path.replace(/\/(?![a-z-]+$)[A-Z0-9-]{6,}(?=\/|$)/g, '/:id')}`))).toEqual(
      new Set([
        'POST /v2/checkout/orders', 'GET /v2/checkout/orders/:id', 'POST /v2/checkout/orders/:id/capture', 'POST /v2/checkout/orders/:id/authorize',
        'POST /v2/payments/captures/:id/refund', 'GET /v2/payments/refunds/:id', 'GET /v2/payments/captures/:id', 'POST /v2/payments/authorizations/:id/capture',
        'POST /v1/billing/subscriptions', 'GET /v1/billing/subscriptions/:id', 'POST /v1/billing/subscriptions/:id/revise', 'POST /v1/billing/subscriptions/:id/cancel',
        'POST /v2/invoicing/invoices', 'GET /v2/invoicing/invoices/:id', 'PUT /v2/invoicing/invoices/:id', 'POST /v2/invoicing/invoices/:id/send',
        'POST /v2/invoicing/invoices/:id/payments', 'GET /v2/invoicing/invoices',
      ]),
    );
    const problems: string[] = [];
    for (const req of api) {
      const api0 = apis.find((a) => a.router.matchOperation(req));
      const operation = api0?.router.matchOperation(req);
      if (!api0 || !operation) {
        problems.push(`${req.method} ${req.path}: no operation in the descriptions`);
        continue;
      }
      const result = api0.validator.validateRequest(req, operation);
      if (!result.valid) problems.push(`${req.method} ${req.path} (${operation.operationId}): ${JSON.stringify(result.errors)}`);
      if (req.method === 'POST' && !req.headers['paypal-request-id']) problems.push(`${req.method} ${req.path}: no PayPal-Request-Id`);
    }
    expect(problems).toEqual([]);

    // The check can fail: an order with an intent PayPal does not have, and an invoice item without a name.
    const orders = apis[0]!;
    const bad: Request = { ...api.find((r) => r.method === 'POST' && r.path === '/v2/checkout/orders')!, body: { intent: 'SALE', purchase_units: [{ amount: { currency_code: 'USD', value: '1.00' } }] } };
    expect(orders.validator.validateRequest(bad, orders.router.matchOperation(bad)!).valid).toBe(false);
    const invoicing = apis[3]!;
    const badInvoice: Request = { ...api.find((r) => r.method === 'POST' && r.path === '/v2/invoicing/invoices')!, body: { detail: { currency_code: 'EUR' }, items: [{ quantity: '1', unit_amount: { currency_code: 'EUR', value: '1.00' } }] } };
    expect(invoicing.validator.validateRequest(badInvoice, invoicing.router.matchOperation(badInvoice)!).valid).toBe(false);
  }, 30_000);
});
