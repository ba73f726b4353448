/**
 * Gmail's error answers → the hub's error codes.
 *
 * Google answers `{"error":{"code","message","status","errors":[{"message","domain","reason"}]}}`.
 * Surprising parts: a per-user rate limit is a 403 (`rateLimitExceeded`, `userRateLimitExceeded`),
 * not a 429, and a malformed recipient is a generic 400 `invalidArgument` whose message names the
 * header ("Invalid To header").
 *
 * @see https://developers.google.com/gmail/api/guides/handle-errors
 * @see https://cloud.google.com/apis/design/errors
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/email/errors.js'; // registers the email error codes this file uses

const PROVIDER = 'gmail';

/** One entry of Google's `errors` array. */
export interface GoogleErrorItem {
  message?: string;
  domain?: string;
  reason?: string;
}

/** The `error` object of a Google API error answer. */
export interface GoogleError {
  code: number;
  message: string;
  /** The canonical code: `INVALID_ARGUMENT`, `UNAUTHENTICATED`, `PERMISSION_DENIED`, … */
  status?: string;
  errors?: GoogleErrorItem[];
}

/** 403 reasons that mean "slow down", retryable after a wait. */
const RATE_REASONS = new Set(['rateLimitExceeded', 'userRateLimitExceeded']);
/** A 400 message that names a recipient header. */
const RECIPIENT_MESSAGE = /invalid (to|cc|bcc) header|recipient address required/i;

/**
 * The `error` of an answer; a non-JSON answer (a proxy's HTML page) becomes its text.
 *
 * @example
 * googleError(res) // { code: 400, message: 'Invalid To header', status: 'INVALID_ARGUMENT', errors: [{ reason: 'invalidArgument' }] }
 */
export function googleError(res: HttpResponse): GoogleError {
  try {
    const body = res.json<{ error?: Partial<GoogleError> } | null>();
    const e = body?.error;
    if (e && typeof e.message === 'string') return { code: typeof e.code === 'number' ? e.code : res.status, message: e.message, status: e.status, errors: Array.isArray(e.errors) ? e.errors : [] };
  } catch {
    // not JSON: fall through to the text
  }
  const text = res.text.trim();
  return { code: res.status, message: text ? (text.length > 300 ? `${text.slice(0, 300)}…` : text) : `HTTP ${res.status}`, errors: [] };
}

/**
 * Maps a non-2xx Gmail answer to a HubError (the manifest's `mapError`).
 *
 * @example
 * const err = mapGmailError({ status: 401, headers: {}, text: '…', json: () => ({ error: { code: 401, message: 'Request had invalid authentication credentials.', status: 'UNAUTHENTICATED' } }) });
 * err.code // 'provider_auth_failed'
 */
export function mapGmailError(res: HttpResponse, now: number = Date.now()): HubError {
  const e = googleError(res);
  const reason = e.errors?.find((i) => i.reason)?.reason;
  const said = `${e.message}${reason ? ` (${reason})` : ''}`;
  const make = (code: ErrorCode, message: string, retryAfter?: number) =>
    new HubError(code, message, {
      provider: PROVIDER,
      providerStatus: res.status,
      providerCode: reason ?? e.status,
      retryAfter,
      details: { googleError: e },
    });

  const status = res.status;
  if (status === 400) {
    if (RECIPIENT_MESSAGE.test(e.message)) {
      return make('invalid_recipient', `Gmail refused a recipient: "${e.message}". Correct or remove the address; every provider would refuse it.`);
    }
    return make('provider_rejected', `Gmail rejected the message: ${said}. Sending the same request again fails the same way.`);
  }
  if (status === 401) {
    return make('provider_auth_failed', `Gmail refused the access token (${said}): the token expired or was revoked; if refreshing does not help, connect the account again (GMAIL_REFRESH_TOKEN, GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET).`);
  }
  if (status === 403 && reason && RATE_REASONS.has(reason)) {
    const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
    return make('provider_rate_limited', `Gmail's per-user rate limit is reached (${said}).${retryAfter === undefined ? '' : ` Retry after ${retryAfter} s.`}`, retryAfter);
  }
  if (status === 403 && reason === 'dailyLimitExceeded') {
    return make('provider_error', `Gmail's daily sending limit of this account is reached (${said}): it resets within 24 hours; another provider of the chain may send meanwhile.`);
  }
  if (status === 403) {
    return make('provider_auth_failed', `Gmail forbade the request (${said}): the token needs the https://www.googleapis.com/auth/gmail.send scope, and the from address must be the account's or a verified "Send mail as" alias.`);
  }
  if (status === 413) {
    return make('provider_rejected', `Gmail refused the message as too large (${said}): send smaller attachments.`);
  }
  if (status === 429) {
    const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
    return make('provider_rate_limited', `Gmail's rate limit is reached (${said}).${retryAfter === undefined ? '' : ` Retry after ${retryAfter} s.`}`, retryAfter);
  }
  if (status >= 500) {
    return make('provider_unavailable', `Gmail is unavailable (HTTP ${status}: ${said}); the message was not accepted, try again later.`);
  }
  return make('provider_error', `Gmail answered HTTP ${status}: ${said}.`);
}
