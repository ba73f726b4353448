/**
 * What happens after each attempt: metrics, the audit callback, a debug log line and the
 * provider's last error (for health). URLs are redacted once per call, and only when something
 * will read them.
 */
import type { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { CallSeries, TransportMetrics } from './metrics.js';
import { redactUrl, redactValues } from './redact.js';
import type { AuditEntry } from './types.js';

/** The last failure of a provider, for health checks. */
export interface LastError {
  code: string;
  message: string;
  /** Epoch ms (the transport's clock). */
  at: number;
}

/** What the recorder needs to know about a call (built once per call, reused per attempt). */
export interface CallInfo {
  provider: string;
  connectionId: string;
  operation: string;
  method: string;
  /** Raw URL (or operation name); redacted lazily into `redactedUrl`. */
  url: string;
  redactedUrl?: string;
  /** Query parameters carrying the call's credentials (auth `query`), redacted whatever their name. */
  secretParams?: readonly string[];
  /** Secret values anywhere in the URL (a token in the path), raw or percent-encoded. */
  secretValues?: readonly string[];
  series: CallSeries;
}

/** How one attempt ended. `error` is `'aborted'` when the caller cancelled. */
export interface AttemptOutcome {
  attempt: number;
  startedAt: number;
  durationMs: number;
  status?: number;
  error?: HubError | 'aborted';
  requestId?: string;
}

/**
 * Records attempts.
 *
 * @example
 * const recorder = new AttemptRecorder(metrics, (entry) => auditLog.push(entry), logger);
 * recorder.record(call, { attempt: 1, startedAt: Date.now(), durationMs: 41, status: 202 });
 */
export class AttemptRecorder {
  private readonly lastErrors = new Map<string, LastError>();

  constructor(
    private readonly metrics: TransportMetrics,
    private readonly audit?: (entry: AuditEntry) => void,
    private readonly logger?: Logger,
  ) {}

  record(call: CallInfo, outcome: AttemptOutcome): void {
    const { error } = outcome;
    const errorCode = error === undefined ? undefined : error === 'aborted' ? 'aborted' : error.code;
    const status = outcome.status ?? (typeof error === 'object' ? error.providerStatus : undefined);
    call.series.record(status !== undefined ? String(status) : (errorCode ?? 'unknown'), outcome.durationMs / 1000);
    if (typeof error === 'object') {
      this.metrics.error(call.provider, error.code);
      // A fast-failing open circuit would hide the failure that opened it.
      if (error.code !== 'circuit_open') {
        this.lastErrors.set(call.provider, { code: error.code, message: error.message, at: outcome.startedAt });
      }
    }
    const debug = this.logger?.isLevelEnabled('debug') === true;
    if (!this.audit && !debug) return;
    call.redactedUrl ??= redactValues(redactUrl(call.url, call.secretParams), call.secretValues);
    const entry: AuditEntry = {
      at: outcome.startedAt,
      provider: call.provider,
      connectionId: call.connectionId,
      operation: call.operation,
      method: call.method,
      url: call.redactedUrl,
      status,
      errorCode,
      durationMs: Math.round(outcome.durationMs * 100) / 100,
      attempt: outcome.attempt,
      requestId: outcome.requestId ?? (typeof error === 'object' ? error.requestId : undefined),
    };
    if (debug) this.logger?.debug({ providerCall: entry }, `${call.provider} ${call.operation}: ${status ?? errorCode}`);
    if (this.audit) {
      try {
        this.audit(entry);
      } catch (err) {
        this.logger?.warn({ err, provider: call.provider }, 'audit callback threw; the call itself is unaffected');
      }
    }
  }

  /** The provider's last failed attempt, if any. */
  lastError(provider: string): LastError | undefined {
    return this.lastErrors.get(provider);
  }
}
