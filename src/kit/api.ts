/**
 * What every REST route shares, wherever its folder is (server, a category, the webhook modules):
 * the authenticated principal, the route options the server's hooks read, and `tenantOf`. Neutral
 * ground: routes import this, never `server/app.ts`.
 */
import { HubError } from '../core/errors.js';

/** Who is calling: an API key's tenant and scopes (set by the server's auth hook). */
export interface Principal {
  keyId: string;
  tenantId: string;
  scopes: string[];
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    /** Scope the route needs; absent on public routes. */
    scope?: string;
    public?: boolean;
    /** `service`: the route's service handles `Idempotency-Key` itself (payments). */
    idempotency?: 'service';
    /** The route reads its body itself, of any type (the proxy): no JSON Content-Type check. */
    anyBody?: boolean;
  }
}

/**
 * The tenant of an authenticated route (the auth hook guarantees a principal).
 *
 * @example
 * app.get('/api/v1/things', { config: { scope: 'things:read' } }, async (req) => list(tenantOf(req)));
 */
export function tenantOf(req: { principal?: Principal }): string {
  if (!req.principal) throw new HubError('unauthorized', 'Not authenticated');
  return req.principal.tenantId;
}

/**
 * Does a key with `granted` scopes have `needed`? `*` grants everything, `<area>:*` the area.
 *
 * @example
 * hasScope(['email:*'], 'email:send') // true
 */
export function hasScope(granted: string[], needed: string): boolean {
  return granted.includes('*') || granted.includes(needed) || granted.includes(`${needed.split(':')[0]}:*`);
}
