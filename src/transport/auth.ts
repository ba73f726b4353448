/**
 * Applying a manifest's auth data (`auth-spec.ts`) to a request: templates filled from the
 * connection's credentials once per call, then the same headers or query parameter on every
 * attempt. Missing credentials fail before anything is sent.
 */
import { HubError } from '../core/errors.js';
import { TEMPLATE_FIELD, type AuthSpec, type SigningConnection, type SigningRequest, type TokenSource } from './auth-spec.js';
import type { ProviderRef } from './failures.js';

/** The connection fields auth reads (structurally, any `ResolvedConnection` fits). */
export interface AuthConnection extends SigningConnection {
  /** From an OAuth2 flow; `{ type: 'oauth2' }` sends `accessToken` as a Bearer token. */
  tokens?: { readonly accessToken?: unknown };
  /** Refreshed access tokens for `{ type: 'oauth2' }` (the hub's token manager); wins over `tokens`. */
  tokenSource?: TokenSource;
}

/** Auth ready to put on a request. */
export interface AppliedAuth {
  /** Lower-case header names → values. */
  headers: Record<string, string>;
  /** A query parameter carrying the secret; its value is redacted from audit entries and logs. */
  query?: { name: string; value: string };
  /** The manifest's `custom` signing hook, bound to the connection. */
  sign?: (request: SigningRequest) => void | Promise<void>;
}

/** What names the provider and its env vars in error messages. */
export interface AuthOwner extends ProviderRef {
  /** Credential field → env var name, when the manifest has them. */
  env?: Record<string, string>;
}

/**
 * Fills `{field}` references in `template` from the connection's credentials.
 *
 * @example
 * fillTemplate('Token {apiKey}', { id: 'c1', credentials: { apiKey: 'k' } }, acme) // 'Token k'
 */
export function fillTemplate(template: string, connection: AuthConnection, owner: AuthOwner): string {
  const creds = typeof connection.credentials === 'object' && connection.credentials !== null ? (connection.credentials as Record<string, unknown>) : {};
  return template.replace(TEMPLATE_FIELD, (_, field: string) => {
    const value = creds[field];
    if (typeof value === 'string' && value !== '') return value;
    if (typeof value === 'number' || typeof value === 'bigint') return String(value);
    const env = owner.env?.[field];
    const state = value === undefined || value === null || value === '' ? 'has no' : 'has a non-text';
    throw new HubError(
      'config_invalid',
      `${owner.name} connection ${connection.id} ${state} "${field}" credential, which its auth needs${env ? `: set ${env}` : ''}.`,
      { provider: owner.id, details: { field, ...(env ? { env } : {}) } },
    );
  });
}

/**
 * Resolves `spec` for one call. Throws `config_invalid` naming the missing credential field.
 *
 * @example
 * applyAuth({ type: 'bearer', token: '{apiKey}' }, connection, owner).headers // { authorization: 'Bearer SG.x' }
 */
export function applyAuth(spec: AuthSpec | undefined, connection: AuthConnection, owner: AuthOwner): AppliedAuth {
  const fill = (template: string) => fillTemplate(template, connection, owner);
  switch (spec?.type) {
    case 'bearer':
      return { headers: { authorization: `Bearer ${fill(spec.token)}` } };
    case 'basic':
      return { headers: { authorization: `Basic ${Buffer.from(`${fill(spec.username)}:${fill(spec.password)}`).toString('base64')}` } };
    case 'header':
      return { headers: { [spec.name.toLowerCase()]: fill(spec.value) } };
    case 'query':
      return { headers: {}, query: { name: spec.name, value: fill(spec.value) } };
    case 'oauth2': {
      const token = connection.tokens?.accessToken;
      if (typeof token !== 'string' || token === '') {
        throw new HubError('config_invalid', `${owner.name} connection ${connection.id} has no OAuth2 access token (tokens.accessToken): connect the account first.`, {
          provider: owner.id,
          details: { field: 'tokens.accessToken' },
        });
      }
      return { headers: { authorization: `Bearer ${token}` } };
    }
    case 'custom': {
      const { sign } = spec;
      return sign ? { headers: {}, sign: (request) => sign.call(spec, request, connection) } : { headers: {} };
    }
    default:
      return { headers: {} };
  }
}

/**
 * Sets a header, replacing any entry of the same name in another case (so `Authorization` and
 * `authorization` are never both sent).
 *
 * @example
 * setHeader(headers, 'authorization', 'Bearer x');
 */
export function setHeader(headers: Record<string, string>, name: string, value: string): void {
  const lower = name.toLowerCase();
  for (const key of Object.keys(headers)) if (key !== lower && key.toLowerCase() === lower) delete headers[key];
  headers[lower] = value;
}

/**
 * Whether `headers` has `name` in any case.
 *
 * @example
 * hasHeader({ 'Content-Type': 'text/xml' }, 'content-type') // true
 */
export function hasHeader(headers: Record<string, string>, name: string): boolean {
  const lower = name.toLowerCase();
  return Object.keys(headers).some((key) => key.toLowerCase() === lower);
}

/**
 * The token source a request's auth draws on: the connection's, when the auth that applies is
 * `oauth2` (the request's own, or the manifest's for a request to the connection's origin).
 *
 * @example
 * const source = oauthSourceFor(req.auth, manifest.auth, connection, req.path); // then get(), invalidate() on a 401
 */
export function oauthSourceFor(own: AuthSpec | undefined, manifest: AuthSpec | undefined, connection: AuthConnection & { baseUrl: string }, path: string): TokenSource | undefined {
  if (!connection.tokenSource) return undefined;
  let spec = own;
  if (!spec) {
    const absolute = /^[a-z][a-z\d+.-]*:/i.test(path);
    spec = !absolute || sameOrigin(path, connection.baseUrl) ? manifest : undefined;
  }
  return spec?.type === 'oauth2' ? connection.tokenSource : undefined;
}

function sameOrigin(a: string, b: string): boolean {
  try {
    return new URL(a).origin === new URL(b).origin;
  } catch {
    return false;
  }
}
