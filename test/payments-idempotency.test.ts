/**
 * No double charge, in one process: the same Idempotency-Key answers the same payment; a
 * connection dropped after the provider processed the charge is retried with the same provider
 * key, and the provider (its emulator) holds exactly one charge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ PAYMENT_RECOVERY_SECONDS: '1' });
});
afterAll(async () => {
  await t?.close();
});

const G = '/api/v1/integrations/payments';
const emulator = (id: 'stripe' | 'paypal') => t.hub.connections.emulator(id)!;
const count = (id: 'stripe' | 'paypal') => emulator(id).accepted.length;
/** Provider calls of `operation` that got an answer (the audit log is written after each attempt). */
const answered = async (operation: string) =>
  Number((await t.hub.store.db.selectFrom('audit_log').select((eb) => eb.fn.countAll<number>().as('n')).where('operation', '=', operation).where('status', '=', 200).executeTakeFirstOrThrow()).n);

describe.each(['stripe', 'paypal'] as const)('%s', (provider) => {
  it('the same Idempotency-Key answers the same payment; the provider made one', async () => {
    const before = count(provider);
    const body = { provider, amount: '30.00', currency: 'USD', returnUrl: 'https://shop.example/ok' };
    const headers = { 'idempotency-key': `same-${provider}` };
    const a = await t.api('/api/v1/payments', { body, headers });
    const b = await t.api('/api/v1/payments', { body, headers });
    expect(a.status).toBe(201);
    expect(b.status).toBe(201);
    expect(b.body.id).toBe(a.body.id);
    expect(b.body.providerPaymentId).toBe(a.body.providerPaymentId);
    expect(count(provider)).toBe(before + 1);
  });

  it('the same key with another body is a 409 idempotency_conflict', async () => {
    const headers = { 'idempotency-key': `conflict-${provider}` };
    expect((await t.api('/api/v1/payments', { body: { provider, amount: '1.00', currency: 'USD' }, headers })).status).toBe(201);
    const other = await t.api('/api/v1/payments', { body: { provider, amount: '2.00', currency: 'USD' }, headers });
    expect(other.status).toBe(409);
    expect(other.body.code).toBe('idempotency_conflict');
  });

  it.each([
    ['with the caller\'s key', { 'idempotency-key': `drop-${provider}` }],
    ['without a key (a generated one)', {}],
  ])('a connection dropped after the provider processed the charge is retried without a second charge (%s)', async (_label, headers) => {
    const before = count(provider);
    emulator(provider).chaos.dropAfterAcceptNext = 1;
    const res = await t.api('/api/v1/payments', { body: { provider, amount: '77.00', currency: 'USD' }, headers });
    expect(res.status).toBe(201);
    expect(count(provider)).toBe(before + 1);
    expect(res.body.providerPaymentId).toBe((emulator(provider).accepted.at(-1) as { id: string }).id);
  });
});

it('when every attempt drops, the hub answers a retryable 5xx, and the caller\'s retry gets the one payment', async () => {
  const before = count('stripe');
  const body = { amount: '15.00', currency: 'USD' };
  const headers = { 'idempotency-key': 'drop-all' };
  emulator('stripe').chaos.dropAfterAcceptNext = 10;
  const failed = await t.api(`${G}/stripe/intent`, { body, headers });
  emulator('stripe').chaos.dropAfterAcceptNext = 0;
  expect(failed.status).toBeGreaterThanOrEqual(500);
  expect(failed.body.retryable).toBe(true);
  const retried = await t.api(`${G}/stripe/intent`, { body, headers });
  expect(retried.status).toBe(200);
  expect(count('stripe')).toBe(before + 1);
  expect(retried.body.paymentIntentId).toBe((emulator('stripe').accepted.at(-1) as { id: string }).id);
});

