/**
 * The autocannon load generator (full speed, when wrk is not installed) as a process of its own
 * (`node --import tsx bench/load-child.ts '<json>'`), so it never shares an event loop with the
 * server under test. Reads `{origin, spec, connections, seconds}`; prints one JSON line: the
 * Result of measure.ts. A fixed offered rate is `paced-child.ts`.
 * Signed requests are unique per request (no worker threads here, so functions are fine).
 */
import autocannon from 'autocannon';
import { maker, type RequestSpec } from './requests.js';

interface Job {
  origin: string;
  spec: RequestSpec;
  connections: number;
  seconds: number;
}

const job = JSON.parse(process.argv[2] ?? '{}') as Job;
const next = maker(job.spec);
const first = next();
const options: autocannon.Options = {
  url: `${job.origin}${first.path}`,
  connections: job.connections,
  duration: job.seconds,
};
if (job.spec.kind === 'static') Object.assign(options, { method: first.method, headers: first.headers, body: first.body });
else {
  // Made ahead (a shared cursor keeps every request unique across connections), so signing does
  // not run between the generator's sends; made on the fly once the pool runs out.
  const pool = Array.from({ length: Math.min(job.seconds * 10_000, 600_000) }, next);
  let i = 0;
  options.requests = [{ method: 'POST', setupRequest: (req) => ({ ...req, ...(i < pool.length ? pool[i++] : next()) }) as typeof req }];
}

const r = await autocannon(options);
process.stdout.write(
  `${JSON.stringify({ rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts, non2xx: r.non2xx, requests: r.requests.total, tool: 'autocannon' })}\n`,
);
