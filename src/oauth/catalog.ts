/**
 * The OAuth catalog: every provider's authorization facts (`providers.ts`), validated against
 * {@link entrySchema} when this module loads, and looked up by id. A bad entry fails the load with
 * a message naming the entry and the field.
 *
 * @example
 * const google = oauthProvider('google');
 * google.endpoints.tokenUrl // 'https://oauth2.googleapis.com/token'
 */
import { z } from 'zod';
import { HubError } from '../core/errors.js';
import { OAUTH_PROVIDERS } from './providers.js';
import type { OAuthProviderEntry } from './types.js';

export type * from './types.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);
const PLACEHOLDER = /\{([A-Za-z]+)\}/g;

/** An https URL (or, for sandboxed entries, http on loopback); `{placeholders}` allowed, checked below. */
const url = (allowLoopbackHttp: boolean) =>
  z.string().refine((value) => {
    try {
      const u = new URL(value);
      return u.protocol === 'https:' || (allowLoopbackHttp && u.protocol === 'http:' && LOOPBACK.has(u.hostname));
    } catch {
      return false;
    }
  }, 'must be an https URL');

const host = z.string().regex(/^(\*\.)?[a-z0-9-]+(\.[a-z0-9-]+)+$|^(127\.0\.0\.1|localhost)(:\d+)?$|^\{issuerHost\}$/, 'must be a host name (optionally *.domain)');
const scope = z.string().min(1).regex(/^[^\s,]+$/, 'a scope holds no whitespace or comma');
const params = z.record(z.string(), z.string());
const envNames = z.array(z.string().regex(/^[A-Z][A-Z0-9_]*$/, 'must be an UPPER_SNAKE variable name')).min(1);

const schemaFor = (allowLoopbackHttp: boolean) => {
  const u = url(allowLoopbackHttp);
  return z
    .object({
      id: z.string().regex(/^[a-z][a-z0-9-]*$/, 'must be lower-case kebab'),
      name: z.string().min(1),
      kind: z.enum(['oauth2', 'oidc', 'api_key']),
      docs: url(false),
      endpoints: z.object({ authorizeUrl: u, tokenUrl: u, userinfoUrl: u, jwksUrl: u, issuer: u, emailsUrl: u }).partial().strict(),
      discovery: z.boolean().optional(),
      revoke: z.object({ url: u, style: z.enum(['rfc7009', 'github_app_token', 'slack_auth_revoke', 'hubspot_refresh_token']) }).optional(),
      tenant: z.object({ default: z.string().min(1), pattern: z.string().min(1), special: z.array(z.string()) }).optional(),
      grants: z.array(z.enum(['authorization_code', 'refresh_token', 'client_credentials', 'account_credentials'])),
      scopes: z.object({ default: z.array(scope), separator: z.enum([' ', ',']) }),
      authorizeParams: params,
      refreshParams: params,
      pkce: z.boolean(),
      clientAuth: z.enum(['client_secret_basic', 'client_secret_post', 'apple_es256_jwt']).optional(),
      refreshRotation: z.enum(['always', 'sometimes', 'never']).optional(),
      tokenResponse: z
        .object({
          format: z.enum(['json', 'form_unless_accept_json']),
          errors: z.enum(['status', 'http200_error', 'slack_ok']),
          userTokenUnder: z.literal('authed_user').optional(),
          apiBaseField: z.literal('instance_url').optional(),
          expiresIn: z.boolean(),
          errorCodes: z.record(z.string(), z.enum(['invalid_request', 'invalid_client', 'invalid_grant', 'unauthorized_client', 'unsupported_grant_type', 'invalid_scope'])).optional(),
        })
        .strict()
        .optional(),
      env: z.record(z.string(), envNames),
      api: z.object({
        baseUrl: u,
        hosts: z.array(host).min(1, 'needs at least one host'),
        auth: z.object({ type: z.enum(['oauth2', 'bearer', 'basic', 'header', 'query']) }).loose(),
        headers: params.optional(),
      }),
      profile: z.custom<OAuthProviderEntry['profile']>((v) => v === undefined || typeof v === 'function', 'must be a function').optional(),
    })
    .strict()
    .superRefine((e, ctx) => crossChecks(e as OAuthProviderEntry, (path, message) => ctx.addIssue({ code: 'custom', path, message })));
};

