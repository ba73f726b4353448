/**
 * Payment create through the hub (`POST /api/v1/payments`: auth, validation, exact money, the
 * payment row and its recovery job committed before the call, the Stripe connector over the
 * transport, the row updated with the answer) vs a direct form POST of the same PaymentIntent to
 * the Stripe emulator, measured in the same run: at full speed, then the hub's added median
 * latency at a fixed offered rate (`BENCH_LATENCY_RATE`, default 200 req/s) that saturates neither.
 *
 * @example
 * const figures = await benchPayments(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../src/hub.js';
import { load, row, type Result } from './measure.js';
import type { RequestSpec } from './requests.js';

export const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 200);

export interface ThroughHubFigures {
  hub: number;
  baseline: number;
  ratio: number;
  addedP50Ms: number;
  offeredRate: number;
  p50Ms: number;
  baselineP50Ms: number;
  errors: number;
}

/** Full speed and fixed-rate figures of `hub` vs `direct`, with `settle` between runs. */
export async function throughHubVsDirect(name: string, hub: [string, RequestSpec], direct: [string, RequestSpec], settle: () => Promise<void>): Promise<ThroughHubFigures> {
  await load(...direct, { seconds: 1 });
  await settle();
  const base = await load(...direct);
  await settle();
  const viaHub = await load(...hub);
  await settle();
  const baseFixed = await load(...direct, { rate: LATENCY_RATE });
  await settle();
  const hubFixed = await load(...hub, { rate: LATENCY_RATE });
  await settle();
  console.log(row(name, viaHub, base));
  console.log(row(`  at ${LATENCY_RATE} req/s`, hubFixed, baseFixed));
  const errs = (...rs: Result[]) => rs.reduce((n, r) => n + r.errors + r.non2xx, 0);
  return {
    hub: Math.round(viaHub.rps),
    baseline: Math.round(base.rps),
    ratio: Math.round((viaHub.rps / base.rps) * 1000) / 1000,
    addedP50Ms: Math.round((hubFixed.p50 - baseFixed.p50) * 100) / 100,
    offeredRate: LATENCY_RATE,
    p50Ms: hubFixed.p50,
    baselineP50Ms: baseFixed.p50,
    errors: errs(viaHub, hubFixed),
  };
}

export async function benchPayments(): Promise<ThroughHubFigures> {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-pay-')), RATE_LIMIT_STRIPE: '1000000/s', EMAIL_PROVIDERS: 'smtp', PAYMENT_PROVIDERS: 'stripe' },
  });
  try {
    const url = await hub.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await hub.apiKeys.create({ name: 'bench' });
    const emulator = await hub.connections.sandbox('stripe'); // started now: the direct baseline calls it first
    const settle = async () => {
      await emulator.drainWebhooks?.();
      await new Promise((r) => setTimeout(r, 500));
    };
    const direct: RequestSpec = { kind: 'static', method: 'POST', path: '/v1/payment_intents', headers: { authorization: `Bearer ${emulator.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=1999&currency=usd&description=Bench' };
    const viaHub: RequestSpec = { kind: 'static', method: 'POST', path: '/api/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: '19.99', currency: 'USD', description: 'Bench' }) };
    console.log('');
    return await throughHubVsDirect('payment create: hub vs direct Stripe', [url, viaHub], [emulator.url, direct], settle);
  } finally {
    await hub.close();
  }
}