it('a refund retried with the same key refunds once', async () => {
  const p = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '40.00', currency: 'USD', paymentMethodId: 'pm_card_visa' } });
  expect(p.body.status).toBe('succeeded');
  const headers = { 'idempotency-key': 'refund-once' };
  emulator('stripe').chaos.dropAfterAcceptNext = 1;
  const a = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '5.00' }, headers });
  const b = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '5.00' }, headers });
  expect(a.status).toBe(201);
  expect(b.body.id).toBe(a.body.id);
  expect((await t.api(`/api/v1/payments/${p.body.id}?refresh=true`)).body).toMatchObject({ amountRefunded: 500, status: 'partially_refunded' });
});

it('a create nobody heard back from is recovered by the job with its stored key: recorded, still one charge', async () => {
  const before = count('stripe');
  await new Promise((r) => setTimeout(r, 200)); // earlier audit rows land
  const calls = await answered('payments.createPayment');
  emulator('stripe').chaos.dropAfterAcceptNext = 10;
  const failed = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '16.00', currency: 'USD' } });
  emulator('stripe').chaos.dropAfterAcceptNext = 0;
  expect(failed.status).toBeGreaterThanOrEqual(500);
  const id = failed.body.details.paymentId as string;
  expect(id).toMatch(/^pay_/);
  await expect.poll(async () => (await t.api(`/api/v1/payments/${id}`)).body.status, { timeout: 15_000, interval: 200 }).toBe('requires_payment_method');
  expect(count('stripe')).toBe(before + 1);
  await expect.poll(() => answered('payments.createPayment'), { timeout: 5_000, interval: 100 }).toBe(calls + 1); // the job's call, answered by a replay
  expect((await t.api(`/api/v1/payments/${id}`)).body.providerPaymentId).toBe((emulator('stripe').accepted.at(-1) as { id: string }).id);
});

it('a full refund retried with its key after it went through answers the same refund (nothing left is no error)', async () => {
  const p = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '18.00', currency: 'USD', paymentMethodId: 'pm_card_visa' } });
  const headers = { 'idempotency-key': 'full-refund-again' };
  const a = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '18.00' }, headers });
  const b = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '18.00' }, headers });
  expect(a.status).toBe(201);
  expect(b.status).toBe(201);
  expect(b.body.id).toBe(a.body.id);
  const other = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '1.00' } });
  expect(other.status).toBe(400);
});

it('a refund nobody heard back from is recovered by its job: recorded once, refunded once', async () => {
  const p = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '22.00', currency: 'USD', paymentMethodId: 'pm_card_visa' } });
  await new Promise((r) => setTimeout(r, 200));
  const calls = await answered('payments.createRefund');
  // Stripe's refund webhooks would tell the hub too: keep them away, so only the job can.
  emulator('stripe').setWebhookTarget(undefined);
  emulator('stripe').chaos.dropAfterAcceptNext = 10;
  const failed = await t.api('/api/v1/payments/refunds', { body: { paymentId: p.body.id, amount: '2.00' } });
  emulator('stripe').chaos.dropAfterAcceptNext = 0;
  expect(failed.status).toBeGreaterThanOrEqual(500);
  const id = failed.body.details.refundId as string;
  await expect.poll(async () => (await t.api(`/api/v1/payments/refunds/${id}`)).body.status, { timeout: 15_000, interval: 200 }).toBe('succeeded');
  await expect.poll(() => answered('payments.createRefund'), { timeout: 5_000, interval: 100 }).toBe(calls + 1); // the job's call
  expect((await t.api(`/api/v1/payments/${p.body.id}`)).body).toMatchObject({ amountRefunded: 200, status: 'partially_refunded' });
  const emu = emulator('stripe');
  const list = (await (await fetch(`${emu.url}/v1/refunds?payment_intent=${p.body.providerPaymentId}`, { headers: { authorization: `Bearer ${emu.credentials.secretKey}` } })).json()) as { data: unknown[] };
  expect(list.data).toHaveLength(1);
  emulator('stripe').setWebhookTarget(`${t.url}/webhooks/stripe`);
});
