/**
 * Reading a token endpoint's answer (RFC 6749 §5.1, §5.2) and the ways providers depart from it:
 * GitHub's form-encoded answers and HTTP 200 errors, Slack's `{ok: false, error}` and its user
 * token under `authed_user`. Errors become one HubError each: `oauth_invalid_grant` (connect
 * again), `provider_auth_failed` naming the variable (`invalid_client`), retryable 5xx / 429, or
 * `provider_error` carrying the provider's `error_description`.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 * @see https://docs.github.com/en/apps/oauth-apps/maintaining-oauth-apps/troubleshooting-oauth-app-access-token-request-errors
 * @see https://api.slack.com/methods/oauth.v2.access
 */
import { HubError } from '../core/errors.js';
import type { TokenSet } from '../kit/connection.js';
import type { ErrorMapper, HttpResponse } from '../transport/types.js';

/** How a token endpoint's answer departs from RFC 6749 (the catalog's `tokenResponse` fits). */
export interface TokenAnswerShape {
  /** `form_unless_accept_json`: GitHub; the content type decides in any case. */
  format?: 'json' | 'form_unless_accept_json';
  /** `status`: RFC 6749 (default). `http200_error`: GitHub. `slack_ok`: Slack's `{ok: false, error}`. */
  errors?: 'status' | 'http200_error' | 'slack_ok';
  /** Slack v2: the user token is under `authed_user`. */
  userTokenUnder?: 'authed_user';
  /** Vendor error codes meaning `invalid_grant` or `invalid_client` (Slack `invalid_refresh_token`, GitHub `bad_refresh_token`). */
  errorAliases?: Record<string, 'invalid_grant' | 'invalid_client'>;
}

/** What error messages name: the provider and the variables holding the client's credentials. */
export interface AnswerOwner {
  provider: string;
  name: string;
  /** `{ clientId: 'GOOGLE_CLIENT_ID', clientSecret: 'GOOGLE_CLIENT_SECRET' }`. */
  env?: { clientId?: string; clientSecret?: string };
  answer?: TokenAnswerShape;
}

const KNOWN_ALIASES: Record<string, 'invalid_grant' | 'invalid_client'> = {
  bad_verification_code: 'invalid_grant', // GitHub
  bad_refresh_token: 'invalid_grant', // GitHub
  incorrect_client_credentials: 'invalid_client', // GitHub
  invalid_refresh_token: 'invalid_grant', // Slack
  invalid_code: 'invalid_grant', // Slack
  code_already_used: 'invalid_grant', // Slack
  code_expired: 'invalid_grant', // Slack
  invalid_client_id: 'invalid_client', // Slack
  bad_client_secret: 'invalid_client', // Slack
};

type Fields = Record<string, unknown>;

/**
 * The answer's fields, from JSON or a form body (GitHub without `Accept: application/json`).
 *
 * @example
 * answerFields({ headers: { 'content-type': 'application/x-www-form-urlencoded' }, text: 'access_token=gho_1' }) // { access_token: 'gho_1' }
 */
export function answerFields(res: Pick<HttpResponse, 'headers' | 'text'>): Fields {
  const type = res.headers['content-type'] ?? '';
  if (type.includes('application/x-www-form-urlencoded')) return Object.fromEntries(new URLSearchParams(res.text));
  try {
    const parsed: unknown = JSON.parse(res.text);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Fields) : {};
  } catch {
    return /^[\w.-]+=/.test(res.text) ? Object.fromEntries(new URLSearchParams(res.text)) : {};
  }
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * The HubError for a token endpoint's error answer (`status` 0: an HTTP 200 carrying an error).
 *
 * @example
 * tokenError(owner, 400, { error: 'invalid_grant', error_description: 'Token has been expired or revoked.' }) // oauth_invalid_grant
 */
