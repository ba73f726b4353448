/**
 * Connecting accounts over OAuth: `POST /api/v1/connections/oauth/start`, the providers' return
 * to `GET /oauth/callback`, a connection's view (`GET /api/v1/connections/:id`, never a token) and
 * a forced refresh (`POST /api/v1/connections/:id/refresh`). See `connections/oauth-connect.ts`.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { HubError } from '../../../core/errors.js';
import { zodToHubError } from '../../../core/validation.js';
import type { ConnectionManager } from '../../../connections/connections.js';
import type { OAuthConnect } from '../../../connections/oauth-connect.js';
import { hasScope, tenantOf } from '../../../kit/api.js';

/** What the OAuth routes reach. */
export interface OAuthRouteDeps {
  connections: ConnectionManager;
  oauthConnect: OAuthConnect;
}

/** Where the hub's own routes live: a redirect URI's path may not be one of them. */
const RESERVED = ['/api', '/auth', '/oauth', '/webhooks', '/docs', '/metrics', '/voice', '/health'];

const startInput = z.object({
  provider: z.string().min(1),
  tenantId: z.string().min(1).optional(),
  tenant: z.string().min(1).optional(),
  scopes: z.array(z.string().min(1)).max(100).optional(),
  redirectUrl: z.url('must be an absolute URL').optional(),
  name: z.string().regex(/^[a-z0-9][a-z0-9_-]{0,63}$/, 'lower-case letters, digits, - and _').optional(),
});

export const oauthRoutes =
  (hub: OAuthRouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.post('/api/v1/connections/oauth/start', { config: { scope: 'connections:write' }, schema: { tags: ['connections'], summary: 'Start connecting an account over OAuth: the authorize URL to send the user to (state one-time, PKCE S256)', body: startInput } }, async (req) => {
      const parsed = startInput.safeParse(req.body);
      if (!parsed.success) throw zodToHubError(parsed.error);
      const { tenantId, ...input } = parsed.data;
      const own = tenantOf(req);
      if (tenantId !== undefined && tenantId !== own && !hasScope(req.principal!.scopes, '*')) {
        throw new HubError('forbidden', `tenantId: this API key belongs to tenant "${own}"; only a key with scope * may connect for another tenant`);
      }
      return hub.oauthConnect.start(tenantId ?? own, input);
    });
    const callback = async (req: FastifyRequest<{ Querystring: Record<string, string | undefined> }>, reply: FastifyReply) => {
      const result = await hub.oauthConnect.callback(req.query);
      if ('redirect' in result) return reply.redirect(result.redirect, 302);
      reply.code(result.status);
      return result.body;
    };
    app.get<{ Querystring: Record<string, string | undefined> }>('/oauth/callback', { config: { public: true }, schema: { tags: ['connections'], summary: 'Where providers send the user back after consent (redirects to the application)' } }, callback);
    // A provider whose environment names its own redirect URI (GOOGLE_CALENDAR_REDIRECT_URI=https://hub.example/auth/calendar/callback)
    // comes back to that path: served as the same callback (the state says which flow it ends).
    const paths = new Set(hub.connections.redirectUris().map((u) => new URL(u).pathname));
    paths.delete('/oauth/callback');
    for (const path of paths) {
      if (path === '/' || RESERVED.some((prefix) => path === prefix || path.startsWith(`${prefix}/`)) || app.hasRoute({ method: 'GET', url: path })) {
        throw new HubError('config_invalid', `A configured OAuth redirect URI has the path ${path}, which is a route of the hub: register <public URL>/oauth/callback with the provider, or a path of its own such as /calendar/callback`);
      }
      app.get<{ Querystring: Record<string, string | undefined> }>(path, { config: { public: true }, schema: { hide: true } }, callback);
    }
    app.get<{ Params: { id: string } }>('/api/v1/connections/:id', { config: { scope: 'connections:read' }, schema: { tags: ['connections'], summary: 'One connection: provider, status, scopes, token expiry, last refresh and error (never a token)' } }, async (req) => hub.connections.view(tenantOf(req), req.params.id));
    app.post<{ Params: { id: string } }>('/api/v1/connections/:id/refresh', { config: { scope: 'connections:write' }, schema: { tags: ['connections'], summary: 'Refresh the OAuth tokens of a connection now' } }, async (req) => hub.connections.refresh(tenantOf(req), req.params.id));
  };
