/**
 * `POST /webhooks/stripe` through the hub, judged by Stripe's own library: deliveries signed with
 * `stripe.webhooks.generateTestHeaderString` are accepted, tampered, stale, wrong-secret and
 * unsigned ones refused; events arriving out of order never move a payment backwards, and a
 * redelivery is one event.
 */
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';

const SECRET = 'whsec_payments_webhooks_suite_secret';
const stripe = new Stripe('sk_test_unused', { apiVersion: undefined as never });
let t: TestHub;

beforeAll(async () => {
  t = await startTestHub({ STRIPE_WEBHOOK_SECRET: SECRET });
});
afterAll(async () => {
  await t?.close();
});

let seq = 0;
function piEvent(type: string, pi: string, status: string, created: number, extra: Record<string, unknown> = {}) {
  return {
    id: `evt_suite_${++seq}_${Date.now()}`,
    object: 'event',
    type,
    created,
    livemode: false,
    api_version: '2024-06-20',
    data: { object: { id: pi, object: 'payment_intent', amount: 2500, currency: 'usd', status, metadata: {}, ...extra } },
  };
}

async function deliver(payload: string, header?: string) {
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (header !== undefined) headers['stripe-signature'] = header;
  const res = await fetch(`${t.url}/webhooks/stripe`, { method: 'POST', headers, body: payload });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
const sign = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
  stripe.webhooks.generateTestHeaderString({ payload, secret: options.secret ?? SECRET, timestamp: options.timestamp });

async function newIntent(): Promise<{ id: string; pi: string }> {
  const res = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '25.00', currency: 'USD' } });
  expect(res.status).toBe(201);
  return { id: res.body.id, pi: res.body.providerPaymentId };
}
const statusOf = async (id: string) => (await t.api(`/api/v1/payments/${id}`)).body.status as string;

describe('Stripe signatures (stripe-node as the signer)', () => {
  it('accepts a delivery signed by the stripe library, and a redelivery is a duplicate', async () => {
    const { pi } = await newIntent();
    const payload = JSON.stringify(piEvent('payment_intent.succeeded', pi, 'succeeded', Math.floor(Date.now() / 1000)));
    const first = await deliver(payload, sign(payload));
    expect(first).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    const again = await deliver(payload, sign(payload));
    expect(again).toMatchObject({ status: 200, body: { duplicate: true } });
  });

  it('refuses tampered, stale, wrong-secret and unsigned deliveries with 401 codes', async () => {
    const payload = JSON.stringify(piEvent('payment_intent.succeeded', 'pi_nobody', 'succeeded', Math.floor(Date.now() / 1000)));
    const tampered = await deliver(payload.replace('2500', '1'), sign(payload));
    expect(tampered).toMatchObject({ status: 401, body: { code: 'webhook_signature_invalid' } });
    const stale = await deliver(payload, sign(payload, { timestamp: Math.floor(Date.now() / 1000) - 3600 }));
    expect(stale).toMatchObject({ status: 401, body: { code: 'webhook_timestamp_stale' } });
    const wrong = await deliver(payload, sign(payload, { secret: 'whsec_someone_else' }));
    expect(wrong).toMatchObject({ status: 401, body: { code: 'webhook_signature_invalid' } });
    const unsigned = await deliver(payload);
    expect(unsigned).toMatchObject({ status: 401, body: { code: 'webhook_signature_missing' } });
  });
});

describe('events out of order', () => {
  it('a late requires_action or payment_failed never undoes succeeded; each is still one event in the stream', async () => {
    const { id, pi } = await newIntent();
    const now = Math.floor(Date.now() / 1000);
    const ok = JSON.stringify(piEvent('payment_intent.succeeded', pi, 'succeeded', now));
    const lateAction = JSON.stringify(piEvent('payment_intent.requires_action', pi, 'requires_action', now - 30, { next_action: { type: 'use_stripe_sdk' } }));
    const lateFail = JSON.stringify(piEvent('payment_intent.payment_failed', pi, 'requires_payment_method', now - 20, { last_payment_error: { code: 'card_declined', decline_code: 'generic_decline', message: 'declined' } }));
    for (const p of [ok, lateAction, lateFail]) expect((await deliver(p, sign(p))).status).toBe(200);
    await expect.poll(async () => (await t.api(`/api/v1/events?type=payment.*&limit=100`)).body.data.filter((e: { data: { paymentId?: string } }) => e.data.paymentId === pi).length, { timeout: 10_000, interval: 100 }).toBe(3);
    expect(await statusOf(id)).toBe('succeeded');
  });

  it('events arriving newest-first end in the newest state; a refund moves a succeeded payment on', async () => {
    const { id, pi } = await newIntent();
    const now = Math.floor(Date.now() / 1000);
    const failedFirst = JSON.stringify(piEvent('payment_intent.payment_failed', pi, 'requires_payment_method', now - 60));
    const succeededLater = JSON.stringify(piEvent('payment_intent.succeeded', pi, 'succeeded', now - 10));
    // Delivered newest first: succeeded, then the older failure.
    for (const p of [succeededLater, failedFirst]) expect((await deliver(p, sign(p))).status).toBe(200);
    await expect.poll(() => statusOf(id), { timeout: 10_000, interval: 100 }).toBe('succeeded');
    const refund = JSON.stringify({
      id: `evt_suite_refund_${Date.now()}`,
      object: 'event',
      type: 'charge.refunded',
      created: now,
      data: { object: { id: 'ch_suite', object: 'charge', amount: 2500, amount_refunded: 2500, refunded: true, currency: 'usd', payment_intent: pi, status: 'succeeded', refunds: { data: [{ id: 're_suite', created: now }] } } },
    });
    expect((await deliver(refund, sign(refund))).status).toBe(200);
    await expect.poll(() => statusOf(id), { timeout: 10_000, interval: 100 }).toBe('refunded');
    // A late success after the refund changes nothing.
    const lateOk = JSON.stringify(piEvent('payment_intent.succeeded', pi, 'succeeded', now + 5));
    expect((await deliver(lateOk, sign(lateOk))).status).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    expect((await t.api(`/api/v1/payments/${id}`)).body).toMatchObject({ status: 'refunded', amountRefunded: 2500 });
  });
});
