/**
 * The parent side of bench/server-child.ts: start a server under test in its own process, send it
 * commands, sample its RSS, stop it (SIGKILL after 15 s; killed at exit in any case).
 *
 * @example
 * const hub = await startServer('hub', { databaseUrl });
 * await load(hub.info.url, …); await hub.call('settle'); await hub.stop();
 */
import type { ChildProcess } from 'node:child_process';
import pg from 'pg';
import { rssOf, spawnTs } from './measure.js';

export interface ServerInfo {
  url: string;
  pid: number;
  sourceId?: string;
  sourceSecret?: string;
  dialect?: string;
}

/** A process under test driven over IPC: `{ready: info}` first, then `{id, cmd, args}` → `{id, result | error}`. */
export interface Child<I> {
  info: I;
  call<T = Record<string, number>>(cmd: string, args?: Record<string, unknown>): Promise<T>;
  /** Ask it to close (SIGKILL after 15 s). */
  stop(): Promise<void>;
}

export interface Server extends Child<ServerInfo> {
  rss(): number;
}

/**
 * Start a bench file (relative to bench/, or absolute) as a server under test in its own process;
 * `BENCH_CPU_PROF=DIR` makes it write its CPU profile when it stops.
 */
export async function startChild<I>(file: string, args: string[], label: string, options: { profile?: boolean } = {}): Promise<Child<I>> {
  // --expose-gc: the memory runs ask for a full collection before and after (the `gc` command) to tell retained memory from garbage.
  const child: ChildProcess = spawnTs(file, args, { ipc: true, profile: options.profile ?? true, nodeFlags: ['--expose-gc'] });
  child.stdout!.resume();
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  let seq = 0;
  const info = await new Promise<I>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} did not start in 120 s`)), 120_000);
    child.once('exit', (code) => (clearTimeout(timer), reject(new Error(`${label} exited with ${code} before it was ready`))));
    child.on('message', (m: { ready?: I; id?: number; result?: unknown; error?: string }) => {
      if (m.ready) return clearTimeout(timer), resolve(m.ready);
      const p = pending.get(m.id!);
      pending.delete(m.id!);
      if (m.error) p?.reject(new Error(m.error));
      else p?.resolve(m.result);
    });
  });
  child.on('exit', (code) => {
    for (const p of pending.values()) p.reject(new Error(`${label} exited with ${code}`));
  });
  const call = <T>(cmd: string, args: Record<string, unknown> = {}) =>
    new Promise<T>((resolve, reject) => {
      const id = ++seq;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, cmd, args });
    });
  return {
    info,
    call,
    async stop() {
      if (child.exitCode !== null) return;
      const gone = new Promise((r) => child.once('exit', r));
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      call('close').catch(() => {});
      await gone;
      clearTimeout(timer);
    },
  };
}

export async function startServer(mode: 'bare' | 'floor' | 'hub' | 'deliveries', opts: { databaseUrl?: string; receiverUrl?: string } = {}): Promise<Server> {
  const child = await startChild<ServerInfo>('server-child.ts', [mode, JSON.stringify(opts)], `${mode} server`);
  return { ...child, rss: () => rssOf(child.info.pid) };
}

export const DEFAULT_PG_URL = 'postgres://postgres@127.0.0.1:5432/test';

/** The PostgreSQL of the bench (`BENCH_DATABASE_URL`, default the machine's; `off` skips), or null when unreachable. */
export async function benchPostgres(): Promise<string | null> {
  const url = process.env.BENCH_DATABASE_URL || DEFAULT_PG_URL;
  if (url === 'off') return null;
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('select 1');
    return url;
  } catch (err) {
    console.warn(`!!! PostgreSQL at ${url} is not reachable (${(err as Error).message}): PostgreSQL figures are SKIPPED`);
    return null;
  } finally {
    await client.end().catch(() => {});
  }
}

/** Run on PostgreSQL in a schema of its own (dropped after), so runs never see each other's rows. */
export async function inFreshSchema<T>(databaseUrl: string, fn: (url: string) => Promise<T>): Promise<T> {
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
