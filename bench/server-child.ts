/**
 * A server under test in a process of its own, so its RSS is its own and no load generator shares
 * its event loop: `node --import tsx bench/server-child.ts <mode> '<json env>'`, driven over IPC.
 *
 * - `bare`: a bare Fastify app answering `{ok:true}` to any POST (the ingest baseline).
 * - `floor`: the durable floor (`floor.ts`): Standard Webhooks HMAC, one SQLite insert at
 *   `synchronous = FULL`, one transaction per event-loop turn (the second ingest baseline).
 * - `hub`: a sandbox hub with a Mailgun signing key and one Standard Webhooks custom source.
 * - `deliveries`: a hub whose queue delivers `bench.*` events to 4 endpoints of a receiver URL;
 *   the `feed` command keeps a bounded backlog of deliveries for some seconds.
 *
 * It sends `{ready: {url, pid, …}}`, then answers `{id, cmd}` messages with `{id, result}`:
 * `settle` (wait until no due job is left), `count`, `feed`, `cpu`, `mem`, `gc`, `latency`, `close` (and exits).
 */
import { randomBytes } from 'node:crypto';
import { createHistogram, monitorEventLoopDelay } from 'node:perf_hooks';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server as HttpServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Fastify from 'fastify';
import { createHub, type Hub } from '../src/hub.js';
import { durableFloor } from './floor.js';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';
import { MAILGUN_KEY } from './requests.js';

const ENDPOINTS = 4;

const mode = process.argv[2];
const opts = JSON.parse(process.argv[3] ?? '{}') as { databaseUrl?: string; receiverUrl?: string };
const send = (m: unknown) => process.send!(m);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let closing: () => Promise<void> = async () => {};
/** The child's data directory, removed when it closes (a SQLite hub leaves ~100 MB per run). */
let dataDir: string | undefined;
const commands: Record<string, (args: Record<string, number>) => Promise<unknown>> = {
  /** CPU time this process has used (user + system, µs): per-request cost, steadier than rates on a shared machine. */
  cpu: async () => {
    const u = process.cpuUsage();
    return { us: u.user + u.system };
  },
  /** process.memoryUsage() in bytes: tells the JS heap from native memory when RSS grows. */
  mem: async () => ({ ...process.memoryUsage() }),
  /** A full collection (the child runs with --expose-gc), then the heap still in use: retained memory, not garbage waiting for a major GC. */
  gc: async () => {
    (globalThis as { gc?: () => void }).gc?.();
    return { heapUsed: process.memoryUsage().heapUsed };
  },
};

/**
 * The `latency` command: since the last call, the server's own time per request (from the request
 * event to the response's last byte handed to the kernel; from one second after the first request)
 * and the event loop's delay, in ms. Beside the load generator's latency it tells the server's
 * share from the host's (the generator's own scheduling, the kernel) on a shared machine.
 */
function watchLatency(server: HttpServer): void {
  const requests = createHistogram();
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  /** When the first request since the last `latency` call came; the first second after it is not counted, as the generator does not count it. */
  let firstAt: bigint | undefined;
  server.on('request', (_req, res) => {
    const start = process.hrtime.bigint();
    firstAt ??= start;
    if (start - firstAt < 1_000_000_000n) return;
    res.once('finish', () => requests.record(Math.max(1, Number(process.hrtime.bigint() - start))));
  });
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  commands.latency = async () => {
    const out = { p50Ms: ms(requests.percentile(50)), p99Ms: ms(requests.percentile(99)), maxMs: ms(requests.max), loopP99Ms: ms(loop.percentile(99)), loopMaxMs: ms(loop.max) };
    requests.reset();
    loop.reset();
    firstAt = undefined;
    return out;
  };
}

async function dueJobs(hub: Hub): Promise<number> {
  const r = await hub.store.db.selectFrom('jobs').select((eb) => eb.fn.countAll<number>().as('n')).where('status', 'in', ['pending', 'running']).where('run_at', '<=', Date.now()).executeTakeFirstOrThrow();
  return Number(r.n);
}
async function count(hub: Hub, table: 'webhook_inbox' | 'events'): Promise<number> {
  const r = await hub.store.db.selectFrom(table).select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
  return Number(r.n);
}

