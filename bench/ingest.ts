/**
 * Signed-webhook ingest, the hub in a process of its own and the load from another: the provider
 * route (`POST /webhooks/mailgun`, HMAC) and a custom-source route (`POST /webhooks/sources/:id`,
 * Standard Webhooks) against a bare Fastify route (also its own process), every request a fresh
 * validly signed event: max throughput, then p99 at a fixed offered rate (default 2,000 req/s,
 * `BENCH_INGEST_RATE`). Plus the memory run: RSS of the hub process over a long fixed-rate run.
 *
 * A second baseline, the durable floor (`floor.ts`: HMAC check, one SQLite insert with a UNIQUE
 * de-duplication key at `synchronous = FULL`, one transaction per turn), takes the same signed
 * requests as the custom-source route: bare Fastify writes nothing, so it tells what the hub costs
 * over no work at all; the floor tells what it costs over the least durable work.
 *
 * @example
 * const base = await ingestBaseline(); const sqlite = await benchIngest('sqlite', undefined, base);
 */
import { SECONDS, load, row, type Result } from './measure.js';
import { MAILGUN_KEY, type RequestSpec } from './requests.js';
import { startServer, type Server } from './server.js';

export const FIXED_RATE = Number(process.env.BENCH_INGEST_RATE ?? 2000);

const mailgun: RequestSpec = { kind: 'mailgun', path: '/webhooks/mailgun', key: MAILGUN_KEY };
const source = (s: Server): RequestSpec => ({ kind: 'standard-webhooks', path: `/webhooks/sources/${s.info.sourceId}`, secret: s.info.sourceSecret! });

export interface IngestBaseline {
  max: Result;
  fixed: Result;
  /** CPU µs the bare server spent per request of the max run. */
  cpuUs: number;
  /** The durable floor (`floor.ts`) with the custom-source requests: full speed and the fixed rate. */
  floor: { max: Result; fixed: Result & { server: ServerSide }; cpuUs: number };
}

const cpuOf = async (s: Server) => (await s.call<{ us: number }>('cpu')).us;

/** The server's own view of a fixed-rate run (`latency` in server-child.ts): its time per request and its event loop's delay. */
export interface ServerSide {
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  loopP99Ms: number;
  loopMaxMs: number;
}
/** A fixed-rate run with the server's own latency beside the generator's. */
async function fixedRun(s: Server, spec: RequestSpec): Promise<Result & { server: ServerSide }> {
  await s.call('latency'); // counts from one second after the run's first request, as the generator does
  const r = await load(s.info.url, spec, { rate: FIXED_RATE });
  return { ...r, server: await s.call<ServerSide>('latency') };
}
const serverSide = (r: { server: ServerSide }) => `server p50 ${r.server.p50Ms} ms, p99 ${r.server.p99Ms} ms, max ${r.server.maxMs} ms; event loop delay p99 ${r.server.loopP99Ms} ms, max ${r.server.loopMaxMs} ms`;
const requestsOf = (r: Result) => r.requests ?? r.rps * SECONDS;

/** `run` under load, and the server's CPU µs per request: while loaded, and until `settle` (the queue's work too). */
async function withCpu(s: Server, run: () => Promise<Result>, settle?: () => Promise<unknown>): Promise<Result & { cpuUs: number; cpuSettledUs?: number }> {
  const before = await cpuOf(s);
  const r = await run();
  const loaded = await cpuOf(s);
  const n = Math.max(1, requestsOf(r));
  if (!settle) return { ...r, cpuUs: Math.round((loaded - before) / n) };
  await settle();
  return { ...r, cpuUs: Math.round((loaded - before) / n), cpuSettledUs: Math.round(((await cpuOf(s)) - before) / n) };
}

export interface RouteFigures {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  reused?: boolean;
}
const figures = (r: Result): RouteFigures => ({ rps: Math.round(r.rps), p50Ms: r.p50, p99Ms: r.p99, errors: r.errors, non2xx: r.non2xx, ...(r.reused ? { reused: true } : {}) });
const ratio = (a: number, b: number) => (b === 0 ? null : Math.round((a / b) * 1000) / 1000);

