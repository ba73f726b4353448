/**
 * The hub's one error type and its code registry.
 *
 * Every failure that crosses a module boundary is a {@link HubError} with a stable `code` from
 * {@link CORE_ERROR_CODES} and the codes categories register. The REST layer turns it into `application/problem+json`; `docs/errors.md`
 * lists the same codes (a test keeps them in sync).
 */

/** What the registry knows about a code. */
export interface ErrorCodeInfo {
  /** HTTP status the REST API answers with. */
  status: number;
  /** The same request may succeed if tried again later. */
  retryable: boolean;
  /** Routing may try the next provider of the chain after this error. */
  failover: boolean;
  /** One line for docs/errors.md. */
  description: string;
}

/**
 * One registry entry.
 *
 * @example
 * export const EMAIL_ERROR_CODES = { invalid_recipient: errorCode(422, false, false, 'The provider refused the recipient.') };
 */
export const errorCode = (status: number, retryable: boolean, failover: boolean, description: string): ErrorCodeInfo => ({
  status,
  retryable,
  failover,
  description,
});

/** The hub's own codes; categories add theirs with {@link registerErrorCodes}. Keep `docs/errors.md` in sync. */
export const CORE_ERROR_CODES = {
  validation_failed: errorCode(400, false, false, 'The request is malformed; `errors` names each field and what to fix.'),
  unauthorized: errorCode(401, false, false, 'Missing, unknown or revoked API key; send `Authorization: Bearer <key>`.'),
  forbidden: errorCode(403, false, false, 'The API key lacks the scope this route needs.'),
  not_found: errorCode(404, false, false, 'No such resource (or it belongs to another tenant).'),
  conflict: errorCode(409, false, false, 'The resource already exists or is in a state that forbids this change.'),
  idempotency_conflict: errorCode(409, false, false, 'This `Idempotency-Key` was used with a different request body.'),
  idempotency_in_progress: errorCode(409, true, false, 'A request with this `Idempotency-Key` is still being processed.'),
  payload_too_large: errorCode(413, false, false, 'The request body is larger than the hub accepts.'),
  unsupported_media_type: errorCode(415, false, false, 'Send the body as `application/json`.'),
  provider_rejected: errorCode(422, false, false, 'The provider refused the request as invalid; fix the request, do not retry.'),
  capability_unsupported: errorCode(422, false, true, 'The provider does not support this operation; each category lists what its providers support (`GET /api/v1/payments/capabilities`).'),
  rate_limited: errorCode(429, true, false, 'Too many requests; wait for `Retry-After` seconds.'),
  provider_rate_limited: errorCode(429, true, true, 'The provider answered 429; the hub retried and gave up.'),
  provider_auth_failed: errorCode(502, false, true, 'The provider refused the credentials of this connection.'),
  provider_error: errorCode(502, false, true, 'The provider answered with an error the hub does not know how to map.'),
  provider_unavailable: errorCode(503, true, true, 'The provider could not be reached or answered 5xx.'),
  provider_timeout: errorCode(504, true, true, 'The provider did not answer in time; the request may or may not have been processed.'),
  circuit_open: errorCode(503, true, true, 'The circuit breaker of this provider is open after repeated failures.'),
  all_providers_failed: errorCode(502, true, false, 'Every provider of the chain failed; `causes` lists why.'),
  connection_inactive: errorCode(409, false, true, 'The connection is disabled or needs a user to sign in again (`details.status`); another provider of the chain may be tried.'),
  oauth_invalid_grant: errorCode(409, false, true, 'The provider refused the authorization code or refresh token (expired, revoked, already used): the user must connect the account again; the connection is `needs_reauth`.'),
  not_configured: errorCode(503, false, true, 'The provider is not configured and has no sandbox.'),
  webhook_signature_missing: errorCode(401, false, false, 'The webhook request carries no signature header.'),
  webhook_signature_invalid: errorCode(401, false, false, 'The webhook signature does not match the raw body and a configured secret.'),
  webhook_timestamp_stale: errorCode(401, false, false, 'The webhook timestamp is outside the tolerance (default 5 minutes).'),
  unknown_webhook_source: errorCode(404, false, false, 'No provider or source is registered under this webhook path.'),
  encryption_failed: errorCode(500, false, false, 'A secret could not be decrypted: the key that sealed it is not configured.'),
  config_invalid: errorCode(500, false, false, 'The configuration is invalid; the message names the variable.'),
  internal_error: errorCode(500, false, false, 'An unexpected error; the `requestId` finds it in the logs.'),
} as const satisfies Record<string, ErrorCodeInfo>;

/**
 * Codes a category declares (`categories/<name>/errors.ts`) are added to this interface by
 * declaration merging, so `new HubError('payment_declined', …)` type-checks without this file
 * knowing payments.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface ErrorCodeExtensions {}

export type ErrorCode = keyof typeof CORE_ERROR_CODES | (keyof ErrorCodeExtensions & string);

const registry = new Map<string, ErrorCodeInfo>(Object.entries(CORE_ERROR_CODES));

/**
 * Add a category's codes to the registry (done when the category's `errors.ts` loads). A code
 * registered twice with other settings is a programming error.
 *
 * @example
 * registerErrorCodes({ sms_opted_out: errorCode(422, false, false, 'The recipient replied STOP.') });
 */
