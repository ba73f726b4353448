/**
 * Error codes the `sms` category adds to the registry (keep `docs/errors.md` in sync).
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const SMS_ERROR_CODES = registerErrorCodes({
  recipient_opted_out: errorCode(422, false, false, 'The recipient replied STOP (or the provider reports it unsubscribed, Twilio 21610); they must reply START before they can be sent to again.'),
  invalid_phone_number: errorCode(422, false, false, 'The provider refused the phone number (not a valid or not a mobile number); another provider would too.'),
  verification_code_invalid: errorCode(422, false, false, 'The verification code does not match; `details.attemptsLeft` says how many tries remain.'),
  verification_code_expired: errorCode(410, false, false, 'No verification code is pending for this number (it expired, was used, or none was sent); send a new one.'),
  verification_too_many_attempts: errorCode(429, false, false, 'Too many wrong codes: this code is spent; send a new one.'),
  verification_resend_too_soon: errorCode(429, true, false, 'A code was sent to this number moments ago; wait `Retry-After` seconds before sending another.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof SMS_ERROR_CODES, ErrorCodeInfo> {}
}
