/**
 * One outgoing webhook request with undici, through an Agent whose `connect.lookup` refuses
 * forbidden addresses (so the address checked is the address connected to). Not the provider
 * transport: these go to customers' URLs, with their own timeout and no retries here (the
 * delivery schedule retries). Never throws: the outcome is data for the attempt record.
 */
import { isIP, type BlockList } from 'node:net';
import { Agent, type Dispatcher } from 'undici';
import { forbiddenReason, guardedLookup, type LookupFn } from './address-guard.js';

export interface PostOutcome {
  /** HTTP status; null when no answer came (network error, timeout, refused address). */
  status: number | null;
  latencyMs: number;
  /** The first 1 KiB of the answer. */
  response: string | null;
  error: string | null;
  /** From `Retry-After` (seconds or an HTTP date), in ms. */
  retryAfterMs?: number;
}

const RESPONSE_KEEP = 1024;
const RESPONSE_READ_MAX = 64 * 1024;

/**
 * An undici Agent for webhook deliveries: guarded DNS, `timeoutMs` for headers and body.
 *
 * @example
 * const agent = createWebhookAgent(parseAllowlist(['127.0.0.0/8']), 15_000);
 */
export function createWebhookAgent(allow: BlockList, timeoutMs: number, lookup?: LookupFn): Agent {
  return new Agent({
    connect: { lookup: guardedLookup(allow, lookup), timeout: timeoutMs },
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
    keepAliveTimeout: 4_000,
  });
}

/** `Retry-After` as ms: delta-seconds or an HTTP date. */
export function parseRetryAfter(value: string | string[] | undefined, now: number): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  if (/^\s*\d+\s*$/.test(v)) return Number(v) * 1000;
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

/** A delivery URL taken apart once (many deliveries go to one URL): origin, path, refusal of an IP literal. */
interface Target {
  origin: string;
  path: string;
  refused: string | null;
}
/** Per allowlist (a hub has one), by URL. */
const targetsByAllowlist = new WeakMap<BlockList, Map<string, Target>>();

function targetOf(url: string, allow: BlockList): Target {
  let targets = targetsByAllowlist.get(allow);
  if (!targets) targetsByAllowlist.set(allow, (targets = new Map()));
  let t = targets.get(url);
  if (!t) {
    const u = new URL(url);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    // An IP literal skips DNS (and the guarded lookup): check it here.
    t = { origin: u.origin, path: `${u.pathname}${u.search}`, refused: isIP(host) ? forbiddenReason(host, allow) : null };
    if (targets.size >= 1000) targets.clear();
    targets.set(url, t);
  }
  return t;
}

/**
 * POST `body` to `url`. Dispatched on the agent directly (no response stream, no AbortSignal per
 * request: half the CPU of undici's `request()`), with `timeoutMs` as a deadline for the whole
 * exchange on top of the agent's connect, headers and body timeouts.
 *
 * @example
 * const out = await postWebhook(agent, allow, url, headers, body, 15_000);
 * if (out.status !== null && out.status >= 200 && out.status < 300) markDelivered();
 */
export function postWebhook(agent: Agent, allow: BlockList, url: string, headers: Record<string, string>, body: string, timeoutMs: number, now: () => number = Date.now): Promise<PostOutcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  let target: Target;
  try {
    target = targetOf(url, allow);
  } catch (err) {
    return Promise.resolve({ status: null, latencyMs: 0, response: null, error: `invalid URL: ${(err as Error).message}` });
  }
  if (target.refused) return Promise.resolve({ status: null, latencyMs: 0, response: null, error: `refused: ${target.refused}` });
  return new Promise<PostOutcome>((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let timedOut = false;
    let status = 0;
    let retryAfter: string | string[] | undefined;
    const chunks: Buffer[] = [];
    let read = 0;
    let done = false;
    const finish = (out: PostOutcome) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      resolve(out);
    };
    const answered = () => {
      const text = Buffer.concat(chunks).subarray(0, RESPONSE_KEEP).toString('utf8');
      finish({ status, latencyMs: latency(), response: text, error: null, retryAfterMs: parseRetryAfter(retryAfter, now()) });
    };
    const timer = setTimeout(() => {
      timedOut = true;
      controller?.abort(new Error('deadline'));
      finish({ status: null, latencyMs: latency(), response: null, error: `timeout after ${timeoutMs} ms` });
    }, timeoutMs);
    const failed = (e: Error) => {
      const err = e as Error & { code?: string; cause?: Error & { code?: string } };
      const inner = err.cause ?? err;
      const timeout = timedOut || err.name === 'TimeoutError' || /timeout/i.test(inner.code ?? '') || /timeout/i.test(err.code ?? '');
      const error = inner.code === 'WEBHOOK_ADDRESS_FORBIDDEN' ? `refused: ${inner.message}` : timeout ? `timeout after ${timeoutMs} ms` : `${inner.code ? inner.code + ': ' : ''}${inner.message}`;
      finish({ status: null, latencyMs: latency(), response: null, error });
    };
    try {
      agent.dispatch(
        { origin: target.origin, path: target.path, method: 'POST', headers, body },
        {
          onRequestStart(c) {
            controller = c;
          },
          onResponseStart(_c, statusCode, responseHeaders) {
            status = statusCode;
            retryAfter = responseHeaders['retry-after'];
          },
          onResponseData(c, chunk) {
            if (read < RESPONSE_KEEP) chunks.push(chunk);
            read += chunk.length;
            // Enough of an answer: stop reading (the connection is dropped, not the result).
            if (read > RESPONSE_READ_MAX) {
              answered();
              c.abort(new Error('response too long'));
            }
          },
          onResponseEnd() {
            answered();
          },
          onResponseError(_c, err) {
            failed(err);
          },
        },
      );
    } catch (err) {
      failed(err as Error);
    }
  });
}
