/**
 * Every request the connector sends is one Stripe's published OpenAPI description accepts: each
 * method runs against a small local server answering canned Stripe-shaped JSON, and each captured
 * request (path, query, form body parsed the way Stripe reads it) goes through openapi-backend's
 * `matchOperation` + `validateRequest`. The description lives outside the project
 * (`../shared/specs/`), never copied in.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { OpenAPIBackend, type Document, type Request } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestProblems } from '../../../test/helpers/openapi-requests.js';
import { requireShared, sharedFile } from '../../../test/helpers/shared-files.js';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { PaymentsProvider } from '../../categories/payments/contract.js';
import { Transport } from '../../transport/transport.js';
import { stripeManifest } from './manifest.js';
import { stripePayments } from './payments.js';

const SPEC = sharedFile('specs/stripe/stripe.openapi.json');
const haveSpec = requireShared('Stripe connector spec conformance', 'specs/stripe/stripe.openapi.json');

type Form = Record<string, unknown>;

/** Parses a form the way Stripe does: with `qs` (openapi-backend's own dependency) when present. */
function parseForm(text: string): Form {
  try {
    const qs = createRequire(import.meta.url)('qs') as { parse(s: string, o?: object): Form };
    return qs.parse(text, { depth: 10, arrayLimit: 100 });
  } catch {
    const out: Form = {};
    for (const [key, value] of new URLSearchParams(text)) {
      const parts = key.replace(/\]/g, '').split('[');
      let node = out;
      parts.forEach((p, i) => {
        if (i === parts.length - 1) node[p] = value;
        else node = (node[p] ??= /^\d+$/.test(parts[i + 1]!) ? [] : {}) as Form;
      });
    }
    return out;
  }
}

const customer = { id: 'cus_1', object: 'customer', email: 'a@example.com', metadata: {}, invoice_settings: { default_payment_method: null } };
const pm = { id: 'pm_1', object: 'payment_method', type: 'card', customer: 'cus_1', card: { brand: 'visa', last4: '4242', exp_month: 12, exp_year: 2030 } };
const pi = { id: 'pi_1', object: 'payment_intent', amount: 2000, currency: 'usd', status: 'succeeded', metadata: {}, client_secret: 'pi_1_secret_x' };
const refund = { id: 're_1', object: 'refund', amount: 500, currency: 'usd', status: 'succeeded', payment_intent: 'pi_1' };
const sub = { id: 'sub_1', object: 'subscription', status: 'active', customer: 'cus_1', cancel_at_period_end: false, items: { object: 'list', data: [{ id: 'si_1', price: { id: 'price_1' }, quantity: 1 }] }, metadata: {} };
const invoice = { id: 'in_1', object: 'invoice', status: 'draft', customer: 'cus_1', currency: 'usd', total: 0, amount_due: 0, amount_paid: 0, lines: { object: 'list', data: [] }, metadata: {} };

