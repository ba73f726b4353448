/**
 * Prometheus series of the outbound path, in a registry per hub (never prom-client's global one:
 * tests run many hubs in one process). Labelled children are created once and kept in Maps, so a
 * call costs two increments and one observation.
 *
 * Series (one sample per ATTEMPT; a call retried twice counts three calls and two retries):
 * - `switchboard_provider_calls_total{provider,operation,status}`: status is the HTTP status, or
 *   the hub error code when no answer came (`provider_timeout`, `circuit_open`, …)
 * - `switchboard_provider_call_duration_seconds{provider,operation}` (histogram)
 * - `switchboard_provider_errors_total{provider,code}`
 * - `switchboard_provider_retries_total{provider}`
 * - `switchboard_provider_breaker_state{provider}`: 0 closed, 1 half-open, 2 open
 */
import { Counter, Gauge, Histogram, Registry, type Metric } from 'prom-client';
import { breakerGaugeValue } from './breaker.js';
import type { BreakerState } from './types.js';

type CounterChild = ReturnType<Counter['labels']>;
type HistogramChild = ReturnType<Histogram['labels']>;

const DURATION_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The series of one provider operation: one duration child, one calls child per status.
 *
 * @example
 * metrics.series('sendgrid', 'email.send').record('503', 0.2);
 */
export class CallSeries {
  private readonly byStatus = new Map<string, CounterChild>();

  constructor(
    private readonly calls: Counter<'provider' | 'operation' | 'status'>,
    private readonly duration: HistogramChild,
    private readonly provider: string,
    private readonly operation: string,
  ) {}

  /** Counts one attempt that ended with `status` after `seconds`. */
  record(status: string, seconds: number): void {
    let child = this.byStatus.get(status);
    if (!child) this.byStatus.set(status, (child = this.calls.labels(this.provider, this.operation, status)));
    child.inc();
    this.duration.observe(seconds);
  }
}

/**
 * The transport's metrics.
 *
 * @example
 * const metrics = new TransportMetrics(new Registry());
 * metrics.series('sendgrid', 'email.send').record('202', 0.041);
 * await metrics.registry.metrics(); // Prometheus text
 */
export class TransportMetrics {
  private readonly calls: Counter<'provider' | 'operation' | 'status'>;
  private readonly duration: Histogram<'provider' | 'operation'>;
  private readonly errors: Counter<'provider' | 'code'>;
  private readonly retries: Counter<'provider'>;
  private readonly breakerState: Gauge<'provider'>;
  private readonly seriesByKey = new Map<string, CallSeries>();
  private readonly children = new Map<string, CounterChild>();

  constructor(readonly registry: Registry = new Registry()) {
    const registers = [registry];
    this.calls = reuse(registry, 'switchboard_provider_calls_total', (name) =>
      new Counter({ name, help: 'Provider call attempts by outcome (HTTP status or hub error code).', labelNames: ['provider', 'operation', 'status'], registers }),
    );
    this.duration = reuse(registry, 'switchboard_provider_call_duration_seconds', (name) =>
      new Histogram({ name, help: 'Duration of provider call attempts.', labelNames: ['provider', 'operation'], buckets: DURATION_BUCKETS, registers }),
    );
    this.errors = reuse(registry, 'switchboard_provider_errors_total', (name) =>
      new Counter({ name, help: 'Failed provider call attempts by hub error code.', labelNames: ['provider', 'code'], registers }),
    );
    this.retries = reuse(registry, 'switchboard_provider_retries_total', (name) =>
      new Counter({ name, help: 'Provider calls sent again after a retryable failure.', labelNames: ['provider'], registers }),
    );
    this.breakerState = reuse(registry, 'switchboard_provider_breaker_state', (name) =>
      new Gauge({ name, help: 'Worst circuit breaker state of the provider: 0 closed, 1 half-open, 2 open.', labelNames: ['provider'], registers }),
    );
  }

  /** The (cached) series of one provider operation. */
  series(provider: string, operation: string): CallSeries {
    const key = `${provider}\u0000${operation}`;
    let series = this.seriesByKey.get(key);
    if (!series) {
      series = new CallSeries(this.calls, this.duration.labels(provider, operation), provider, operation);
      this.seriesByKey.set(key, series);
    }
    return series;
  }

  error(provider: string, code: string): void {
    this.child(`e\u0000${provider}\u0000${code}`, () => this.errors.labels(provider, code)).inc();
  }

  retry(provider: string): void {
    this.child(`r\u0000${provider}`, () => this.retries.labels(provider)).inc();
  }

  breaker(provider: string, state: BreakerState): void {
    this.breakerState.set({ provider }, breakerGaugeValue(state));
  }

  private child(key: string, make: () => CounterChild): CounterChild {
    let child = this.children.get(key);
    if (!child) this.children.set(key, (child = make()));
    return child;
  }
}

/** The metric already in `registry` under `name` (a second transport on one registry), or a new one. */
function reuse<M extends Metric>(registry: Registry, name: string, make: (name: string) => M): M {
  return (registry.getSingleMetric(name) as M | undefined) ?? make(name);
}
