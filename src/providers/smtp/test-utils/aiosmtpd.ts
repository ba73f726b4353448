/**
 * Test wiring: Debian's python3-aiosmtpd, an SMTP server nobody on this team wrote, spawned on a
 * free loopback port and storing what it receives in a Maildir (its `Mailbox` handler records the
 * envelope as `X-MailFrom` / `X-RcptTo` headers).
 *
 * @see https://aiosmtpd.aio-libs.org/en/latest/cli.html
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../../transport/test-utils/server.js';

/** The Debian package that provides the server. */
export const AIOSMTPD_PACKAGE = 'python3-aiosmtpd';

/**
 * The Python interpreter that can import aiosmtpd, or undefined. Debian's interpreter first: a
 * pyenv `python3` on PATH does not see Debian's packages. `AIOSMTPD_PYTHON` overrides.
 *
 * @example
 * const python = findAiosmtpdPython(); // '/usr/bin/python3'
 */
export function findAiosmtpdPython(): string | undefined {
  return [process.env.AIOSMTPD_PYTHON, '/usr/bin/python3', 'python3']
    .filter((p): p is string => Boolean(p))
    .find((p) => spawnSync(p, ['-c', 'import aiosmtpd'], { stdio: 'ignore', timeout: 15_000 }).status === 0);
}

/**
 * Says loudly that a test against the real server is skipped (call it when not in CI).
 *
 * @example
 * if (!python && !inCi) warnAiosmtpdMissing('the SMTP test against a real server');
 */
export function warnAiosmtpdMissing(what: string): void {
  console.warn(`\n!!! ${AIOSMTPD_PACKAGE} is not installed: SKIPPING ${what} (apt-get install -y ${AIOSMTPD_PACKAGE}) !!!\n`);
}

/** Resolves once the server sends its `220` greeting. */
async function waitForGreeting(port: number, child: ChildProcess, stderr: () => string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited with ${child.exitCode}: ${stderr()}`);
    const greeted = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      socket.once('data', (chunk) => {
        socket.end('QUIT\r\n');
        resolve(chunk.toString().startsWith('220'));
      });
      socket.once('error', () => resolve(false));
    });
    if (greeted) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`aiosmtpd did not greet on port ${port} within 10 s: ${stderr()}`);
}

/** A running aiosmtpd. */
export interface AiosmtpdServer {
  /** `smtp://127.0.0.1:<port>`, a connection's base URL. */
  baseUrl: string;
  maildir: string;
  /** The raw messages in `Maildir/new`, as stored. */
  delivered(): Promise<Buffer[]>;
  /** SIGTERM (SIGKILL after 3 s), then remove the Maildir. */
  stop(): Promise<void>;
}

/**
 * Spawns aiosmtpd (no AUTH, no TLS) with the Maildir handler and waits for its greeting.
 *
 * @example
 * const server = await startAiosmtpd(python, { sizeLimit: 200_000 });
 * // connection: { baseUrl: server.baseUrl, credentials: { host: '127.0.0.1' } }
 * await server.stop();
 */
export async function startAiosmtpd(python: string, options: { sizeLimit?: number } = {}): Promise<AiosmtpdServer> {
  const tmp = await mkdtemp(join(tmpdir(), 'switchboard-aiosmtpd-'));
  const maildir = join(tmp, 'Maildir'); // Python creates cur/new/tmp only when the folder is new
  const port = await freePort();
  let stderr = '';
  const size = options.sizeLimit === undefined ? [] : ['-s', String(options.sizeLimit)];
  const child = spawn(python, ['-m', 'aiosmtpd', '-n', ...size, '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd.handlers.Mailbox', maildir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 3_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    await rm(tmp, { recursive: true, force: true });
  };
  try {
    await waitForGreeting(port, child, () => stderr);
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    baseUrl: `smtp://127.0.0.1:${port}`,
    maildir,
    async delivered() {
      const files = await readdir(join(maildir, 'new'));
      return Promise.all(files.map((f) => readFile(join(maildir, 'new', f))));
    },
    stop,
  };
}
