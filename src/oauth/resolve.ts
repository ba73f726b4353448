/**
 * From a catalog entry to the URLs one connection uses: `{tenant}` filled and checked (Microsoft),
 * the issuer of a generic OIDC provider set, every URL pointed at the sandbox emulator, and the
 * credentials read from the environment (canonical names first, then aliases).
 *
 * @example
 * const ms = resolveOAuthProvider(oauthProvider('microsoft'), { tenant: 'organizations' });
 * ms.endpoints.tokenUrl // 'https://login.microsoftonline.com/organizations/oauth2/v2.0/token'
 */
import { HubError } from '../core/errors.js';
import { validateOAuthProvider } from './catalog.js';
import type { CredentialField, OAuthEndpoints, OAuthProviderEntry } from './types.js';

const LOOPBACK_HTTP = /^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?(\/|$)/;

/** Replace `{name}` in every URL of the entry (endpoints, revoke, API base and hosts). */
function fill(entry: OAuthProviderEntry, name: string, value: string): OAuthProviderEntry {
  const r = (s: string) => s.replaceAll(`{${name}}`, value);
  const endpoints = Object.fromEntries(Object.entries(entry.endpoints).map(([k, v]) => [k, v === undefined ? v : r(v)])) as OAuthEndpoints;
  return {
    ...entry,
    endpoints,
    ...(entry.revoke && { revoke: { ...entry.revoke, url: r(entry.revoke.url) } }),
    api: { ...entry.api, baseUrl: r(entry.api.baseUrl), hosts: entry.api.hosts.map(r) },
  };
}

/**
 * The entry for one connection: `{tenant}` replaced (default: the entry's, e.g. `common`) after
 * checking it against the entry's pattern; for a discovery entry, `issuer` set (https, or http on
 * loopback) and the API host taken from it. Throws `validation_failed` naming what to fix.
 *
 * @example
 * resolveOAuthProvider(oauthProvider('oidc'), { issuer: 'https://acme.okta.com' }).endpoints.issuer // 'https://acme.okta.com'
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/v2-protocols#endpoints
 */
export function resolveOAuthProvider(entry: OAuthProviderEntry, options: { tenant?: string; issuer?: string } = {}): OAuthProviderEntry {
  let out = entry;
  if (entry.tenant) {
    const tenant = options.tenant?.trim() || entry.tenant.default;
    if (!new RegExp(entry.tenant.pattern).test(tenant)) {
      throw new HubError('validation_failed', `${entry.id}: tenant "${tenant}" is not ${entry.tenant.special.join(', ')}, a tenant id (GUID) or a verified domain`, {
        errors: [{ field: 'tenant', message: 'not a valid tenant' }],
      });
    }
    out = fill(out, 'tenant', tenant);
  } else if (options.tenant !== undefined) {
    throw new HubError('validation_failed', `${entry.id} is not tenant-aware: drop the tenant`, { errors: [{ field: 'tenant', message: 'not supported by this provider' }] });
  }
  if (entry.discovery && !entry.endpoints.issuer) {
    const issuer = options.issuer?.trim().replace(/\/+$/, '');
    if (!issuer || !URL.canParse(issuer) || !(issuer.startsWith('https://') || LOOPBACK_HTTP.test(issuer))) {
      throw new HubError('config_invalid', `${entry.id}: set ${entry.env.issuer?.[0] ?? 'the issuer'} to the issuer's https URL (its /.well-known/openid-configuration is read from there)`);
    }
    out = fill({ ...out, endpoints: { ...out.endpoints, issuer } }, 'issuerHost', new URL(issuer).host);
  }
  return validateOAuthProvider(out, { allowLoopbackHttp: true });
}

/** The emulator path an endpoint kind takes when the URL is not under the API base. */
const KIND_PATHS = { authorizeUrl: 'authorize', tokenUrl: 'token', userinfoUrl: 'userinfo', jwksUrl: 'jwks', emailsUrl: 'emails' } as const;

