/**
 * Stripe's error answers: `{ error: { type, code?, decline_code?, message, param?, doc_url? } }`
 * with the HTTP status Stripe uses (400 invalid request, 401 auth, 402 card, 404 missing).
 *
 * @see https://docs.stripe.com/api/errors
 * @see https://docs.stripe.com/error-codes
 */

/** The body of one Stripe error. */
export interface StripeErrorBody {
  type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error';
  message: string;
  code?: string;
  decline_code?: string;
  param?: string;
  doc_url?: string;
  [extra: string]: unknown;
}

/**
 * An error the emulator answers as Stripe would. `replayable` is false for parameter errors,
 * which Stripe rejects before the endpoint runs and so never stores under an idempotency key.
 *
 * @example
 * throw new StripeApiError(402, { type: 'card_error', code: 'card_declined', message: 'Your card was declined.' });
 */
export class StripeApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: StripeErrorBody,
    readonly replayable = true,
  ) {
    super(body.message);
  }
}

const doc = (code: string) => `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`;

/**
 * Stripe's invalid_request_error with a code (and param).
 *
 * @example
 * invalidRequest('resource_missing', "No such customer: 'cus_x'", 'customer', 404)
 */
export function invalidRequest(code: string, message: string, param?: string, status = 400, replayable = true): StripeApiError {
  return new StripeApiError(status, { type: 'invalid_request_error', code, message, ...(param ? { param } : {}), doc_url: doc(code) }, replayable);
}

/**
 * The errors the emulator answers, by name.
 *
 * @example
 * throw stripeErrors.missing('amount'); // 400 { error: { type: 'invalid_request_error', code: 'parameter_missing', param: 'amount', … } }
 */
export const stripeErrors = {
  unknown: (param: string) => invalidRequest('parameter_unknown', `Received unknown parameter: ${param}`, param, 400, false),
  missing: (param: string) => invalidRequest('parameter_missing', `Missing required param: ${param}.`, param, 400, false),
  invalidInteger: (param: string, value: unknown) =>
    invalidRequest('parameter_invalid_integer', `Invalid integer: ${typeof value === 'string' ? value : JSON.stringify(value)}`, param, 400, false),
  invalidValue: (param: string, message: string) => new StripeApiError(400, { type: 'invalid_request_error', message, param }, false),
  empty: (param: string) =>
    invalidRequest('parameter_invalid_empty', `You passed an empty string for '${param}'. We assume empty values are an attempt to unset a parameter; however '${param}' cannot be unset. You should remove '${param}' from your request or supply a non-empty value.`, param, 400, false),
  invalidEnum: (param: string, _value: string, allowed: readonly string[]) =>
    new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid ${param}: must be one of ${allowed.join(', ')}`, param }, false),
  currency: (value: string) =>
    new StripeApiError(400, { type: 'invalid_request_error', message: `Invalid currency: ${value.toLowerCase()}. Stripe currently supports these currencies: usd, eur, gbp, jpy, …`, param: 'currency' }, false),
  amountTooSmall: (minimum: string, currency: string) =>
    invalidRequest('amount_too_small', `Amount must be at least ${minimum} ${currency}`, 'amount', 400, false),
  noSuch: (kind: string, id: string, param?: string) => invalidRequest('resource_missing', `No such ${kind}: '${id}'`, param, 404),
  unexpectedState: (message: string) => invalidRequest('payment_intent_unexpected_state', message),
  amountTooLarge: (message: string, param = 'amount') => invalidRequest('amount_too_large', message, param),
  /** A second request under a key whose first request is still running. */
  idempotencyInProgress: (key: string) =>
    new StripeApiError(
      409,
      {
        type: 'idempotency_error',
        message: `There is currently another in-progress request using this Idempotent Key (that probably means you submitted twice, and the other request is still going through): ${key}. Please try again later.`,
      },
      false,
    ),
  idempotencyEndpoint: (key: string, first: string, now: string) =>
    new StripeApiError(
      400,
      {
        type: 'idempotency_error',
        message: `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${first}' vs '${now}'). Try using a key other than '${key}' if you meant to execute a different request.`,
      },
      false,
    ),
  noApiKey: () =>
    new StripeApiError(
      401,
      {
        type: 'invalid_request_error',
        message:
          "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.",
      },
      false,
    ),
  badApiKey: (given: string) => new StripeApiError(401, { type: 'invalid_request_error', message: `Invalid API Key provided: ${maskKey(given)}` }, false),
  publishableKey: () =>
    new StripeApiError(401, { type: 'invalid_request_error', message: 'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.' }, false),
  unrecognizedUrl: (method: string, path: string) =>
    new StripeApiError(
      404,
      { type: 'invalid_request_error', message: `Unrecognized request URL (${method}: ${path}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.` },
      false,
    ),
  idempotencyMismatch: (key: string) =>
    new StripeApiError(400, {
      type: 'idempotency_error',
      message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
    }, false),
};

/**
 * Masks a key as Stripe does in its 401 message: prefix, asterisks, last four.
 *
 * @example
 * maskKey('sk_test_1234567890abcd') // 'sk_test_**********abcd'
 */
export function maskKey(key: string): string {
  const prefix = /^(sk|pk|rk)_(test|live)_/.exec(key)?.[0] ?? '';
  return `${prefix}${'*'.repeat(Math.max(4, key.length - prefix.length - 4))}${key.slice(-4)}`;
}
