/**
 * How the sandbox speaks each provider's token endpoint: client authentication as the catalog
 * entry says (HTTP Basic, form, or Apple's ES256 JWT), and answers and errors in the vendor's
 * shape (RFC 6749 JSON, GitHub's form encoding and HTTP-200 errors, Slack's `{ok}` envelope).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-5
 * @see https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps#2-users-are-redirected-back-to-your-site-by-github
 * @see https://api.slack.com/methods/oauth.v2.access
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { OAuthErrorCode, OAuthProviderEntry } from '../../oauth/types.js';

/** An RFC 6749 error, with the code each deviating vendor uses for it in this situation. */
export class OAuthFailure extends Error {
  constructor(
    readonly code: OAuthErrorCode | 'access_denied' | 'unsupported_response_type',
    readonly description: string,
    readonly vendorCodes: Record<string, string> = {},
  ) {
    super(description);
  }
}

export interface SandboxClient {
  clientId: string;
  clientSecret: string;
}

/** Apple's per-request secret: an ES256 JWT by the team, about the client, for appleid.apple.com. */
export interface AppleJwtCheck {
  teamId: string;
  key: Parameters<typeof jwtVerify>[1] | JWTVerifyGetKey;
}

const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));

/**
 * Authenticates the client of a token request the way `entry.clientAuth` says; any other way is
 * `invalid_client` (a hub sending the secret in the wrong place fails here as it would there).
 */
export async function authenticateClient(entry: OAuthProviderEntry, req: FastifyRequest, form: Record<string, string>, client: SandboxClient, apple?: AppleJwtCheck): Promise<void> {
  const bad = (why: string) => new OAuthFailure('invalid_client', why, { github: 'incorrect_client_credentials', slack: form.client_id && form.client_id !== client.clientId ? 'invalid_client_id' : 'bad_client_secret' });
  const header = req.headers.authorization;
  if (entry.clientAuth === 'client_secret_basic') {
    const [, b64] = /^Basic\s+(\S+)$/i.exec(header ?? '') ?? [];
    if (!b64) throw bad(`${entry.name} expects client_secret_basic (HTTP Basic client_id:client_secret)`);
    const text = Buffer.from(b64, 'base64').toString('utf8');
    const at = text.indexOf(':');
    const [id, secret] = at < 0 ? [text, ''] : [decode(text.slice(0, at)), decode(text.slice(at + 1))];
    if (id !== client.clientId || secret !== client.clientSecret) throw bad('client authentication failed');
    if (form.client_id !== undefined && form.client_id !== id) throw bad('client_id in the body differs from the authenticated client');
    return;
  }
  if (header?.toLowerCase().startsWith('basic ')) throw bad(`${entry.name} expects the client credentials in the form body, not HTTP Basic`);
  if (form.client_id !== client.clientId) throw bad('unknown client_id');
  if (entry.clientAuth === 'apple_es256_jwt') {
    if (!apple) throw bad('no Apple key configured');
    try {
      const { payload } = await jwtVerify(form.client_secret ?? '', apple.key as Parameters<typeof jwtVerify>[1], {
        issuer: apple.teamId,
        subject: client.clientId,
        audience: 'https://appleid.apple.com',
        algorithms: ['ES256'],
      });
      if ((payload.exp ?? 0) - (payload.iat ?? 0) > 15_777_000) throw new Error('client secret valid for more than six months');
    } catch (e) {
      throw bad(`client_secret is not a valid ES256 JWT: ${(e as Error).message}`);
    }
    return;
  }
  if (form.client_secret !== client.clientSecret) throw bad('client authentication failed');
}

function wantsJson(req: FastifyRequest): boolean {
  return /application\/json/i.test(req.headers.accept ?? '');
}

function formOrJson(reply: FastifyReply, req: FastifyRequest, entry: OAuthProviderEntry, status: number, body: Record<string, unknown>): FastifyReply {
  reply.code(status).headers({ 'cache-control': 'no-store', pragma: 'no-cache' });
  if (entry.tokenResponse?.format === 'form_unless_accept_json' && !wantsJson(req)) {
    const form = new URLSearchParams(Object.entries(body).filter(([, v]) => v !== undefined).map(([k, v]): [string, string] => [k, String(v)]));
    return reply.type('application/x-www-form-urlencoded; charset=utf-8').send(form.toString());
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

/**
 * A successful token answer in the provider's shape.
 *
 * @example
 * return sendTokens(reply, req, entry, { access_token, token_type: 'Bearer', expires_in: 3600 });
 */
export function sendTokens(reply: FastifyReply, req: FastifyRequest, entry: OAuthProviderEntry, body: Record<string, unknown>): FastifyReply {
  return formOrJson(reply, req, entry, 200, entry.tokenResponse?.errors === 'slack_ok' ? { ok: true, ...body } : body);
}

/**
 * An error answer in the provider's shape: RFC 6749 §5.2 (400, or 401 for `invalid_client`),
 * GitHub's HTTP 200 with its own code, Slack's `{ok: false, error}`, Zoom's `{reason, error}`.
 */
export function sendTokenError(reply: FastifyReply, req: FastifyRequest, entry: OAuthProviderEntry, failure: OAuthFailure): FastifyReply {
  const vendorCode = failure.vendorCodes[entry.id] ?? failure.code;
  switch (entry.tokenResponse?.errors) {
    case 'slack_ok':
      return formOrJson(reply, req, entry, 200, { ok: false, error: vendorCode });
    case 'http200_error':
      return formOrJson(reply, req, entry, 200, { error: vendorCode, error_description: failure.description, error_uri: `${entry.docs}#error-${vendorCode}` });
    default: {
      const status = failure.code === 'invalid_client' ? 401 : 400;
      if (status === 401 && entry.clientAuth === 'client_secret_basic') reply.header('www-authenticate', `Basic realm="${entry.id}"`);
      const body = entry.id === 'zoom' ? { reason: failure.description, error: failure.code } : { error: failure.code, error_description: failure.description };
      return formOrJson(reply, req, entry, status, body);
    }
  }
}

/** `redirect_uri` with `params` added to its query (its own query kept). */
export function redirectWith(redirectUri: string, params: Record<string, string | undefined>): string {
  const url = new URL(redirectUri);
  for (const [k, v] of Object.entries(params)) if (v !== undefined) url.searchParams.set(k, v);
  return url.toString();
}

const HTML_ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);

/** The bearer token of a request, or undefined. */
export function bearer(req: FastifyRequest): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
}
