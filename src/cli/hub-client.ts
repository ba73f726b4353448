/**
 * How CLI commands reach a running hub: the URL (`--url`, else `SWITCHBOARD_URL`, else
 * `http://127.0.0.1:$PORT` with `PORT` default 3001, as `npm start` listens), the API key
 * (`--key`, else `SWITCHBOARD_API_KEY`), both read from the environment or a `.env` file in the
 * working directory (real variables win, as for the hub), and a fetch whose network failures name
 * the URL it tried and what to do.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';

/** The environment the CLI reads: `.env` in the working directory under the real variables. */
export function cliEnv(env: Record<string, string | undefined> = process.env): Record<string, string | undefined> {
  const file = resolve('.env');
  const fromFile = existsSync(file) ? parseDotenv(readFileSync(file)) : {};
  return { ...fromFile, ...env };
}

/**
 * The hub's base URL, without a trailing slash.
 *
 * @example
 * hubUrl(undefined, { PORT: '4000' })                       // 'http://127.0.0.1:4000'
 * hubUrl(undefined, { SWITCHBOARD_URL: 'https://hub.example.com/' }) // 'https://hub.example.com'
 */
export function hubUrl(flag?: string, env: Record<string, string | undefined> = cliEnv()): string {
  const url = flag?.trim() || env.SWITCHBOARD_URL?.trim() || `http://127.0.0.1:${env.PORT?.trim() || '3001'}`;
  return url.replace(/\/+$/, '');
}

/** Why a connection failed, in words (`connection refused`), from undici's `cause.code`. */
function reasonOf(err: unknown): string {
  const cause = (err as { cause?: { code?: string; message?: string } }).cause;
  switch (cause?.code) {
    case 'ECONNREFUSED':
      return 'connection refused';
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return 'host not found';
    case 'ECONNRESET':
    case 'UND_ERR_SOCKET':
      return 'connection reset';
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return 'timed out';
    default:
      return cause?.message ?? (err instanceof Error ? err.message : String(err));
  }
}

/** The hub did not answer at all (nothing listening, network down): worth retrying while watching. */
export class HubUnreachableError extends Error {
  constructor(
    readonly base: string,
    readonly reason: string,
  ) {
    super(`could not reach the hub at ${base}: ${reason}; start it with \`npm start\` or set SWITCHBOARD_URL`);
    this.name = 'HubUnreachableError';
  }
}

/**
 * `fetch(base + path)`; a network failure becomes a {@link HubUnreachableError} naming `base`.
 *
 * @example
 * const res = await hubFetch('http://127.0.0.1:3001', '/api/v1/integrations/health');
 */
export async function hubFetch(base: string, path: string, init: RequestInit = {}): Promise<Response> {
  try {
    return await fetch(base + path, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') throw new HubUnreachableError(base, 'no answer within 30 s');
    throw new HubUnreachableError(base, reasonOf(err));
  }
}

/** A problem+json answer's parts the CLI shows. */
export type Answer<T> = Partial<T> & { code?: string; detail?: string; errors?: { field: string; message: string }[] };

/**
 * The JSON of an answer; a non-JSON one (a proxy's error page) becomes its `detail`.
 *
 * @example
 * const body = await readJson<{ id: string }>(res);
 */
export async function readJson<T>(res: Response): Promise<Answer<T>> {
  const text = await res.text();
  try {
    return JSON.parse(text) as Answer<T>;
  } catch {
    return { detail: `HTTP ${res.status}: ${text.slice(0, 200) || 'empty answer'}` } as Answer<T>;
  }
}
