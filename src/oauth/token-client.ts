/**
 * The RFC 6749 token requests, every one through the hub's transport (retries, timeouts, breaker,
 * audit log): exchanging an authorization code (with its PKCE verifier), refreshing, client
 * credentials, Zoom's `account_credentials`, and revoking (RFC 7009). Answers become a
 * {@link TokenSet}; errors one classified HubError each (`token-answer.ts`).
 *
 * The form is sent as it is (no library): the transport must carry every byte, and the grants are
 * a few fields each.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.3
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.5
 * @see https://www.rfc-editor.org/rfc/rfc7009
 * @see https://developers.zoom.us/docs/internal-apps/s2s-oauth/
 */
import { HubError } from '../core/errors.js';
import type { TokenSet } from '../kit/connection.js';
import type { ProviderHttp } from '../transport/types.js';
import { answerFields, tokenErrorMapper, tokenSetOf, type AnswerOwner, type TokenAnswerShape } from './token-answer.js';

export type { TokenAnswerShape } from './token-answer.js';

/** How the client authenticates at the token endpoint (RFC 6749 §2.3.1); `none`: a public client (PKCE). */
export type TokenClientAuth = 'client_secret_basic' | 'client_secret_post' | 'none';

/**
 * One provider's token endpoint and client: everything a token request needs.
 *
 * @example
 * const google: TokenEndpoint = {
 *   provider: 'google', name: 'Google', url: 'https://oauth2.googleapis.com/token', revokeUrl: 'https://oauth2.googleapis.com/revoke',
 *   clientId, clientSecret, clientAuth: 'client_secret_post', env: { clientId: 'GOOGLE_CLIENT_ID', clientSecret: 'GOOGLE_CLIENT_SECRET' },
 * };
 */
export interface TokenEndpoint {
  /** Provider id: names audit operations (`<provider>.token`) and errors. */
  provider: string;
  /** Display name for messages (default: the id). */
  name?: string;
  /** Absolute, or a path under the connection's base URL (PayPal's `/v1/oauth2/token`). */
  url: string;
  /** RFC 7009 revocation endpoint. */
  revokeUrl?: string;
  clientId: string;
  /** A string, or a function making one per request (Apple's ES256 JWT). Absent with `clientAuth: 'none'`. */
  clientSecret?: string | (() => Promise<string>);
  clientAuth: TokenClientAuth;
  /** The variables the caller read the client from, named when the provider refuses the client. */
  env?: { clientId?: string; clientSecret?: string };
  /** Added to every token request's form (Microsoft's `scope` on refresh, a `resource`, …). */
  extraParams?: Record<string, string>;
  /** Deviations of the answer (GitHub's form answers, Slack's `ok: false`). */
  answer?: TokenAnswerShape;
  /** Per-attempt timeout of token requests (default: the provider's). */
  timeoutMs?: number;
}

export interface TokenRequestOptions {
  signal?: AbortSignal;
  /** Epoch ms now, for `expiresAt` (default `Date.now()`; the manager passes its clock's). */
  now?: () => number;
}

const ownerOf = (e: TokenEndpoint): AnswerOwner => ({ provider: e.provider, name: e.name ?? e.provider, env: e.env, answer: e.answer });

/** RFC 6749 §2.3.1: client id and secret are form-encoded before Basic's base64. */
const formEncode = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);

async function send(http: ProviderHttp, e: TokenEndpoint, url: string, kind: 'token' | 'revoke', params: Record<string, string>, options: TokenRequestOptions) {
  const form = new URLSearchParams({ ...(kind === 'token' ? e.extraParams : {}), ...params });
  const headers: Record<string, string> = { accept: 'application/json' };
  if (e.clientAuth === 'none') form.set('client_id', e.clientId);
  else {
    const secret = typeof e.clientSecret === 'function' ? await e.clientSecret() : e.clientSecret;
    if (!secret) {
      const name = e.env?.clientSecret ?? 'the client secret';
      throw new HubError('config_invalid', `${e.name ?? e.provider} needs a client secret for its token endpoint: set ${name}.`, { provider: e.provider, details: { env: e.env?.clientSecret } });
    }
    if (e.clientAuth === 'client_secret_basic') headers.authorization = `Basic ${Buffer.from(`${formEncode(e.clientId)}:${formEncode(secret)}`).toString('base64')}`;
    else {
      form.set('client_id', e.clientId);
      form.set('client_secret', secret);
    }
  }
  return http.request({
    method: 'POST',
    path: url,
    auth: { type: 'none' },
    headers,
    body: form,
    mapError: tokenErrorMapper(ownerOf(e)),
    operation: `${e.provider}.${kind}`,
    timeoutMs: e.timeoutMs,
    signal: options.signal,
  });
}