/** The canned answer for a path. */
function answerFor(method: string, path: string): unknown {
  if (/^\/v1\/customers\/[^/]+\/payment_methods$/.test(path)) return { object: 'list', data: [pm], has_more: false };
  if (path.startsWith('/v1/customers')) return customer;
  if (path.startsWith('/v1/payment_methods')) return pm;
  if (path.startsWith('/v1/payment_intents')) return pi;
  if (path.startsWith('/v1/refunds')) return refund;
  if (path.startsWith('/v1/subscriptions')) return sub;
  if (path.startsWith('/v1/invoiceitems')) return { id: 'ii_1', object: 'invoiceitem', invoice: 'in_1' };
  if (path === '/v1/invoices' && method === 'GET') return { object: 'list', data: [invoice, { ...invoice, id: 'in_2' }], has_more: true };
  if (path.startsWith('/v1/invoices')) return invoice;
  return { error: { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path})` } };
}

describe.skipIf(!haveSpec)('Stripe connector requests against the published OpenAPI description', () => {
  let api: OpenAPIBackend;
  let server: Server;
  let payments: PaymentsProvider;
  const captured: (Request & { raw: string })[] = [];

  beforeAll(async () => {
    const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as Document;
    // Form values are strings on the wire; Stripe reads `2000` and `true` by each parameter's type.
    api = new OpenAPIBackend({
      definition,
      quick: true,
      validate: true,
      ajvOpts: { strict: false, coerceTypes: true },
      // Stripe's own formats: `unix-time` (integer seconds) and `decimal` (a decimal string).
      customizeAjv: (ajv) =>
        ajv.addFormat('unix-time', { type: 'number', validate: (n: number) => Number.isInteger(n) }).addFormat('decimal', /^-?\d+(\.\d+)?$/),
    });
    await api.init();
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://local');
        const raw = Buffer.concat(chunks).toString('utf8');
        const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
        // The description documents DELETE parameters as a form body; stripe-node sends them in
        // the query string, and Stripe reads either.
        const deleteQuery = req.method === 'DELETE' && raw === '';
        const form = deleteQuery ? url.search.slice(1) : raw;
        const query = deleteQuery ? {} : Object.fromEntries(url.searchParams);
        captured.push({ method: req.method ?? 'GET', path: url.pathname, query, headers, body: parseForm(form), raw: form });
        const body = answerFor(req.method ?? 'GET', url.pathname);
        res.writeHead('error' in (body as object) ? 404 : 200, { 'content-type': 'application/json', 'request-id': `req_${captured.length}` }).end(JSON.stringify(body));
      });
    });
    await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
    const connection = {
      id: 'c1',
      tenantId: 't',
      provider: 'stripe',
      mode: 'sandbox' as const,
      baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      credentials: { secretKey: 'sk_test_spec' },
    };
    const http = new Transport().forConnection(stripeManifest, connection);
    payments = stripePayments({ connection, http, clock: systemClock, logger: createLogger('silent') });
  }, 30_000);
  afterAll(() => new Promise<void>((done) => (server ? server.close(() => done()) : done())));

  it('sends only requests the description accepts, for every method', async () => {
    const k = (n: string) => ({ idempotencyKey: `key-${n}` });
    await payments.createCustomer({ email: 'a@example.com', name: 'Alex', phone: '+33100000000', description: 'vip', metadata: { crm: '42' }, defaultPaymentMethodId: 'pm_1' }, k('c1'));
    await payments.getCustomer('cus_1');
    await payments.updateCustomer('cus_1', { name: 'Alexandra', defaultPaymentMethodId: 'pm_2' }, k('c2'));
    await payments.attachPaymentMethod('cus_1', 'pm_1', k('pm1'));
    await payments.listPaymentMethods('cus_1');
    await payments.detachPaymentMethod('pm_1', k('pm2'));
    await payments.createPayment({ amount: 2000, currency: 'USD', hubId: 'pay_1', paymentMethodId: 'pm_1', customerId: 'cus_1', captureMethod: 'manual', returnUrl: 'https://shop.example/back', receiptEmail: 'a@example.com', description: 'Order 42', metadata: { order: '42' } }, k('p1'));
    await payments.createPayment({ amount: 500, currency: 'JPY', hubId: 'pay_2' }, k('p2'));
    await payments.createPayment({ amount: 700, currency: 'USD', paymentMethodId: 'pm_1', hubId: 'pay_3' }, k('p2b'));
    await payments.confirmPayment('pi_1', { paymentMethodId: 'pm_1', returnUrl: 'https://shop.example/back' }, k('p3'));
    await payments.capturePayment('pi_1', { amount: 1500 }, k('p4'));
    await payments.capturePayment('pi_1', {}, k('p4b'));
    await payments.cancelPayment('pi_1', k('p5'));
    await payments.getPayment('pi_1');
    await payments.createRefund({ paymentId: 'pi_1', amount: 500, reason: 'requested_by_customer', hubId: 'rf_1' }, k('r1'));
    await payments.createRefund({ paymentId: 'pi_1', reason: 'damaged in transit', metadata: { ticket: 'T-9' }, hubId: 'rf_2' }, k('r2'));
    await payments.getRefund('re_1');
    await payments.createSubscription({ customerId: 'cus_1', priceId: 'price_1', quantity: 2, trialDays: 14, defaultPaymentMethodId: 'pm_1', metadata: { plan: 'pro' }, hubId: 'sub_h1' }, k('s1'));
    await payments.getSubscription('sub_1');
    await payments.changeSubscriptionPrice('sub_1', 'price_2', k('s2'));
    await payments.cancelSubscription('sub_1', { atPeriodEnd: true, reason: 'too expensive' }, k('s3'));
    await payments.cancelSubscription('sub_1', { atPeriodEnd: false, reason: 'fraud' }, k('s4'));
    await payments.cancelSubscription('sub_1', { atPeriodEnd: false }, k('s5'));
    await payments.createInvoice({ customerId: 'cus_1', currency: 'EUR', description: 'Setup', daysUntilDue: 30, metadata: { po: '7' }, items: [{ description: 'Setup', unitAmount: 3000 }, { description: 'Seats', unitAmount: 1000, quantity: 3 }], hubId: 'inv_h1' }, k('i1'));
    await payments.createInvoice({ customerId: 'cus_1', currency: 'USD', hubId: 'inv_h2' }, k('i2'));
    await payments.addInvoiceItem('in_1', { description: 'Extra', unitAmount: 250, quantity: 2 }, k('i3'));
    await payments.finalizeInvoice('in_1', k('i4'));
    await payments.sendInvoice('in_1', k('i5'));
    await payments.markInvoicePaid('in_1', k('i6'));
    await payments.getInvoice('in_1');
    const page = await payments.listInvoices({ customerId: 'cus_1', limit: 2 });
    expect(page.next).toBe('in_2');
    await payments.listInvoices({ customerId: 'cus_1', limit: 500, after: page.next! });

    expect(captured.length).toBe(38);
    expect(requestProblems(api, captured.map((req) => ({ req, label: `${req.path} ${req.raw}` })))).toEqual([]);
  });

  it('authenticates every request, pins the API version and keys every POST', () => {
    expect(captured.length).toBeGreaterThan(0);
    for (const req of captured) {
      expect(req.headers.authorization).toBe('Bearer sk_test_spec');
      expect(req.headers['stripe-version']).toBe('2024-06-20');
      if (req.method === 'POST') expect(req.headers['idempotency-key']).toMatch(/^key-/);
      if (req.method === 'POST' && req.raw !== '') expect(req.headers['content-type']).toBe('application/x-www-form-urlencoded');
    }
    // Each invoice item of one create has its own key: Stripe refuses a key reused on another endpoint.
    const itemKeys = captured.filter((r) => r.path === '/v1/invoiceitems').map((r) => r.headers['idempotency-key']);
    expect(new Set(itemKeys).size).toBe(itemKeys.length);
  });

  it('sends what the brief asks in the shapes Stripe reads', () => {
    // Re-parsed from the raw bytes: validation coerces the captured bodies in place.
    const bodyOf = (path: string, nth = 0) => parseForm(captured.filter((r) => r.method !== 'GET' && r.path === path)[nth]?.raw ?? '');
    expect(bodyOf('/v1/payment_intents')).toEqual({
      amount: '2000', currency: 'usd', description: 'Order 42', metadata: { order: '42', switchboard_id: 'pay_1' }, customer: 'cus_1',
      capture_method: 'manual', receipt_email: 'a@example.com', return_url: 'https://shop.example/back', payment_method: 'pm_1', confirm: 'true',
      automatic_payment_methods: { enabled: 'true' },
    });
    // Without a return URL (created here, confirmed later or at once): redirect-based methods are ruled out.
    expect(bodyOf('/v1/payment_intents', 1)).toEqual({ amount: '500', currency: 'jpy', metadata: { switchboard_id: 'pay_2' }, automatic_payment_methods: { enabled: 'true', allow_redirects: 'never' } });
    expect(bodyOf('/v1/payment_intents', 2)).toMatchObject({ payment_method: 'pm_1', confirm: 'true', automatic_payment_methods: { enabled: 'true', allow_redirects: 'never' } });
    expect(bodyOf('/v1/payment_intents/pi_1/capture')).toEqual({ amount_to_capture: '1500' });
    expect(bodyOf('/v1/refunds', 1)).toEqual({ payment_intent: 'pi_1', metadata: { ticket: 'T-9', reason: 'damaged in transit', switchboard_id: 'rf_2' } });
    expect(bodyOf('/v1/subscriptions/sub_1')).toEqual({ items: [{ id: 'si_1', price: 'price_2' }] });
    expect(bodyOf('/v1/subscriptions/sub_1', 1)).toEqual({ cancel_at_period_end: 'true', cancellation_details: { comment: 'too expensive' } });
    expect(bodyOf('/v1/subscriptions/sub_1', 2)).toEqual({ cancellation_details: { comment: 'fraud' } });
    expect(captured.filter((r) => r.method === 'DELETE').map((r) => r.raw)).toEqual(['cancellation_details%5Bcomment%5D=fraud', '']);
    expect(bodyOf('/v1/invoices')).toMatchObject({ collection_method: 'send_invoice', days_until_due: '30', currency: 'eur' });
    expect(bodyOf('/v1/invoices/in_1/pay')).toEqual({ paid_out_of_band: 'true' });
    expect(captured.filter((r) => r.path === '/v1/invoices' && r.method === 'GET').map((r) => r.query)).toEqual([
      { customer: 'cus_1', limit: '2' },
      { customer: 'cus_1', limit: '100', starting_after: 'in_2' },
    ]);
  });

  it('would notice a request the description refuses (the check is live)', () => {
    const bad: Request = { method: 'POST', path: '/v1/payment_intents', headers: {}, body: { amount: 'twenty', currency: 'usd', not_a_param: 'x' } };
    const result = api.validateRequest(bad, api.matchOperation(bad) ?? undefined);
    expect(result.valid).toBe(false);
    expect(JSON.stringify(result.errors)).toMatch(/integer|additional/);
  });
});
