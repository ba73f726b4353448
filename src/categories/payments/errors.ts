/**
 * The error codes of the `payments` category, registered with the hub's one registry when this
 * module loads (`docs/errors.md` lists them with the core codes).
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const PAYMENT_ERROR_CODES = registerErrorCodes({
  payment_declined: errorCode(402, false, false, 'The card or payment method was declined; `providerCode` is the decline code (`insufficient_funds`, `generic_decline`, …).'),
  payment_action_required: errorCode(402, false, false, 'The payment needs the customer (3-D Secure, approval) before it can complete; `details.nextAction` says what.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof PAYMENT_ERROR_CODES, ErrorCodeInfo> {}
}
