/**
 * The policy chain every provider call runs through, per attempt:
 *
 * ```
 * retry loop ─▶ breaker (fail fast while open) ─▶ rate limit (wait for a token)
 *            ─▶ timeout + caller's signal ─▶ send (HTTP: sign, then dispatch) ─▶ record (metrics, audit, log)
 * ```
 *
 * The breaker sits outside the rate limit so an open circuit fails at once instead of waiting
 * for a token; the timeout starts after the token, so pacing never eats the provider's time.
 * Retries are a plain loop on the injectable Clock (cockatiel's retry sleeps on real timers and
 * cannot see `Retry-After`). A call whose body cannot be sent twice (`replayable() === false`) is
 * not retried.
 */
import { performance } from 'node:perf_hooks';
import type { Clock } from '../core/clock.js';
import type { HubError } from '../core/errors.js';
import type { AttemptOutcome, AttemptRecorder, CallInfo } from './audit.js';
import type { ProviderBreaker } from './breaker.js';
import { mapThrown, timeoutError, type ProviderRef } from './failures.js';
import type { TransportMetrics } from './metrics.js';
import type { TokenBucket } from './rate-limit.js';
import { retryDelay, type RetryPolicy } from './retry.js';
import { isCallerAbort, withTimeout } from './timeout.js';

/** The policies of one provider connection, created once and reused by every call. */
export interface Lane {
  provider: ProviderRef;
  connectionId: string;
  /** `<provider>:<hash of connection id>`: names the lane in logs without exposing the id. */
  key: string;
  bucket?: TokenBucket;
  breaker: ProviderBreaker;
  retry: RetryPolicy;
  timeoutMs: number;
}

/** One call: what to send and how to describe it. */
export interface Call<T> extends CallInfo {
  /** May be sent again after an uncertain failure (timeout, dropped connection, 5xx). */
  idempotent: boolean;
  timeoutMs: number;
  signal?: AbortSignal;
  /** One attempt (`attempt` is 1 for the first); throws a HubError (or a raw error that `mapThrown` maps). */
  send: (signal: AbortSignal, attempt: number) => Promise<T>;
  /** False when the request cannot be sent again (a one-shot body stream was read): no retry then. */
  replayable?: () => boolean;
  /** Reads the HTTP status and request id of a successful answer into the outcome. */
  inspect?: (value: T, outcome: AttemptOutcome) => void;
}

/** What the pipeline shares across lanes. */
export interface PipelineDeps {
  clock: Clock;
  recorder: AttemptRecorder;
  metrics: TransportMetrics;
  random: () => number;
}

/**
 * Runs `call` on `lane` with retries, breaker, rate limit and timeout; records every attempt.
 * Resolves with the first success; rejects with the last HubError, or with the caller's abort
 * reason when their signal aborted.
 *
 * @example
 * const res = await runCall(deps, lane, { ...info, idempotent: true, timeoutMs: 10_000, send });
 */
export async function runCall<T>(deps: PipelineDeps, lane: Lane, call: Call<T>): Promise<T> {
  const { clock, recorder } = deps;
  const { signal } = call;
  let startedAt = 0;
  let sentAt = 0;
  const onTimeout = () => timeoutError(lane.provider, call.timeoutMs);
  let attempt = 0;
  const attemptOnce = async (): Promise<T> => {
    const wait = lane.bucket?.acquire(signal);
    if (wait) await wait;
    startedAt = clock.now();
    sentAt = performance.now();
    try {
      return await withTimeout((s) => call.send(s, attempt), call.timeoutMs, signal, onTimeout);
    } catch (err) {
      throw isCallerAbort(signal) ? err : mapThrown(err, lane.provider);
    }
  };

  for (attempt = 1; ; attempt++) {
    startedAt = clock.now();
    sentAt = performance.now();
    try {
      const value = await lane.breaker.run(attemptOnce, signal);
      const outcome: AttemptOutcome = { attempt, startedAt, durationMs: performance.now() - sentAt };
      call.inspect?.(value, outcome);
      recorder.record(call, outcome);
      return value;
    } catch (raw) {
      const durationMs = performance.now() - sentAt;
      if (isCallerAbort(signal)) {
        recorder.record(call, { attempt, startedAt, durationMs, error: 'aborted' });
        throw signal.reason;
      }
      const err = mapThrown(raw, lane.provider);
      recorder.record(call, { attempt, startedAt, durationMs, error: err });
      const delay = retryDelay(err, attempt, lane.retry, call.idempotent, deps.random);
      if (delay === undefined) throw err;
      if (call.replayable?.() === false) throw notReplayed(err);
      deps.metrics.retry(lane.provider.id);
      await clock.sleep(delay, signal);
    }
  }
}

/** The error of an attempt that would have been retried, had its body stream not been read already. */
function notReplayed(err: HubError): HubError {
  return err.with('Not retried: the request body was a stream that can be read once; pass a body factory (`body: () => stream`) to let the transport retry it.', {
    bodyReplayable: false,
  });
}
