/**
 * URL scrubbing for the audit log and debug logs: some vendors take credentials in the query
 * string (`?api_key=`, `?access_token=`, presigned `X-Amz-Signature=`, SAS `sig=`), and base URLs
 * may carry `user:password@`.
 */

/** Name fragments that mark a parameter as secret anywhere in its name. */
const SECRET_FRAGMENTS = ['token', 'secret', 'passw', 'signature', 'credential', 'apikey', 'private', 'session', 'jwt', 'bearer'];
/** Whole words (split on `_`, `-`, `.` and camelCase) that mark a parameter as secret. */
const SECRET_WORDS = new Set(['key', 'sig', 'auth', 'code', 'pwd', 'pass', 'hmac', 'otp', 'sas']);

export const REDACTED = '[redacted]';

/**
 * Whether a query parameter name looks like it carries a secret.
 *
 * @example
 * isSecretParam('api_key') // true
 * isSecretParam('X-Amz-Signature') // true
 * isSecretParam('page') // false
 */
export function isSecretParam(name: string): boolean {
  const lower = name.toLowerCase();
  if (SECRET_FRAGMENTS.some((fragment) => lower.includes(fragment))) return true;
  const words = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/);
  return words.some((word) => SECRET_WORDS.has(word));
}

function decodeName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' '));
  } catch {
    return raw;
  }
}

/** Replaces the values of secret-looking parameters in a query string (with or without `?`). */
function redactQuery(query: string, secret: readonly string[]): string {
  if (query === '' || query === '?') return '';
  const body = query.startsWith('?') ? query.slice(1) : query;
  const parts = body.split('&').map((pair) => {
    const eq = pair.indexOf('=');
    const name = eq === -1 ? pair : pair.slice(0, eq);
    const decoded = decodeName(name);
    return isSecretParam(decoded) || secret.includes(decoded) ? `${name}=${REDACTED}` : pair;
  });
  return `?${parts.join('&')}`;
}

/**
 * A URL safe to log: userinfo dropped, values of secret-looking query parameters replaced by
 * `[redacted]`, fragment dropped. Paths are kept as they are. A string that is not a URL (an
 * `execute` operation name) is returned with only its query part scrubbed. `secretParams` names
 * more parameters to redact (an auth `query` parameter with an innocent name such as `appid`).
 *
 * @example
 * redactUrl('https://user:pw@api.example.com/v1/x?api_key=secret&page=2')
 * // 'https://api.example.com/v1/x?api_key=[redacted]&page=2'
 * redactUrl('https://api.example.com/data?appid=abc&q=Paris', ['appid'])
 * // 'https://api.example.com/data?appid=[redacted]&q=Paris'
 */
export function redactUrl(raw: string, secretParams: readonly string[] = []): string {
  const hasQuery = raw.includes('?');
  if (!hasQuery && !raw.includes('@') && !raw.includes('#')) return raw;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    const q = raw.indexOf('?');
    return q === -1 ? raw : raw.slice(0, q) + redactQuery(raw.slice(q).split('#')[0] ?? '', secretParams);
  }
  const search = url.search;
  url.username = '';
  url.password = '';
  url.search = '';
  url.hash = '';
  return url.toString() + redactQuery(search, secretParams);
}

/**
 * `text` with every one of `secrets` (as given, and percent-encoded) replaced by `[redacted]`.
 *
 * @example
 * redactValues('https://api.hubapi.com/oauth/v1/access-tokens/CJS4', ['CJS4']) // '…/access-tokens/[redacted]'
 */
export function redactValues(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const s of secrets) {
    if (s.length < 4) continue;
    out = out.split(s).join(REDACTED).split(encodeURIComponent(s)).join(REDACTED);
  }
  return out;
}
