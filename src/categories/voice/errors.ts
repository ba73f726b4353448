/**
 * The error codes of the `voice` category, registered with the hub's one registry when this
 * module loads (`docs/errors.md` lists them with the core codes).
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const VOICE_ERROR_CODES = registerErrorCodes({
  call_refused: errorCode(422, false, false, 'The provider refused to place the call: a number it cannot call, or a caller ID that is not a number of the account; another provider would refuse it too.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof VOICE_ERROR_CODES, ErrorCodeInfo> {}
}