async function start(): Promise<Record<string, unknown>> {
  if (mode === 'bare') {
    const app = Fastify();
    app.post('/*', async () => ({ ok: true }));
    await app.listen({ port: 0, host: '127.0.0.1' });
    closing = () => app.close();
    return { url: `http://127.0.0.1:${(app.server.address() as { port: number }).port}` };
  }
  dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-child-'));
  if (mode === 'floor') {
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const floor = durableFloor(dataDir, secret);
    await floor.app.listen({ port: 0, host: '127.0.0.1' });
    watchLatency(floor.app.server);
    closing = () => floor.app.close();
    commands.count = async () => ({ inbox: 0, events: floor.count() });
    return { url: `http://127.0.0.1:${(floor.app.server.address() as { port: number }).port}`, sourceId: 'floor', sourceSecret: secret };
  }
  if (mode === 'hub') {
    const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: opts.databaseUrl ?? '', MAILGUN_WEBHOOK_SIGNING_KEY: MAILGUN_KEY } });
    closing = () => hub.close();
    const url = await hub.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await hub.apiKeys.create({ name: 'bench' });
    const secret = `whsec_${randomBytes(32).toString('base64')}`;
    const res = await fetch(`${url}/api/v1/webhooks/sources`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ name: 'bench', scheme: 'standard-webhooks', secrets: [secret] }) });
    if (res.status !== 201) throw new Error(`creating the custom source answered ${res.status}: ${await res.text()}`);
    const source = (await res.json()) as { id: string };
    commands.settle = async () => {
      for (let i = 0; i < 600 && (await dueJobs(hub)) > 0; i++) await sleep(200);
      return { due: await dueJobs(hub) };
    };
    commands.count = async () => ({ inbox: await count(hub, 'webhook_inbox'), events: await count(hub, 'events') });
    watchLatency(hub.server!.server);
    return { url, sourceId: source.id, sourceSecret: secret, dialect: hub.store.dialect };
  }
  if (mode === 'deliveries') {
    const hub = await createHub({
      env: { LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: opts.databaseUrl ?? '', SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8', QUEUE_POLL_MS: '20', QUEUE_CONCURRENCY: '64' },
    });
    closing = () => hub.close();
    const out = outgoingOf(hub);
    for (let i = 0; i < ENDPOINTS; i++) await out.endpoints.create('default', { url: `${opts.receiverUrl}/ep${i}`, eventTypes: ['bench.*'] });
    const succeeded = async () => {
      const r = await hub.store.db.selectFrom('webhook_deliveries').select((eb) => eb.fn.countAll<number>().as('n')).where('status', '=', 'succeeded').executeTakeFirstOrThrow();
      return Number(r.n);
    };
    // Keep at most `backlog` deliveries waiting for `seconds`: the queue runs flat out, bounded.
    commands.feed = async ({ seconds = 60, backlog = 2000 }) => {
      const end = Date.now() + seconds * 1000;
      const startOk = await succeeded();
      let recorded = 0;
      while (Date.now() < end) {
        const waiting = recorded * ENDPOINTS - ((await succeeded()) - startOk);
        if (waiting < backlog) {
          await hub.store.write(async (trx) => {
            for (let j = 0; j < 250; j++) await hub.events.record(trx, { tenantId: 'default', type: 'bench.ping', provider: 'bench', occurredAt: Date.now(), data: { n: recorded + j }, raw: null });
          });
          recorded += 250;
        } else await sleep(100);
      }
      return { delivered: (await succeeded()) - startOk, recorded: recorded * ENDPOINTS };
    };
    return { dialect: hub.store.dialect };
  }
  throw new Error(`unknown mode ${mode}`);
}

process.on('message', (m: { id: number; cmd: string; args?: Record<string, number> }) => {
  if (m.cmd === 'close') {
    void closing()
      .then(() => dataDir && rmSync(dataDir, { recursive: true, force: true }))
      .catch((err: unknown) => console.error(err))
      .finally(() => (send({ id: m.id, result: {} }), process.exit(0)));
    return;
  }
  const fn = commands[m.cmd];
  if (!fn) return send({ id: m.id, error: `unknown command ${m.cmd}` });
  fn(m.args ?? {}).then(
    (result) => send({ id: m.id, result }),
    (err: unknown) => send({ id: m.id, error: String(err) }),
  );
});
process.on('disconnect', () => process.exit(0)); // the bench died: do not linger

start().then(
  (info) => send({ ready: { ...info, pid: process.pid } }),
  (err: unknown) => (console.error(err), process.exit(1)),
);
