/**
 * The emulator against PayPal's published OpenAPI descriptions (`../shared/specs/paypal/`, never
 * copied in): every request the flows below send validates against the operation it matches, and
 * the answers validate against the response schema for their status — the main ones (order
 * create/get/capture, refund, subscription create/get, invoice create/get/list) are required to
 * match an operation; so are the error answers.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Document } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { orderBody, paypalSession, type Answer, type PaypalSession } from './test-support.js';

const SPEC_DIR = sharedFile('specs/paypal');
const SPECS = ['checkout_orders_v2', 'payments_payment_v2', 'billing_subscriptions_v1', 'invoicing_v2', 'notifications_webhooks_v1'];
const haveSpecs = requireShared('PayPal emulator spec conformance', ...SPECS.map((s) => `specs/paypal/${s}.json`));

/** PayPal's own `format` names, as the descriptions define them in prose. */
const PAYPAL_FORMATS: Record<string, RegExp> = {
  ppaas_date_time_v3: /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/i,
  ppaas_date_notime_v2: /^\d{4}-\d{2}-\d{2}$/,
  merchant_common_email_address_v2: /^[^@\s]+@[^@\s]+$/,
  ppaas_common_email_address_v2: /^[^@\s]+@[^@\s]+$/,
  ppaas_common_country_code_v2: /^(?:[A-Z]{2}|C2)$/,
  ppaas_common_currency_code_v2: /^[A-Z]{3}$/,
  ppaas_common_language_v3: /^[a-z]{2}(?:-[A-Za-z0-9]+)*$/,
  ppaas_common_percentage_v2: /^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/,
  ppaas_payer_id_v3: /^[2-9A-HJ-NP-Z]{13}$/,
  payer_v1: /./,
  ppaas_ip_address_v1: /./,
};

const javaRegExp = Object.assign(
  (pattern: string, flags: string) => (pattern.startsWith('(?i)') ? new RegExp(pattern.slice(4), `${flags}i`) : new RegExp(pattern, flags)),
  { code: 'javaRegExp' },
);

/**
 * Where the description and PayPal's documented behaviour disagree, the emulator follows the
 * documentation; each entry is checked against the shape it does answer instead.
 */
const KNOWN_DISAGREEMENTS: { operationId: string; status: number; why: string; check(body: unknown): void }[] = [
  {
    operationId: 'invoices.create',
    status: 201,
    why: 'the description gives 201 the `invoice` schema, but without `Prefer: return=representation` PayPal answers a link `{rel, href, method}`',
    check: (body) => expect(Object.keys(body as object).sort()).toEqual(['href', 'method', 'rel']),
  },
];

interface Exchange {
  method: string;
  path: string;
  query: Record<string, string>;
  headers: Record<string, string>;
  body: unknown;
  answer: Answer;
  /** Sent on purpose against the description: the description must refuse it too. */
  invalid: boolean;
}

