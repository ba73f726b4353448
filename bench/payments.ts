/**
 * Payment create through the hub (`POST /api/v1/payments`: auth, validation, exact money, the
 * payment row and its recovery job committed before the call, the Stripe connector over the
 * transport, the row updated with the answer) vs a direct form POST of the same PaymentIntent to
 * the Stripe emulator, measured in the same run.
 *
 * @example
 * await benchPayments(); // called at the end of bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../src/hub.js';
import { load, row } from './measure.js';

export async function benchPayments(): Promise<void> {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-pay-')), DATABASE_URL: process.env.BENCH_DATABASE_URL ?? '', RATE_LIMIT_STRIPE: '1000000/s', EMAIL_PROVIDERS: 'smtp', PAYMENT_PROVIDERS: 'stripe' },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  const emulator = await hub.connections.sandbox('stripe'); // started now: the direct baseline calls it first
  const settle = async () => {
    await emulator.drainWebhooks?.();
    await new Promise((r) => setTimeout(r, 500));
  };
  const direct = { url: `${emulator.url}/v1/payment_intents`, method: 'POST' as const, headers: { authorization: `Bearer ${emulator.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=1999&currency=usd&description=Bench' };
  await load({ ...direct, duration: 1 });
  await settle();
  const base = await load(direct);
  await settle();
  const viaHub = await load({ url: `${url}/api/v1/payments`, method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: '19.99', currency: 'USD', description: 'Bench' }) });
  console.log(`\n${row('payment create: hub vs direct Stripe emulator', viaHub, base)}`);
  await settle();
  await hub.close();
}
