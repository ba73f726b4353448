/**
 * What the official `stripe` client sends the emulator, and what the emulator answers, checked
 * against Stripe's published OpenAPI description (`../shared/specs/stripe/stripe.openapi.json`,
 * never copied in) with `openapi-backend`. A recording proxy between client and emulator keeps
 * every exchange of a scenario covering the main operations.
 *
 * What the check needs (the description is written for Stripe's own tooling):
 * - form values are strings, so request validation coerces them (`coerceTypes`) to the
 *   integers and booleans the description declares; answers are validated without coercion;
 * - the description puts `nullable: true` beside `anyOf` without a `type`, which Ajv refuses;
 *   those schemas become `anyOf: [..., { enum: [null] }]`, and nullable enums list `null`;
 * - every operation, GET and DELETE too, declares a (form) request body: an empty one is `{}`;
 * - openapi-backend compiles each response schema fully dereferenced (20–30 s per operation
 *   here), so answers are validated by an Ajv of the same class (taken from openapi-backend's
 *   `customizeAjv`) that keeps the `$ref`s.
 */
import { readFileSync } from 'node:fs';
import type { Document, OpenAPIBackend } from 'openapi-backend';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApiValidators, requestProblems, type AjvLike, type Validate } from '../../../../test/helpers/openapi-requests.js';
import { startRecordingProxy, type RecordingProxy } from '../../../../test/helpers/recording-proxy.js';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { parseStripeForm } from './form.js';
import { startStripeEmulator, type StripeEmulator } from './index.js';

const SPEC = sharedFile('specs/stripe/stripe.openapi.json');
const haveSpec = requireShared('Stripe emulator spec conformance', 'specs/stripe/stripe.openapi.json');

describe.skipIf(!haveSpec)('Stripe emulator against the published OpenAPI description', () => {
  let api: OpenAPIBackend;
  let ajv: AjvLike;
  let emulator: StripeEmulator;
  let proxy: RecordingProxy;
  let stripe: Stripe;

  beforeAll(async () => {
    const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as Document;
    ({ api, ajv } = await openApiValidators(definition, 'stripe', { method: 'GET', path: '/v1/customers', headers: {}, query: {} }));

    emulator = await startStripeEmulator({ eventDelayMs: 0 });
    proxy = await startRecordingProxy(emulator.url);
    stripe = new Stripe(emulator.credentials.secretKey, { host: '127.0.0.1', port: proxy.port, protocol: 'http', maxNetworkRetries: 0 });
    await scenario(stripe, emulator);
  });
  afterAll(async () => {
    await proxy?.close();
    await emulator?.close();
  });

  it('every request matches an operation of the description and validates', () => {
    expect(proxy.exchanges.length).toBeGreaterThan(40);
    const requests = proxy.exchanges.map((x) => ({
      req: { method: x.method, path: x.path, headers: { 'content-type': 'application/x-www-form-urlencoded' }, query: parseStripeForm(x.query) as Record<string, string>, body: parseStripeForm(x.body) },
      label: x.body || x.query,
    }));
    expect(requestProblems(api, requests)).toEqual([]);
  });

  it('every answer validates against the response schema for its status', () => {
    const problems: string[] = [];
    const statuses = new Set<number>();
    const validators = new Map<string, Validate>();
    for (const x of proxy.exchanges) {
      const operation = api.matchOperation({ method: x.method, path: x.path, headers: {} })!;
      const code = operation.responses?.[String(x.status)] ? String(x.status) : 'default';
      const pointer = `stripe#/paths/${operation.path.replace(/~/g, '~0').replace(/\//g, '~1')}/${x.method.toLowerCase()}/responses/${code}/content/application~1json/schema`;
      let validate = validators.get(pointer);
      if (!validate) validators.set(pointer, (validate = ajv.compile({ $ref: pointer })));
      statuses.add(x.status);
      if (!validate(x.answer)) problems.push(`${operation.operationId} ${x.status}: ${JSON.stringify(validate.errors).slice(0, 600)}`);
    }
    expect(problems).toEqual([]);
    expect([...statuses].sort()).toEqual([200, 400, 402, 404]);
  });

  it('every event and the object it carries validate (webhook payloads, disputes included)', async () => {
    await fetch(`${emulator.url}/__emulator/disputes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_intent: emulator.accepted[0]!.id }) });
    const event = ajv.compile({ $ref: 'stripe#/components/schemas/event' });
    const problems: string[] = [];
    const kinds = new Set<string>();
    for (const e of emulator.events) {
      const object = e.data.object as { object: string };
      kinds.add(object.object);
      const schema = ajv.compile({ $ref: `stripe#/components/schemas/${object.object}` });
      if (!event(JSON.parse(JSON.stringify(e)))) problems.push(`${e.type}: ${JSON.stringify(event.errors).slice(0, 400)}`);
      if (!schema(object)) problems.push(`${e.type} ${object.object}: ${JSON.stringify(schema.errors).slice(0, 400)}`);
    }
    expect(problems).toEqual([]);
    expect([...kinds].sort()).toEqual(expect.arrayContaining(['charge', 'customer', 'dispute', 'invoice', 'payment_intent', 'refund', 'subscription']));
  });
});

