/**
 * PayPal's REST error answers: `{name, message, debug_id, details[], links[]}`, the same shape
 * across Orders v2, Payments v2, Subscriptions v1 and Invoicing v2. The emulator's handlers throw
 * {@link PaypalApiError}; the error handler in `index.ts` turns it into the wire body.
 *
 * PayPal's surprise: business-rule failures (DECIMAL_PRECISION, INVALID_CURRENCY_CODE,
 * ORDER_NOT_APPROVED, …) are 422 UNPROCESSABLE_ENTITY, while schema failures (missing or
 * malformed fields) are 400 INVALID_REQUEST; `details[].field` is a JSON pointer into the body.
 *
 * @see https://developer.paypal.com/api/rest/responses/
 * @see https://developer.paypal.com/api/rest/reference/orders/v2/errors/
 */
import { randomBytes } from 'node:crypto';

/** One entry of `details[]`. */
export interface PaypalErrorDetail {
  field?: string;
  value?: string;
  location?: 'body' | 'path' | 'query' | 'header';
  issue: string;
  description: string;
}

const MESSAGES = {
  INVALID_REQUEST: 'Request is not well-formed, syntactically incorrect, or violates schema.',
  AUTHENTICATION_FAILURE: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.',
  RESOURCE_NOT_FOUND: 'The specified resource does not exist.',
  UNPROCESSABLE_ENTITY: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
  INTERNAL_SERVER_ERROR: 'An internal server error has occurred.',
  RATE_LIMIT_REACHED: 'Too many requests. Blocked due to rate limiting.',
} as const;

export type PaypalErrorName = keyof typeof MESSAGES;

/** Where an operation words a common issue its own way (Orders v2, per its description). */
const WORDING: [RegExp, Record<string, string>][] = [
  [/^POST \/v2\/checkout\/orders$/, {
    MISSING_REQUIRED_PARAMETER: 'A required parameter is missing.',
    INVALID_PARAMETER_VALUE: 'A parameter value is not valid.',
    INVALID_STRING_LENGTH: 'The value of a field is either too short or too long',
  }],
  [/^POST \/v2\/checkout\/orders\/[^/]+\/(?:capture|authorize)$/, {
    MISSING_REQUIRED_PARAMETER: 'A required field / parameter is missing',
    INVALID_PARAMETER_VALUE: 'A parameter value is not valid.',
    INVALID_STRING_LENGTH: 'The value of a field is either too short or too long',
  }],
  [/^PATCH \/v2\/checkout\/orders\/[^/]+$/, { INVALID_STRING_LENGTH: 'The value of a field is either too short or too long' }],
];

/** Which API's error catalogue an information link points at. */
const docsFor = (url: string): string => {
  if (url.startsWith('/v2/checkout')) return 'orders/v2';
  if (url.startsWith('/v2/payments')) return 'payments/v2';
  if (url.startsWith('/v1/billing') || url.startsWith('/v1/catalogs')) return 'subscriptions/v1';
  if (url.startsWith('/v2/invoicing')) return 'invoicing/v2';
  return 'rest';
};

/**
 * A PayPal error answer, thrown by handlers.
 *
 * @example
 * throw new PaypalApiError(422, 'UNPROCESSABLE_ENTITY', [{ issue: 'ORDER_NOT_APPROVED', description: 'Payer has not yet approved the Order for payment.' }]);
 */
export class PaypalApiError extends Error {
  constructor(
    readonly status: number,
    readonly paypalName: PaypalErrorName,
    readonly details: PaypalErrorDetail[] = [],
  ) {
    super(MESSAGES[paypalName]);
  }

  /** The wire body; `url` picks the docs page of the information links and, with `method`, the wording. */
  body(debugId: string, url: string, method = 'GET'): Record<string, unknown> {
    const page = `https://developer.paypal.com/docs/api/${docsFor(url)}/`;
    const route = `${method} ${url.split('?')[0]}`;
    const wording = WORDING.find(([pattern]) => pattern.test(route))?.[1] ?? {};
    const details = this.details.map((d) => ({ ...d, description: wording[d.issue] ?? d.description }));
    const links = details.length > 0
      ? details.map((d) => ({ href: `${page}#error-${d.issue}`, rel: 'information_link', method: 'GET' }))
      : [{ href: `${page}#error-${this.paypalName}`, rel: 'information_link', method: 'GET' }];
    return {
      name: this.paypalName,
      message: this.message,
      debug_id: debugId,
      ...(details.length > 0 ? { details } : {}),
      links,
    };
  }
}

/**
 * A lower-case hex id like PayPal's `debug_id`.
 *
 * @example
 * newDebugId() // 'f9c2a87e3b1d0'
 */
export const newDebugId = (): string => randomBytes(7).toString('hex').slice(0, 13);

/**
 * 400 INVALID_REQUEST with one detail located in the body.
 *
 * @example
 * throw invalidRequest('MISSING_REQUIRED_PARAMETER', '/intent', 'A required field / parameter is missing.');
 */
export function invalidRequest(issue: string, field: string, description: string, value?: unknown): PaypalApiError {
  return new PaypalApiError(400, 'INVALID_REQUEST', [
    { field, ...(value === undefined ? {} : { value: String(value) }), location: 'body', issue, description },
  ]);
}

/**
 * 400 MISSING_REQUIRED_PARAMETER for a body field (JSON pointer).
 *
 * @example
 * throw missing('/intent');
 */
export const missing = (field: string): PaypalApiError =>
  invalidRequest('MISSING_REQUIRED_PARAMETER', field, 'A required field / parameter is missing.');

/**
 * 400 INVALID_PARAMETER_VALUE for a body field.
 *
 * @example
 * throw badValue('/intent', 'SALE');
 */
export const badValue = (field: string, value: unknown, description = 'The value of a field is invalid.'): PaypalApiError =>
  invalidRequest('INVALID_PARAMETER_VALUE', field, description, value);

/**
 * 422 UNPROCESSABLE_ENTITY with one issue.
 *
 * @example
 * throw unprocessable('ORDER_ALREADY_CAPTURED', 'Order already captured.If \'intent=CAPTURE\' only one capture per order is allowed.');
 */
export function unprocessable(issue: string, description: string, field?: string, value?: unknown): PaypalApiError {
  return new PaypalApiError(422, 'UNPROCESSABLE_ENTITY', [
    { ...(field ? { field, location: 'body' as const } : {}), ...(value === undefined ? {} : { value: String(value) }), issue, description },
  ]);
}

/**
 * 404 RESOURCE_NOT_FOUND naming the path parameter, as PayPal does (`INVALID_RESOURCE_ID`).
 *
 * @example
 * throw notFound(req.params.id, 'capture_id');
 */
export function notFound(value: string, field = 'id'): PaypalApiError {
  return new PaypalApiError(404, 'RESOURCE_NOT_FOUND', [
    { field, value, location: 'path', issue: 'INVALID_RESOURCE_ID', description: 'Specified resource ID does not exist. Please check the resource ID and try again.' },
  ]);
}

/**
 * The fixed bodies of the chaos answers and of a missing or wrong bearer token.
 *
 * @example
 * reply.code(401).send(fixedError('AUTHENTICATION_FAILURE', debugId));
 */
export const fixedError = (name: 'INTERNAL_SERVER_ERROR' | 'RATE_LIMIT_REACHED' | 'AUTHENTICATION_FAILURE', debugId: string) => ({
  name,
  message: MESSAGES[name],
  debug_id: debugId,
  links: [{ href: `https://developer.paypal.com/docs/api/overview/#error`, rel: 'information_link' }],
});