/** The bare Fastify route and the durable floor, at full speed and at the fixed rate, measured once per bench run. */
export async function ingestBaseline(): Promise<IngestBaseline> {
  const bare = await startServer('bare');
  let base: Omit<IngestBaseline, 'floor'>;
  try {
    await load(bare.info.url, mailgun, { seconds: 1 });
    const max = await withCpu(bare, () => load(bare.info.url, mailgun));
    const fixed = await load(bare.info.url, mailgun, { rate: FIXED_RATE });
    base = { max, fixed, cpuUs: max.cpuUs };
  } finally {
    await bare.stop();
  }
  const floor = await startServer('floor');
  try {
    await load(floor.info.url, source(floor), { seconds: 1 });
    const max = await withCpu(floor, () => load(floor.info.url, source(floor)));
    const fixed = await fixedRun(floor, source(floor));
    console.log(row('durable floor vs bare', max, base.max));
    console.log(`  CPU per request: ${max.cpuUs} µs vs ${base.cpuUs} µs bare`);
    console.log(row(`  at ${FIXED_RATE} req/s`, fixed, base.fixed));
    console.log(`    ${serverSide(fixed)}`);
    return { ...base, floor: { max, fixed, cpuUs: max.cpuUs } };
  } finally {
    await floor.stop();
  }
}

export async function benchIngest(store: 'sqlite' | 'postgres', databaseUrl: string | undefined, base: IngestBaseline) {
  const hub = await startServer('hub', { databaseUrl });
  try {
    await load(hub.info.url, mailgun, { seconds: 1 });
    await hub.call('settle');
    const settle = () => hub.call('settle');
    const provider = await withCpu(hub, () => load(hub.info.url, mailgun), settle);
    const custom = await withCpu(hub, () => load(hub.info.url, source(hub)), settle);
    const providerFixed = await fixedRun(hub, mailgun);
    await hub.call('settle');
    const customFixed = await fixedRun(hub, source(hub));
    const stored = await hub.call<{ inbox: number; events: number }>('count');
    console.log(row(`ingest ${store}: mailgun vs bare`, provider, base.max));
    console.log(row(`ingest ${store}: source vs bare`, custom, base.max));
    console.log(row(`ingest ${store}: source vs floor`, custom, base.floor.max));
    const cpu = (r: { cpuUs: number; cpuSettledUs?: number }) => `${r.cpuUs} µs (${r.cpuSettledUs} µs with its queued work) vs ${base.cpuUs} µs bare, ${base.floor.cpuUs} µs floor`;
    console.log(`  CPU per request: mailgun ${cpu(provider)}; source ${cpu(custom)}`);
    console.log(row(`  at ${FIXED_RATE} req/s: mailgun`, providerFixed, base.fixed));
    console.log(`    ${serverSide(providerFixed)}`);
    console.log(row(`  at ${FIXED_RATE} req/s: source`, customFixed, base.fixed));
    console.log(`    ${serverSide(customFixed)}`);
    console.log(row(`  at ${FIXED_RATE} req/s: source vs floor`, customFixed, base.floor.fixed));
    for (const [name, r] of [['mailgun', providerFixed], ['source', customFixed]] as const) {
      if (r.rps < FIXED_RATE * 0.97) console.log(`  !! ${store} ${name}: offered ${FIXED_RATE} req/s NOT held (${r.rps.toFixed(0)} req/s answered), so its p99 is a lower bound`);
    }
    console.log(`  (${stored.inbox} provider deliveries in the inbox, ${stored.events} events stored; load by ${provider.tool})`);
    const fixed = (r: Result & { server: ServerSide }) => ({ ...figures(r), p99Ratio: ratio(r.p99, base.fixed.p99), held: r.rps >= FIXED_RATE * 0.97 && r.errors + r.non2xx === 0, server: r.server });
    return {
      max: {
        hub: Math.round(provider.rps),
        baseline: Math.round(base.max.rps),
        ratio: ratio(provider.rps, base.max.rps),
        p99Ms: provider.p99,
        baselineP99Ms: base.max.p99,
        errors: provider.errors + provider.non2xx + custom.errors + custom.non2xx,
        provider: { ...figures(provider), cpuUs: provider.cpuUs, cpuSettledUs: provider.cpuSettledUs },
        source: { ...figures(custom), ratio: ratio(custom.rps, base.max.rps), cpuUs: custom.cpuUs, cpuSettledUs: custom.cpuSettledUs },
        baselineCpuUs: base.cpuUs,
        floor: { ...figures(base.floor.max), cpuUs: base.floor.cpuUs, sourceRatio: ratio(custom.rps, base.floor.max.rps), providerRatio: ratio(provider.rps, base.floor.max.rps) },
        stored,
        tool: provider.tool,
      },
      fixed: { provider: fixed(providerFixed), source: { ...fixed(customFixed), p99RatioFloor: ratio(customFixed.p99, base.floor.fixed.p99) } },
    };
  } finally {
    await hub.stop();
  }
}

