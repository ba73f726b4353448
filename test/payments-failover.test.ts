/**
 * Payment failover: only when the first provider surely did not act. Stripe is configured live
 * at a closed port (connection refused: nothing was sent), so a payment without a named provider
 * goes to PayPal; a Stripe that may have acted (timeout) is never failed over.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort } from '../src/transport/test-utils/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ NODE_ENV: 'development', STRIPE_SECRET_KEY: 'sk_test_unreachable_0000', STRIPE_API_BASE: `http://127.0.0.1:${await freePort()}`, RATE_LIMIT_STRIPE: '1000/s' });
});
afterAll(async () => {
  await t?.close();
});

it('a payment with no provider named moves to the next provider when the first refused the connection', async () => {
  const res = await t.api('/api/v1/payments', { body: { amount: '20.00', currency: 'USD', returnUrl: 'https://shop.example/ok' } });
  expect(res.status).toBe(201);
  expect(res.body).toMatchObject({ provider: 'paypal', status: 'requires_approval', amount: 2000 });
  expect((t.hub.connections.emulator('paypal')!.accepted.at(-1) as { id: string }).id).toBe(res.body.providerPaymentId);
});

it('a payment that names its provider does not move; surely never sent, it is failed, not re-sent by itself', async () => {
  const res = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '20.00', currency: 'USD' }, headers: { 'idempotency-key': 'named-stripe' } });
  expect(res.status).toBe(503);
  expect(['provider_unavailable', 'circuit_open']).toContain(res.body.code);
  expect(res.body).toMatchObject({ provider: 'stripe', retryable: true });
  const row = await t.hub.store.db.selectFrom('payments').selectAll().where('idempotency_key', '=', 'named-stripe').executeTakeFirstOrThrow();
  expect(row).toMatchObject({ provider: 'stripe', status: 'failed', provider_payment_id: null });
  // The same key retried tries again (still unreachable here), rather than answering the stored error.
  const again = await t.api('/api/v1/payments', { body: { provider: 'stripe', amount: '20.00', currency: 'USD' }, headers: { 'idempotency-key': 'named-stripe' } });
  expect(again.status).toBe(503);
  expect(await t.hub.store.db.selectFrom('jobs').select('id').where('type', '=', 'payments.recover').where('payload', 'like', `%${row.id}%`).execute()).toHaveLength(2);
});