export function tokenError(owner: AnswerOwner, status: number, fields: Fields): HubError {
  const raw = str(fields.error) ?? (status === 401 ? 'invalid_client' : undefined);
  const kind = raw === undefined ? undefined : (owner.answer?.errorAliases?.[raw] ?? KNOWN_ALIASES[raw] ?? raw);
  const description = str(fields.error_description) ?? str(fields.reason); // Zoom says why in `reason`
  const said = `${raw ?? `HTTP ${status}`}${description ? `: ${description}` : ''}`;
  const base = { provider: owner.provider, providerCode: raw, ...(status ? { providerStatus: status } : {}) };
  if (status >= 500) return new HubError('provider_unavailable', `${owner.name}'s token endpoint failed (${said}); the hub retries with backoff.`, base);
  if (status === 429) return new HubError('provider_rate_limited', `${owner.name}'s token endpoint is rate limiting (${said}).`, base);
  if (kind === 'invalid_grant') {
    return new HubError('oauth_invalid_grant', `${owner.name} refused the grant (${said}): the authorization code or refresh token is expired, revoked or already used; the user must connect again.`, base);
  }
  if (kind === 'invalid_client' || kind === 'unauthorized_client') {
    const vars = [owner.env?.clientId, owner.env?.clientSecret].filter((v): v is string => v !== undefined);
    const fix = vars.length > 0 ? `check ${vars.join(' and ')}` : 'check the client id and secret of this connection';
    return new HubError('provider_auth_failed', `${owner.name} refused the OAuth client (${said}): ${fix}.`, { ...base, details: { env: vars } });
  }
  return new HubError('provider_error', `${owner.name} refused the token request (${said}).`, base);
}

/**
 * The transport's `mapError` for token requests: every non-2xx answer through {@link tokenError}.
 *
 * @example
 * await http.request({ method: 'POST', path: url, body, mapError: tokenErrorMapper(owner), operation: 'google.token' });
 */
export function tokenErrorMapper(owner: AnswerOwner): ErrorMapper {
  return (res) => tokenError(owner, res.status, answerFields(res));
}

const TOKEN_FIELDS = new Set(['access_token', 'refresh_token', 'expires_in', 'scope', 'token_type']);

/**
 * The TokenSet of a successful answer: `expiresAt` from `expires_in`, scopes from `scope` (else the
 * requested ones), `refreshToken` only if the answer has one; other fields go to `extra`.
 * Throws for an HTTP 200 that carries an error (GitHub, Slack).
 *
 * @example
 * tokenSetOf(owner, { access_token: 'ya29', expires_in: 3599 }, ['openid'], Date.now())
 */
export function tokenSetOf(owner: AnswerOwner, fields: Fields, requested: string[] | undefined, now: number): TokenSet {
  if (fields.ok === false || (str(fields.error) !== undefined && str(fields.access_token) === undefined)) throw tokenError(owner, 0, fields);
  const nested = owner.answer?.userTokenUnder ? fields[owner.answer.userTokenUnder] : undefined;
  const src: Fields = typeof nested === 'object' && nested !== null && str((nested as Fields).access_token) ? (nested as Fields) : fields;
  const accessToken = str(src.access_token);
  if (accessToken === undefined) {
    throw new HubError('provider_error', `${owner.name} answered the token request without an access_token.`, { provider: owner.provider });
  }
  const expiresIn = Number(src.expires_in);
  const scope = str(src.scope);
  const extra = Object.fromEntries(Object.entries(fields).filter(([k]) => !TOKEN_FIELDS.has(k)));
  return {
    accessToken,
    ...(str(src.refresh_token) ? { refreshToken: str(src.refresh_token) } : {}),
    ...(Number.isFinite(expiresIn) && expiresIn > 0 ? { expiresAt: now + expiresIn * 1000 } : {}),
    ...(scope !== undefined ? { scopes: scope.split(/[\s,]+/).filter(Boolean) } : requested ? { scopes: requested } : {}),
    tokenType: str(src.token_type) ?? 'Bearer',
    obtainedAt: now,
    ...(Object.keys(extra).length > 0 ? { extra } : {}),
  };
}
