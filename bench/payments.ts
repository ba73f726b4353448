/**
 * Payment create through the hub (`POST /api/v1/payments`: auth, validation, exact money, the
 * payment row and its recovery job committed before the call, the Stripe connector over the
 * transport, the row updated with the answer) vs a direct form POST of the same PaymentIntent to
 * the Stripe emulator, measured in the same run: at full speed, then the hub's added median
 * latency at a fixed offered rate (`BENCH_LATENCY_RATE`, default 200 req/s) that saturates neither.
 *
 * The sandbox hub runs in a process of its own (this file with `child`, or bench/send.ts with
 * `child`), its emulators inside it as sandbox mode starts them, so the load generator never shares
 * its event loop; `BENCH_CPU_PROF=DIR` makes that process write a V8 CPU profile into DIR.
 *
 * @example
 * const figures = await benchPayments(); // called from bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createHub, type Hub } from '../src/hub.js';
import { load, row, type Result } from './measure.js';
import { startChild } from './server.js';
import type { RequestSpec } from './requests.js';

export const LATENCY_RATE = Number(process.env.BENCH_LATENCY_RATE ?? 200);
/** How long the emulator takes to answer in the vendor-latency run (a real vendor is ~50-300 ms away). */
export const VENDOR_LATENCY_MS = Number(process.env.BENCH_VENDOR_LATENCY_MS ?? 50);

export interface ThroughHubFigures {
  hub: number;
  baseline: number;
  ratio: number;
  addedP50Ms: number;
  offeredRate: number;
  p50Ms: number;
  baselineP50Ms: number;
  errors: number;
  /**
   * Full speed again with the emulator answering after {@link VENDOR_LATENCY_MS} (as a vendor
   * across the internet does): what a caller can push through the hub vs straight to the vendor,
   * 32 connections each. The CPU-bound ratio above compares the hub's whole send with the
   * emulator's bare answer in one process.
   */
  vendorLatency: { ms: number; hub: number; baseline: number; ratio: number };
}

/** What a sandbox hub child tells its parent once it listens. */
export interface SandboxHubInfo {
  /** The hub's base URL. */
  url: string;
  /** The emulator's base URL. */
  emulatorUrl: string;
  /** The request the hub route takes, and the same call made directly to the emulator. */
  viaHub: RequestSpec;
  direct: RequestSpec;
  pid: number;
}

/** A sandbox hub in its own process: `settle` waits for its webhooks and due jobs; `stop` closes it. */
export interface SandboxHub {
  info: SandboxHubInfo;
  settle(): Promise<void>;
  /** Every emulator of the hub answers after `ms` (chaos latency). */
  latency(ms: number): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Full speed and fixed-rate figures of `hub` vs `direct`, with `settle` between runs; `latency` sets
 * the emulator's answer delay; `rate` the fixed offered rate (default {@link LATENCY_RATE}: pick one
 * the hub holds, or the added latency measures a queue).
 */
export async function throughHubVsDirect(name: string, hub: [string, RequestSpec], direct: [string, RequestSpec], settle: () => Promise<void>, latency: (ms: number) => Promise<void>, rate = LATENCY_RATE): Promise<ThroughHubFigures> {
  await load(...direct, { seconds: 1 });
  await settle();
  await load(...hub, { seconds: 1 });
  await settle();
  const base = await load(...direct);
  await settle();
  const viaHub = await load(...hub);
  await settle();
  const baseFixed = await load(...direct, { rate });
  await settle();
  const hubFixed = await load(...hub, { rate });
  await settle();
  await latency(VENDOR_LATENCY_MS);
  const baseFar = await load(...direct);
  await settle();
  const hubFar = await load(...hub);
  await latency(0);
  await settle();
  console.log(row(name, viaHub, base));
  console.log(row(`  at ${rate} req/s`, hubFixed, baseFixed));
  console.log(row(`  vendor ${VENDOR_LATENCY_MS} ms away`, hubFar, baseFar));
  const errs = (...rs: Result[]) => rs.reduce((n, r) => n + r.errors + r.non2xx, 0);
  return {
    hub: Math.round(viaHub.rps),
    baseline: Math.round(base.rps),
    ratio: Math.round((viaHub.rps / base.rps) * 1000) / 1000,
    addedP50Ms: Math.round((hubFixed.p50 - baseFixed.p50) * 100) / 100,
    offeredRate: rate,
    p50Ms: hubFixed.p50,
    baselineP50Ms: baseFixed.p50,
    errors: errs(viaHub, hubFixed, base, baseFixed, hubFar, baseFar),
    vendorLatency: { ms: VENDOR_LATENCY_MS, hub: Math.round(hubFar.rps), baseline: Math.round(baseFar.rps), ratio: Math.round((hubFar.rps / baseFar.rps) * 1000) / 1000 },
  };
}

