/**
 * A fixed offered rate, open loop, as a process of its own (`bench/measure.ts` runs it for every
 * `load(…, { rate })`): request i is sent at `start + i / rate` whatever the server is doing, over
 * an undici pool of up to `connections` keep-alive connections, and its latency runs from that
 * scheduled moment to the end of its answer. A server that falls behind therefore shows its
 * queueing in the latencies (no coordinated omission), and the rate is offered evenly, not as a
 * burst at the start of each second (autocannon's `overallRate` sends each connection's quota for
 * the second back to back, then pauses: its "fixed rate" latencies measured bursts).
 *
 * The first second (pool connections opening, JIT warming on both sides) is sent but not counted
 * in the percentiles when the run is longer than 2 s.
 *
 * Reads `{origin, spec, connections, seconds, rate}`; prints one JSON line: the Result of measure.ts.
 */
import { Pool } from 'undici';
import { maker, type RequestSpec } from './requests.js';

interface Job {
  origin: string;
  spec: RequestSpec;
  connections: number;
  seconds: number;
  rate: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const next = maker(job.spec);
const total = Math.round(job.rate * job.seconds);
// Made ahead, so signing never delays a send.
const requests = Array.from({ length: total }, next);
const pool = new Pool(job.origin, { connections: job.connections, pipelining: 1, keepAliveTimeout: 30_000 });
const latencies = new Float64Array(total);
let done = 0;
let errors = 0;
let non2xx = 0;

const finished = new Promise<void>((resolve) => {
  const send = (i: number, scheduled: number) => {
    const r = requests[i]!;
    pool.request({ method: r.method as 'POST', path: r.path, headers: r.headers, body: r.body }).then(
      async (res) => {
        await res.body.dump();
        if (res.statusCode < 200 || res.statusCode >= 300) non2xx++;
        latencies[i] = performance.now() - scheduled;
      },
      () => {
        errors++;
        latencies[i] = NaN;
      },
    ).finally(() => {
      if (++done === total) resolve();
    });
  };
  const start = performance.now() + 5;
  const intervalMs = 1000 / job.rate;
  let sent = 0;
  const tick = () => {
    const now = performance.now();
    // Everything due by now goes out, each timed from its own scheduled moment.
    while (sent < total && start + sent * intervalMs <= now) {
      send(sent, start + sent * intervalMs);
      sent++;
    }
    if (sent < total) setTimeout(tick, Math.max(0, start + sent * intervalMs - performance.now()));
  };
  setTimeout(tick, 5);
});

const began = performance.now();
await finished;
const elapsedS = (performance.now() - began) / 1000;
await pool.close();
const warmup = job.seconds > 2 ? Math.min(total, Math.round(job.rate)) : 0;
const ok = [...latencies.subarray(warmup)].filter((l) => !Number.isNaN(l)).sort((a, b) => a - b);
const pct = (p: number) => (ok.length === 0 ? NaN : Math.round(ok[Math.min(ok.length - 1, Math.floor((p / 100) * ok.length))]! * 100) / 100);
process.stdout.write(`${JSON.stringify({ rps: total / elapsedS, p50: pct(50), p99: pct(99), errors, non2xx, requests: total, tool: 'paced' })}\n`);
