/**
 * The shapes of the one outbound path. Connectors build {@link HttpRequest}s; the transport adds
 * auth-free policies (timeout, retry, rate limit, breaker, metrics, audit) and answers
 * {@link HttpResponse}s or throws a HubError mapped by the provider's `mapError`.
 */
import type { HubError } from '../core/errors.js';

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'HEAD';

export interface HttpRequest {
  method: HttpMethod;
  /** Path relative to the connection's base URL (`/v3/mail/send`), or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /** A plain object is sent as JSON; FormData as multipart; URLSearchParams as a form. */
  body?: string | Buffer | FormData | URLSearchParams | Record<string, unknown> | unknown[];
  /**
   * Makes a non-idempotent request (POST, PATCH) safe to retry: sent in the provider's
   * idempotency header (manifest `idempotencyHeader`). Without it such a request is retried only
   * when it surely never reached the provider (connection refused, 429).
   */
  idempotencyKey?: string;
  /** Overrides the manifest's timeout for this call. */
  timeoutMs?: number;
  /** Names the call in metrics and the audit log, e.g. `email.send`. */
  operation: string;
  signal?: AbortSignal;
}

export interface HttpResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text: string;
  /** Parse `text` as JSON (throws a SyntaxError on a non-JSON answer). */
  json<T = unknown>(): T;
}

/** The transport bound to one provider and one connection, handed to a connector. */
export interface ProviderHttp {
  request(req: HttpRequest): Promise<HttpResponse>;
  /**
   * Run a non-HTTP call (SMTP, a vendor SDK) under the same policies: rate limit, breaker,
   * retry of retryable errors, metrics and audit. `fn` must throw HubErrors (map vendor errors).
   */
  execute<T>(operation: string, fn: (signal: AbortSignal) => Promise<T>, options?: ExecuteOptions): Promise<T>;
}

export interface ExecuteOptions {
  /** The call may be repeated safely (GET, or a create with an idempotency key). */
  idempotent?: boolean;
  timeoutMs?: number;
  signal?: AbortSignal;
}

/** Maps a provider's non-2xx answer to the hub's error (each provider's `errors.ts`). */
export type ErrorMapper = (res: HttpResponse) => HubError;

/** A low-level sender, injectable for tests (defaults to undici). */
export type Dispatcher = (req: {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string | Buffer | FormData | URLSearchParams;
  signal: AbortSignal;
}) => Promise<{ status: number; headers: Record<string, string>; text: string }>;

/** A pace: at most `limit` calls per `intervalMs` (token bucket, bursts up to `limit`). */
export interface RateLimit {
  limit: number;
  intervalMs: number;
}

/** Circuit breaker settings, one breaker per provider and connection. */
export interface BreakerOptions {
  /** Consecutive retryable provider failures that open the circuit (default 5). */
  threshold?: number;
  /** How long the circuit stays open before one trial call is let through (default 30 s). */
  halfOpenAfterMs?: number;
}

export type BreakerState = 'closed' | 'open' | 'half-open';

/**
 * One provider call attempt, as the audit log receives it. Never holds headers or bodies; `url`
 * is redacted (secret-looking query parameters and userinfo removed).
 */
export interface AuditEntry {
  /** Epoch ms when the attempt started (the transport's clock). */
  at: number;
  provider: string;
  connectionId: string;
  operation: string;
  /** HTTP method, or `SMTP` / `CALL` for {@link ProviderHttp.execute}. */
  method: string;
  /** Redacted URL; for `execute` the operation name. */
  url: string;
  /** Provider's HTTP status, when it answered. */
  status?: number;
  /** Hub error code when the attempt failed (`aborted` when the caller cancelled). */
  errorCode?: string;
  durationMs: number;
  /** 1 for the first try. */
  attempt: number;
  /** The provider's request id, when its answer carried one. */
  requestId?: string;
}