const CARD_ONLY = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };

/** The main operations, as a connector would call them (successes and Stripe's errors). */
async function scenario(stripe: Stripe, emulator: StripeEmulator): Promise<void> {
  const ignore = (p: Promise<unknown>) => p.catch(() => undefined);
  const customer = await stripe.customers.create({ email: 'spec@example.com', name: 'Spec', metadata: { tenant: 't1' } });
  await stripe.customers.retrieve(customer.id);
  await stripe.customers.list({ email: 'spec@example.com', limit: 5 });
  const visa = await stripe.paymentMethods.attach('pm_card_visa', { customer: customer.id });
  await stripe.paymentMethods.attach('pm_card_mastercard', { customer: customer.id });
  await stripe.customers.update(customer.id, { invoice_settings: { default_payment_method: visa.id }, description: 'updated' });
  await stripe.customers.listPaymentMethods(customer.id, { type: 'card' });
  await stripe.paymentMethods.list({ customer: customer.id, type: 'card' });
  await stripe.paymentMethods.retrieve(visa.id);
  await stripe.paymentMethods.create({ type: 'card', card: { token: 'tok_mastercard' } });

  const paid = await stripe.paymentIntents.create({ amount: 2000, currency: 'usd', customer: customer.id, payment_method: visa.id, confirm: true, ...CARD_ONLY, expand: ['latest_charge'], metadata: { order: '1' } });
  await stripe.paymentIntents.retrieve(paid.id);
  await stripe.paymentIntents.update(paid.id, { description: 'Order 1' });
  await ignore(stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...CARD_ONLY }));
  const twoStep = await stripe.paymentIntents.create({ amount: 1500, currency: 'eur', payment_method_types: ['card'] } as Stripe.PaymentIntentCreateParams);
  await ignore(stripe.paymentIntents.confirm(twoStep.id, { payment_method: 'pm_card_chargeDeclinedInsufficientFunds' }));
  await stripe.paymentIntents.confirm(twoStep.id, { payment_method: 'pm_card_visa', return_url: 'https://shop.example/r' });
  const secure = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', automatic_payment_methods: { enabled: true, allow_redirects: 'never' } });
  await stripe.paymentIntents.confirm(secure.id, { payment_method: 'pm_card_authenticationRequired', return_url: 'https://shop.example/r' });
  const manual = await stripe.paymentIntents.create({ amount: 5000, currency: 'usd', capture_method: 'manual', payment_method: 'pm_card_visa', confirm: true, ...CARD_ONLY });
  await stripe.paymentIntents.capture(manual.id, { amount_to_capture: 4000 });
  const toCancel = await stripe.paymentIntents.create({ amount: 900, currency: 'usd' });
  await stripe.paymentIntents.cancel(toCancel.id, { cancellation_reason: 'requested_by_customer' });
  await ignore(stripe.paymentIntents.cancel(paid.id));
  await ignore(stripe.paymentIntents.create({ amount: 10, currency: 'usd' }));
  await stripe.paymentIntents.list({ limit: 3 });
  await stripe.paymentIntents.list({ customer: customer.id, limit: 2, starting_after: paid.id });

  const refund = await stripe.refunds.create({ payment_intent: manual.id, amount: 1000, reason: 'requested_by_customer', metadata: { why: 'test' } });
  await stripe.refunds.create({ charge: paid.latest_charge && typeof paid.latest_charge !== 'string' ? paid.latest_charge.id : String(paid.latest_charge) });
  await ignore(stripe.refunds.create({ payment_intent: paid.id }));
  await stripe.refunds.retrieve(refund.id);
  await stripe.refunds.list({ payment_intent: manual.id });
  await stripe.charges.retrieve(String(manual.latest_charge));

  const product = await stripe.products.create({ name: 'Spec plan', description: 'For the spec' });
  await stripe.products.retrieve(product.id);
  await stripe.products.list({ limit: 10 });
  const monthly = await stripe.prices.create({ product: product.id, unit_amount: 1200, currency: 'usd', recurring: { interval: 'month', interval_count: 1 } });
  const yearly = await stripe.prices.create({ product_data: { name: 'Spec yearly' }, unit_amount: 12_000, currency: 'usd', recurring: { interval: 'year' } });
  await stripe.prices.retrieve(monthly.id);
  await stripe.prices.list({ product: product.id });

  const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id, quantity: 2 }], metadata: { plan: 'm' }, expand: ['latest_invoice'] });
  await stripe.subscriptions.create({ customer: customer.id, items: [{ price: monthly.id }], trial_period_days: 7, default_payment_method: visa.id });
  await stripe.subscriptions.retrieve(sub.id);
  await stripe.subscriptionItems.list({ subscription: sub.id });
  await stripe.subscriptions.update(sub.id, { items: [{ id: sub.items.data[0]!.id, price: yearly.id }], proration_behavior: 'create_prorations' });
  await stripe.subscriptions.update(sub.id, { cancel_at_period_end: true });
  await stripe.subscriptions.list({ customer: customer.id, status: 'all' });
  await stripe.subscriptions.cancel(sub.id);

  const draft = await stripe.invoices.create({ customer: customer.id, collection_method: 'send_invoice', days_until_due: 14, description: 'Spec invoice' });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, amount: 5000, currency: 'usd', description: 'Work' });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: draft.id, price: monthly.id, quantity: 2 } as Stripe.InvoiceItemCreateParams);
  await stripe.invoices.retrieve(draft.id);
  await stripe.invoices.finalizeInvoice(draft.id);
  await stripe.invoices.sendInvoice(draft.id);
  await stripe.invoices.pay(draft.id, { paid_out_of_band: true });
  const charged = await stripe.invoices.create({ customer: customer.id, pending_invoice_items_behavior: 'include' });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: charged.id, amount: 700, currency: 'usd' });
  await stripe.invoices.finalizeInvoice(charged.id);
  await stripe.invoices.pay(charged.id);
  const voided = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoiceItems.create({ customer: customer.id, invoice: voided.id, amount: 300, currency: 'usd' });
  await stripe.invoices.finalizeInvoice(voided.id);
  await stripe.invoices.voidInvoice(voided.id);
  const scrap = await stripe.invoices.create({ customer: customer.id });
  await stripe.invoices.del(scrap.id);
  await stripe.invoices.list({ customer: customer.id, status: 'paid', limit: 5 });
  await stripe.invoiceItems.list({ customer: customer.id });
  await ignore(stripe.invoices.retrieve('in_missing'));

  const events = await stripe.events.list({ limit: 5 });
  await stripe.events.retrieve(events.data[0]!.id);
  await stripe.paymentMethods.detach(visa.id);
  const gone = await stripe.customers.create({});
  await stripe.customers.del(gone.id);
  expect(emulator.accepted.length).toBeGreaterThan(5);
}
