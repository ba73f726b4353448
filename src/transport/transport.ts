/**
 * The ONE outbound path. Every provider call goes through {@link Transport.forConnection}: HTTP
 * requests via `request`, SDK calls (SMTP, SigV4 clients…) via `execute`, both under the same
 * policies — per-attempt timeout, retry with jittered backoff honouring `Retry-After`, pacing per
 * provider and credential, a circuit breaker per connection, Prometheus metrics and a redacted
 * audit log. The policy chain itself is in `pipeline.ts`; an HTTP call (the manifest's auth data,
 * signing hooks, JSON/binary/streamed bodies, text/bytes/stream answers) in `request.ts`.
 */
import { createHash } from 'node:crypto';
import type { Registry } from 'prom-client';
import { systemClock, type Clock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { AttemptRecorder, type LastError } from './audit.js';
import { oauthSourceFor, type AuthConnection } from './auth.js';
import { Breakers } from './breaker.js';
import { undiciDispatcher } from './http.js';
import { TransportMetrics } from './metrics.js';
import { runCall, type Lane, type PipelineDeps } from './pipeline.js';
import { TokenBucket } from './rate-limit.js';
import { httpCall, type AnyResponse } from './request.js';
import { resolveRetryPolicy } from './retry.js';
import type {
  AuditEntry,
  AuthSpec,
  BreakerOptions,
  BreakerState,
  Dispatcher,
  ErrorMapper,
  ExecuteOptions,
  HttpRequest,
  ProviderHttp,
  RateLimit,
  ResponseType,
} from './types.js';

export { buildUrl, toResponse, undiciDispatcher } from './http.js';
export { encodeBody } from './body.js';

/** Per-attempt timeout when the manifest names none. */
export const DEFAULT_TIMEOUT_MS = 10_000;

export interface TransportOptions {
  /** Sends the bytes (default: undici's pooled `request`). */
  dispatcher?: Dispatcher;
  /** Time for backoff sleeps, rate limiting and audit timestamps (tests pass `fakeClock()`). */
  clock?: Clock;
  /** Attempts are logged at debug level, URLs redacted. */
  logger?: Logger;
  /** Where the metrics go (one per hub); a new Registry when absent. */
  registry?: Registry;
  /** Called once per attempt; never receives headers or bodies. */
  audit?: (entry: AuditEntry) => void;
  /** Pace per provider id, overriding the manifest's `rateLimit` (see `parseRateLimit`). */
  rateLimits?: Record<string, RateLimit>;
  breaker?: BreakerOptions;
  /** Jitter source in [0, 1) (default `Math.random`). */
  random?: () => number;
}

/** The parts of a provider manifest the transport reads; any `ProviderManifest<Creds>` fits. */
export interface TransportManifest {
  id: string;
  name: string;
  /** Applied to every HTTP request (see `auth-spec.ts`); `smtp` labels `execute` calls `SMTP`. */
  auth: AuthSpec;
  /** Credential field → env var, named when a credential the auth needs is missing. */
  env?: Record<string, string>;
  rateLimit?: RateLimit;
  timeoutMs?: number;
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  idempotencyHeader?: string;
  mapError: ErrorMapper;
}

/**
 * The parts of a resolved connection the transport reads: the lane key, the base URL, and for
 * auth the credentials and (OAuth2) `tokens.accessToken`.
 */
export interface TransportConnection extends AuthConnection {
  id: string;
  baseUrl: string;
}

/**
 * The hub's outbound transport. One per hub; bind it to a connection for a connector.
 *
 * @example
 * const transport = new Transport({ registry, logger, audit: (e) => auditLog.write(e) });
 * const http = transport.forConnection(sendgrid.manifest, connection);
 * const res = await http.request({ method: 'POST', path: '/v3/mail/send', body, operation: 'email.send' });
 * transport.breakerStates(); // { sendgrid: 'closed' }
 */
export class Transport {
  /** The Prometheus registry holding the transport's series. */
  readonly registry: Registry;
  private readonly dispatch: Dispatcher;
  private readonly clock: Clock;
  private readonly metrics: TransportMetrics;
  private readonly breakers: Breakers;
  private readonly recorder: AttemptRecorder;
  private readonly deps: PipelineDeps;
  private readonly lanes = new Map<string, Lane>();

  constructor(private readonly options: TransportOptions = {}) {
    this.dispatch = options.dispatcher ?? undiciDispatcher;
    this.clock = options.clock ?? systemClock;
    this.metrics = new TransportMetrics(options.registry);
    this.registry = this.metrics.registry;
    this.breakers = new Breakers(options.breaker, (provider, state) => this.metrics.breaker(provider, state));
    this.recorder = new AttemptRecorder(this.metrics, options.audit, options.logger);
    this.deps = { clock: this.clock, recorder: this.recorder, metrics: this.metrics, random: options.random ?? Math.random };
  }

  /** The transport bound to one provider and connection, as connectors receive it. */
  forConnection(manifest: TransportManifest, connection: TransportConnection): ProviderHttp {
    const lane = this.lane(manifest, connection.id);
    return {
      request: ((req: HttpRequest<ResponseType>) => this.request(lane, manifest, connection, req)) as ProviderHttp['request'],
      execute: (operation, fn, options) => this.execute(lane, manifest, operation, fn, options),
    };
  }

  /**
   * Provider id → worst circuit state among its connections (for health checks). An open circuit
   * stays `open` past its delay until the next call becomes the half-open trial.
   */
  breakerStates(): Record<string, BreakerState> {
    return this.breakers.states();
  }

  /** The provider's last failed attempt (message, code, time), for health checks. */
  lastError(provider: string): LastError | undefined {
    return this.recorder.lastError(provider);
  }

  /**
   * One HTTP call. With an OAuth2 token source, a 401 invalidates the token and the call is sent
   * once more with a refreshed one (unless its body was a one-shot stream); a second 401 fails.
   */
  private async request(lane: Lane, manifest: TransportManifest, connection: TransportConnection, req: HttpRequest<ResponseType>): Promise<AnyResponse> {
    const source = oauthSourceFor(req.auth, manifest.auth, connection, req.path);
    if (!source) return runCall(this.deps, lane, this.httpCall(lane, manifest, connection, req));
    const send = (token: string) => runCall(this.deps, lane, this.httpCall(lane, manifest, { ...connection, tokens: { accessToken: token } }, req));
    const token = await source.get({ signal: req.signal });
    try {
      return await send(token);
    } catch (err) {
      if (!(err instanceof HubError) || err.providerStatus !== 401) throw err;
      if (isOneShot(req.body)) throw err.with('Not sent again with a refreshed token: the body was a one-shot stream (pass a body factory).', { bodyReplayable: false });
      source.invalidate(token);
      const next = await source.get({ signal: req.signal });
      if (next === token) throw err;
      try {
        return await send(next);
      } catch (again) {
        if (!(again instanceof HubError) || again.providerStatus !== 401) throw again;
        throw again.with(`${manifest.name} refused a freshly refreshed access token of connection ${connection.id} too: the grant may lack a scope this call (${req.operation}) needs, or access was revoked (connect again).`, { tokenRefreshed: true });
      }
    }
  }

  private httpCall(lane: Lane, manifest: TransportManifest, connection: TransportConnection, req: HttpRequest<ResponseType>) {
    return httpCall(
      {
        dispatch: this.dispatch,
        clock: this.clock,
        owner: { ...lane.provider, env: manifest.env },
        connectionId: lane.connectionId,
        connection,
        auth: manifest.auth,
        idempotencyHeader: manifest.idempotencyHeader,
        mapError: manifest.mapError,
        series: this.metrics.series(lane.provider.id, req.operation),
        timeoutMs: lane.timeoutMs,
      },
      req,
    );
  }

  private execute<T>(
    lane: Lane,
    manifest: TransportManifest,
    operation: string,
    fn: (signal: AbortSignal) => Promise<T>,
    options: ExecuteOptions = {},
  ): Promise<T> {
    return runCall(this.deps, lane, {
      provider: lane.provider.id,
      connectionId: lane.connectionId,
      operation,
      method: manifest.auth.type === 'smtp' ? 'SMTP' : 'CALL',
      url: operation,
      series: this.metrics.series(lane.provider.id, operation),
      idempotent: options.idempotent === true,
      timeoutMs: options.timeoutMs ?? lane.timeoutMs,
      signal: options.signal,
      send: (signal) => fn(signal),
    });
  }

  /** The lane of a provider connection: created on first use, then reused. */
  private lane(manifest: TransportManifest, connectionId: string): Lane {
    const key = `${manifest.id}:${createHash('sha256').update(connectionId).digest('hex').slice(0, 16)}`;
    let lane = this.lanes.get(key);
    if (lane) return lane;
    const provider = { id: manifest.id, name: manifest.name };
    const rate = this.options.rateLimits?.[manifest.id] ?? manifest.rateLimit;
    lane = {
      provider,
      connectionId,
      key,
      bucket: rate ? new TokenBucket(rate, this.clock) : undefined,
      breaker: this.breakers.create(provider),
      retry: resolveRetryPolicy(manifest.retry),
      timeoutMs: manifest.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    };
    this.lanes.set(key, lane);
    return lane;
  }
}

/** A body stream (not a factory) can be read once: a request carrying one cannot be sent again. */
function isOneShot(body: HttpRequest['body']): boolean {
  return typeof body === 'object' && body !== null && Symbol.asyncIterator in body && !(body instanceof URLSearchParams) && !(body instanceof FormData);
}
