/**
 * Outgoing webhook deliveries per second (fan-out, signing, POST, attempt record, next job, all
 * durable) to a local receiver — a bare node:http server answering 204 — against that receiver's
 * own capacity measured in the same run with autocannon. SQLite by default; PostgreSQL too when
 * `BENCH_DATABASE_URL` is set.
 *
 * @example
 * await benchDeliveries({ seconds: 5 }); // called at the end of bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import autocannon from 'autocannon';
import pg from 'pg';
import { createHub } from '../src/hub.js';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';

const ENDPOINTS = 4;

async function deliveriesPerSecond(receiverUrl: string, databaseUrl: string | undefined, total: number): Promise<{ rate: number; elapsedMs: number }> {
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
    const started = performance.now();
    hub.queue.start();
    for (;;) {
      const r = await hub.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
      if (Number(r.n) >= total) break;
      await new Promise((res) => setTimeout(res, 50));
    }
    const elapsedMs = performance.now() - started;
    return { rate: (total / elapsedMs) * 1000, elapsedMs };
  } finally {
    await hub.close();
  }
}

/** Run on PostgreSQL in a schema of its own (dropped after), so runs never see each other's endpoints. */
async function inFreshSchema<T>(databaseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
  const schema = `bench_${process.pid}_${Date.now().toString(36)}`;
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  try {
    await admin.query(`create schema ${schema}`);
    const sep = databaseUrl.includes('?') ? '&' : '?';
    return await fn(`${databaseUrl}${sep}options=${encodeURIComponent(`-c search_path=${schema}`)}`);
  } finally {
    await admin.query(`drop schema if exists ${schema} cascade`);
    await admin.end();
  }
}

export async function benchDeliveries(options: { seconds: number; total?: number }): Promise<void> {
  const total = options.total ?? Number(process.env.BENCH_DELIVERIES ?? 4000);
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(204);
      res.end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  try {
    const body = JSON.stringify({ id: 'msg_bench', type: 'bench.ping', timestamp: new Date().toISOString(), data: { n: 1 } });
    const base = await autocannon({ url: `${url}/ep0`, method: 'POST', headers: { 'content-type': 'application/json' }, body, connections: 32, duration: options.seconds, workers: 1 });
    const capacity = base.requests.average;
    const stores: [string, string | undefined][] = [['sqlite', undefined]];
    if (process.env.BENCH_DATABASE_URL) stores.push(['postgres', process.env.BENCH_DATABASE_URL]);
    console.log(`\noutgoing webhooks: ${total} deliveries to ${ENDPOINTS} endpoints of one local receiver (receiver alone: ${capacity.toFixed(0)} req/s)`);
    for (const [name, databaseUrl] of stores) {
      const r = databaseUrl ? await inFreshSchema(databaseUrl, (u) => deliveriesPerSecond(url, u, total)) : await deliveriesPerSecond(url, undefined, total);
      console.log(`${`deliveries (${name}) vs receiver`.padEnd(34)}  ${r.rate.toFixed(0).padStart(7)} /s vs ${capacity.toFixed(0).padStart(7)}  (x${(r.rate / capacity).toFixed(3)})  in ${(r.elapsedMs / 1000).toFixed(1)} s`);
    }
  } finally {
    receiver.closeAllConnections();
    await new Promise<void>((resolve) => receiver.close(() => resolve()));
  }
}
