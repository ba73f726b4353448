/**
 * Outgoing webhook deliveries per second (signing, POST, attempt record, next job, all durable) to
 * a local receiver — a bare node:http server answering 204, in a process of its own so it does not
 * share the hub's event loop — against that receiver's own capacity measured in the same run (load
 * from a process of its own). `BENCH_DELIVERIES` deliveries (default 20,000) to 4 endpoints are
 * fanned out first, then the clock runs from the queue's start until all succeeded. On SQLite,
 * and on PostgreSQL (a fresh schema) when reachable. `BENCH_CPU_PROF=DIR` writes the hub's CPU
 * profile of each run there (`deliveries-sqlite.cpuprofile`, `deliveries-postgres.cpuprofile`).
 * Plus the memory run: a hub process delivering flat out, backlog bounded, for
 * `BENCH_MEMORY_SECONDS`, its RSS sampled.
 *
 * @example
 * const d = await benchDeliveries({ postgres: 'postgres://…' }); // called from bench/run.ts
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createHub } from '../src/hub.js';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';
import { MEMORY_SECONDS, sampleRss, type Growth } from './ingest.js';
import { load, track } from './measure.js';
import { inFreshSchema, startServer } from './server.js';

const ENDPOINTS = 4;

/** Profile `fn` in this process when `BENCH_CPU_PROF` names a directory. */
async function profiled<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return fn();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.start');
  try {
    return await fn();
  } finally {
    const { profile } = await session.post('Profiler.stop');
    writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(profile));
    session.disconnect();
  }
}

async function deliveriesPerSecond(name: string, receiverUrl: string, databaseUrl: string | undefined, total: number): Promise<{ rate: number; elapsedMs: number; cpuUsPerDelivery: number }> {
  const hub = await createHub({
    env: { LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-out-')), DATABASE_URL: databaseUrl ?? '', SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8', QUEUE_POLL_MS: '20', QUEUE_CONCURRENCY: '64' },
    startWorkers: false,
  });
  try {
    const out = outgoingOf(hub);
    for (let i = 0; i < ENDPOINTS; i++) await out.endpoints.create('default', { url: `${receiverUrl}/ep${i}`, eventTypes: ['bench.*'] });
    const events = total / ENDPOINTS;
    for (let i = 0; i < events; i += 250) {
      await hub.store.write(async (trx) => {
        for (let j = i; j < Math.min(events, i + 250); j++) await hub.events.record(trx, { tenantId: 'default', type: 'bench.ping', provider: 'bench', occurredAt: Date.now(), data: { n: j }, raw: null });
      });
    }
    return await profiled(`deliveries-${name}`, async () => {
      const started = performance.now();
      const cpu = process.cpuUsage();
      hub.queue.start();
      const deadline = started + 600_000;
      for (;;) {
        const r = await hub.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
        if (Number(r.n) >= total) break;
        if (performance.now() > deadline) throw new Error(`only ${Number(r.n)} of ${total} deliveries succeeded in 600 s`);
        await new Promise((res) => setTimeout(res, 50));
      }
      const elapsedMs = performance.now() - started;
      const used = process.cpuUsage(cpu);
      return { rate: (total / elapsedMs) * 1000, elapsedMs, cpuUsPerDelivery: (used.user + used.system) / total };
    });
  } finally {
    await hub.close();
  }
}

/** The receiver: a bare node:http server answering 204 after reading the body, in its own process. */
const RECEIVER = `
const server = require('node:http').createServer((req, res) => {
  req.resume();
  req.on('end', () => { res.writeHead(204); res.end(); });
});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => process.exit(0)).resume(); // the bench went away
`;

async function withReceiver<T>(fn: (url: string) => Promise<T>): Promise<T> {
  const child = track(spawn(process.execPath, ['-e', RECEIVER], { stdio: ['pipe', 'pipe', 'inherit'] }));
  try {
    const port = await new Promise<number>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`the receiver exited with ${code}`)));
      child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
    });
    return await fn(`http://127.0.0.1:${port}`);
  } finally {
    child.kill('SIGKILL');
  }
}

