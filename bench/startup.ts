/**
 * Start-up: the time from spawning `node bin/switchboard.js start` (sandbox mode, a temporary
 * DATA_DIR) to its first `200` on `GET /api/v1/integrations/health`, against a bare Fastify
 * process started the same way (`node bench/bare-health.mjs`) answering the same path. Median of
 * `runs` alternated starts each, after one unmeasured start of each (the hub's first start on the
 * empty DATA_DIR, which migrates and writes the encryption key, is printed apart).
 *
 * `dist/` is brought up to date first (`tsc -b`, a no-op when nothing changed), as `npm start` does.
 *
 * `tsx bench/startup.ts` runs it alone; `tsx bench/startup.ts --npm-start` times `npm start` in
 * the repository instead of `node bin/switchboard.js start`, build check included and no build
 * beforehand: on a clone with no `dist/`, the first start printed is the cold one.
 *
 * @example
 * await benchStartup({ runs: 5 }); // called from bench/run.ts
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const HEALTH = '/api/v1/integrations/health';

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface StartCommand {
  command: string;
  args: string[];
  cwd: string;
  env?: Record<string, string>;
}

/**
 * Milliseconds from spawning `cmd` (given PORT and HOST) to its first 200 on the health path;
 * the process (group) is stopped afterwards.
 */
export async function timeToHealthy(cmd: StartCommand, timeoutMs = 120_000): Promise<number> {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn(cmd.command, cmd.args, {
    cwd: cmd.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? tmpdir(), LOG_LEVEL: 'warn', ...cmd.env, PORT: String(port), HOST: '127.0.0.1' },
    stdio: ['ignore', 'ignore', 'pipe'],
    detached: true, // its own process group: `npm start` runs node under a shell
  });
  let stderr = '';
  proc.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let exited: number | null | undefined;
  const gone = new Promise<void>((resolve) => proc.on('exit', (code) => ((exited = code), resolve())));
  try {
    for (;;) {
      if (exited !== undefined) throw new Error(`${cmd.command} ${cmd.args.join(' ')} exited with ${exited} before answering:\n${stderr}`);
      if (performance.now() - started > timeoutMs) throw new Error(`no 200 on ${HEALTH} within ${timeoutMs} ms:\n${stderr}`);
      const status = await fetch(`http://127.0.0.1:${port}${HEALTH}`).then(
        async (r) => (await r.arrayBuffer(), r.status),
        () => 0,
      );
      if (status === 200) return performance.now() - started;
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    if (exited === undefined) {
      process.kill(-proc.pid!, 'SIGTERM');
      const killer = setTimeout(() => process.kill(-proc.pid!, 'SIGKILL'), 10_000);
      await gone;
      clearTimeout(killer);
    }
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

/** One printed row, in the layout of the other benchmarks: subject vs baseline (x ratio). */
function startupRow(name: string, subject: number[], baseline: number[]): string {
  const [a, b] = [median(subject), median(baseline)];
  const spread = (xs: number[]) => `${Math.min(...xs).toFixed(0)}–${Math.max(...xs).toFixed(0)}`;
  return [name.padEnd(34), `${a.toFixed(0).padStart(7)} ms vs ${b.toFixed(0).padStart(7)} ms  (x${(a / b).toFixed(2)})`, `  median of ${subject.length}; ranges ${spread(subject)} ms vs ${spread(baseline)} ms`].join('  ');
}

export interface StartupResult {
  hubMs: number[];
  bareMs: number[];
  firstStartMs: number;
}

export async function benchStartup(options: { runs?: number; npmStart?: boolean } = {}): Promise<StartupResult> {
  const runs = options.runs ?? 5;
  if (!options.npmStart) {
    const build = spawnSync(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'], { cwd: ROOT, encoding: 'utf8' });
    if (build.status !== 0) throw new Error(`tsc -b tsconfig.build.json failed:\n${build.stdout}${build.stderr}`);
  }
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-bench-start-'));
  const env = { MOCK_EXTERNAL_APIS: 'true', DATA_DIR: dataDir };
  // cwd: the data dir, so no .env of the repository is read; `npm start` needs the repository.
  const hub: StartCommand = options.npmStart ? { command: 'npm', args: ['start', '--silent'], cwd: ROOT, env } : { command: process.execPath, args: [join(ROOT, 'bin/switchboard.js'), 'start'], cwd: dataDir, env };
  const bare: StartCommand = { command: process.execPath, args: [join(ROOT, 'bench/bare-health.mjs')], cwd: dataDir };
  try {
    const firstStartMs = await timeToHealthy(hub);
    await timeToHealthy(bare);
    const hubMs: number[] = [];
    const bareMs: number[] = [];
    for (let i = 0; i < runs; i++) {
      hubMs.push(await timeToHealthy(hub));
      bareMs.push(await timeToHealthy(bare));
    }
    const what = options.npmStart ? 'npm start' : 'start-up';
    console.log(`\n${startupRow(`${what}: hub vs bare Fastify (to 200)`, hubMs, bareMs)}`);
    const first = options.npmStart ? 'first `npm start` (building dist when it is missing or stale)' : "hub's first start";
    console.log(`(the ${first} on an empty DATA_DIR, migrations included: ${firstStartMs.toFixed(0)} ms)`);
    return { hubMs, bareMs, firstStartMs };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchStartup({ npmStart: process.argv.includes('--npm-start') }).catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
