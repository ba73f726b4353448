/**
 * Turning what went wrong on the wire into HubErrors, and the questions the policies ask of them:
 * did the request surely never reach the provider? may it have been processed? does the failure
 * say the provider is unhealthy?
 *
 * Marks carried in `HubError.details`:
 * - `sent: false`: the request surely never reached the provider (connection refused, DNS) — any
 *   request may be retried, even a POST without idempotency key.
 * - `uncertain: true`: the provider may have processed it (timeout, connection dropped after
 *   sending) — only idempotent requests are retried.
 */
import { HubError, type HubErrorOptions } from '../core/errors.js';
import { parseRetryAfter, requestIdOf } from './http.js';
import type { ErrorMapper, HttpResponse } from './types.js';

/** The provider a failure is about: its id and display name. */
export interface ProviderRef {
  id: string;
  name: string;
}

/** Failed before a byte was sent: the provider never saw the request. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ECONNECTION', // nodemailer: could not connect
  'EDNS', // nodemailer: DNS lookup failed
]);
/** The connection broke while the request was in flight or awaiting its answer. */
const DROPPED_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ESOCKET']);
const TIMEOUT_CODES = new Set(['ETIMEDOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT']);

/** The first system error code found on `err`, its `cause` chain or an AggregateError's `errors`. */
function networkCode(err: unknown, depth = 0): string | undefined {
  if (typeof err !== 'object' || err === null || depth > 4) return undefined;
  const { code, cause, errors } = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof code === 'string' && (NOT_SENT_CODES.has(code) || DROPPED_CODES.has(code) || TIMEOUT_CODES.has(code))) {
    return code;
  }
  if (Array.isArray(errors)) {
    for (const e of errors) {
      const found = networkCode(e, depth + 1);
      if (found !== undefined) return found;
    }
  }
  return networkCode(cause, depth + 1);
}

/**
 * Maps anything a dispatcher or vendor SDK threw to a HubError. HubErrors pass through; network
 * errors become `provider_unavailable` / `provider_timeout` with the marks above; anything else
 * becomes a non-retryable `provider_error`.
 *
 * @example
 * mapThrown(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }), { id: 'sendgrid', name: 'SendGrid' })
 * // HubError provider_unavailable, details { sent: false }
 */
export function mapThrown(err: unknown, provider: ProviderRef): HubError {
  if (err instanceof HubError) return err;
  const reason = err instanceof Error ? err.message : String(err);
  const code = networkCode(err);
  const base = { provider: provider.id, cause: err };
  if (code === undefined) {
    return new HubError('provider_error', `${provider.name} call failed: ${reason}`, base);
  }
  if (TIMEOUT_CODES.has(code)) return timeoutError(provider, undefined, err);
  if (NOT_SENT_CODES.has(code)) {
    const env = `${provider.id.toUpperCase()}_API_BASE`;
    return new HubError('provider_unavailable', `${provider.name} could not be reached (${reason}); check ${env} and the network`, {
      ...base,
      details: { sent: false, networkCode: code },
    });
  }
  return new HubError('provider_unavailable', `${provider.name} dropped the connection (${reason}); the request may or may not have been processed`, {
    ...base,
    details: { uncertain: true, networkCode: code },
  });
}

/**
 * The error for an attempt that ran out of time (the provider may still process it).
 *
 * @example
 * throw timeoutError({ id: 'stripe', name: 'Stripe' }, 10_000);
 */
export function timeoutError(provider: ProviderRef, timeoutMs: number | undefined, cause?: unknown): HubError {
  const within = timeoutMs === undefined ? 'in time' : `within ${timeoutMs} ms`;
  return new HubError('provider_timeout', `${provider.name} did not answer ${within}; the request may or may not have been processed`, {
    provider: provider.id,
    cause,
    details: { uncertain: true, timeoutMs },
  });
}

/**
 * Maps a non-2xx answer with the provider's `mapError`, then fills what the mapper left out:
 * `provider`, `providerStatus`, `retryAfter` (from the `Retry-After` header) and `requestId`.
 *
 * @example
 * throw fromResponse(res, manifest.mapError, manifest, Date.now());
 */
export function fromResponse(res: HttpResponse, mapError: ErrorMapper, provider: ProviderRef, now: number): HubError {
  let err: HubError;
  try {
    err = mapError(res);
    if (!(err instanceof HubError)) throw new TypeError(`mapError of ${provider.id} returned a non-HubError`);
  } catch (cause) {
    err = new HubError('provider_error', `${provider.name} answered ${res.status} and its error mapper failed`, { cause });
  }
  err.requestId ??= requestIdOf(res.headers);
  const retryAfter = err.retryAfter ?? parseRetryAfter(res.headers['retry-after'], now);
  if (err.provider !== undefined && err.providerStatus !== undefined && retryAfter === err.retryAfter) return err;
  return rebuild(err, { provider: err.provider ?? provider.id, providerStatus: err.providerStatus ?? res.status, retryAfter });
}

/**
 * A copy of `err` with some options replaced (HubError fields are read-only). Keeps the stack.
 *
 * @example
 * rebuild(err, { retryAfter: 120 })
 */
export function rebuild(err: HubError, patch: HubErrorOptions): HubError {
  const copy = new HubError(err.code, err.message, {
    provider: err.provider,
    providerCode: err.providerCode,
    providerStatus: err.providerStatus,
    requestId: err.requestId,
    retryAfter: err.retryAfter,
    errors: err.errors,
    details: err.details,
    cause: err.cause,
    retryable: err.retryable,
    ...patch,
  });
  copy.stack = err.stack;
  return copy;
}

/**
 * The failure says the provider is unhealthy (5xx, timeout, network), so it counts towards
 * opening its circuit. Client errors (4xx, including 429) do not.
 *
 * @example
 * countsForBreaker(new HubError('provider_unavailable', '503', { providerStatus: 503 })) // true
 */
export function countsForBreaker(err: unknown): boolean {
  if (!(err instanceof HubError) || !err.retryable || err.code === 'circuit_open') return false;
  if (err.providerStatus !== undefined) return err.providerStatus >= 500;
  return err.code === 'provider_unavailable' || err.code === 'provider_timeout';
}
