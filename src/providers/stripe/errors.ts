/**
 * Stripe's error answers → the hub's error codes.
 *
 * Stripe answers `{"error":{"type","code","decline_code","message","param","payment_intent",…}}`.
 * A declined card is a 402 `card_error` whose body carries the PaymentIntent as it now stands
 * (status `requires_payment_method`, `last_payment_error` set): the decline code travels as
 * `providerCode` and the intent's id in `details`. `Stripe-Should-Retry` overrides whether a
 * retry can help; `Request-Id` names the request for Stripe support.
 *
 * @see https://docs.stripe.com/api/errors
 * @see https://docs.stripe.com/error-codes
 * @see https://docs.stripe.com/declines/codes
 * @see https://docs.stripe.com/error-low-level#server-errors (Stripe-Should-Retry)
 */
import { HubError, type ErrorCode, type FieldError } from '../../core/errors.js';
import { parseRetryAfter } from '../../transport/http.js';
import type { HttpResponse } from '../../transport/types.js';
import '../../categories/payments/errors.js'; // registers the payments error codes this file uses

const PROVIDER = 'stripe';

/** The `error` object of a Stripe error answer (the fields the hub reads). */
export interface StripeErrorObject {
  type?: string;
  code?: string;
  decline_code?: string;
  message?: string;
  param?: string;
  doc_url?: string;
  payment_intent?: { id?: string; status?: string; next_action?: { type?: string; redirect_to_url?: { url?: string } } | null };
  payment_method?: { id?: string };
}

/**
 * The `error` of an answer; a non-JSON answer (a proxy's HTML page) becomes a message of its text.
 *
 * @example
 * stripeErrorOf(res) // { type: 'card_error', code: 'card_declined', decline_code: 'insufficient_funds', message: 'Your card has insufficient funds.' }
 */
export function stripeErrorOf(res: HttpResponse): StripeErrorObject {
  try {
    const body = res.json<{ error?: unknown } | null>();
    if (body && typeof body.error === 'object' && body.error !== null) return body.error as StripeErrorObject;
  } catch {
    // not JSON: fall through to the text
  }
  const text = res.text.trim();
  return { message: text ? (text.length > 300 ? `${text.slice(0, 300)}…` : text) : `HTTP ${res.status}` };
}

/** What the customer must do, from a PaymentIntent's `next_action`. */
function nextActionOf(pi: StripeErrorObject['payment_intent']): { type: string; url?: string } | undefined {
  const type = pi?.next_action?.type;
  if (!type) return undefined;
  const url = pi?.next_action?.redirect_to_url?.url;
  return url ? { type, url } : { type };
}

/**
 * Maps a non-2xx Stripe answer to a HubError (the manifest's `mapError`).
 *
 * @example
 * const err = mapStripeError(toResponse({ status: 402, headers: { 'request-id': 'req_1' }, text: '{"error":{"type":"card_error","code":"card_declined","decline_code":"insufficient_funds","message":"Your card has insufficient funds."}}' }));
 * err.code // 'payment_declined'
 * err.providerCode // 'insufficient_funds'
 */
export function mapStripeError(res: HttpResponse, now: number = Date.now()): HubError {
  const e = stripeErrorOf(res);
  const status = res.status;
  const said = e.message ?? `HTTP ${status}`;
  const requestId = res.headers['request-id'];
  const shouldRetry = res.headers['stripe-should-retry'];
  const make = (code: ErrorCode, message: string, extra: { providerCode?: string; retryAfter?: number; errors?: FieldError[]; details?: Record<string, unknown> } = {}) =>
    new HubError(code, message, {
      provider: PROVIDER,
      providerStatus: status,
      providerCode: extra.providerCode ?? e.code ?? e.type,
      requestId,
      retryAfter: extra.retryAfter,
      errors: extra.errors,
      details: { type: e.type, code: e.code, param: e.param, docUrl: e.doc_url, ...extra.details },
      retryable: shouldRetry === 'true' ? true : shouldRetry === 'false' ? false : undefined,
    });

  if (e.type === 'card_error' && e.code === 'authentication_required') {
    const nextAction = nextActionOf(e.payment_intent);
    return make('payment_action_required', `Stripe needs the customer to authenticate this payment (3-D Secure): ${said} Bring the customer back on session and confirm the PaymentIntent with Stripe.js.`, {
      details: { paymentIntentId: e.payment_intent?.id, declineCode: e.decline_code, nextAction },
    });
  }
  if (e.type === 'card_error') {
    const declineCode = e.decline_code ?? e.code;
    return make('payment_declined', `Stripe declined the payment (${declineCode ?? 'declined'}): ${said} Ask the customer for another payment method.`, {
      providerCode: declineCode,
      details: { declineCode: e.decline_code, code: e.code, paymentIntentId: e.payment_intent?.id, paymentMethodId: e.payment_method?.id },
    });
  }
  if (e.type === 'idempotency_error' || e.code === 'idempotency_key_in_use') {
    if (status === 409) {
      return make('idempotency_in_progress', `Stripe is still processing another request with this Idempotency-Key: ${said}`, { retryAfter: parseRetryAfter(res.headers['retry-after'], now) });
    }
    return make('idempotency_conflict', `Stripe refused the Idempotency-Key: it was used with other parameters or another endpoint (${said}). Use a new key for a different request.`);
  }
  if (status === 401) {
    return make('provider_auth_failed', `Stripe refused the API key (${said}): check STRIPE_SECRET_KEY is a current secret key (sk_…) or restricted key (rk_…) of the right mode.`);
  }
  if (status === 403) {
    return make('provider_auth_failed', `Stripe forbade the request (${said}): give the restricted key (rk_…) the permission this call needs, or use the secret key.`);
  }
  if (status === 429) {
    const retryAfter = parseRetryAfter(res.headers['retry-after'], now);
    const wait = retryAfter === undefined ? '' : ` Retry after ${retryAfter} s.`;
    return make('provider_rate_limited', `Stripe's rate limit is reached (${said}).${wait}`, { retryAfter });
  }
  if (status >= 500 || e.type === 'api_error') {
    return make('provider_unavailable', `Stripe is unavailable (HTTP ${status}: ${said}); try again later.`);
  }
  if (e.code === 'resource_missing' || status === 404) {
    return make('not_found', `Stripe has no such object${e.param ? ` (${e.param})` : ''}: ${said}`);
  }
  if (e.type === 'invalid_request_error' || status === 400) {
    const errors = e.param ? [{ field: e.param, message: said }] : undefined;
    return make('provider_rejected', `Stripe rejected the request: ${said}${e.param ? ` (parameter ${e.param})` : ''}. Sending the same request again fails the same way.`, { errors });
  }
  if (status === 409) {
    return make('conflict', `Stripe reported a conflicting change (${said}); retry after reading the object again.`);
  }
  return make('provider_error', `Stripe answered HTTP ${status}: ${said}.`);
}
