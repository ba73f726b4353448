/**
 * Google's error answers as the Gmail API sends them: `{"error":{"code","message","errors":
 * [{"message","domain","reason"}],"status"}}`, with the messages Google uses.
 *
 * @see https://cloud.google.com/apis/design/errors#http_mapping
 * @see https://developers.google.com/gmail/api/guides/handle-errors
 */

/** One error as the emulator answers it. */
export interface GoogleErrorSpec {
  code: number;
  /** The canonical status: `INVALID_ARGUMENT`, `UNAUTHENTICATED`, … */
  status: string;
  reason: string;
  message: string;
  /** Where the problem is (`Authorization`, header). */
  location?: string;
}

/**
 * The body of a Google API error.
 *
 * @example
 * reply.code(404).send(googleErrorBody(GOOGLE_ERRORS.notFound))
 */
export function googleErrorBody(e: GoogleErrorSpec): { error: { code: number; message: string; errors: Record<string, string>[]; status: string } } {
  const item: Record<string, string> = { message: e.message, domain: 'global', reason: e.reason };
  if (e.location) Object.assign(item, { location: e.location, locationType: 'header' });
  return { error: { code: e.code, message: e.message, errors: [item], status: e.status } };
}

/** The answers the emulator gives more than once. */
export const GOOGLE_ERRORS = {
  loginRequired: {
    code: 401,
    status: 'UNAUTHENTICATED',
    reason: 'required',
    location: 'Authorization',
    message: 'Request is missing required authentication credential. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  authError: {
    code: 401,
    status: 'UNAUTHENTICATED',
    reason: 'authError',
    location: 'Authorization',
    message: 'Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other valid authentication credential. See https://developers.google.com/identity/sign-in/web/devconsole-project.',
  },
  rateLimited: { code: 429, status: 'RESOURCE_EXHAUSTED', reason: 'rateLimitExceeded', message: 'Resource has been exhausted (e.g. check quota).' },
  backendError: { code: 500, status: 'INTERNAL', reason: 'backendError', message: 'Internal error encountered.' },
  notFound: { code: 404, status: 'NOT_FOUND', reason: 'notFound', message: 'Requested entity was not found.' },
} satisfies Record<string, GoogleErrorSpec>;