/**
 * The same entry with every URL pointed at the sandbox emulator at `baseUrl`:
 * `${base}/${id}/authorize|token|userinfo|jwks|revoke`, the issuer `${base}/${id}` (with
 * `/{tenant}` kept where the original had it), and userinfo URLs under the API base (GitHub's
 * `/user`, Zoom's `/users/me`) and revoke URLs with a placeholder as `${base}/${id}/api/…`. A generic OIDC entry gets all its endpoints.
 *
 * @example
 * sandboxed(oauthProvider('google'), 'http://127.0.0.1:4100').endpoints.tokenUrl // 'http://127.0.0.1:4100/google/token'
 * sandboxed(oauthProvider('github'), emu.url).endpoints.userinfoUrl // `${emu.url}/github/api/user`
 */
export function sandboxed(entry: OAuthProviderEntry, baseUrl: string): OAuthProviderEntry {
  const prefix = `${baseUrl.replace(/\/+$/, '')}/${entry.id}`;
  const apiBase = entry.api.baseUrl;
  const toEmulator = (url: string, kind: string, underApi: boolean): string => {
    if (underApi && (url === apiBase || url.startsWith(`${apiBase}/`))) return `${prefix}/api${url.slice(apiBase.length)}`;
    return `${prefix}${url.includes('{tenant}') ? '/{tenant}' : ''}${kind ? `/${kind}` : ''}`;
  };
  const source: OAuthEndpoints = entry.discovery
    ? { issuer: 'x', authorizeUrl: 'x', tokenUrl: 'x', userinfoUrl: 'x', jwksUrl: 'x' }
    : entry.endpoints;
  const endpoints: OAuthEndpoints = {};
  for (const [key, url] of Object.entries(source) as [keyof OAuthEndpoints, string | undefined][]) {
    if (url === undefined) continue;
    endpoints[key] = key === 'issuer' ? toEmulator(url, '', false) : toEmulator(url, KIND_PATHS[key], key === 'userinfoUrl' || key === 'emailsUrl');
  }
  const out: OAuthProviderEntry = {
    ...entry,
    endpoints,
    // A revoke URL with a path placeholder (GitHub, HubSpot) keeps its path under /api.
    ...(entry.revoke && { revoke: { ...entry.revoke, url: toEmulator(entry.revoke.url, 'revoke', entry.revoke.url.includes('{')) } }),
    api: { ...entry.api, baseUrl: `${prefix}/api`, hosts: [new URL(baseUrl).host] },
  };
  return validateOAuthProvider(out, { allowLoopbackHttp: true });
}

/**
 * The credentials of `entry` found in `env`: per field, the first of its variable names that is
 * set (the canonical name, then aliases such as `GOOGLE_OAUTH_CLIENT_ID`).
 *
 * @example
 * envCredentials(oauthProvider('google'), { GOOGLE_OAUTH_CLIENT_ID: 'id' }) // { clientId: 'id' }
 */
export function envCredentials(entry: OAuthProviderEntry, env: Record<string, string | undefined> = process.env): Partial<Record<CredentialField, string>> {
  const out: Partial<Record<CredentialField, string>> = {};
  for (const [field, names] of Object.entries(entry.env) as [CredentialField, string[]][]) {
    const value = names.map((n) => env[n]).find((v) => v !== undefined && v !== '');
    if (value !== undefined) out[field] = value;
  }
  return out;
}

/** Credential fields that make an app (or an API key) usable; a tenant or an account id is optional. */
const REQUIRED: readonly CredentialField[] = ['clientId', 'clientSecret', 'teamId', 'keyId', 'privateKey', 'issuer', 'apiKey', 'username', 'secret', 'measurementId'];

/**
 * The fields of `entry` that must be set for it to be configured, in the entry's order (an
 * issuer only where the endpoints come from discovery).
 *
 * @example
 * requiredFields(oauthProvider('zoom')) // ['clientId', 'clientSecret'] (ZOOM_ACCOUNT_ID is optional)
 */
export function requiredFields(entry: OAuthProviderEntry): CredentialField[] {
  return (Object.keys(entry.env) as CredentialField[]).filter((f) => REQUIRED.includes(f) && (f !== 'issuer' || !!entry.discovery));
}

/**
 * Every variable name the entry reads, canonical names and aliases.
 *
 * @example
 * envVarNames(oauthProvider('zoom')) // ['ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_ACCOUNT_ID']
 */
export function envVarNames(entry: OAuthProviderEntry): string[] {
  return Object.values(entry.env).flat();
}