type Report = (path: (string | number)[], message: string) => void;

const PLACEHOLDER_RULES = '{tenant} with a `tenant` spec, {accessToken} in userinfoUrl, {clientId} and {refreshToken} in revoke.url, {issuerHost} in a discovery entry\'s api';

function placeholderAllowed(e: OAuthProviderEntry, path: (string | number)[], name: string): boolean {
  if (name === 'tenant') return e.tenant !== undefined;
  if (name === 'accessToken') return path[1] === 'userinfoUrl';
  if (name === 'clientId' || name === 'refreshToken') return path[0] === 'revoke';
  if (name === 'issuerHost') return e.discovery === true && path[0] === 'api';
  return false;
}

/**
 * Whether the proxy may reach `host` (`name` or `name:port`) for this entry: exactly one of
 * `api.hosts`, or a subdomain of a `*.domain` one.
 *
 * @example
 * hostAllowed(oauthProvider('salesforce'), 'acme.my.salesforce.com') // true
 */
export function hostAllowed(entry: OAuthProviderEntry, host: string): boolean {
  const h = host.toLowerCase();
  return entry.api.hosts.some((allowed) => (allowed.startsWith('*.') ? h.endsWith(allowed.slice(1)) && h.length > allowed.length - 1 : h === allowed));
}

/** Rules between fields: placeholders, what each kind and grant needs. */
function crossChecks(e: OAuthProviderEntry, report: Report): void {
  const urls: [string[], string | undefined][] = [
    ...Object.entries(e.endpoints).map(([k, v]): [string[], string | undefined] => [['endpoints', k], v]),
    [['revoke', 'url'], e.revoke?.url],
    [['api', 'baseUrl'], e.api.baseUrl],
  ];
  for (const [path, value] of urls) {
    for (const [, name] of value?.matchAll(PLACEHOLDER) ?? []) {
      if (!placeholderAllowed(e, path, name ?? '')) report(path, `placeholder {${name}} is not allowed here (${PLACEHOLDER_RULES})`);
    }
  }
  e.api.hosts.forEach((h, i) => {
    if (h === '{issuerHost}' && !e.discovery) report(['api', 'hosts', i], 'placeholder {issuerHost} is only for discovery entries');
  });
  const baseHost = URL.canParse(e.api.baseUrl) ? new URL(e.api.baseUrl).host : undefined;
  if (baseHost && !e.api.baseUrl.includes('{') && !hostAllowed(e, baseHost)) report(['api', 'baseUrl'], 'its host is not in api.hosts');
  if (e.tenant && !new RegExp(e.tenant.pattern).test(e.tenant.default)) report(['tenant', 'default'], 'does not match tenant.pattern');
  const oauth = e.kind !== 'api_key';
  if (!oauth) {
    if (e.grants.length > 0) report(['grants'], 'an api_key entry has no OAuth grants');
    if (e.api.auth.type === 'oauth2') report(['api', 'auth'], 'an api_key entry authenticates with its key, not oauth2');
    return;
  }
  if (e.api.auth.type !== 'oauth2') report(['api', 'auth'], 'an OAuth entry authenticates API calls with its access token (oauth2)');
  if (e.grants.length === 0) report(['grants'], 'an OAuth entry needs at least one grant');
  if (!e.env.clientId) report(['env', 'clientId'], 'an OAuth entry needs its client id variable');
  if (!e.clientAuth) report(['clientAuth'], 'an OAuth entry says how the client authenticates');
  if (!e.tokenResponse) report(['tokenResponse'], 'an OAuth entry describes its token answer');
  if (typeof e.profile !== 'function') report(['profile'], 'an OAuth entry maps its raw profile');
  if (e.kind === 'oidc' && !e.endpoints.issuer && !e.discovery) report(['endpoints', 'issuer'], 'an oidc entry needs an issuer (or discovery)');
  if (e.kind === 'oidc' && !e.discovery && !e.endpoints.jwksUrl) report(['endpoints', 'jwksUrl'], 'an oidc entry needs its JWKS URL to verify id_tokens');
  if (!e.discovery) {
    if (!e.endpoints.tokenUrl) report(['endpoints', 'tokenUrl'], 'required');
    if (e.grants.includes('authorization_code') && !e.endpoints.authorizeUrl) report(['endpoints', 'authorizeUrl'], 'required by authorization_code');
  }
  if (e.grants.includes('refresh_token') && !e.refreshRotation) report(['refreshRotation'], 'required by refresh_token');
  if (e.grants.includes('account_credentials') && !e.env.accountId) report(['env', 'accountId'], 'required by account_credentials');
  if (e.clientAuth === 'apple_es256_jwt') {
    for (const field of ['teamId', 'keyId', 'privateKey'] as const) if (!e.env[field]) report(['env', field], 'required by apple_es256_jwt');
  } else if (!e.env.clientSecret) report(['env', 'clientSecret'], 'an OAuth entry needs its client secret variable');
}

