/**
 * What a signed-in client reads and revokes: userinfo in each vendor's shape (GitHub's `/user` and
 * `/user/emails`, Zoom's `/users/me`, HubSpot's token-in-path lookup, …), the JWKS, OIDC
 * discovery, pictures, and revocation in each vendor's style (RFC 7009, GitHub's
 * `DELETE /applications/{client_id}/token`, Slack's `auth.revoke`, HubSpot's refresh-token DELETE).
 *
 * @see https://www.rfc-editor.org/rfc/rfc7009
 * @see https://docs.github.com/en/rest/apps/oauth-applications#delete-an-app-token
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import { issuerFor, type SandboxContext } from './context.js';
import { discoveryDocument } from './oidc.js';
import type { TokenRecord } from './state.js';
import { githubEmails, PIXEL_PNG, rawProfile } from './users.js';
import { bearer } from './wire.js';
import { registerApiEcho } from './api-echo.js';
import { registerLinkedInApi } from './linkedin-api.js';

/** `http://host/google/api/user` → `/google/api/user`; `{name}` placeholders → `:name` route params. */
export const routePath = (url: string, base: string): string => url.slice(base.length).replace(/\{(\w+)\}/g, ':$1');

type Params = Record<string, string | undefined>;

function unauthorized(reply: FastifyReply, entry: OAuthProviderEntry): FastifyReply {
  if (entry.id === 'slack') return reply.code(200).send({ ok: false, error: 'invalid_auth' });
  if (entry.id === 'github') return reply.code(401).send({ message: 'Bad credentials', documentation_url: 'https://docs.github.com/rest' });
  return reply.code(401).header('www-authenticate', 'Bearer error="invalid_token"').send({ error: 'invalid_token', error_description: 'The access token is invalid, expired or revoked' });
}

/** Register userinfo, emails, JWKS, discovery, pictures and revoke for `entry` (its URLs already sandboxed). */
export function registerResources(app: FastifyInstance, ctx: SandboxContext, entry: OAuthProviderEntry): void {
  const base = ctx.url; // at registration: the path base
  const withToken = (handler: (t: TokenRecord, token: string, req: FastifyRequest) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    const token = (req.params as Params).accessToken ?? bearer(req) ?? '';
    const record = ctx.state.liveAccess(token);
    if (!record || record.provider !== entry.id || !record.user) return unauthorized(reply, entry);
    return handler(record, token, req);
  };
  const userinfo = withToken((t, token) => rawProfile(entry, t.user!, { accessToken: token, scopes: t.scopes, clientId: t.clientId }));
  const paths = new Set([`/${entry.id}/userinfo`]);
  if (entry.endpoints.userinfoUrl) paths.add(routePath(entry.endpoints.userinfoUrl, base));
  for (const p of paths) app.get(p, userinfo);
  if (entry.endpoints.emailsUrl) app.get(routePath(entry.endpoints.emailsUrl, base), withToken((t) => githubEmails(t.user!)));
  app.get(`/${entry.id}/picture/:file`, async (_req, reply) => reply.type('image/png').send(PIXEL_PNG));

  if (entry.kind === 'oidc') {
    const jwks = async () => ctx.signer.jwks;
    const discovery = async (req: FastifyRequest) => {
      const tenant = (req.params as Params).tenant;
      const filled = (url: string | undefined) => url?.replace('{tenant}', tenant ?? entry.tenant?.default ?? '');
      const current = ctx.entries.get(entry.id) ?? entry;
      const resolved: OAuthProviderEntry = { ...current, endpoints: Object.fromEntries(Object.entries(current.endpoints).map(([k, v]) => [k, filled(v)])) };
      // Microsoft's multi-tenant documents name the issuer as a template: each token's `iss` has the user's tenant.
      const multi = entry.tenant && (!tenant || entry.tenant.special.includes(tenant));
      const issuer = multi ? (resolved.endpoints.issuer ?? '').replace(/[^/]+$/, '{tenantid}') : issuerFor(ctx, entry, tenant);
      return discoveryDocument(resolved, issuer);
    };
    const prefixes = entry.tenant ? [`/${entry.id}`, `/${entry.id}/:tenant`] : [`/${entry.id}`];
    for (const p of prefixes) {
      app.get(`${p}/jwks`, jwks);
      app.get(`${p}/.well-known/openid-configuration`, discovery);
    }
  }
  registerRevoke(app, ctx, entry);
  // Stand-ins for the API itself (the proxy's "any endpoint"; LinkedIn's typed subset).
  registerApiEcho(app, ctx, entry, (reply) => unauthorized(reply, entry));
  if (entry.id === 'linkedin') registerLinkedInApi(app, ctx);
}

function registerRevoke(app: FastifyInstance, ctx: SandboxContext, entry: OAuthProviderEntry): void {
  const revokeToken = (token: string, clientId?: string): boolean => {
    const record = ctx.state.accessTokens.get(token) ?? ctx.state.refreshTokens.get(token);
    if (!record || record.provider !== entry.id || (clientId && record.clientId !== clientId)) return false;
    record.revoked = true;
    // Revoking a refresh token ends its grant (RFC 7009 §2.1: the access tokens of it too).
    if (ctx.state.refreshTokens.has(token)) ctx.state.revokeGrant(record.grantId);
    return true;
  };
  const body = (req: FastifyRequest) => (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Params;
  // RFC 7009: 200 whether or not the token was known.
  app.post(`/${entry.id}/revoke`, async (req, reply) => {
    const token = body(req).token ?? bearer(req);
    if (!token) return reply.code(400).send({ error: 'invalid_request', error_description: 'token is required' });
    revokeToken(token);
    return reply.code(200).send(entry.id === 'slack' ? { ok: true, revoked: true } : {});
  });
  if (!entry.revoke || entry.revoke.style === 'rfc7009') return;
  const path = routePath(entry.revoke.url, ctx.url);
  if (entry.revoke.style === 'slack_auth_revoke') {
    app.get(path, async (req, reply) => reply.send({ ok: true, revoked: revokeToken(bearer(req) ?? (req.query as Params).token ?? '') }));
  } else if (entry.revoke.style === 'github_app_token') {
    app.delete(path, async (req, reply) => {
      const clientId = (req.params as Params).clientId;
      const client = ctx.clients.get(entry.id);
      const basic = Buffer.from(`${client?.clientId}:${client?.clientSecret}`).toString('base64');
      if (clientId !== client?.clientId || req.headers.authorization !== `Basic ${basic}`) return reply.code(404).send({ message: 'Not Found' });
      return revokeToken(body(req).access_token ?? '', clientId) ? reply.code(204).send() : reply.code(404).send({ message: 'Not Found' });
    });
  } else if (entry.revoke.style === 'hubspot_refresh_token') {
    app.delete(path, async (req, reply) => (revokeToken((req.params as Params).refreshToken ?? '') ? reply.code(204).send() : reply.code(404).send({ status: 'error', message: 'refresh token not found' })));
  }
}
