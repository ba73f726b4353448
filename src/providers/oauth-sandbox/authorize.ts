/**
 * `GET /<provider>/authorize` and the consent page: checks the request as the provider would
 * (client, redirect URI, response type, scope syntax and separator, state, PKCE S256 where the
 * catalog says so), then shows Approve / Deny (or approves at once with `autoApprove`) and sends
 * the browser back with a one-time code or `access_denied`. An unknown client or a bad redirect
 * URI is an HTML 400 page: never a redirect (RFC 6749 §4.1.2.1).
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-4.1.1
 * @see https://www.rfc-editor.org/rfc/rfc7636#section-4.3
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import type { SandboxContext } from './context.js';
import type { AuthorizationRequest } from './state.js';
import { consentPage, errorPage, formPostPage } from './pages.js';
import { fullName } from './users.js';
import { OAuthFailure, redirectWith } from './wire.js';

/** RFC 6749 §3.3 scope-token: printable ASCII but space, `"` and `\`. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]+$/;
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

type Query = Record<string, string | undefined>;

/** Register the authorize and consent routes of `entry` under `path` (with `:tenant` where it has one). */
export function registerAuthorize(app: FastifyInstance, ctx: SandboxContext, entry: OAuthProviderEntry, path: string): void {
  app.get(path, async (req, reply) => {
    const q = req.query as Query;
    const tenant = (req.params as { tenant?: string }).tenant;
    const client = ctx.clients.get(entry.id);
    if (tenant !== undefined && entry.tenant && !new RegExp(entry.tenant.pattern).test(tenant)) {
      return errorPage(reply, entry, `Tenant "${tenant}" not found.`);
    }
    if (!client || q.client_id !== client.clientId) return errorPage(reply, entry, `Unknown client_id "${q.client_id ?? ''}": the application is not registered with ${entry.name}.`);
    const redirectProblem = checkRedirectUri(ctx, q.redirect_uri);
    if (redirectProblem) return errorPage(reply, entry, redirectProblem);
    const redirectUri = q.redirect_uri as string;
    try {
      const request = parseRequest(entry, q, tenant);
      if (ctx.autoApprove) return approve(reply, ctx, entry, request, 0);
      const users = ctx.users.get(entry.id) ?? [];
      return consentPage(reply, { entry, requestId: ctx.state.park(request), action: req.url.split('?')[0] ?? path, scopes: request.scopes, users: users.map((u) => `${fullName(u)} <${u.email}>`) });
    } catch (e) {
      if (!(e instanceof OAuthFailure)) throw e;
      return reply.redirect(redirectWith(redirectUri, { error: e.code, error_description: e.description, state: q.state }), 302);
    }
  });

  app.post(path, async (req, reply) => {
    const form = (req.body ?? {}) as Query;
    const request = ctx.state.takePending(form.request ?? '');
    if (!request || request.provider !== entry.id) return errorPage(reply, entry, 'This authorization request has expired or was already answered. Start again from the application.');
    if (form.decision !== 'approve') {
      return finish(reply, request, { error: 'access_denied', error_description: 'The user denied the authorization request.', state: request.state });
    }
    return approve(reply, ctx, entry, request, Number(form.user ?? 0) || 0);
  });
}

function checkRedirectUri(ctx: SandboxContext, uri: string | undefined): string | undefined {
  if (!uri) return 'redirect_uri is missing.';
  if (!URL.canParse(uri) || !/^https?:$/.test(new URL(uri).protocol)) return `redirect_uri "${uri}" is not an absolute http(s) URL.`;
  if (new URL(uri).hash) return 'redirect_uri must not contain a fragment.';
  if (ctx.redirectUris && !ctx.redirectUris.includes(uri)) return `redirect_uri "${uri}" is not registered for this client (redirect_uri_mismatch).`;
  return undefined;
}

/** The request's checks that answer with a redirect carrying `error`. */
function parseRequest(entry: OAuthProviderEntry, q: Query, tenant: string | undefined): AuthorizationRequest {
  if (q.response_type !== 'code') throw new OAuthFailure('unsupported_response_type', `response_type must be "code" (got "${q.response_type ?? ''}")`);
  if (!q.state) throw new OAuthFailure('invalid_request', 'state is required (it protects the redirect from CSRF)');
  const scopes = (q.scope ?? '').split(entry.scopes.separator).filter((s) => s !== '');
  const badScope = scopes.find((s) => !SCOPE_TOKEN.test(s));
  if (badScope !== undefined) throw new OAuthFailure('invalid_scope', `invalid scope "${badScope}" (${entry.name} separates scopes with "${entry.scopes.separator}")`);
  if (scopes.length === 0 && entry.scopes.default.length > 0) throw new OAuthFailure('invalid_scope', 'scope is required');
  let codeChallenge: string | undefined;
  if (entry.pkce) {
    if (!q.code_challenge) throw new OAuthFailure('invalid_request', 'code_challenge is required (PKCE)');
    if (q.code_challenge_method !== 'S256') throw new OAuthFailure('invalid_request', `code_challenge_method must be S256 (got "${q.code_challenge_method ?? 'plain'}")`);
    if (!S256_CHALLENGE.test(q.code_challenge)) throw new OAuthFailure('invalid_request', 'code_challenge is not a base64url SHA-256 (43 characters)');
    codeChallenge = q.code_challenge;
  }
  const PROTOCOL = new Set(['client_id', 'redirect_uri', 'response_type', 'scope', 'state', 'nonce', 'code_challenge', 'code_challenge_method']);
  const rest = Object.entries(q).filter(([k]) => !PROTOCOL.has(k));
  return {
    provider: entry.id,
    ...(tenant !== undefined && { tenant }),
    clientId: q.client_id as string,
    redirectUri: q.redirect_uri as string,
    scopes,
    state: q.state,
    ...(q.nonce !== undefined && { nonce: q.nonce }),
    ...(codeChallenge !== undefined && { codeChallenge }),
    params: Object.fromEntries(rest.filter((kv): kv is [string, string] => typeof kv[1] === 'string')),
  };
}

function approve(reply: FastifyReply, ctx: SandboxContext, entry: OAuthProviderEntry, request: AuthorizationRequest, userIndex: number): FastifyReply {
  const users = ctx.users.get(entry.id) ?? [];
  const user = users[userIndex] ?? users[0];
  if (!user) return errorPage(reply, entry, 'No sandbox user.');
  const code = ctx.state.issueCode(request, user);
  const params: Record<string, string | undefined> = { code, state: request.state };
  // Apple sends the user's name once, on the first authorization, in a `user` form field.
  if (entry.id === 'apple' && !ctx.appleNamed.has(user.subject)) {
    ctx.appleNamed.add(user.subject);
    params.user = JSON.stringify({ name: { firstName: user.givenName, lastName: user.familyName }, email: user.email });
  }
  return finish(reply, request, params);
}

/** Back to the client: a 302 with the query, or an auto-submitted form for `response_mode=form_post`. */
function finish(reply: FastifyReply, request: AuthorizationRequest, params: Record<string, string | undefined>): FastifyReply {
  if (request.params.response_mode === 'form_post') return formPostPage(reply, request.redirectUri, params);
  return reply.redirect(redirectWith(request.redirectUri, params), 302);
}
