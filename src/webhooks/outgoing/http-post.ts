/**
 * One outgoing webhook request with undici, through an Agent whose `connect.lookup` refuses
 * forbidden addresses (so the address checked is the address connected to). Not the provider
 * transport: these go to customers' URLs, with their own timeout and no retries here (the
 * delivery schedule retries). Never throws: the outcome is data for the attempt record.
 */
import { isIP, type BlockList } from 'node:net';
import { Agent, request } from 'undici';
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

/**
 * POST `body` to `url`.
 *
 * @example
 * const out = await postWebhook(agent, allow, url, headers, body, 15_000);
 * if (out.status !== null && out.status >= 200 && out.status < 300) markDelivered();
 */
export async function postWebhook(agent: Agent, allow: BlockList, url: string, headers: Record<string, string>, body: string, timeoutMs: number, now: () => number = Date.now): Promise<PostOutcome> {
  const started = performance.now();
  const latency = () => Math.round(performance.now() - started);
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  // An IP literal skips DNS (and the guarded lookup): check it here.
  const literal = isIP(host) ? forbiddenReason(host, allow) : null;
  if (literal) return { status: null, latencyMs: 0, response: null, error: `refused: ${literal}` };
  try {
    const res = await request(url, { method: 'POST', headers, body, dispatcher: agent, signal: AbortSignal.timeout(timeoutMs) });
    const chunks: Buffer[] = [];
    let read = 0;
    for await (const chunk of res.body) {
      const buf = chunk as Buffer;
      if (read < RESPONSE_KEEP) chunks.push(buf);
      read += buf.length;
      if (read > RESPONSE_READ_MAX) {
        res.body.destroy();
        break;
      }
    }
    const text = Buffer.concat(chunks).subarray(0, RESPONSE_KEEP).toString('utf8');
    return { status: res.statusCode, latencyMs: latency(), response: text, error: null, retryAfterMs: parseRetryAfter(res.headers['retry-after'], now()) };
  } catch (err) {
    const e = err as Error & { code?: string; cause?: Error & { code?: string } };
    const inner = e.cause ?? e;
    const name = e.name === 'TimeoutError' || e.name === 'AbortError' || /timeout/i.test(inner.code ?? '') ? `timeout after ${timeoutMs} ms` : `${inner.code ? inner.code + ': ' : ''}${inner.message}`;
    return { status: null, latencyMs: latency(), response: null, error: inner.code === 'WEBHOOK_ADDRESS_FORBIDDEN' ? `refused: ${inner.message}` : name };
  }
}