/** Start `file` (a bench file that calls {@link serveSandboxHub} when run with `child`, then `variant` if given) as a process of its own. */
export async function startSandboxHub(file: string, variant?: string): Promise<SandboxHub> {
  const child = await startChild<SandboxHubInfo>(file, variant ? ['child', variant] : ['child'], `${file}: the sandbox hub`);
  return { info: child.info, settle: () => child.call('settle'), latency: (ms) => child.call('latency', { ms }), stop: () => child.stop() };
}

/** Due (or running) jobs left: webhook processing and the like. */
export async function dueJobs(hub: Hub): Promise<number> {
  const r = await hub.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'running']).where('run_at', '<=', Date.now()).executeTakeFirstOrThrow();
  return Number(r.n);
}

/**
 * The child side: `setup` builds the hub and the two requests; this answers `latency`, `settle` (webhooks
 * drained, no due job left, so one run's backlog does not load the next) and `close` over IPC.
 */
export async function serveSandboxHub(setup: () => Promise<{ hub: Hub; info: Omit<SandboxHubInfo, 'pid'>; providers: string[] }>): Promise<void> {
  process.on('disconnect', () => process.exit(0)); // the bench died: do not linger
  const { hub, info, providers } = await setup();
  const settle = async () => {
    for (let i = 0; i < 600; i++) {
      await Promise.all(providers.map((p) => hub.connections.emulator(p)?.drainWebhooks?.()));
      if ((await dueJobs(hub)) === 0) return;
      await new Promise((r) => setTimeout(r, 200));
    }
  };
  process.on('message', (m: { id: number; cmd: string; args?: { ms?: number } }) => {
    if (m.cmd === 'latency') {
      for (const p of providers) {
        const emulator = hub.connections.emulator(p);
        if (emulator) emulator.chaos.latencyMs = m.args?.ms ?? 0;
      }
      return process.send!({ id: m.id });
    }
    if (m.cmd === 'close') {
      void hub
        .close()
        .catch((err: unknown) => console.error(err))
        .finally(() => (process.send!({ id: m.id }), process.exit(0)));
      return;
    }
    if (m.cmd !== 'settle') return process.send!({ id: m.id, error: `unknown command ${m.cmd}` });
    settle().then(
      () => process.send!({ id: m.id }),
      (err: unknown) => process.send!({ id: m.id, error: String(err) }),
    );
  });
  process.send!({ ready: { ...info, pid: process.pid } });
}

/** `hub vs direct` in a sandbox hub child started from `file` (with `variant`: which setup the file serves). */
export async function benchThroughHub(name: string, file: string, variant?: string, rate?: number): Promise<ThroughHubFigures> {
  const hub = await startSandboxHub(file, variant);
  try {
    return await throughHubVsDirect(name, [hub.info.url, hub.info.viaHub], [hub.info.emulatorUrl, hub.info.direct], () => hub.settle(), (ms) => hub.latency(ms), rate);
  } finally {
    await hub.stop();
  }
}

async function setupPayments() {
  const hub = await createHub({
    env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-pay-')), RATE_LIMIT_STRIPE: '1000000/s', EMAIL_PROVIDERS: 'smtp', PAYMENT_PROVIDERS: 'stripe' },
  });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  const emulator = await hub.connections.sandbox('stripe'); // started now: the direct baseline calls it first
  const direct: RequestSpec = { kind: 'static', method: 'POST', path: '/v1/payment_intents', headers: { authorization: `Bearer ${emulator.credentials.secretKey}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'amount=1999&currency=usd&description=Bench' };
  const viaHub: RequestSpec = { kind: 'static', method: 'POST', path: '/api/v1/payments', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ amount: '19.99', currency: 'USD', description: 'Bench' }) };
  return { hub, info: { url, emulatorUrl: emulator.url, viaHub, direct }, providers: ['stripe'] };
}

export async function benchPayments(): Promise<ThroughHubFigures> {
  console.log('');
  return benchThroughHub('payment create: hub vs direct Stripe', fileURLToPath(import.meta.url));
}

if (process.argv[2] === 'child' && process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  serveSandboxHub(setupPayments).catch((err: unknown) => (console.error(err), process.exit(1)));
}