export const MEMORY_SECONDS = Number(process.env.BENCH_MEMORY_SECONDS ?? 60);
const MEMORY_RATE = Number(process.env.BENCH_MEMORY_RATE ?? FIXED_RATE);

export interface Growth {
  growth: number;
  /**
   * The JS heap in use after a full collection, at the end over before the run, minus 1: what the
   * run left behind. RSS also holds garbage that V8 collects only at its next major GC (the old
   * generation fills in a sawtooth under load), so `growth` depends on where in it the end falls.
   */
  retainedGrowth: number;
  retainedBeforeMb: number;
  retainedAfterMb: number;
  rssAfterFirstMb: number;
  rssEndMb: number;
  peakMb: number;
  seconds: number;
}

/**
 * Sample `server`'s RSS every second while `work` runs; growth = RSS at the end / RSS after the
 * first 10 s (or half the run when shorter) − 1. Around it, the heap retained after a full GC.
 */
export async function sampleRss(server: Server, seconds: number, work: () => Promise<unknown>): Promise<Growth> {
  const retainedBefore = (await server.call<{ heapUsed: number }>('gc')).heapUsed;
  const samples: [number, number][] = [];
  const started = performance.now();
  const timer = setInterval(() => samples.push([(performance.now() - started) / 1000, server.rss()]), 1000);
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  const end = server.rss();
  const mark = Math.min(10, seconds / 2);
  const first = samples.find(([t]) => t >= mark)?.[1] ?? samples[0]?.[1] ?? end;
  const mb = (b: number) => Math.round((b / 1048576) * 10) / 10;
  const retainedAfter = (await server.call<{ heapUsed: number }>('gc')).heapUsed;
  return {
    growth: Math.round((end / first - 1) * 1000) / 1000,
    rssAfterFirstMb: mb(first),
    rssEndMb: mb(end),
    peakMb: mb(Math.max(end, ...samples.map(([, r]) => r))),
    seconds,
    retainedGrowth: Math.round((retainedAfter / retainedBefore - 1) * 1000) / 1000,
    retainedBeforeMb: mb(retainedBefore),
    retainedAfterMb: mb(retainedAfter),
  };
}

/** The memory ingest run: Mailgun webhooks at a fixed rate to a SQLite hub for `MEMORY_SECONDS`. */
export async function memoryIngest(): Promise<Growth & { result: RouteFigures }> {
  const hub = await startServer('hub');
  try {
    let result: Result | undefined;
    const g = await sampleRss(hub, MEMORY_SECONDS, async () => (result = await load(hub.info.url, mailgun, { rate: MEMORY_RATE, seconds: MEMORY_SECONDS })));
    console.log(`memory, ingest ${MEMORY_SECONDS}s at ${MEMORY_RATE} req/s: RSS ${g.rssAfterFirstMb} MB after ${Math.min(10, MEMORY_SECONDS / 2)}s -> ${g.rssEndMb} MB at the end (growth ${(g.growth * 100).toFixed(1)}%, peak ${g.peakMb} MB); heap after a full GC ${g.retainedBeforeMb} MB before -> ${g.retainedAfterMb} MB after (${(g.retainedGrowth * 100).toFixed(1)}%)${result!.errors + result!.non2xx ? `  !! errors=${result!.errors} non2xx=${result!.non2xx}` : ''}`);
    return { ...g, result: figures(result!) };
  } finally {
    await hub.stop();
  }
}
