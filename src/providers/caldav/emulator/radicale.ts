/**
 * The CalDAV sandbox is a real server: Radicale (Debian's `radicale`, 3.x), started on a free
 * loopback port with its storage in a temporary folder and one user in a plain htpasswd file,
 * and one calendar (`Calendar`) made for it. It is stopped with the hub; a launcher thread also
 * ends it when the hub's process dies without closing it (its stdin pipe closes), so no Radicale
 * outlives its hub.
 *
 * Connectors reach it through a small proxy (`chaos-proxy.ts`) that applies the chaos knobs every
 * emulator has; `accepted` lists the writes that reached Radicale.
 *
 * @see https://radicale.org/v3.html#configuration
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { HubError } from '../../../core/errors.js';
import { NO_CHAOS, type Emulator, type EmulatorOptions } from '../../../kit/emulator.js';
import { startChaosProxy, type ChaosProxy } from './chaos-proxy.js';

export interface RadicaleEmulator extends Emulator {
  readonly credentials: { url: string; username: string; password: string };
  /** Writes (PUT, DELETE, MKCALENDAR) that reached Radicale, with its status, newest last. */
  readonly accepted: { method: string; path: string; status: number }[];
  /** The Radicale process id (tests check it is gone after `close`). */
  readonly pid: number;
  /** The URL of the calendar made at start (`…/<user>/calendar/`). */
  readonly calendarUrl: string;
}

/** Ends Radicale when its stdin closes (the parent died), then runs it as its `radicale` command would. */
const LAUNCHER = `
import os, sys, threading
def watch():
    try:
        sys.stdin.buffer.read()
    finally:
        os._exit(0)
threading.Thread(target=watch, daemon=True).start()
from radicale.__main__ import run
sys.argv = ['radicale'] + sys.argv[1:]
run()
`;

const NOT_INSTALLED = 'CalDAV sandbox: Radicale is not installed: install radicale (apt-get install radicale) or set CALDAV_URL, CALDAV_USERNAME and CALDAV_PASSWORD';

let found: { path: string; python: string | undefined } | undefined;

/** The Python that has Radicale: the interpreter of the `radicale` command on PATH, else python3 (asked once per PATH). */
export function radicalePython(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (found === undefined || found.path !== (env.PATH ?? '')) found = { path: env.PATH ?? '', python: findPython(env) };
  return found.python;
}

function findPython(env: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    const bin = join(dir, 'radicale');
    if (!existsSync(bin)) continue;
    const shebang = /^#!\s*(\S+)/.exec(readFileSync(bin, 'utf8').slice(0, 200))?.[1];
    if (shebang && !shebang.endsWith('/env') && works(shebang)) return shebang;
  }
  return ['/usr/bin/python3', 'python3'].find(works);
}

function works(python: string): boolean {
  return spawnSync(python, ['-c', 'import radicale'], { stdio: 'ignore', timeout: 10_000 }).status === 0;
}

/** Waits for Radicale's "Listening on" line and answers the port. */
function listening(child: ChildProcess, timeoutMs: number): Promise<number> {
  return new Promise((resolve, reject) => {
    let log = '';
    const timer = setTimeout(() => done(new Error(`Radicale did not start within ${timeoutMs} ms:\n${log.slice(-2000)}`)), timeoutMs);
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      const m = /Listening on '\[?[\d.]+\]?:(\d+)'/.exec(log);
      if (m) done(undefined, Number(m[1]));
    };
    const onExit = (code: number | null) => done(new Error(`Radicale exited (${code}) before listening:\n${log.slice(-2000)}`));
    const done = (err?: Error, port?: number) => {
      clearTimeout(timer);
      child.stderr!.off('data', onData);
      child.off('exit', onExit);
      child.stderr!.resume(); // keep draining: a full pipe would block Radicale's logging
      if (err) reject(err);
      else resolve(port!);
    };
    child.stderr!.on('data', onData);
    child.on('exit', onExit);
    child.on('error', (e) => done(e));
  });
}

/**
 * Starts Radicale with one user and one calendar.
 *
 * @example
 * const radicale = await startRadicaleEmulator();
 * // connection: { baseUrl: radicale.url, credentials: radicale.credentials }
 * await radicale.close();
 */
export async function startRadicaleEmulator(options: EmulatorOptions & { username?: string; password?: string; python?: string } = {}): Promise<RadicaleEmulator> {
  const python = options.python === undefined ? radicalePython() : works(options.python) ? options.python : undefined;
  if (!python) throw new HubError('not_configured', NOT_INSTALLED, { provider: 'caldav' });
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-radicale-'));
  const username = options.username ?? 'sandbox@example.com';
  const password = options.password ?? randomBytes(12).toString('hex');
  await writeFile(join(dir, 'users'), `${username}:${password}\n`, { mode: 0o600 });
  const config = [
    '[server]',
    'hosts = 127.0.0.1:0',
    '[auth]',
    'type = htpasswd',
    `htpasswd_filename = ${join(dir, 'users')}`,
    'htpasswd_encryption = plain',
    'delay = 0',
    '[rights]',
    'type = owner_only',
    '[storage]',
    `filesystem_folder = ${join(dir, 'collections')}`,
    '[web]',
    'type = none',
    '[logging]',
    'level = info',
    'mask_passwords = True',
  ].join('\n');
  await writeFile(join(dir, 'config'), `${config}\n`);
  const child = spawn(python, ['-c', LAUNCHER, '--config', join(dir, 'config')], { stdio: ['pipe', 'ignore', 'pipe'] });
  let port: number;
  try {
    port = await listening(child, 20_000);
  } catch (err) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw new HubError('not_configured', `CalDAV sandbox: Radicale did not start (${(err as Error).message.split('\n')[0]}); ${NOT_INSTALLED.split(': ').slice(-1)[0]}`, { provider: 'caldav', cause: err });
  }
  const exited = new Promise<void>((resolve) => (child.exitCode !== null ? resolve() : child.once('exit', () => resolve())));
  const stop = async () => {
    // The launcher exits at once when its stdin closes; SIGTERM (Radicale's graceful stop takes ~1 s) and SIGKILL only if not.
    child.stdin?.end();
    const term = setTimeout(() => child.kill('SIGTERM'), 2000);
    const kill = setTimeout(() => child.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(term);
    clearTimeout(kill);
    await rm(dir, { recursive: true, force: true });
  };
  const chaos = { ...NO_CHAOS };
  let proxy: ChaosProxy;
  try {
    proxy = await startChaosProxy(port, chaos, options.port ?? 0);
    const auth = `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
    const body = `<?xml version="1.0" encoding="utf-8"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Calendar</D:displayname></D:prop></D:set></C:mkcalendar>`;
    const made = await fetch(`http://127.0.0.1:${port}/${encodeURIComponent(username)}/calendar/`, { method: 'MKCALENDAR', headers: { authorization: auth, 'content-type': 'application/xml' }, body });
    if (made.status !== 201) throw new Error(`Radicale refused MKCALENDAR (${made.status}): ${await made.text()}`);
  } catch (err) {
    await stop();
    throw err;
  }
  const url = proxy.url;
  let closing: Promise<void> | undefined;
  return {
    url,
    credentials: { url, username, password },
    calendarUrl: `${url}${encodeURIComponent(username)}/calendar/`,
    pid: child.pid!,
    chaos,
    accepted: proxy.writes,
    setWebhookTarget: () => {}, // CalDAV has no webhooks: the hub polls with sync-collection
    close() {
      closing ??= proxy.close().then(stop);
      return closing;
    },
  };
}
