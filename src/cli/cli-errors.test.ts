/**
 * The CLI's first contact, as a new user meets it (real child processes): `--help` never prints a
 * key; the hub URL comes from SWITCHBOARD_URL, else `http://127.0.0.1:$PORT` (also from `.env`),
 * and a hub that does not answer is one line naming that URL; a missing or broken CSV is one line
 * naming the file; `keys create` without `--scopes` asks on a terminal and otherwise refuses to
 * guess `*`; the start banner says how to get a key when one already exists.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { systemClock } from '../core/clock.js';
import { ApiKeyStore } from '../server/api-key-store.js';
import { openStore } from '../store/store.js';
import { startChildHub } from '../../test/helpers/child-hub.js';
import { ROOT, runCli } from '../../test/helpers/cli.js';

const SLOW = { timeout: 120_000 };
const SECRET_KEY = 'sb_live_DO_NOT_PRINT_THIS_KEY_0123456789';
const temp = () => mkdtempSync(join(tmpdir(), 'sb-cli-'));

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** stderr is exactly one `error: …` line (no stack trace). */
const oneLine = (stderr: string) => {
  const lines = stderr.trim().split('\n');
  expect(lines, stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^error: /);
  return lines[0]!;
};

describe.concurrent('--help never prints a key', () => {
  it.each([[['--help']], [['start', '--help']], [['keys', 'create', '--help']], [['email', 'bulk', '--help']], [['health', '--help']]])('switchboard %j', SLOW, async (args) => {
    const dataDir = temp();
    const run = await runCli(args, { SWITCHBOARD_API_KEY: SECRET_KEY, DATA_DIR: dataDir });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^Usage: switchboard/);
    expect(run.stdout + run.stderr).not.toContain(SECRET_KEY);
    expect(run.stdout + run.stderr).not.toMatch(/sb_(live|test)_/);
    expect(readdirSync(dataDir)).toEqual([]); // no store opened, no key generated
  });
});

describe.concurrent('the hub URL, and a hub that does not answer', () => {
  it('default http://127.0.0.1:$PORT, named with what to do', SLOW, async () => {
    const port = await closedPort();
    const csv = join(temp(), 'r.csv');
    writeFileSync(csv, 'email\nann@example.com\n');
    const run = await runCli(['email', 'bulk', '--csv', csv, '--template', 'welcome'], { PORT: String(port), SWITCHBOARD_API_KEY: SECRET_KEY });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toBe(`error: could not reach the hub at http://127.0.0.1:${port}: connection refused; start it with \`npm start\` or set SWITCHBOARD_URL`);
  });
  it('SWITCHBOARD_URL wins over PORT; health names it too', SLOW, async () => {
    const port = await closedPort();
    const run = await runCli(['health'], { SWITCHBOARD_URL: `http://127.0.0.1:${port}/`, PORT: '1' });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toBe(`error: could not reach the hub at http://127.0.0.1:${port}: connection refused; start it with \`npm start\` or set SWITCHBOARD_URL`);
  });
  it('PORT from a .env file in the working directory, as the hub reads it', SLOW, async () => {
    const port = await closedPort();
    const dir = temp();
    writeFileSync(join(dir, '.env'), `PORT=${port}\n`);
    const run = await runCli(['health'], {}, dir);
    expect(oneLine(run.stderr)).toContain(`http://127.0.0.1:${port}: connection refused`);
  });
});

describe.concurrent('CSV files that cannot be used', () => {
  it.each([
    ['missing.csv', null, /^error: cannot read .*missing\.csv: no such file$/],
    ['a-directory', 'dir', /^error: cannot read .*a-directory: it is a directory, not a CSV file$/],
    ['quote.csv', 'email\n"ann@example.com\n', /^error: .*quote\.csv: Quote Not Closed: .* at line 2; fix the file/],
  ])('%s: one line naming the file, exit 1, the hub never called', SLOW, async (name, content, expected) => {
    const path = join(temp(), name);
    if (content === 'dir') spawnSync('mkdir', [path]);
    else if (content !== null) writeFileSync(path, content);
    const run = await runCli(['email', 'bulk', '--csv', path, '--template', 'welcome'], { SWITCHBOARD_API_KEY: SECRET_KEY, SWITCHBOARD_URL: `http://127.0.0.1:${await closedPort()}` });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toMatch(expected);
  });
});

describe.concurrent('keys create without --scopes', () => {
  it('off a terminal: exit 1 telling to pass --scopes, with \'*\' named explicitly; no key made', SLOW, async () => {
    const dataDir = temp();
    const run = await runCli(['keys', 'create', '--name', 'ci'], { DATA_DIR: dataDir });
    expect(run.code).toBe(1);
    expect(oneLine(run.stderr)).toContain("--scopes '*' explicitly");
    expect(run.stdout).toBe('');
    expect(readdirSync(dataDir)).toEqual([]);
  });
  it.skipIf(!existsSync('/usr/bin/script'))('on a terminal: asks for the scopes and creates the key with them', SLOW, async () => {
    const dataDir = temp();
    // script(1) gives the CLI a pseudo-terminal; the answer is typed once the prompt is up.
    const typed = spawnSync('sh', ['-c', `(sleep 6; printf 'email:send, jobs:read\\r') | script -qec "${ROOT}node_modules/.bin/tsx ${ROOT}src/cli/main.ts keys create --name tty" /dev/null`], {
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', DATA_DIR: dataDir, LOG_LEVEL: 'warn' },
      encoding: 'utf8',
      timeout: 45_000,
    });
    expect(typed.stdout).toContain('Scopes for this key');
    expect(typed.stdout).toMatch(/scopes email:send,jobs:read; store it now/);
    const store = await openStore({ dataDir });
    try {
      expect((await new ApiKeyStore(store, systemClock).list()).map((k) => k.scopes)).toEqual([['email:send', 'jobs:read']]);
    } finally {
      await store.close();
    }
  });
});

describe('the start banner', () => {
  it('says how to get an API key when one already exists', SLOW, async () => {
    const dataDir = temp();
    const store = await openStore({ dataDir });
    await new ApiKeyStore(store, systemClock).create({ name: 'first' });
    await store.close();
    const hub = await startChildHub({ DATA_DIR: dataDir, NODE_ENV: 'test', EMAIL_PROVIDERS: 'sendgrid' });
    try {
      await expect.poll(() => hub.output(), { timeout: 10_000 }).toContain('docs:');
      expect(hub.output()).toContain("API key: one exists already (keys are shown only when created); for another: `npx switchboard keys create --name me --scopes '*'`");
      expect(hub.output()).not.toMatch(/sb_(live|test)_/);
    } finally {
      await hub.stop('SIGTERM');
    }
  });
});
