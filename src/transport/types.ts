/**
 * The shapes of the one outbound path. Connectors build {@link HttpRequest}s; the transport adds
 * the manifest's auth, signing hooks and policies (timeout, retry, rate limit, breaker, metrics,
 * audit) and answers {@link HttpResponse}s (or bytes, or a stream) or throws a HubError mapped by
 * the provider's `mapError`.
 */
import type { Readable } from 'node:stream';
import type { HubError } from '../core/errors.js';
import type { AuthSpec, SignHook } from './auth-spec.js';

export type { AuthSpec, BodyDescriptor, SignHook, SigningConnection, SigningRequest } from './auth-spec.js';

/**
 * Any RFC 9110 method token: the common ones autocomplete, others (`MKCALENDAR`, `COPY`) are
 * accepted and checked against the token grammar before sending. Methods are case-sensitive.
 */
export type HttpMethod =
  | 'GET'
  | 'POST'
  | 'PUT'
  | 'PATCH'
  | 'DELETE'
  | 'HEAD'
  | 'OPTIONS'
  | 'PROPFIND'
  | 'PROPPATCH'
  | 'REPORT'
  | 'MKCOL'
  | 'MKCALENDAR'
  | 'COPY'
  | 'MOVE'
  | (string & Record<never, never>);

/** Chunks streamed to the socket as they are produced: a `Readable`, a web `ReadableStream`, an async generator. */
export type BodyStream = AsyncIterable<Uint8Array>;

/** Makes a fresh stream for each attempt, so a streamed request can be retried. */
export type BodyFactory = () => BodyStream | Promise<BodyStream>;

/** How to read the answer: `text` (default, with `json()`), `buffer` (bytes) or `stream` (a Readable). */
export type ResponseType = 'text' | 'buffer' | 'stream';

/**
 * One HTTP call a connector makes. `R` is how the answer is read: `HttpRequest` (text) by
 * default, `HttpRequest<'stream'>` / `HttpRequest<'buffer'>` with `responseType` set.
 *
 * @example
 * await http.request({ method: 'PROPFIND', path: '/dav/calendars/alice/', headers: { depth: '1' }, body: xml, operation: 'calendar.list' });
 * await http.request({ method: 'PUT', path: `/bucket/${key}`, body: () => createReadStream(file), payloadHash: 'UNSIGNED-PAYLOAD', operation: 'storage.put' });
 * const { body } = await http.request({ method: 'GET', path: `/bucket/${key}`, responseType: 'stream', operation: 'storage.get' });
 */
export interface HttpRequest<R extends ResponseType = 'text'> {
  method: HttpMethod;
  /** Path relative to the connection's base URL (`/v3/mail/send`), or an absolute URL. */
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  headers?: Record<string, string>;
  /**
   * A plain object or array is sent as JSON; URLSearchParams as a form; FormData as multipart;
   * strings, Buffers and Uint8Arrays as they are (binary ones as `application/octet-stream`
   * unless `content-type` says otherwise).
   *
   * A {@link BodyStream} is streamed, never buffered, and can be sent once: if an attempt fails
   * after the stream began to be read, the call fails with the attempt's error and
   * `details.bodyReplayable: false` instead of retrying. Pass a {@link BodyFactory}
   * (`body: () => createReadStream(file)`) for a streamed request that may be retried: it is
   * called once per attempt. The per-attempt timeout covers the upload: raise `timeoutMs` for
   * large bodies.
   */
  body?: string | Buffer | Uint8Array | FormData | URLSearchParams | BodyStream | BodyFactory | Record<string, unknown> | unknown[];
  /** For signing hooks: the payload hash of a streamed body (`UNSIGNED-PAYLOAD`, or a hex SHA-256 computed ahead). */
  payloadHash?: string;
  /** How to read a successful answer (default `text`). An error answer is always read as text for `mapError`. */
  responseType?: R;
  /**
   * Makes a non-idempotent request (POST, PATCH) safe to retry: sent in the provider's
   * idempotency header (manifest `idempotencyHeader`). Without it such a request is retried only
   * when it surely never reached the provider (connection refused, 429).
   */
  idempotencyKey?: string;
  /**
   * Replaces the manifest's `auth` for this request (Basic for a token exchange, `{ type: 'none' }`).
   * Needed to send credentials to an absolute URL outside the connection's origin.
   */
  auth?: AuthSpec;
  /**
   * Replaces the manifest's `mapError` for this call: a token endpoint answers RFC 6749 errors
   * (`invalid_grant`, `invalid_client`), not the API's own error shapes.
   */
  mapError?: ErrorMapper;
  /** Called on every attempt right before sending, after the manifest's own `sign` (see {@link SignHook}). */
  sign?: SignHook;
  /** Overrides the manifest's timeout for this call. */
  timeoutMs?: number;
  /** Names the call in metrics and the audit log, e.g. `email.send`. */
  operation: string;
  /**
   * Values the URL carries that are secrets (an access token in the path, as HubSpot's token
   * info takes it): the audit log and debug lines show `[redacted]` instead.
   */
  secrets?: string[];
  signal?: AbortSignal;
}

interface ResponseHead {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
}

/** A text answer (the default `responseType`). */
export interface HttpResponse extends ResponseHead {
  text: string;
  /** Parse `text` as JSON (throws a SyntaxError on a non-JSON answer). */
  json<T = unknown>(): T;
}

/** An answer read as bytes (`responseType: 'buffer'`). */
export interface HttpBufferResponse extends ResponseHead {
  body: Buffer;
}

/**
 * An answer whose body is not read yet (`responseType: 'stream'`): the call resolves when the
 * headers arrive (the per-attempt timeout covers only that). Consume or destroy `body`, or the
 * connection stays busy; the request's `signal` still aborts it.
 */
export interface HttpStreamResponse extends ResponseHead {
  body: Readable;
}

/** The transport bound to one provider and one connection, handed to a connector. */
export interface ProviderHttp {
  request(req: HttpRequest): Promise<HttpResponse>;
  request(req: HttpRequest<'buffer'> & { responseType: 'buffer' }): Promise<HttpBufferResponse>;
  request(req: HttpRequest<'stream'> & { responseType: 'stream' }): Promise<HttpStreamResponse>;
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

/** What a {@link Dispatcher} sends: the request after auth, signing and body encoding. */
export interface DispatchRequest {
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body?: string | Buffer | FormData | URLSearchParams | BodyStream;
  signal: AbortSignal;
  /** Absent means `text`. */
  responseType?: ResponseType;
}

/** A dispatcher's answer: `text`, `bytes` or `stream`, as asked (the transport converts any other). */
export interface DispatchResponse {
  status: number;
  /** Lower-cased header names. */
  headers: Record<string, string>;
  text?: string;
  bytes?: Buffer;
  stream?: Readable;
}

/** A low-level sender, injectable for tests (defaults to undici). */
export type Dispatcher = (req: DispatchRequest) => Promise<DispatchResponse>;

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
