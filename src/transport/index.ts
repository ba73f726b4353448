/**
 * The outbound path: {@link Transport} and the pieces others build on.
 *
 * @example
 * import { Transport, parseRateLimit } from './transport/index.js';
 * const transport = new Transport({ rateLimits: { sendgrid: parseRateLimit('600/min') } });
 */
export { Transport, DEFAULT_TIMEOUT_MS, type TransportOptions, type TransportManifest, type TransportConnection } from './transport.js';
export { buildUrl, toResponse, undiciDispatcher, isIdempotentMethod, checkMethod, parseRetryAfter, requestIdOf } from './http.js';
export { encodeBody, prepareBody, type PreparedBody } from './body.js';
export { applyAuth, fillTemplate, type AppliedAuth, type AuthConnection } from './auth.js';
export { parseRateLimit, TokenBucket } from './rate-limit.js';
export { redactUrl, isSecretParam, REDACTED } from './redact.js';
export { mapThrown, timeoutError, countsForBreaker, rebuild, type ProviderRef } from './failures.js';
export { backoffDelay, retryDelay, resolveRetryPolicy, DEFAULT_RETRY, type RetryPolicy } from './retry.js';
export { DEFAULT_BREAKER } from './breaker.js';
export type { LastError } from './audit.js';
export type * from './types.js';
