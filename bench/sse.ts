/**
 * SSE fan-out: 100 subscribers on `GET /api/v1/events/stream`, N events recorded durably by the
 * hub, timed until every subscriber has every event — against a bare node:http SSE server that
 * writes the same N frames (the same `id`/`event`/`data` shape and the same event JSON) from
 * memory to 100 clients, measured in the same run.
 *
 * Three processes, so nothing shares an event loop with the server under test: this one
 * orchestrates; the server (bare or hub) runs in `sse.ts server <bare|hub>`; the 100 subscribers
 * run in `sse.ts subscribers` (node:http clients that count frames and check that the ids follow
 * one another, no gap, no duplicate). Both servers get the same subscriber process code.
 * `BENCH_CPU_PROF=DIR` writes a V8 CPU profile of each server process into DIR, covering only the
 * timed part (from the first event to the last frame received; no start-up):
 * `npx tsx bench/profile-summary.ts DIR/sse-hub-*.cpuprofile`. `BENCH_SSE_EVENTS` (2000) events.
 *
 * @example
 * await benchSse({ subscribers: 100, events: 2000 }); // called by bench/run.ts
 */
import { mkdtempSync } from 'node:fs';
import { createServer, get, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newId } from '../src/core/ids.js';
import { startChild } from './server.js';

const THIS = fileURLToPath(import.meta.url);
const now = () => performance.timeOrigin + performance.now();

// ---------------------------------------------------------------- child process plumbing

/** `node --import tsx bench/sse.ts <mode> <json>` with IPC (it profiles its own timed window, see {@link profiler}). */
const child = (mode: 'server' | 'subscribers', args: string[]) => startChild<Record<string, unknown>>(THIS, [mode, ...args], `sse ${mode}`, { profile: false });

