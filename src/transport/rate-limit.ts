/**
 * Client-side pacing of provider calls: a token bucket per provider and credential that makes a
 * call WAIT for its turn (abortably) instead of failing, so bursts stay under the vendor's
 * published limit and fewer 429s come back.
 */
import type { Clock } from '../core/clock.js';
import type { RateLimit } from './types.js';

const UNIT_MS = new Map<string, number>(Object.entries({
  ms: 1,
  s: 1000,
  sec: 1000,
  second: 1000,
  m: 60_000,
  min: 60_000,
  minute: 60_000,
  h: 3_600_000,
  hr: 3_600_000,
  hour: 3_600_000,
  d: 86_400_000,
  day: 86_400_000,
}));

/**
 * Parses a rate limit as written in configuration: `<count>/<unit>` or `<count>/<n><unit>`, with
 * unit `ms`, `s`, `min`, `h` or `d` (long forms and plurals accepted).
 *
 * @throws Error naming the bad value and the expected form.
 * @example
 * parseRateLimit('600/min') // { limit: 600, intervalMs: 60000 }
 * parseRateLimit('10/s')    // { limit: 10, intervalMs: 1000 }
 * parseRateLimit('5/10s')   // { limit: 5, intervalMs: 10000 }
 */
export function parseRateLimit(value: string): RateLimit {
  const match = /^\s*(\d+)\s*\/\s*(\d+)?\s*([a-z]+)\s*$/i.exec(value);
  const word = match?.[3]?.toLowerCase() ?? '';
  const unit = UNIT_MS.get(word) ?? (word.endsWith('s') ? UNIT_MS.get(word.slice(0, -1)) : undefined);
  const limit = Number(match?.[1]);
  const intervalMs = unit === undefined ? NaN : unit * Number(match?.[2] ?? 1);
  if (!match || unit === undefined || !(limit > 0) || !(intervalMs > 0)) {
    throw new Error(`Invalid rate limit "${value}": expected <count>/<unit> with a count above 0, such as 600/min, 10/s or 100/h`);
  }
  return { limit, intervalMs };
}

/**
 * A token bucket holding up to `limit` tokens, refilled evenly at `limit` per `intervalMs`.
 * A call takes one token; when none is left it reserves the next one and waits for it, so
 * concurrent waiters are served in order and nothing is polled. An aborted wait gives its
 * reservation back.
 *
 * @example
 * const bucket = new TokenBucket({ limit: 5, intervalMs: 1000 }, systemClock);
 * await bucket.acquire(signal); // resolves at once for the first 5, then one every 200 ms
 */
export class TokenBucket {
  private tokens: number;
  private updatedAt: number;
  private readonly msPerToken: number;

  constructor(
    readonly rate: RateLimit,
    private readonly clock: Clock,
  ) {
    if (!(rate.limit > 0) || !(rate.intervalMs > 0)) {
      throw new Error(`Invalid rate limit ${JSON.stringify(rate)}: limit and intervalMs must be above 0`);
    }
    this.tokens = rate.limit;
    this.updatedAt = clock.now();
    this.msPerToken = rate.intervalMs / rate.limit;
  }

  /**
   * Takes a token. Answers undefined when one was free (no promise on the hot path), else a
   * promise that resolves when the reserved token is due, or rejects when `signal` aborts.
   */
  acquire(signal?: AbortSignal): Promise<void> | undefined {
    const now = this.clock.now();
    const refilled = this.tokens + (now - this.updatedAt) / this.msPerToken;
    this.tokens = Math.min(this.rate.limit, refilled) - 1;
    this.updatedAt = now;
    if (this.tokens >= 0) return undefined;
    const waitMs = Math.ceil(-this.tokens * this.msPerToken);
    return this.clock.sleep(waitMs, signal).catch((err: unknown) => {
      this.tokens += 1;
      throw err;
    });
  }

  /** Tokens free right now (negative: calls are waiting). For tests and health. */
  available(): number {
    const refilled = this.tokens + (this.clock.now() - this.updatedAt) / this.msPerToken;
    return Math.min(this.rate.limit, refilled);
  }
}