export interface DeliveryFigures {
  sqlite: number;
  postgres: number | null;
  receiver: number;
  sqliteRatio: number;
  postgresRatio: number | null;
  /** The hub process's CPU time (user + system) per delivery, by store: steadier than rates on a shared machine. */
  cpuUsPerDelivery: Record<string, number>;
  total: number;
}

export async function benchDeliveries(options: { postgres: string | null; total?: number }): Promise<DeliveryFigures> {
  const total = options.total ?? Number(process.env.BENCH_DELIVERIES ?? 20_000);
  return withReceiver(async (url) => {
    const body = JSON.stringify({ id: 'msg_bench', type: 'bench.ping', timestamp: new Date().toISOString(), data: { n: 1 } });
    const base = await load(url, { kind: 'static', method: 'POST', path: '/ep0', headers: { 'content-type': 'application/json' }, body });
    const capacity = base.rps;
    console.log(`\noutgoing webhooks: ${total} deliveries to ${ENDPOINTS} endpoints of one local receiver in its own process (receiver alone: ${capacity.toFixed(0)} req/s)`);
    const rates: Record<string, number> = {};
    const cpu: Record<string, number> = {};
    const stores: [string, string | null][] = [['sqlite', null], ['postgres', options.postgres]];
    for (const [name, databaseUrl] of stores) {
      if (name === 'postgres' && !databaseUrl) continue;
      const r = databaseUrl ? await inFreshSchema(databaseUrl, (u) => deliveriesPerSecond(name, url, u, total)) : await deliveriesPerSecond(name, url, undefined, total);
      rates[name] = r.rate;
      cpu[name] = Math.round(r.cpuUsPerDelivery);
      console.log(`${`deliveries (${name}) vs receiver`.padEnd(34)}  ${r.rate.toFixed(0).padStart(7)} /s vs ${capacity.toFixed(0).padStart(7)}  (x${(r.rate / capacity).toFixed(3)})  in ${(r.elapsedMs / 1000).toFixed(1)} s, hub CPU ${r.cpuUsPerDelivery.toFixed(0)} µs per delivery`);
    }
    const round3 = (x: number) => Math.round(x * 1000) / 1000;
    return {
      sqlite: Math.round(rates.sqlite!),
      postgres: rates.postgres === undefined ? null : Math.round(rates.postgres),
      receiver: Math.round(capacity),
      sqliteRatio: round3(rates.sqlite! / capacity),
      postgresRatio: rates.postgres === undefined ? null : round3(rates.postgres / capacity),
      cpuUsPerDelivery: cpu,
      total,
    };
  });
}

/** The memory delivery run: a SQLite hub process delivering flat out (backlog ≤ 2,000) for `MEMORY_SECONDS`. */
export async function memoryDeliveries(): Promise<Growth & { delivered: number }> {
  return withReceiver(async (url) => {
    const hub = await startServer('deliveries', { receiverUrl: url });
    try {
      let fed = { delivered: 0 };
      const g = await sampleRss(hub, MEMORY_SECONDS, async () => (fed = await hub.call('feed', { seconds: MEMORY_SECONDS, backlog: 2000 })));
      console.log(`memory, deliveries ${MEMORY_SECONDS}s flat out: RSS ${g.rssAfterFirstMb} MB after ${Math.min(10, MEMORY_SECONDS / 2)}s -> ${g.rssEndMb} MB at the end (growth ${(g.growth * 100).toFixed(1)}%, peak ${g.peakMb} MB; heap after a full GC ${g.retainedBeforeMb} -> ${g.retainedAfterMb} MB, ${(g.retainedGrowth * 100).toFixed(1)}%; ${fed.delivered} delivered, ${(fed.delivered / MEMORY_SECONDS).toFixed(0)}/s)`);
      return { ...g, delivered: fed.delivered };
    } finally {
      await hub.stop();
    }
  });
}