/** `BENCH_CPU_PROF=DIR`: profile the timed window of a server (started by `go`, written by `profile`). */
async function profiler(kind: string): Promise<{ start(): Promise<void>; stop(): Promise<void> }> {
  const dir = process.env.BENCH_CPU_PROF;
  if (!dir) return { start: async () => {}, stop: async () => {} };
  const { Session } = await import('node:inspector');
  const { writeFileSync } = await import('node:fs');
  const session = new Session();
  session.connect();
  const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session.post(method, params, (err, r) => (err ? reject(err) : resolve(r))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  return {
    start: async () => void (await post('Profiler.start')),
    async stop() {
      const { profile } = (await post('Profiler.stop')) as { profile: unknown };
      writeFileSync(join(dir, `sse-${kind}-${process.pid}.cpuprofile`), JSON.stringify(profile));
    },
  };
}

/** The child side: answer `{id, cmd, args}` with `{id, result}` or `{id, error}`. */
function serve(commands: Record<string, (args: Record<string, unknown>) => Promise<unknown>>, close: () => Promise<void>): void {
  process.on('message', (m: { id: number; cmd: string; args: Record<string, unknown> }) => {
    if (m.cmd === 'close') {
      void close()
        .catch((err: unknown) => console.error(err))
        .finally(() => (process.send!({ id: m.id, result: {} }), process.exit(0)));
      return;
    }
    const fn = m.cmd === 'cpu' ? async () => ({ ms: (process.cpuUsage().user + process.cpuUsage().system) / 1000 }) : commands[m.cmd];
    if (!fn) return void process.send!({ id: m.id, error: `unknown command ${m.cmd}` });
    fn(m.args).then(
      (result) => process.send!({ id: m.id, result }),
      (err: unknown) => process.send!({ id: m.id, error: String(err) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
}

// ---------------------------------------------------------------- subscribers (own process)

/**
 * Open `n` streams; `wait` resolves when each has seen `expected` frames whose ids follow one
 * another by 1 (a gap, a duplicate or an early end is an error).
 */
async function subscribersMain(): Promise<void> {
  const reqs: ReturnType<typeof get>[] = [];
  let finish: { resolve(at: number): void; reject(e: Error): void } | undefined;
  let expected = Infinity;
  let complete = 0;
  let failure: Error | undefined;
  const fail = (e: Error) => {
    failure ??= e;
    finish?.reject(e);
  };
  const counts: number[] = [];
  const check = () => {
    if (failure) return finish?.reject(failure);
    if (complete === reqs.length && finish) finish.resolve(now());
  };
  serve(
    {
      async open({ url, headers, n }) {
        const opened: Promise<void>[] = [];
        for (let c = 0; c < (n as number); c++) {
          counts.push(0);
          opened.push(
            new Promise<void>((resolve, reject) => {
              const req = get(url as string, { headers: { accept: 'text/event-stream', ...(headers as Record<string, string>) }, agent: false }, (res) => {
                if (res.statusCode !== 200) return reject(new Error(`stream answered ${res.statusCode}`));
                res.setEncoding('utf8');
                let tail = '';
                let last = -1;
                res.on('data', (chunk: string) => {
                  const text = tail + chunk;
                  let pos = 0;
                  for (let end = text.indexOf('\n\n', pos); end !== -1; pos = end + 2, end = text.indexOf('\n\n', pos)) {
                    if (!text.startsWith('id: ', pos)) continue; // retry:, comments
                    const id = Number(text.slice(pos + 4, text.indexOf('\n', pos)));
                    const data = text.indexOf('\ndata: ', pos);
                    if (data === -1 || data > end) return fail(new Error(`frame ${id} without data`));
                    if (last !== -1 && id !== last + 1) return fail(new Error(`subscriber ${c}: id ${id} after ${last}`));
                    last = id;
                    if (++counts[c]! === expected) complete++;
                  }
                  tail = text.slice(pos);
                  if (complete === reqs.length) check();
                });
                res.on('end', () => counts[c]! < expected && fail(new Error(`subscriber ${c}: stream ended after ${counts[c]} frames`)));
                resolve();
              });
              req.on('error', (e) => (finish ? fail(e) : reject(e)));
              reqs.push(req);
            }),
          );
        }
        await Promise.all(opened);
        return { open: reqs.length };
      },
      /** Resolves with the time at which every subscriber had `events` frames. */
      async wait({ events }) {
        expected = events as number;
        const done = new Promise<number>((resolve, reject) => (finish = { resolve, reject }));
        complete = counts.filter((k) => k >= expected).length;
        check();
        return { at: await done };
      },
    },
    async () => {
      for (const r of reqs) r.destroy();
    },
  );
  process.send!({ ready: { pid: process.pid } });
}

// ---------------------------------------------------------------- servers under test (own process)

/** The event JSON a stream carries (the hub's `toApiEvent` shape), for the bare server. */
function apiEvent(seq: number, i: number) {
  const at = new Date().toISOString();
  return { id: newId('evt'), seq, type: 'bench.tick', provider: 'switchboard', connectionId: null, sourceId: null, occurredAt: at, receivedAt: at, data: { i }, raw: null };
}

async function serverMain(kind: string): Promise<void> {
  const prof = await profiler(kind);
  if (kind === 'bare' || kind === 'bare-batched') {
    const clients = new Set<ServerResponse>();
    const server = createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
      res.write(': open\n\n');
      clients.add(res);
      res.on('close', () => clients.delete(res));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    serve(
      {
        async clients() {
          return { n: clients.size };
        },
        profile: () => prof.stop(),
        // Serialize each event once and write the frame to every client (`bare`), or join the
        // frames of 100 events and write those bytes to every client at once (`bare-batched`);
        // yield every 100 events.
        async go({ events }) {
          await prof.start();
          const startedAt = now();
          let batch = '';
          for (let i = 0; i < (events as number); i++) {
            const frame = `id: ${i + 1}\nevent: bench.tick\ndata: ${JSON.stringify(apiEvent(i + 1, i))}\n\n`;
            if (kind === 'bare') for (const c of clients) c.write(frame);
            else batch += frame;
            if (i % 100 === 99 || i === (events as number) - 1) {
              if (batch) {
                const bytes = Buffer.from(batch);
                for (const c of clients) c.write(bytes);
                batch = '';
              }
              await new Promise((r) => setImmediate(r));
            }
          }
          return { startedAt };
        },
      },
      async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
      },
    );
    process.send!({ ready: { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, headers: {} } });
    return;
  }
  const { createHub } = await import('../src/hub.js');
  const hub = await createHub({ env: { LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-bench-sse-')), MOCK_EXTERNAL_APIS: 'true', EMAIL_PROVIDERS: 'smtp' } });
  const url = await hub.listen({ port: 0, host: '127.0.0.1' });
  const { key } = await hub.apiKeys.create({ name: 'bench' });
  serve(
    {
      async clients() {
        return { n: NaN };
      },
      profile: () => prof.stop(),
      // Record durably, 100 at a time (one group commit), as ingest would; streams take them live.
      async go({ events }) {
        const n = events as number;
        await prof.start();
        const startedAt = now();
        for (let i = 0; i < n; i += 100) {
          await Promise.all(
            Array.from({ length: Math.min(100, n - i) }, (_, j) =>
              hub.events.recordNow({ tenantId: 'default', type: 'bench.tick', provider: 'switchboard', occurredAt: Date.now(), data: { i: i + j }, raw: null }),
            ),
          );
        }
        return { startedAt };
      },
    },
    () => hub.close(),
  );
  process.send!({ ready: { url: `${url}/api/v1/events/stream?type=bench.*`, headers: { authorization: `Bearer ${key}` } } });
}

// ---------------------------------------------------------------- orchestration

interface Run {
  /** From the server's first event to the moment every subscriber had all of them. */
  ms: number;
  /** CPU time (user + system) the server and the subscriber processes spent in that run. */
  serverCpuMs: number;
  subscribersCpuMs: number;
}

async function run(kind: 'bare' | 'bare-batched' | 'hub', subscribers: number, events: number): Promise<Run> {
  const server = await child('server', [kind]);
  const subs = await child('subscribers', []);
  const cpu = async () => Promise.all([server.call<{ ms: number }>('cpu'), subs.call<{ ms: number }>('cpu')]);
  try {
    await subs.call('open', { url: server.info.url, headers: server.info.headers, n: subscribers });
    if (kind !== 'hub') while ((await server.call<{ n: number }>('clients')).n < subscribers) await new Promise((r) => setTimeout(r, 10));
    const [s0, c0] = await cpu();
    const done = subs.call<{ at: number }>('wait', { events });
    const { startedAt } = await server.call<{ startedAt: number }>('go', { events });
    const ms = (await done).at - startedAt;
    const [s1, c1] = await cpu();
    await server.call('profile');
    return { ms, serverCpuMs: Math.round(s1.ms - s0.ms), subscribersCpuMs: Math.round(c1.ms - c0.ms) };
  } finally {
    await subs.stop();
    await server.stop();
  }
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * `rounds` (BENCH_SSE_ROUNDS, 3) alternating bare and hub runs; the figures are the medians. The
 * ratio is against the plain bare server (one write per frame per client). For reference only,
 * `batched` is a bare server that writes the frames of 100 events as one buffer per client, the
 * best a server can do here; `ratioVsBatched` says how far the hub is from it.
 * Also reported: the CPU milliseconds each server spent per run (less sensitive than wall time to
 * other work on a shared machine) and the subscribers' (when they are near a core, the figure
 * measures the subscribers more than the server).
 */
export async function benchSse(options: { subscribers?: number; events?: number; rounds?: number } = {}) {
  const subscribers = options.subscribers ?? 100;
  const events = options.events ?? Number(process.env.BENCH_SSE_EVENTS ?? 2000);
  const rounds = options.rounds ?? Number(process.env.BENCH_SSE_ROUNDS ?? 3);
  const bare: Run[] = [];
  const batched: Run[] = [];
  const hubs: Run[] = [];
  for (let r = 0; r < rounds; r++) {
    bare.push(await run('bare', subscribers, events));
    hubs.push(await run('hub', subscribers, events));
    batched.push(await run('bare-batched', subscribers, events));
  }
  const base = median(bare.map((r) => r.ms));
  const hub = median(hubs.map((r) => r.ms));
  const best = median(batched.map((r) => r.ms));
  const rate = (ms: number) => ((subscribers * events) / ms) * 1000;
  const cpu = (rs: Run[]) => ({ serverCpuMs: median(rs.map((r) => r.serverCpuMs)), subscribersCpuMs: median(rs.map((r) => r.subscribersCpuMs)) });
  const [cb, ch] = [cpu(bare), cpu(hubs)];
  console.log(
    `${'SSE fan-out: hub vs bare SSE server'.padEnd(34)}  ${rate(hub).toFixed(0).padStart(7)} frames/s vs ${rate(base).toFixed(0).padStart(7)}  (x${(base / hub).toFixed(2)})  ` +
      `${events} events x ${subscribers} subscribers in ${hub.toFixed(0)}ms vs ${base.toFixed(0)}ms, median of ${rounds}; server CPU ${ch.serverCpuMs}ms vs ${cb.serverCpuMs}ms (x${(cb.serverCpuMs / ch.serverCpuMs).toFixed(2)}), ` +
      `subscribers' CPU ${ch.subscribersCpuMs}ms vs ${cb.subscribersCpuMs}ms (hub events durably recorded; subscribers and each server in processes of their own)`,
  );
  console.log(
    `${'  (ref.) vs a batching bare server'.padEnd(34)}  ${rate(hub).toFixed(0).padStart(7)} frames/s vs ${rate(best).toFixed(0).padStart(7)}  (x${(best / hub).toFixed(2)})  server CPU ${ch.serverCpuMs}ms vs ${cpu(batched).serverCpuMs}ms`,
  );
  return {
    hub: Math.round(rate(hub)),
    baseline: Math.round(rate(base)),
    ratio: Math.round((base / hub) * 1000) / 1000,
    subscribers,
    events,
    rounds,
    hubCpu: ch,
    baselineCpu: cb,
    cpuRatio: Math.round((cb.serverCpuMs / ch.serverCpuMs) * 1000) / 1000,
    batched: Math.round(rate(best)),
    batchedCpu: cpu(batched),
    ratioVsBatched: Math.round((best / hub) * 1000) / 1000,
    runs: { hubMs: hubs.map((r) => Math.round(r.ms)), baselineMs: bare.map((r) => Math.round(r.ms)), batchedMs: batched.map((r) => Math.round(r.ms)) },
  };
}

if (process.argv[1] === THIS && process.send) {
  const main = process.argv[2] === 'subscribers' ? subscribersMain() : serverMain(process.argv[3] ?? '');
  main.catch((err: unknown) => (console.error(err), process.exit(1)));
}