async function grant(http: ProviderHttp, e: TokenEndpoint, params: Record<string, string>, requested: string[] | undefined, options: TokenRequestOptions): Promise<TokenSet> {
  const res = await send(http, e, e.url, 'token', params, options);
  return tokenSetOf(ownerOf(e), answerFields(res), requested, (options.now ?? Date.now)());
}

const scopeParam = (scopes?: string[], separator = ' '): Record<string, string> => (scopes && scopes.length > 0 ? { scope: scopes.join(separator) } : {});

/**
 * Exchanges an authorization code (RFC 6749 §4.1.3) with its PKCE verifier (RFC 7636 §4.5).
 *
 * @example
 * const tokens = await exchangeCode(http, google, { code, redirectUri: 'https://hub.example/oauth/callback', codeVerifier });
 */
export function exchangeCode(
  http: ProviderHttp,
  endpoint: TokenEndpoint,
  input: { code: string; redirectUri: string; codeVerifier?: string; scopes?: string[] },
  options: TokenRequestOptions = {},
): Promise<TokenSet> {
  const params: Record<string, string> = { grant_type: 'authorization_code', code: input.code, redirect_uri: input.redirectUri };
  if (input.codeVerifier !== undefined) params.code_verifier = input.codeVerifier;
  return grant(http, endpoint, params, input.scopes, options);
}

/**
 * Refreshes (RFC 6749 §6). The answer's `refreshToken` is set only when the provider sent one:
 * the caller keeps the old one otherwise (the token manager does).
 *
 * @example
 * const next = await refreshTokens(http, microsoft, { refreshToken: stored.refreshToken, scopes: stored.scopes });
 */
export function refreshTokens(http: ProviderHttp, endpoint: TokenEndpoint, input: { refreshToken: string; scopes?: string[]; sendScopes?: boolean }, options: TokenRequestOptions = {}): Promise<TokenSet> {
  const params = { grant_type: 'refresh_token', refresh_token: input.refreshToken, ...(input.sendScopes ? scopeParam(input.scopes) : {}) };
  return grant(http, endpoint, params, input.scopes, options);
}

/**
 * The client credentials grant (RFC 6749 §4.4): a token for the client itself (PayPal, Microsoft app-only).
 *
 * @example
 * const { accessToken, expiresAt } = await clientCredentials(http, paypal);
 */
export function clientCredentials(http: ProviderHttp, endpoint: TokenEndpoint, input: { scopes?: string[] } = {}, options: TokenRequestOptions = {}): Promise<TokenSet> {
  return grant(http, endpoint, { grant_type: 'client_credentials', ...scopeParam(input.scopes) }, input.scopes, options);
}

/**
 * Zoom's Server-to-Server grant: `grant_type=account_credentials&account_id=…` with Basic client
 * credentials; a token of one hour and no refresh token.
 *
 * @example
 * const tokens = await accountCredentials(http, zoomS2S, { accountId: process.env.ZOOM_ACCOUNT_ID });
 */
export function accountCredentials(http: ProviderHttp, endpoint: TokenEndpoint, input: { accountId: string }, options: TokenRequestOptions = {}): Promise<TokenSet> {
  return grant(http, endpoint, { grant_type: 'account_credentials', account_id: input.accountId }, undefined, options);
}

/**
 * Revokes a token (RFC 7009): the provider answers 200 whether or not the token was still valid.
 *
 * @example
 * await revokeToken(http, google, { token: tokens.refreshToken, tokenTypeHint: 'refresh_token' });
 */
export async function revokeToken(
  http: ProviderHttp,
  endpoint: TokenEndpoint,
  input: { token: string; tokenTypeHint?: 'access_token' | 'refresh_token' },
  options: TokenRequestOptions = {},
): Promise<void> {
  if (!endpoint.revokeUrl) throw new HubError('capability_unsupported', `${endpoint.name ?? endpoint.provider} has no revocation endpoint.`, { provider: endpoint.provider });
  await send(http, endpoint, endpoint.revokeUrl, 'revoke', { token: input.token, ...(input.tokenTypeHint ? { token_type_hint: input.tokenTypeHint } : {}) }, options);
}
