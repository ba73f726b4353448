/**
 * Per-endpoint isolation in this process: a cap on requests in flight to one endpoint, and its
 * rate limit (a token bucket kept as GCRA: one "theoretical arrival time" per endpoint, bursts of up
 * to one second's worth). A delivery that cannot go now is deferred (its job re-enqueued for
 * later) instead of holding a queue worker, so one slow or throttled endpoint never starves the
 * others. A rate-limited delivery reserves its slot: when it comes back at that time it goes.
 * Only an endpoint that is turning requests over (one finished in the last `turnoverMs`) makes a
 * few deliveries wait in memory for a free slot, briefly ({@link EndpointLimits.acquire}): a fast
 * endpoint under a burst is not deferred for nothing, a stalled one defers at once.
 */

export type Admission = { ok: true } | { ok: false; deferMs: number; slot?: number };

interface EndpointState {
  inFlight: number;
  /** GCRA theoretical arrival time (epoch ms). */
  tat: number;
  /** When a request to it last finished (performance.now()). */
  lastRelease: number;
  waiters: (() => void)[];
}

export class EndpointLimits {
  private readonly state = new Map<string, EndpointState>();

  constructor(
    /** Most requests in flight to one endpoint from this process. */
    readonly concurrency = 8,
    private readonly random: () => number = Math.random,
    /** An endpoint that finished a request this recently is turning over: worth waiting for. */
    private readonly turnoverMs = 50,
    /** Longest in-memory wait for a slot before deferring. */
    private readonly waitMs = 50,
  ) {}

  /**
   * {@link admit}, but when the endpoint's in-flight cap is the only obstacle and the endpoint is
   * turning requests over, wait up to `waitMs` for a slot (at most `concurrency` waiters) first.
   *
   * @example
   * const a = await limits.acquire('ep_1', null, Date.now(), 0);
   */
  async acquire(endpointId: string, ratePerSecond: number | null, now: number, defers: number, slot?: number): Promise<Admission> {
    const s = this.stateOf(endpointId);
    if (s.inFlight >= this.concurrency && s.waiters.length < this.concurrency && performance.now() - s.lastRelease < this.turnoverMs) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          s.waiters = s.waiters.filter((w) => w !== wake);
          resolve();
        }, this.waitMs);
        const wake = () => {
          clearTimeout(timer);
          resolve();
        };
        s.waiters.push(wake);
      });
    }
    return this.admit(endpointId, ratePerSecond, now, defers, slot);
  }

  private stateOf(endpointId: string): EndpointState {
    let s = this.state.get(endpointId);
    if (!s) this.state.set(endpointId, (s = { inFlight: 0, tat: 0, lastRelease: 0, waiters: [] }));
    return s;
  }

  /**
   * Admit one request to `endpointId` at `now`, or say how long to defer it.
   * `defers` is how many times this delivery was deferred already (the backoff grows with it);
   * `slot` is a rate-limit slot reserved earlier.
   *
   * @example
   * const a = limits.admit('ep_1', 10, Date.now(), 0);
   * if (a.ok) try { await send(); } finally { limits.release('ep_1'); }
   */
  admit(endpointId: string, ratePerSecond: number | null, now: number, defers: number, slot?: number): Admission {
    const s = this.stateOf(endpointId);
    if (s.inFlight >= this.concurrency) {
      const ceiling = Math.min(5_000, 50 * 2 ** Math.min(defers, 10));
      return { ok: false, deferMs: Math.round(ceiling / 2 + (this.random() * ceiling) / 2), slot };
    }
    const reserved = slot !== undefined && slot <= now + 20;
    if (ratePerSecond && !reserved) {
      const interval = 1000 / ratePerSecond;
      const tolerance = 1000 - interval;
      const tat = Math.max(s.tat, now);
      if (tat - now > tolerance) {
        const at = Math.ceil(tat - tolerance);
        s.tat = tat + interval;
        return { ok: false, deferMs: at - now, slot: at };
      }
      s.tat = tat + interval;
    }
    s.inFlight++;
    return { ok: true };
  }

  release(endpointId: string): void {
    const s = this.state.get(endpointId);
    if (!s) return;
    if (s.inFlight > 0) s.inFlight--;
    s.lastRelease = performance.now();
    s.waiters.shift()?.();
  }

  inFlight(endpointId: string): number {
    return this.state.get(endpointId)?.inFlight ?? 0;
  }
}
