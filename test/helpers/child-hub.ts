/**
 * A hub in a child process (`switchboard start` from source), for crash and restart tests.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

export interface ChildHub {
  url: string;
  proc: ChildProcess;
  output(): string;
  /** SIGKILL (a crash) or SIGTERM (a graceful stop); resolves when the process is gone. */
  stop(signal: 'SIGKILL' | 'SIGTERM'): Promise<void>;
}

export async function startChildHub(env: Record<string, string>): Promise<ChildHub> {
  // node itself with tsx's loader (not the tsx wrapper): a SIGKILL must hit the hub, not a parent
  // that would leave the hub running.
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'start', '--port', '0'], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`hub did not start in 30 s:\n${out}`)), 30_000);
    const check = () => {
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!.replace('localhost', '127.0.0.1'));
      }
    };
    proc.stdout!.on('data', check);
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`hub exited with ${code}:\n${out}`));
    });
  });
  return {
    url,
    proc,
    output: () => out,
    stop: (signal) =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        proc.once('exit', () => resolve());
        proc.kill(signal);
      }),
  };
}
