import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { hostAllowed, oauthProvider, oauthProviderIds, oauthProviders, validateOAuthProvider } from './catalog.js';
import type { OAuthProviderEntry } from './types.js';

const bad = (patch: Partial<OAuthProviderEntry>, base = 'google'): (() => OAuthProviderEntry) => () => validateOAuthProvider({ ...oauthProvider(base), ...patch });

describe('OAuth catalog', () => {
  it('holds the issue-9 providers, each valid against the schema', () => {
    expect(oauthProviderIds()).toEqual(['google', 'microsoft', 'github', 'linkedin', 'slack', 'zoom', 'discord', 'apple', 'hubspot', 'salesforce', 'oidc', 'mixpanel', 'sentry', 'ga4']);
    for (const entry of oauthProviders()) expect(validateOAuthProvider(entry)).toBe(entry);
  });

  it('records the vendor facts the token manager depends on', () => {
    expect(oauthProvider('google').authorizeParams).toMatchObject({ access_type: 'offline', prompt: 'consent' });
    expect(oauthProvider('google').env.clientId).toEqual(['GOOGLE_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_ID']);
    expect(oauthProvider('microsoft').refreshRotation).toBe('always');
    expect(oauthProvider('google').refreshRotation).toBe('never');
    expect(oauthProvider('github').tokenResponse).toMatchObject({ format: 'form_unless_accept_json', errors: 'http200_error' });
    expect(oauthProvider('slack').tokenResponse).toMatchObject({ errors: 'slack_ok', userTokenUnder: 'authed_user' });
    expect(oauthProvider('slack').scopes.separator).toBe(',');
    expect(oauthProvider('salesforce').tokenResponse).toMatchObject({ apiBaseField: 'instance_url', expiresIn: false });
    expect(oauthProvider('zoom').grants).toContain('account_credentials');
    expect(oauthProvider('zoom').env.accountId).toEqual(['ZOOM_ACCOUNT_ID']);
    expect(oauthProvider('apple').clientAuth).toBe('apple_es256_jwt');
    expect(oauthProvider('oidc')).toMatchObject({ discovery: true, env: { issuer: ['OIDC_ISSUER'], clientId: ['OIDC_CLIENT_ID'], clientSecret: ['OIDC_CLIENT_SECRET'] } });
    for (const id of ['mixpanel', 'sentry', 'ga4']) expect(oauthProvider(id)).toMatchObject({ kind: 'api_key', grants: [] });
  });

  it('an unknown id is a 404-class HubError naming the known ids', () => {
    const err = (() => {
      try {
        oauthProvider('myspace');
      } catch (e) {
        return e as HubError;
      }
    })();
    expect(err).toBeInstanceOf(HubError);
    expect(err?.status).toBe(404);
    expect(err?.message).toMatch(/Unknown OAuth provider "myspace"\. Known: google, microsoft, .*ga4/);
  });

  it('a bad entry fails with a message naming the entry and the field', () => {
    expect(bad({ endpoints: { ...oauthProvider('google').endpoints, tokenUrl: 'http://oauth2.googleapis.com/token' } })).toThrow(/google: endpoints\.tokenUrl: must be an https URL/);
    expect(bad({ api: { ...oauthProvider('google').api, hosts: [] } })).toThrow(/google: api\.hosts: needs at least one host/);
    expect(bad({ scopes: { default: ['openid email'], separator: ' ' } })).toThrow(/google: scopes\.default\.0: a scope holds no whitespace/);
    expect(bad({ endpoints: { ...oauthProvider('google').endpoints, tokenUrl: 'https://oauth2.googleapis.com/{tenant}/token' } })).toThrow(/google: endpoints\.tokenUrl: placeholder \{tenant\}/);
    expect(bad({ refreshRotation: undefined })).toThrow(/google: refreshRotation: required by refresh_token/);
    expect(bad({ env: { clientSecret: ['GOOGLE_CLIENT_SECRET'] } })).toThrow(/google: env\.clientId/);
    expect(bad({ api: { ...oauthProvider('google').api, baseUrl: 'https://evil.example.com' } })).toThrow(/google: api\.baseUrl: its host is not in api\.hosts/);
    expect(bad({ profile: undefined })).toThrow(/google: profile/);
    expect(bad({ grants: ['authorization_code', 'account_credentials', 'refresh_token'] })).toThrow(/google: env\.accountId: required by account_credentials/);
    expect(bad({ endpoints: { ...oauthProvider('linkedin').endpoints, jwksUrl: undefined } }, 'linkedin')).toThrow(/linkedin: endpoints\.jwksUrl/);
    expect(bad({ env: { clientId: ['APPLE_CLIENT_ID'], teamId: ['APPLE_TEAM_ID'], privateKey: ['APPLE_PRIVATE_KEY'] } }, 'apple')).toThrow(/apple: env\.keyId: required by apple_es256_jwt/);
    expect(bad({ grants: ['client_credentials'] }, 'sentry')).toThrow(/sentry: grants: an api_key entry has no OAuth grants/);
    expect(bad({ unknown: 1 } as Partial<OAuthProviderEntry>)).toThrow(/google: \(entry\): Unrecognized key: "unknown"/);
  });

  it('a `{tenant}` placeholder is accepted where the entry declares a tenant, and a default that misses the pattern fails', () => {
    expect(() => validateOAuthProvider(oauthProvider('microsoft'))).not.toThrow();
    expect(bad({ tenant: { ...oauthProvider('microsoft').tenant!, default: 'Not A Tenant' } }, 'microsoft')).toThrow(/microsoft: tenant\.default: does not match/);
    expect(bad({ tenant: undefined }, 'microsoft')).toThrow(/microsoft: endpoints\.authorizeUrl: placeholder \{tenant\}/);
  });

  it('hosts: exact names and *.domain subdomains only', () => {
    const sf = oauthProvider('salesforce');
    expect(hostAllowed(sf, 'acme.my.salesforce.com')).toBe(true);
    expect(hostAllowed(sf, 'salesforce.com.evil.example')).toBe(false);
    expect(hostAllowed(sf, 'evilsalesforce.com')).toBe(false);
    expect(hostAllowed(oauthProvider('github'), 'API.GITHUB.COM')).toBe(true);
    expect(hostAllowed(oauthProvider('github'), 'github.com')).toBe(false);
  });
});
