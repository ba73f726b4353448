/**
 * What every benchmark shares: load from a process of its own (full speed: wrk when on PATH, else
 * autocannon in a child process; a fixed offered rate: `paced-child.ts`, open loop), one
 * printed row of ratios against a baseline measured in the same run, and the bookkeeping that
 * kills every spawned process at the end, also on error.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isUnique, maker, type RequestSpec } from './requests.js';

export const SECONDS = Number(process.env.BENCH_SECONDS ?? 5);
export const CONNECTIONS = 32;
/**
 * Connections a fixed-rate run may open: enough for answers up to 128 ms at the offered rate
 * (256 at 2,000 req/s). An open loop capped by its own pool is not open: with 32 connections at
 * 2,000 req/s, any stretch of answers slower than 16 ms made requests wait for a connection inside
 * the generator, and those waits (hundreds of ms, while the server's own p99 was under 30 ms) were
 * counted as the server's latency. Webhook senders do not share a fixed handful of connections.
 */
export const pacedConnections = (rate: number) => Math.max(CONNECTIONS, Math.ceil(rate * 0.128));
const HERE = fileURLToPath(new URL('.', import.meta.url));

export interface Result {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
  /** Requests sent in all; `reused` when wrk cycled through its pre-made unique requests. */
  requests?: number;
  tool?: 'wrk' | 'autocannon' | 'paced';
  reused?: boolean;
}

export interface LoadOptions {
  seconds?: number;
  connections?: number;
  /** A fixed offered rate in req/s, evenly spaced, open loop (`paced-child.ts`). */
  rate?: number;
}

// ---- child processes: all tracked, all killed on exit ----
const children = new Set<ChildProcess>();
export function track(child: ChildProcess): ChildProcess {
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}
export function killAll(): void {
  for (const c of children) if (c.exitCode === null && c.pid) c.kill('SIGKILL');
}
process.once('exit', killAll);
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (killAll(), process.exit(130)));

/**
 * `node --import tsx <bench file>` (a path relative to bench/, or absolute): the pid is node's own
 * (RSS sampling reads it). `profile`: with `BENCH_CPU_PROF=DIR` the process (a server under test)
 * writes a V8 CPU profile into DIR when it stops (read it with bench/profile-summary.ts).
 */
export function spawnTs(file: string, args: string[], options: { ipc?: boolean; env?: NodeJS.ProcessEnv; profile?: boolean; nodeFlags?: string[] } = {}): ChildProcess {
  const dir = process.env.BENCH_CPU_PROF;
  const flags = [...(options.nodeFlags ?? []), ...(options.profile && dir ? ['--cpu-prof', '--cpu-prof-dir', dir] : [])];
  return track(
    spawn(process.execPath, [...flags, '--import', 'tsx', isAbsolute(file) ? file : join(HERE, file), ...args], {
      stdio: options.ipc ? ['ignore', 'pipe', 'inherit', 'ipc'] : ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, ...options.env },
    }),
  );
}

async function output(child: ChildProcess, timeoutMs: number): Promise<string> {
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearTimeout(timer);
  if (code !== 0) throw new Error(`load generator exited with ${code}: ${out.slice(0, 500)}`);
  return out;
}

let wrkPath: string | null | undefined;
/** wrk on PATH (`BENCH_LOAD=autocannon` forces autocannon). */
export function wrkAvailable(): boolean {
  if (process.env.BENCH_LOAD === 'autocannon') return false;
  wrkPath ??= spawnSync('wrk', ['--version']).error ? null : 'wrk';
  return wrkPath !== null;
}

/** Unique requests wrk gets ahead of time: enough for this many req/s over the run. */
const WRK_MAX_RPS = Number(process.env.BENCH_WRK_MAX_RPS ?? 30_000);

async function wrk(origin: string, spec: RequestSpec, seconds: number, connections: number): Promise<Result> {
  const dir = mkdtempSync(join(tmpdir(), 'sb-bench-wrk-'));
  try {
    const next = maker(spec);
    const count = isUnique(spec) ? Math.min(seconds * WRK_MAX_RPS, 2_000_000) : 1;
    const lines: string[] = [];
    for (let i = 0; i < count; i++) {
      const r = next();
      lines.push([r.method, r.path, ...Object.entries(r.headers).map(([k, v]) => `${k}:${v}`), r.body ?? ''].join('\t'));
    }
    const file = join(dir, 'requests.tsv');
    writeFileSync(file, `${lines.join('\n')}\n`);
    lines.length = 0;
    const child = track(spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', join(HERE, 'wrk.lua'), `${origin}/`, '--', file], { stdio: ['ignore', 'pipe', 'inherit'] }));
    const out = await output(child, (seconds + 60) * 1000);
    const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
    if (!line) throw new Error(`wrk printed no result: ${out.slice(0, 500)}`);
    const w = JSON.parse(line) as { requests: number; durationUs: number; connect: number; read: number; write: number; status: number; timeout: number; p50Us: number; p99Us: number };
    return {
      rps: w.requests / (w.durationUs / 1e6),
      p50: Math.round(w.p50Us / 10) / 100,
      p99: Math.round(w.p99Us / 10) / 100,
      errors: w.connect + w.read + w.write + w.timeout,
      non2xx: w.status,
      requests: w.requests,
      tool: 'wrk',
      reused: isUnique(spec) && w.requests > count,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * Load `origin` with requests of `spec` from a separate process: wrk at full speed when installed,
 * else autocannon in a child process; a fixed `rate` evenly spaced from `paced-child.ts`.
 *
 * @example
 * await load('http://127.0.0.1:3000', { kind: 'static', method: 'GET', path: '/health' }, { rate: 2000 });
 */
export async function load(origin: string, spec: RequestSpec, options: LoadOptions = {}): Promise<Result> {
  const seconds = options.seconds ?? SECONDS;
  const connections = options.connections ?? (options.rate ? pacedConnections(options.rate) : CONNECTIONS);
  if (!options.rate && wrkAvailable()) return wrk(origin, spec, seconds, connections);
  const child = options.rate ? spawnTs('paced-child.ts', [JSON.stringify({ origin, spec, connections, seconds, rate: options.rate })]) : spawnTs('load-child.ts', [JSON.stringify({ origin, spec, connections, seconds })]);
  const out = await output(child, (seconds + 60) * 1000);
  return JSON.parse(out.trim().split('\n').pop()!) as Result;
}

/** Resident set size of a process in bytes (Linux `/proc`), or NaN when gone. */
export function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : NaN;
  } catch {
    return NaN;
  }
}

const flag = (r: Result) => r.errors + r.non2xx > 0 || r.reused;
export function row(name: string, subject: Result, baseline: Result): string {
  const ratio = (a: number, b: number) => (b === 0 ? 'n/a' : (a / b).toFixed(2));
  return [
    name.padEnd(34),
    `${subject.rps.toFixed(0).padStart(7)} req/s vs ${baseline.rps.toFixed(0).padStart(7)}  (x${ratio(subject.rps, baseline.rps)})`,
    `p50 ${subject.p50}ms vs ${baseline.p50}ms (x${ratio(subject.p50, baseline.p50)})`,
    `p99 ${subject.p99}ms vs ${baseline.p99}ms (x${ratio(subject.p99, baseline.p99)})`,
    flag(subject) || flag(baseline) ? `  !! errors=${subject.errors}/${baseline.errors} non2xx=${subject.non2xx}/${baseline.non2xx}${subject.reused ? ' (unique requests ran out: duplicates sent)' : ''}` : '',
  ].join('  ');
}
