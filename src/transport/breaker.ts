/**
 * Circuit breakers (cockatiel), one per provider and connection. Only failures that say the
 * provider is unhealthy count (see `countsForBreaker`); while a circuit is open calls fail fast
 * with `circuit_open` and never reach the provider. After `halfOpenAfterMs` one trial call is let
 * through: success closes the circuit, failure opens it again.
 *
 * Cockatiel measures the open period with `Date.now()`, not the injectable Clock.
 *
 * @see https://github.com/connor4312/cockatiel#circuitbreaker
 */
import { BrokenCircuitError, CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { HubError } from '../core/errors.js';
import { countsForBreaker, type ProviderRef } from './failures.js';
import type { BreakerOptions, BreakerState } from './types.js';

export const DEFAULT_BREAKER: Required<BreakerOptions> = { threshold: 5, halfOpenAfterMs: 30_000 };

const handleProviderFailures = handleWhen(countsForBreaker);

/** Ordered worst last, so the worst of several is the highest rank. */
const RANK: Record<BreakerState, number> = { closed: 0, 'half-open': 1, open: 2 };

function toState(state: CircuitState): BreakerState {
  if (state === CircuitState.Closed) return 'closed';
  return state === CircuitState.HalfOpen ? 'half-open' : 'open';
}

/**
 * The breaker of one provider connection.
 *
 * @example
 * const res = await breaker.run(() => send(), signal); // throws HubError('circuit_open') while open
 */
export class ProviderBreaker {
  private openedAt = 0;

  constructor(
    readonly provider: ProviderRef,
    readonly policy: CircuitBreakerPolicy,
    private readonly options: Required<BreakerOptions>,
  ) {
    policy.onBreak(() => {
      this.openedAt = Date.now();
    });
  }

  get state(): BreakerState {
    return toState(this.policy.state);
  }

  /** Runs `fn` through the breaker; an open circuit throws `circuit_open` without calling it. */
  async run<T>(fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    try {
      return await this.policy.execute(fn, signal);
    } catch (err) {
      if (err instanceof BrokenCircuitError) throw this.openError();
      throw err;
    }
  }

  private openError(): HubError {
    const waitMs = Math.max(0, this.openedAt + this.options.halfOpenAfterMs - Date.now());
    const retryAfter = Math.ceil(waitMs / 1000);
    return new HubError(
      'circuit_open',
      `${this.provider.name} is failing (${this.options.threshold} consecutive errors): calls are refused for ${retryAfter} s more, then one trial call is let through`,
      { provider: this.provider.id, retryAfter },
    );
  }
}

/**
 * Creates the breakers of one transport and reports, per provider, the worst state among its
 * connections (for health checks and the `breaker_state` gauge).
 *
 * @example
 * const breakers = new Breakers({ threshold: 3 }, (provider, state) => gauge.set({ provider }, RANK[state]));
 * const breaker = breakers.create({ id: 'sendgrid', name: 'SendGrid' });
 */
export class Breakers {
  private readonly byProvider = new Map<string, Set<ProviderBreaker>>();
  private readonly options: Required<BreakerOptions>;

  constructor(
    options: BreakerOptions = {},
    private readonly onChange: (provider: string, worst: BreakerState) => void = () => undefined,
  ) {
    this.options = { ...DEFAULT_BREAKER, ...stripUndefined(options) };
  }

  create(provider: ProviderRef): ProviderBreaker {
    const policy = circuitBreaker(handleProviderFailures, {
      halfOpenAfter: this.options.halfOpenAfterMs,
      breaker: new ConsecutiveBreaker(this.options.threshold),
    });
    const breaker = new ProviderBreaker(provider, policy, this.options);
    let set = this.byProvider.get(provider.id);
    if (!set) this.byProvider.set(provider.id, (set = new Set()));
    set.add(breaker);
    policy.onStateChange(() => this.onChange(provider.id, this.stateOf(provider.id)));
    this.onChange(provider.id, this.stateOf(provider.id));
    return breaker;
  }

  /** The worst state among the provider's connections (`closed` when it has none). */
  stateOf(provider: string): BreakerState {
    let worst: BreakerState = 'closed';
    for (const breaker of this.byProvider.get(provider) ?? []) {
      const state = breaker.state;
      if (RANK[state] > RANK[worst]) worst = state;
    }
    return worst;
  }

  /** Every provider seen so far → its worst state. */
  states(): Record<string, BreakerState> {
    const out: Record<string, BreakerState> = {};
    for (const provider of this.byProvider.keys()) out[provider] = this.stateOf(provider);
    return out;
  }
}

/**
 * Gauge value of a state: 0 closed, 1 half-open, 2 open.
 *
 * @example
 * breakerGaugeValue('open') // 2
 */
export function breakerGaugeValue(state: BreakerState): number {
  return RANK[state];
}

function stripUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
