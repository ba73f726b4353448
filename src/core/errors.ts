/**
 * The hub's one error type and its code registry.
 *
 * Every failure that crosses a module boundary is a {@link HubError} with a stable `code` from
 * {@link ERROR_CODES}. The REST layer turns it into `application/problem+json`; `docs/errors.md`
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

const code = (status: number, retryable: boolean, failover: boolean, description: string): ErrorCodeInfo => ({
  status,
  retryable,
  failover,
  description,
});

/** The registry: every code the hub can answer with. Keep `docs/errors.md` in sync. */
export const ERROR_CODES = {
  validation_failed: code(400, false, false, 'The request is malformed; `errors` names each field and what to fix.'),
  unauthorized: code(401, false, false, 'Missing, unknown or revoked API key; send `Authorization: Bearer <key>`.'),
  forbidden: code(403, false, false, 'The API key lacks the scope this route needs.'),
  not_found: code(404, false, false, 'No such resource (or it belongs to another tenant).'),
  conflict: code(409, false, false, 'The resource already exists or is in a state that forbids this change.'),
  idempotency_conflict: code(409, false, false, 'This `Idempotency-Key` was used with a different request body.'),
  idempotency_in_progress: code(409, true, false, 'A request with this `Idempotency-Key` is still being processed.'),
  payload_too_large: code(413, false, false, 'The request body is larger than the hub accepts.'),
  unsupported_media_type: code(415, false, false, 'Send the body as `application/json`.'),
  recipient_suppressed: code(422, false, false, 'The recipient is on the suppression list (bounce, spam report or unsubscribe).'),
  invalid_recipient: code(422, false, false, 'The provider refused the recipient address; another provider would too.'),
  provider_rejected: code(422, false, false, 'The provider refused the request as invalid; fix the request, do not retry.'),
  payment_declined: code(402, false, false, 'The card or payment method was declined; `providerCode` is the decline code (`insufficient_funds`, `generic_decline`, …).'),
  payment_action_required: code(402, false, false, 'The payment needs the customer (3-D Secure, approval) before it can complete; `details.nextAction` says what.'),
  capability_unsupported: code(422, false, true, 'The provider does not support this operation; `GET /api/v1/payments/capabilities` lists what each supports.'),
  rate_limited: code(429, true, false, 'Too many requests; wait for `Retry-After` seconds.'),
  provider_rate_limited: code(429, true, true, 'The provider answered 429; the hub retried and gave up.'),
  provider_auth_failed: code(502, false, true, 'The provider refused the credentials of this connection.'),
  provider_error: code(502, false, true, 'The provider answered with an error the hub does not know how to map.'),
  provider_unavailable: code(503, true, true, 'The provider could not be reached or answered 5xx.'),
  provider_timeout: code(504, true, true, 'The provider did not answer in time; the request may or may not have been processed.'),
  circuit_open: code(503, true, true, 'The circuit breaker of this provider is open after repeated failures.'),
  all_providers_failed: code(502, true, false, 'Every provider of the chain failed; `causes` lists why.'),
  not_configured: code(503, false, true, 'The provider is not configured and has no sandbox.'),
  webhook_signature_missing: code(401, false, false, 'The webhook request carries no signature header.'),
  webhook_signature_invalid: code(401, false, false, 'The webhook signature does not match the raw body and a configured secret.'),
  webhook_timestamp_stale: code(401, false, false, 'The webhook timestamp is outside the tolerance (default 5 minutes).'),
  unknown_webhook_source: code(404, false, false, 'No provider or source is registered under this webhook path.'),
  encryption_failed: code(500, false, false, 'A secret could not be decrypted: the key that sealed it is not configured.'),
  config_invalid: code(500, false, false, 'The configuration is invalid; the message names the variable.'),
  internal_error: code(500, false, false, 'An unexpected error; the `requestId` finds it in the logs.'),
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

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
  readonly status: number;
  readonly retryable: boolean;
  readonly failover: boolean;
  readonly provider?: string;
  readonly providerCode?: string;
  readonly providerStatus?: number;
  readonly retryAfter?: number;
  readonly errors?: FieldError[];
  readonly details?: Record<string, unknown>;
  requestId?: string;

  constructor(code: ErrorCode, message: string, options: HubErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    const info: ErrorCodeInfo = ERROR_CODES[code];
    this.name = 'HubError';
    this.code = code;
    this.status = info.status;
    this.retryable = options.retryable ?? info.retryable;
    this.failover = info.failover;
    this.provider = options.provider;
    this.providerCode = options.providerCode;
    this.providerStatus = options.providerStatus;
    this.retryAfter = options.retryAfter;
    this.errors = options.errors;
    this.details = options.details;
    this.requestId = options.requestId;
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
    const code = (typeof j.code === 'string' && j.code in ERROR_CODES ? j.code : 'internal_error') as ErrorCode;
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

/** Shorthand for a 400 naming one field. */
export function validationError(field: string, message: string): HubError {
  return new HubError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
}