export function registerErrorCodes<T extends Record<string, ErrorCodeInfo>>(codes: T): T {
  for (const [name, info] of Object.entries(codes)) {
    const known = registry.get(name);
    if (known && JSON.stringify(known) !== JSON.stringify(info)) throw new Error(`error code ${name} is registered twice with different settings`);
    registry.set(name, info);
  }
  return codes;
}

/** Every registered code and what the registry knows about it, core codes first. */
export function errorCodes(): ReadonlyMap<string, ErrorCodeInfo> {
  return registry;
}

/** The registry entry of `code`; an unregistered code reads as `internal_error`. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return registry.get(code) ?? CORE_ERROR_CODES.internal_error;
}

/** One field that failed validation. */
export interface FieldError {
  /** Dotted path, e.g. `recipients.3.to`. */
  field: string;
  message: string;
}

export interface HubErrorOptions {
  provider?: string;
  providerCode?: string;
  /** Provider's HTTP status, when the error came from a provider answer. */
  providerStatus?: number;
  requestId?: string;
  /** Seconds the caller should wait (from the provider's `Retry-After`). */
  retryAfter?: number;
  errors?: FieldError[];
  /** Extra machine-readable details (never secrets). */
  details?: Record<string, unknown>;
  cause?: unknown;
  /** Override the registry's retryable flag (e.g. a 5xx that is known to be permanent). */
  retryable?: boolean;
}

/**
 * The one error type of the hub.
 *
 * @example
 * throw new HubError('invalid_recipient', 'SendGrid refused "bob@": not an email address', { provider: 'sendgrid' });
 */
export class HubError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly provider?: string;
  readonly providerCode?: string;
  readonly providerStatus?: number;
  readonly retryAfter?: number;
  readonly errors?: FieldError[];
  readonly details?: Record<string, unknown>;
  requestId?: string;

  constructor(code: ErrorCode, message: string, options: HubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'HubError';
    this.code = code;
    this.retryable = options.retryable ?? errorCodeInfo(code).retryable;
    this.provider = options.provider;
    this.providerCode = options.providerCode;
    this.providerStatus = options.providerStatus;
    this.retryAfter = options.retryAfter;
    this.errors = options.errors;
    this.details = options.details;
    this.requestId = options.requestId;
  }

  /** HTTP status the REST API answers with (from the registry). */
  get status(): number {
    return errorCodeInfo(this.code).status;
  }

  /** Routing may try the next provider of the chain after this error (from the registry). */
  get failover(): boolean {
    return errorCodeInfo(this.code).failover;
  }

  /**
   * The error stored by {@link HubError.toJSON} (a string or the parsed object), for answering a
   * stored outcome again (idempotent replays).
   *
   * @example
   * HubError.fromJSON(JSON.stringify(err.toJSON())).code === err.code // true
   */
  static fromJSON(stored: string | Record<string, unknown>): HubError {
    const j = (typeof stored === 'string' ? JSON.parse(stored) : stored) as Record<string, unknown>;
    const code = (typeof j.code === 'string' && registry.has(j.code) ? j.code : 'internal_error') as ErrorCode;
    return new HubError(code, String(j.message ?? code), {
      provider: j.provider as string | undefined,
      providerCode: j.providerCode as string | undefined,
      providerStatus: j.providerStatus as number | undefined,
      retryable: j.retryable as boolean | undefined,
      retryAfter: j.retryAfter as number | undefined,
      errors: j.errors as FieldError[] | undefined,
      details: j.details as Record<string, unknown> | undefined,
    });
  }

  /**
   * The same error with a sentence added and details merged (the original becomes the cause).
   *
   * @example
   * throw err.with('Payment pay_1 is kept: retry with the same key.', { paymentId: 'pay_1' });
   */
  with(sentence: string, details: Record<string, unknown>): HubError {
    return new HubError(this.code, `${this.message} ${sentence}`, {
      provider: this.provider, providerCode: this.providerCode, providerStatus: this.providerStatus, requestId: this.requestId,
      retryAfter: this.retryAfter, errors: this.errors, retryable: this.retryable, details: { ...this.details, ...details }, cause: this,
    });
  }

  /** JSON for logs and the job table: no stack, no cause chain. */
  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      message: this.message,
      provider: this.provider,
      providerCode: this.providerCode,
      providerStatus: this.providerStatus,
      retryable: this.retryable,
      retryAfter: this.retryAfter,
      errors: this.errors,
      details: this.details,
    };
  }
}

/** Narrow anything thrown into a HubError (unknown errors become `internal_error`). */
export function toHubError(err: unknown): HubError {
  if (err instanceof HubError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new HubError('internal_error', message, { cause: err });
}

/**
 * The provider surely did not act on the request: it was never sent (connection refused, DNS),
 * the provider refused it unprocessed (429), the circuit was open, or no provider could take it.
 * Safe to send again, elsewhere too; the one predicate the transport's retries and the
 * `not-acted` failover policy share.
 *
 * @example
 * surelyNotSent(new HubError('circuit_open', 'sendgrid is failing')) // true
 * surelyNotSent(new HubError('provider_timeout', 'no answer')) // false: it may have been processed
 */
export function surelyNotSent(err: HubError): boolean {
  return (
    err.details?.sent === false ||
    err.providerStatus === 429 ||
    ['provider_rate_limited', 'circuit_open', 'not_configured', 'capability_unsupported'].includes(err.code)
  );
}

/** Shorthand for a 400 naming one field. */
export function validationError(field: string, message: string): HubError {
  return new HubError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}
