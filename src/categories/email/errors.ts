/**
 * The error codes of the `email` category, registered with the hub's one registry when this
 * module loads (`docs/errors.md` lists them with the core codes).
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const EMAIL_ERROR_CODES = registerErrorCodes({
  recipient_suppressed: errorCode(422, false, false, 'The recipient is on the suppression list (bounce, spam report or unsubscribe).'),
  invalid_recipient: errorCode(422, false, false, 'The provider refused the recipient address; another provider would too.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof EMAIL_ERROR_CODES, ErrorCodeInfo> {}
}
