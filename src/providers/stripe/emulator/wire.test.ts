/**
 * Stripe's wire conventions around the resources: API keys, parameter errors, idempotent
 * requests (replay, mismatch, in progress, a connection dropped after the work), chaos answers,
 * and signed events verified by the `stripe` library's own `webhooks.constructEvent`.
 */
import { createServer, type Server } from 'node:http';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { InboundEvent } from '../../../kit/inbound.js';
import { stripeWebhooks } from '../webhooks.js';
import { startStripeEmulator, type StripeEmulator } from './index.js';

const CARD_ONLY = { automatic_payment_methods: { enabled: true, allow_redirects: 'never' as const } };
let emulator: StripeEmulator;
let stripe: Stripe;
const clientFor = (key: string, emu = emulator) => new Stripe(key, { host: '127.0.0.1', port: Number(new URL(emu.url).port), protocol: 'http', maxNetworkRetries: 0 });
const post = (path: string, body: string, headers: Record<string, string> = {}, emu = emulator) =>
  fetch(`${emu.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${emu.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded', ...headers }, body });
type ErrorBody = { error: { type: string; code?: string; param?: string; message: string } };

beforeAll(async () => {
  emulator = await startStripeEmulator({ eventDelayMs: 0 });
  stripe = clientFor(emulator.credentials.secretKey);
});
afterAll(() => emulator.close());

describe('keys, parameters and answers', () => {
  it('has per-instance test keys and refuses a wrong or missing key with a masked message', async () => {
    expect(Object.keys(emulator.credentials).sort()).toEqual(['publishableKey', 'secretKey']);
    expect(emulator.credentials.secretKey).toMatch(/^sk_test_/);
    expect(emulator.credentials.publishableKey).toMatch(/^pk_test_/);
    expect(emulator.webhookSecret).toMatch(/^whsec_/);
    const wrong = 'sk_test_0000000000000000000000abcd';
    const err = await clientFor(wrong).customers.list().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
    expect((err as Error).message).toMatch(/^Invalid API Key provided: sk_test_\*+abcd$/);
    const publishable = await clientFor(emulator.credentials.publishableKey).customers.list().catch((e: Error) => e);
    expect((publishable as Error).message).toMatch(/publishable API key/);
    const none = await fetch(`${emulator.url}/v1/customers`);
    expect(none.status).toBe(401);
    expect(none.headers.get('request-id')).toMatch(/^req_/);
    expect(((await none.json()) as ErrorBody).error.message).toMatch(/You did not provide an API key/);
  });

  it('takes the key as Basic user name (curl -u) and answers Request-Id and Stripe-Version', async () => {
    const res = await fetch(`${emulator.url}/v1/customers?limit=1`, { headers: { authorization: `Basic ${Buffer.from(`${emulator.credentials.secretKey}:`).toString('base64')}`, 'stripe-version': '2025-03-31.basil' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(res.headers.get('stripe-version')).toBe('2025-03-31.basil');
  });

  it.each([
    ['amount=2000&currency=usd&colour=red', 'parameter_unknown', 'colour'],
    ['amount=2000', 'parameter_missing', 'currency'],
    ['amount=lots&currency=usd', 'parameter_invalid_integer', 'amount'],
    ['amount=2000&currency=', 'parameter_invalid_empty', 'currency'],
  ])('answers %s with %s', async (body, code, param) => {
    const res = await post('/v1/payment_intents', body);
    expect(res.status).toBe(400);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ type: 'invalid_request_error', code, param });
  });

  it('refuses JSON bodies and unknown URLs as Stripe does', async () => {
    const json = await post('/v1/customers', '{"email":"a@example.com"}', { 'content-type': 'application/json' });
    expect(json.status).toBe(400);
    const unknown = await fetch(`${emulator.url}/v1/nothing`, { headers: { authorization: `Bearer ${emulator.credentials.secretKey}` } });
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorBody).error.message).toContain('Unrecognized request URL (GET: /v1/nothing)');
  });
});

describe('idempotent requests', () => {
  it('replays the same key and parameters, one PaymentIntent; other parameters or endpoint are idempotency errors', async () => {
    const before = emulator.accepted.length;
    const params = { amount: 1234, currency: 'usd', metadata: { order: 'idem-1' } };
    const first = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-1' });
    const again = await stripe.paymentIntents.create(params, { idempotencyKey: 'idem-1' });
    expect(again.id).toBe(first.id);
    expect(again.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(again.lastResponse.headers['original-request']).toBe(first.lastResponse.requestId);
    expect(emulator.accepted.length).toBe(before + 1);
    await expect(stripe.paymentIntents.create({ ...params, amount: 999 }, { idempotencyKey: 'idem-1' })).rejects.toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    const other = await stripe.customers.create({}, { idempotencyKey: 'idem-1' }).catch((e: Error) => e);
    expect(other).toBeInstanceOf(Stripe.errors.StripeIdempotencyError);
    expect((other as Error).message).toContain('same endpoint');
  });

  it('stores card errors (replayed) but not parameter errors (the key stays usable)', async () => {
    const declined = () => stripe.paymentIntents.create({ amount: 2000, currency: 'usd', payment_method: 'pm_card_chargeDeclined', confirm: true, ...CARD_ONLY }, { idempotencyKey: 'idem-402' });
    const e1 = (await declined().catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    const e2 = (await declined().catch((e: unknown) => e)) as Stripe.errors.StripeCardError;
    expect(e1).toBeInstanceOf(Stripe.errors.StripeCardError);
    expect(e2.charge).toBe(e1.charge);
    expect(e2.headers?.['idempotent-replayed']).toBe('true');

    const bad = await post('/v1/customers', 'colour=red', { 'idempotency-key': 'idem-400' });
    expect(bad.status).toBe(400);
    const good = await post('/v1/customers', 'email=fine%40example.com', { 'idempotency-key': 'idem-400' });
    expect(good.status).toBe(200);
    expect(good.headers.get('idempotent-replayed')).toBeNull();
  });

  it('answers 409 to a second request while the first still runs', async () => {
    const slow = await startStripeEmulator({ processingDelayMs: 150 });
    try {
      const send = () => post('/v1/customers', 'email=slow%40example.com', { 'idempotency-key': 'idem-409' }, slow);
      const [a, b] = await Promise.all([send(), send()]);
      expect([a.status, b.status].sort()).toEqual([200, 409]);
      const conflict = a.status === 409 ? a : b;
      expect(((await conflict.json()) as ErrorBody).error).toMatchObject({ type: 'idempotency_error' });
      expect((await send()).headers.get('idempotent-replayed')).toBe('true');
    } finally {
      await slow.close();
    }
  });

  it('after a connection dropped once the work was done, a retry with the key gets the replay, not a second PaymentIntent', async () => {
    const before = emulator.accepted.length;
    emulator.chaos.dropAfterAcceptNext = 1;
    const body = 'amount=4200&currency=usd&metadata[order]=dropped';
    await expect(post('/v1/payment_intents', body, { 'idempotency-key': 'idem-drop' })).rejects.toThrow();
    expect(emulator.accepted.length).toBe(before + 1);
    const retry = await post('/v1/payment_intents', body, { 'idempotency-key': 'idem-drop' });
    expect(retry.status).toBe(200);
    expect(retry.headers.get('idempotent-replayed')).toBe('true');
    expect(((await retry.json()) as { id: string }).id).toBe(emulator.accepted.at(-1)!.id);
    expect(emulator.accepted.length).toBe(before + 1);
  });
});

describe('chaos', () => {
  it('answers 500 as api_error and 429 as rate_limit with Retry-After', async () => {
    emulator.chaos.errorRate = 1;
    const e500 = await stripe.customers.list().catch((e: unknown) => e);
    emulator.chaos.errorRate = 0;
    expect(e500).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect((e500 as Stripe.errors.StripeError).statusCode).toBe(500);
    emulator.chaos.rateLimitNext = 1;
    emulator.chaos.retryAfterSec = 3;
    const res = await fetch(`${emulator.url}/v1/customers`, { headers: { authorization: `Bearer ${emulator.credentials.secretKey}` } });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('3');
    expect(res.headers.get('request-id')).toMatch(/^req_/);
    expect(((await res.json()) as ErrorBody).error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
  });
});

describe('events', () => {
  let receiver: Server;
  const received: Stripe.Event[] = [];
  const rejected: string[] = [];
  /** What the hub's own verifier and normalizer make of the same deliveries. */
  const normalized: InboundEvent[] = [];

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        try {
          const rawBody = Buffer.concat(chunks);
          received.push(stripe.webhooks.constructEvent(rawBody, String(req.headers['stripe-signature']), emulator.webhookSecret));
          const headers = { 'stripe-signature': String(req.headers['stripe-signature']) };
          stripeWebhooks.verify({ rawBody, headers, secrets: [emulator.webhookSecret], now: Date.now(), toleranceSec: 300 });
          normalized.push(...stripeWebhooks.parse(rawBody, headers));
          res.writeHead(200).end();
        } catch (err) {
          rejected.push((err as Error).message);
          res.writeHead(400).end();
        }
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address() as { port: number };
    emulator.setWebhookTarget(`http://127.0.0.1:${address.port}/webhooks/stripe`);
  });
  afterAll(async () => {
    emulator.setWebhookTarget(undefined);
    await new Promise((r) => receiver.close(r));
  });

  it('posts signed events that the stripe library verifies, through 3-D Secure, refunds and disputes', async () => {
    const customer = await stripe.customers.create({ email: 'events@example.com' }, { idempotencyKey: 'evt-cus' });
    const pi = await stripe.paymentIntents.create({ amount: 3000, currency: 'usd', customer: customer.id, payment_method: 'pm_card_authenticationRequired', confirm: true, return_url: 'https://shop.example/r' });
    const page = await fetch(`${emulator.url}/__emulator/payment_intents/${pi.id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'outcome=succeed', redirect: 'manual' });
    expect(page.status).toBe(303);
    expect(page.headers.get('location')).toContain('redirect_status=succeeded');
    await stripe.refunds.create({ payment_intent: pi.id, amount: 1000 });
    const dispute = await fetch(`${emulator.url}/__emulator/disputes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ payment_intent: pi.id }) });
    expect(dispute.status).toBe(200);
    await emulator.drainWebhooks();

    expect(rejected).toEqual([]);
    const types = received.map((e) => e.type);
    for (const type of ['customer.created', 'payment_intent.created', 'payment_intent.requires_action', 'charge.succeeded', 'payment_intent.succeeded', 'refund.created', 'charge.refunded', 'charge.dispute.created']) {
      expect(types).toContain(type);
    }
    const hubTypes = normalized.filter((e) => e.data.paymentId === pi.id).map((e) => e.type);
    expect(hubTypes).toEqual(expect.arrayContaining(['payment.requires_action', 'payment.succeeded', 'refund.succeeded']));
    expect(normalized.find((e) => e.type === 'dispute.created')?.data).toMatchObject({ amount: 3000, currency: 'USD' });
    const created = received.find((e) => e.type === 'customer.created')!;
    expect(created.request).toMatchObject({ idempotency_key: 'evt-cus' });
    const listed = await stripe.events.list({ type: 'payment_intent.*', limit: 100 });
    expect(listed.data.every((e) => e.type.startsWith('payment_intent.'))).toBe(true);
    expect((await stripe.events.retrieve(created.id)).type).toBe('customer.created');
  });

  it('a subscription whose first payment needs 3-D Secure becomes active once authenticated', async () => {
    const customer = await stripe.customers.create({});
    const pm = await stripe.paymentMethods.attach('pm_card_authenticationRequired', { customer: customer.id });
    const price = await stripe.prices.create({ product_data: { name: 'Box' }, unit_amount: 900, currency: 'eur', recurring: { interval: 'week', interval_count: 2 } });
    const sub = await stripe.subscriptions.create({ customer: customer.id, items: [{ price: price.id }], default_payment_method: pm.id, metadata: { switchboard_id: 'sub_hub_1' }, expand: ['latest_invoice.payment_intent'] });
    expect(sub.status).toBe('incomplete');
    const pi = (sub.latest_invoice as unknown as { payment_intent: Stripe.PaymentIntent }).payment_intent;
    expect(pi.status).toBe('requires_action');
    await fetch(`${emulator.url}/__emulator/payment_intents/${pi.id}/authenticate`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"outcome":"succeed"}' });
    expect((await stripe.subscriptions.retrieve(sub.id)).status).toBe('active');
    await emulator.drainWebhooks();
    const update = received.find((e) => e.type === 'customer.subscription.updated' && (e.data.object as Stripe.Subscription).id === sub.id);
    expect(update?.data.previous_attributes).toMatchObject({ status: 'incomplete' });
    expect(received.some((e) => e.type === 'invoice.paid' && (e.data.object as Stripe.Invoice).id === (sub.latest_invoice as Stripe.Invoice).id)).toBe(true);
    // The hub finds its own subscription id on the invoice (parent.subscription_details.metadata).
    expect(normalized.find((e) => e.type === 'invoice.paid' && e.ref.providerObjectId === (sub.latest_invoice as Stripe.Invoice).id)?.ref.hubId).toBe('sub_hub_1');
  });
});