describe.skipIf(!haveSpecs)('PayPal emulator against the published OpenAPI descriptions', () => {
  const apis: OpenAPIBackend[] = [];
  const log: Exchange[] = [];
  let emulator: PaypalEmulator;
  let pp: PaypalSession;

  /** Calls the emulator and records the exchange for validation. */
  const call = async (method: string, pathAndQuery: string, body?: unknown, headers: Record<string, string> = {}, invalid = false) => {
    const answer = await pp.call(method, pathAndQuery, body, headers);
    const url = new URL(pathAndQuery, 'http://x');
    log.push({
      method, path: url.pathname, query: Object.fromEntries(url.searchParams), body,
      headers: { authorization: `Bearer ${pp.token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      answer,
      invalid,
    });
    return answer;
  };

  const wantsRepresentation = (x: Exchange) => x.headers.prefer === 'return=representation';
  const match = (x: Exchange) => {
    for (const api of apis) {
      const op = api.matchOperation({ method: x.method, path: x.path, query: x.query, headers: x.headers });
      if (op) return { api, op };
    }
    return undefined;
  };

  beforeAll(async () => {
    for (const name of SPECS) {
      const api = new OpenAPIBackend({
        definition: JSON.parse(readFileSync(resolve(SPEC_DIR, `${name}.json`), 'utf8')) as Document,
        quick: true,
        validate: true,
        // PayPal's email pattern is not a valid `u`-flag regular expression.
        // and some patterns carry Java's inline `(?i)` flag.
        ajvOpts: { strict: false, unicodeRegExp: false, code: { regExp: javaRegExp } },
        customizeAjv: (ajv) => {
          addFormats.default(ajv);
          for (const [format, pattern] of Object.entries(PAYPAL_FORMATS)) ajv.addFormat(format, pattern);
          return ajv;
        },
      });
      await api.init();
      apis.push(api);
    }
    emulator = await startPaypalEmulator({ eventDelayMs: 1 });
    pp = await paypalSession(emulator);
    emulator.setWebhookTarget(undefined);

    // Orders and payments
    const ret = { payment_source: { paypal: { experience_context: { return_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/no', brand_name: 'Shop', user_action: 'PAY_NOW' } } } };
    const minimal = await call('POST', '/v2/checkout/orders', { ...orderBody('20.00', 'USD', { description: 'Mug', custom_id: 'c-9', invoice_id: `INV-${Date.now()}` }), ...ret }, { 'paypal-request-id': 'spec-1' });
    await call('POST', '/v2/checkout/orders', {
      intent: 'CAPTURE',
      purchase_units: [{
        reference_id: 'pu-1', amount: { currency_code: 'USD', value: '23.00', breakdown: { item_total: { currency_code: 'USD', value: '20.00' }, tax_total: { currency_code: 'USD', value: '3.00' } } },
        items: [{ name: 'Mug', quantity: '2', unit_amount: { currency_code: 'USD', value: '10.00' } }],
      }],
    }, { prefer: 'return=representation' });
    await call('PATCH', `/v2/checkout/orders/${minimal.body.id}`, [{ op: 'replace', path: "/purchase_units/@reference_id=='default'/description", value: 'Blue mug' }]);
    await call('PATCH', `/v2/checkout/orders/${minimal.body.id}`, [{ op: 'replace', path: "/purchase_units/@reference_id=='default'/amount", value: { currency_code: 'USD', value: '1.001' } }]);
    await call('POST', `/v2/checkout/orders/${minimal.body.id}/capture`, {});
    await fetch(`${emulator.url}/__emulator/orders/${minimal.body.id}/approve`, { method: 'POST' });
    await call('GET', `/v2/checkout/orders/${minimal.body.id}`);
    const captured = await call('POST', `/v2/checkout/orders/${minimal.body.id}/capture`, {}, { prefer: 'return=representation' });
    await call('POST', `/v2/checkout/orders/${minimal.body.id}/capture`, {});
    await call('PATCH', `/v2/checkout/orders/${minimal.body.id}`, [{ op: 'remove', path: "/purchase_units/@reference_id=='default'/description" }]);
    const captureId = captured.body.purchase_units[0].payments.captures[0].id as string;
    await call('GET', `/v2/payments/captures/${captureId}`);
    const refund = await call('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '5.00' }, note_to_payer: 'Partial', invoice_id: `R-${Date.now()}` }, { prefer: 'return=representation' });
    await call('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '50.00' } });
    await call('GET', `/v2/payments/refunds/${refund.body.id}`);
    const auth = await call('POST', '/v2/checkout/orders', { ...orderBody('50.00', 'EUR'), intent: 'AUTHORIZE' });
    await fetch(`${emulator.url}/__emulator/orders/${auth.body.id}/approve`, { method: 'POST' });
    const authorized = await call('POST', `/v2/checkout/orders/${auth.body.id}/authorize`, {});
    const authId = authorized.body.purchase_units[0].payments.authorizations[0].id as string;
    await call('GET', `/v2/payments/authorizations/${authId}`);
    await call('POST', `/v2/payments/authorizations/${authId}/capture`, { amount: { currency_code: 'EUR', value: '50.00' }, final_capture: true }, { prefer: 'return=representation' });
    await call('POST', `/v2/payments/authorizations/${authId}/void`, {});
    await call('POST', '/v2/checkout/orders', orderBody('1.001'));
    await call('POST', '/v2/checkout/orders', { purchase_units: [] }, {}, true);
    await call('POST', '/v2/checkout/orders', { intent: 'CAPTURE', purchase_units: [] }, {}, true);
    await call('GET', '/v2/checkout/orders/NOPE0000000000000');

    // Subscriptions
    const product = await pp.call('POST', '/v1/catalogs/products', { name: 'Streaming', type: 'SERVICE' });
    const plan = await call('POST', '/v1/billing/plans', {
      product_id: product.body.id, name: 'Monthly', description: 'Monthly plan',
      billing_cycles: [
        { frequency: { interval_unit: 'WEEK', interval_count: 1 }, tenure_type: 'TRIAL', sequence: 1, total_cycles: 1 },
        { frequency: { interval_unit: 'MONTH', interval_count: 1 }, tenure_type: 'REGULAR', sequence: 2, total_cycles: 12, pricing_scheme: { fixed_price: { currency_code: 'USD', value: '9.99' } } },
      ],
      payment_preferences: { auto_bill_outstanding: true, setup_fee: { currency_code: 'USD', value: '0' }, setup_fee_failure_action: 'CONTINUE', payment_failure_threshold: 3 },
    }, { prefer: 'return=representation' });
    const plan2 = await call('POST', '/v1/billing/plans', { ...log.at(-1)!.body as object, name: 'Monthly 2' });
    await call('GET', `/v1/billing/plans/${plan.body.id}`);
    const sub = await call('POST', '/v1/billing/subscriptions', {
      plan_id: plan.body.id, quantity: '1', custom_id: 'tenant-1', subscriber: { email_address: 'buyer@example.com', name: { given_name: 'Ana', surname: 'B' } },
      application_context: { brand_name: 'Shop', return_url: 'https://shop.example/ok', cancel_url: 'https://shop.example/no' },
    });
    await call('GET', `/v1/billing/subscriptions/${sub.body.id}`);
    await fetch(`${emulator.url}/__emulator/subscriptions/${sub.body.id}/approve`, { method: 'POST' });
    await call('GET', `/v1/billing/subscriptions/${sub.body.id}`);
    await call('POST', `/v1/billing/subscriptions/${sub.body.id}/revise`, { plan_id: plan2.body.id });
    await call('POST', `/v1/billing/subscriptions/${sub.body.id}/suspend`, { reason: 'Paused' });
    await call('POST', `/v1/billing/subscriptions/${sub.body.id}/activate`, { reason: 'Back' });
    await call('POST', `/v1/billing/subscriptions/${sub.body.id}/cancel`, { reason: 'Done' });

    // Invoicing
    const items = [{ name: 'Consulting', quantity: '2', unit_amount: { currency_code: 'USD', value: '50.00' }, tax: { name: 'VAT', percent: '10' }, unit_of_measure: 'HOURS' }];
    const invoiceBody = {
      detail: { currency_code: 'USD', note: 'Thanks', payment_term: { term_type: 'NET_10' } },
      invoicer: { name: { given_name: 'Ada', surname: 'Shop' }, email_address: 'merchant@example.com' },
      primary_recipients: [{ billing_info: { name: { given_name: 'Bob', surname: 'Buyer' }, email_address: 'bob@example.com' } }],
      items,
    };
    const link = await call('POST', '/v2/invoicing/invoices', invoiceBody);
    const invoicePath = new URL(link.body.href).pathname;
    const full = await call('POST', '/v2/invoicing/invoices', invoiceBody, { prefer: 'return=representation' });
    await call('GET', invoicePath);
    await call('PUT', invoicePath, { ...invoiceBody, items: [...items, { name: 'Travel', quantity: '1', unit_amount: { currency_code: 'USD', value: '20.00' } }] });
    await call('GET', '/v2/invoicing/invoices?page=1&page_size=10&total_required=true');
    await call('POST', `${invoicePath}/send`, { send_to_invoicer: true });
    await call('POST', `${invoicePath}/payments`, { method: 'BANK_TRANSFER', payment_date: '2026-12-01', amount: { currency_code: 'USD', value: '130.00' } });
    await call('POST', `/v2/invoicing/invoices/${full.body.id}/send`, {});
    await call('POST', `/v2/invoicing/invoices/${full.body.id}/cancel`, { subject: 'Cancelled', send_to_recipient: true });
    await call('POST', '/v2/invoicing/generate-next-invoice-number');

    // Notifications
    await call('POST', '/v1/notifications/verify-webhook-signature', {
      auth_algo: 'SHA256withRSA', cert_url: emulator.certUrl, transmission_id: '0d4d5a80-0000-4000-8000-000000000000',
      transmission_sig: 'AAAA', transmission_time: '2026-12-01T10:00:00Z', webhook_id: emulator.webhookSecret,
      webhook_event: { id: 'WH-1', event_type: 'PAYMENT.CAPTURE.COMPLETED', resource: {} },
    });
  }, 20_000);
  afterAll(() => emulator?.close());

  it('every request matches an operation and validates (the deliberately bad ones do not)', () => {
    const problems = log.flatMap((x) => {
      const found = match(x);
      if (!found) return [`${x.method} ${x.path}: no operation`];
      const { valid, errors } = found.api.validateRequest({ method: x.method, path: x.path, query: x.query, headers: x.headers, body: x.body as object }, found.op);
      if (x.invalid) return valid ? [`${x.method} ${x.path}: the description accepts ${JSON.stringify(x.body)}`] : [];
      return valid ? [] : [`${x.method} ${x.path} (${found.op.operationId}): ${JSON.stringify(errors)}`];
    });
    expect(problems).toEqual([]);
  });

  it('every answer validates against the response schema of its status', () => {
    const problems = log.flatMap((x) => {
      const found = match(x)!;
      const known = KNOWN_DISAGREEMENTS.find((k) => k.operationId === found.op.operationId && k.status === x.answer.status);
      if (known && !wantsRepresentation(x)) {
        known.check(x.answer.body);
        return [];
      }
      const { valid, errors } = found.api.validateResponse(x.answer.text === '' ? null : x.answer.body, found.op, x.answer.status);
      return valid ? [] : [`${x.method} ${x.path} → ${x.answer.status} (${found.op.operationId}): ${JSON.stringify(errors).slice(0, 600)}`];
    });
    expect(problems).toEqual([]);
  });

  it('covered the main answers, success and error', () => {
    const seen = new Set(log.map((x) => `${match(x)!.op.operationId} ${x.answer.status}`));
    for (const expected of [
      'orders.create 201', 'orders.get 200', 'orders.patch 204', 'orders.patch 422', 'orders.capture 201', 'orders.capture 422', 'orders.create 400', 'orders.create 422', 'orders.get 404',
      'captures.refund 201', 'captures.refund 422', 'captures.get 200', 'refunds.get 200', 'authorizations.capture 201',
      'subscriptions.create 201', 'subscriptions.get 200', 'plans.create 201',
      'invoices.create 201', 'invoices.get 200', 'invoices.list 200',
    ]) expect(seen, `${expected} in ${[...seen].join(', ')}`).toContain(expected);
  });
});