/**
 * Checks one entry; throws `config_invalid` naming the entry and every bad field.
 * `allowLoopbackHttp`: sandboxed entries point at an http emulator on 127.0.0.1.
 *
 * @example
 * validateOAuthProvider({ ...oauthProvider('google'), api: { ...google.api, hosts: [] } }) // throws 'google: api.hosts: needs at least one host'
 */
export function validateOAuthProvider(entry: OAuthProviderEntry, options: { allowLoopbackHttp?: boolean } = {}): OAuthProviderEntry {
  const result = schemaFor(options.allowLoopbackHttp ?? false).safeParse(entry);
  if (result.success) return entry;
  const id = typeof entry?.id === 'string' ? entry.id : '(entry without id)';
  const lines = result.error.issues.map((i) => `${id}: ${i.path.join('.') || '(entry)'}: ${i.message}`);
  throw new HubError('config_invalid', `Invalid OAuth catalog entry: ${lines.join('; ')}`, { details: { provider: id, issues: lines } });
}

const byId = new Map<string, OAuthProviderEntry>();
for (const entry of OAUTH_PROVIDERS) {
  validateOAuthProvider(entry);
  if (byId.has(entry.id)) throw new HubError('config_invalid', `OAuth catalog: two entries have the id "${entry.id}"`);
  byId.set(entry.id, entry);
}

/**
 * Every catalog id, in catalog order.
 *
 * @example
 * oauthProviderIds().includes('zoom') // true
 */
export function oauthProviderIds(): string[] {
  return [...byId.keys()];
}

/**
 * Every catalog entry, in catalog order.
 *
 * @example
 * oauthProviders().filter((e) => e.kind === 'oidc').map((e) => e.id) // ['google', 'microsoft', 'linkedin', 'apple', 'salesforce', 'oidc']
 */
export function oauthProviders(): OAuthProviderEntry[] {
  return [...byId.values()];
}

/**
 * The catalog entry `id`; a `not_found` (404) error naming the known ids otherwise.
 *
 * @example
 * oauthProvider('microsoft').refreshRotation // 'always'
 */
export function oauthProvider(id: string): OAuthProviderEntry {
  const entry = byId.get(id);
  if (!entry) throw new HubError('not_found', `Unknown OAuth provider "${id}". Known: ${oauthProviderIds().join(', ')}`, { details: { provider: id } });
  return entry;
}
