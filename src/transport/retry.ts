/**
 * When to try a provider call again, and how long to wait first: full-jitter exponential backoff,
 * or the provider's `Retry-After` when it sent one. The loop that sleeps lives in `pipeline.ts`
 * (on the injectable Clock, so schedules are tested without waiting).
 *
 * @see https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-retry-after
 */
import { backoff, retryAfterMs } from '../core/backoff.js';
import { surelyNotSent, type HubError } from '../core/errors.js';

/** A resolved retry policy (manifest `retry` plus defaults). */
export interface RetryPolicy {
  /** Attempts in all, the first one included. */
  maxAttempts: number;
  /** Upper bound of the first backoff; doubles each attempt. */
  baseDelayMs: number;
  /** No single wait is longer; a `Retry-After` asking for more makes the call give up. */
  maxDelayMs: number;
}

export const DEFAULT_RETRY: Readonly<RetryPolicy> = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 10_000 };

/**
 * Fills a manifest's retry hints with the defaults.
 *
 * @example
 * resolveRetryPolicy({ maxAttempts: 5 }) // { maxAttempts: 5, baseDelayMs: 200, maxDelayMs: 10000 }
 */
export function resolveRetryPolicy(hint: Partial<RetryPolicy> = {}): RetryPolicy {
  return {
    maxAttempts: Math.max(1, hint.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
    baseDelayMs: hint.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs,
    maxDelayMs: hint.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs,
  };
}

/**
 * Full-jitter backoff before attempt `attempt + 1`: uniform in
 * `[0, min(maxDelayMs, baseDelayMs · 2^(attempt-1))]`.
 *
 * @example
 * backoffDelay(1, DEFAULT_RETRY) // 0..200
 * backoffDelay(3, DEFAULT_RETRY, () => 1) // 800
 */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number = Math.random): number {
  return backoff(attempt, { baseMs: policy.baseDelayMs, maxMs: policy.maxDelayMs }, random);
}

/**
 * May this failed attempt be tried again, and after how many ms? Undefined means give up.
 *
 * Rules: only `retryable` errors; a request that is not idempotent (POST/PATCH without
 * idempotency key) only when the provider surely did not process it (never sent, or 429); never
 * more than `maxAttempts`; a `Retry-After` is honoured as asked, unless it exceeds `maxDelayMs`
 * (then the caller gets the error with its `retryAfter` and can schedule the retry itself).
 *
 * @example
 * retryDelay(err, 1, policy, true) // e.g. 137, or 2000 after `Retry-After: 2`
 */
export function retryDelay(
  err: HubError,
  attempt: number,
  policy: RetryPolicy,
  idempotent: boolean,
  random: () => number = Math.random,
): number | undefined {
  if (attempt >= policy.maxAttempts || !err.retryable || err.code === 'circuit_open') return undefined;
  if (!idempotent && !surelyNotSent(err)) return undefined;
  const asked = retryAfterMs(err);
  if (asked !== undefined) return asked > policy.maxDelayMs ? undefined : asked;
  return backoffDelay(attempt, policy, random);
}
