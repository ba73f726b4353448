/**
 * The one backoff of the hub: exponential, jittered, capped. The transport waits it between
 * attempts of a provider call (full jitter), the queue before a job's next attempt (at least half
 * the ceiling, so a job is not retried at once); both honour a `Retry-After` before it.
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */

export interface Backoff {
  /** Ceiling of the first wait; doubles each attempt. */
  baseMs: number;
  /** No wait is longer. */
  maxMs: number;
  /** Share of the ceiling always waited (0: full jitter, 0.5: equal jitter). Default 0. */
  floor?: number;
}

/**
 * Wait before attempt `attempt + 1`: uniform in `[floor · c, c]` with `c = min(maxMs, baseMs · 2^(attempt-1))`.
 *
 * @example
 * backoff(1, { baseMs: 200, maxMs: 10_000 }) // 0..200
 * backoff(3, { baseMs: 1000, maxMs: 60_000, floor: 0.5 }, () => 1) // 4000
 */
export function backoff(attempt: number, b: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(b.maxMs, b.baseMs * 2 ** (attempt - 1));
  const floor = b.floor ?? 0;
  return Math.round(ceiling * floor + random() * ceiling * (1 - floor));
}

/**
 * The wait an error asks for (`Retry-After`, seconds), in ms; undefined when it asks none.
 *
 * @example
 * retryAfterMs(new HubError('provider_rate_limited', 'slow', { retryAfter: 2 })) // 2000
 */
export function retryAfterMs(err: { retryAfter?: number } | undefined): number | undefined {
  return err?.retryAfter === undefined ? undefined : Math.ceil(err.retryAfter * 1000);
}
