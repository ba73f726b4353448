/**
 * No double charge across a crash: a hub process whose every attempt to reach Stripe dropped
 * after Stripe (the emulator, in this test process so it outlives the hub) processed the charge
 * is killed with SIGKILL; the caller retries the same Idempotency-Key against a new process on
 * the same database, which re-sends the same provider key: one PaymentIntent, answered to the
 * caller. Also with PayPal orders. And two processes on one PostgreSQL receiving the same request
 * at once make one payment.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { paypal } from '../src/providers/paypal/index.js';
import { stripe } from '../src/providers/stripe/index.js';
import type { Emulator } from '../src/kit/emulator.js';
import { startChildHub } from './helpers/child-hub.js';
import { postgresAvailable, postgresFixture } from './helpers/stores.js';

const KEY = 'sb_test_payments_restart_admin_key_0123';
let stripeEmu: Emulator;
let paypalEmu: Emulator;

beforeAll(async () => {
  [stripeEmu, paypalEmu] = await Promise.all([stripe.startEmulator!(), paypal.startEmulator!()]);
});
afterAll(async () => {
  await Promise.all([stripeEmu?.close(), paypalEmu?.close()]);
});

function env(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SWITCHBOARD_API_KEY: KEY,
    EMAIL_PROVIDERS: 'smtp',
    PAYMENT_PROVIDERS: 'stripe,paypal',
    STRIPE_SECRET_KEY: stripeEmu.credentials.secretKey!,
    STRIPE_API_BASE: stripeEmu.url,
    PAYPAL_CLIENT_ID: paypalEmu.credentials.clientId!,
    PAYPAL_CLIENT_SECRET: paypalEmu.credentials.clientSecret!,
    PAYPAL_API_BASE: paypalEmu.url,
  };
}

async function post(url: string, path: string, body: unknown, key: string) {
  const res = await fetch(url + path, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json', 'idempotency-key': key }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

it.each([
  ['stripe', () => stripeEmu, '/api/v1/integrations/payments/stripe/intent', { amount: '64.00', currency: 'USD' }, 'paymentIntentId'],
  ['paypal', () => paypalEmu, '/api/v1/integrations/payments/paypal/create', { amount: '64.00', currency: 'USD', returnUrl: 'https://shop.example/ok' }, 'paymentId'],
] as const)('%s: one charge when the connection drops after the charge, the hub is killed, and the caller retries on a new process', async (_name, emu, path, body, idField) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-pay-restart-'));
  const before = emu().accepted.length;
  const first = await startChildHub(env(dataDir));
  try {
    emu().chaos.dropAfterAcceptNext = 50; // every attempt of this process reaches the provider and loses the answer
    const failed = await post(first.url, path, body, 'restart-1');
    expect(failed.status).toBeGreaterThanOrEqual(500);
    expect(failed.body.retryable).toBe(true);
    expect(emu().accepted.length).toBe(before + 1); // the provider charged once, although nobody heard back
  } finally {
    emu().chaos.dropAfterAcceptNext = 0;
    await first.stop('SIGKILL');
  }
  const second = await startChildHub(env(dataDir));
  try {
    const retried = await post(second.url, path, body, 'restart-1');
    expect(retried.status).toBe(200);
    expect(emu().accepted.length).toBe(before + 1);
    expect(retried.body[idField]).toBe((emu().accepted.at(-1) as { id: string }).id);
    const again = await post(second.url, path, body, 'restart-1');
    expect(again.body[idField]).toBe(retried.body[idField]);
    expect(emu().accepted.length).toBe(before + 1);
  } finally {
    await second.stop('SIGTERM');
  }
}, 90_000);

it('two hub processes on one PostgreSQL, the same Idempotency-Key sent to both at once: one payment, the same answer', async (ctx) => {
  if (!(await postgresAvailable())) return ctx.skip();
  const fixture = postgresFixture();
  await (await fixture.open()).close();
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-pay-two-'));
  const shared = { ...env(dataDir), DATABASE_URL: fixture.options.databaseUrl! };
  const [a, b] = await Promise.all([startChildHub(shared), startChildHub(shared)]);
  try {
    const before = stripeEmu.accepted.length;
    const body = { amount: '31.00', currency: 'USD' };
    const path = '/api/v1/integrations/payments/stripe/intent';
    /** A caller retrying 409 idempotency_in_progress, as the error says to. */
    const until = async (url: string) => {
      for (let i = 0; i < 20; i++) {
        const res = await post(url, path, body, 'two-processes');
        if (res.status !== 409) return res;
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('still in progress');
    };
    const [ra, rb] = await Promise.all([until(a.url), until(b.url)]);
    expect(ra.status).toBe(200);
    expect(rb.status).toBe(200);
    expect(rb.body.id).toBe(ra.body.id);
    expect(rb.body.paymentIntentId).toBe(ra.body.paymentIntentId);
    expect(stripeEmu.accepted.length).toBe(before + 1);
  } finally {
    await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
    await fixture.cleanup();
  }
}, 90_000);
