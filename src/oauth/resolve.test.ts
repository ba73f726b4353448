import { describe, expect, it } from 'vitest';
import { oauthProvider } from './catalog.js';
import { envCredentials, envVarNames, resolveOAuthProvider, sandboxed } from './resolve.js';

describe('resolveOAuthProvider', () => {
  const ms = oauthProvider('microsoft');

  it('fills {tenant}: common by default, organizations, a tenant id or a domain', () => {
    expect(resolveOAuthProvider(ms).endpoints.tokenUrl).toBe('https://login.microsoftonline.com/common/oauth2/v2.0/token');
    expect(resolveOAuthProvider(ms, { tenant: 'organizations' }).endpoints.authorizeUrl).toBe('https://login.microsoftonline.com/organizations/oauth2/v2.0/authorize');
    const id = '72f988bf-86f1-41af-91ab-2d7cd011db47';
    const byId = resolveOAuthProvider(ms, { tenant: id });
    expect(byId.endpoints.issuer).toBe(`https://login.microsoftonline.com/${id}/v2.0`);
    expect(byId.endpoints.jwksUrl).toBe(`https://login.microsoftonline.com/${id}/discovery/v2.0/keys`);
    expect(resolveOAuthProvider(ms, { tenant: 'contoso.onmicrosoft.com' }).endpoints.tokenUrl).toContain('/contoso.onmicrosoft.com/');
  });

  it('refuses a tenant that is not one (no path tricks), and a tenant for a provider without tenants', () => {
    expect(() => resolveOAuthProvider(ms, { tenant: '../evil' })).toThrow(/microsoft: tenant "\.\.\/evil" is not common, organizations, consumers/);
    expect(() => resolveOAuthProvider(ms, { tenant: 'common/oauth2?x=' })).toThrow(/is not common/);
    expect(() => resolveOAuthProvider(oauthProvider('google'), { tenant: 'common' })).toThrow(/google is not tenant-aware/);
  });

  it('a generic oidc entry takes its issuer (https) and its API host from it', () => {
    const okta = resolveOAuthProvider(oauthProvider('oidc'), { issuer: 'https://acme.okta.com/oauth2/default/' });
    expect(okta.endpoints.issuer).toBe('https://acme.okta.com/oauth2/default');
    expect(okta.api.hosts).toEqual(['acme.okta.com']);
    expect(() => resolveOAuthProvider(oauthProvider('oidc'), {})).toThrow(/set OIDC_ISSUER/);
    expect(() => resolveOAuthProvider(oauthProvider('oidc'), { issuer: 'http://acme.okta.com' })).toThrow(/OIDC_ISSUER/);
    expect(resolveOAuthProvider(oauthProvider('oidc'), { issuer: 'http://127.0.0.1:9000' }).endpoints.issuer).toBe('http://127.0.0.1:9000');
  });
});

describe('sandboxed', () => {
  const emu = 'http://127.0.0.1:4100/';

  it('points every URL at the emulator under /<id>/', () => {
    const g = sandboxed(oauthProvider('google'), emu);
    expect(g.endpoints).toEqual({
      authorizeUrl: 'http://127.0.0.1:4100/google/authorize',
      tokenUrl: 'http://127.0.0.1:4100/google/token',
      userinfoUrl: 'http://127.0.0.1:4100/google/userinfo',
      jwksUrl: 'http://127.0.0.1:4100/google/jwks',
      issuer: 'http://127.0.0.1:4100/google',
    });
    expect(g.revoke?.url).toBe('http://127.0.0.1:4100/google/revoke');
    expect(g.api).toMatchObject({ baseUrl: 'http://127.0.0.1:4100/google/api', hosts: ['127.0.0.1:4100'] });
    expect(g.authorizeParams).toEqual(oauthProvider('google').authorizeParams);
  });

  it('keeps API paths (GitHub /user, /user/emails) and path placeholders, and {tenant} for the resolver', () => {
    const gh = sandboxed(oauthProvider('github'), emu);
    expect(gh.endpoints.userinfoUrl).toBe('http://127.0.0.1:4100/github/api/user');
    expect(gh.endpoints.emailsUrl).toBe('http://127.0.0.1:4100/github/api/user/emails');
    expect(gh.revoke?.url).toBe('http://127.0.0.1:4100/github/api/applications/{clientId}/token');
    expect(sandboxed(oauthProvider('hubspot'), emu).endpoints.userinfoUrl).toBe('http://127.0.0.1:4100/hubspot/api/oauth/v1/access-tokens/{accessToken}');
    const ms = resolveOAuthProvider(sandboxed(oauthProvider('microsoft'), emu), { tenant: 'organizations' });
    expect(ms.endpoints.tokenUrl).toBe('http://127.0.0.1:4100/microsoft/organizations/token');
    expect(ms.endpoints.userinfoUrl).toBe('http://127.0.0.1:4100/microsoft/userinfo');
  });

  it('gives the generic oidc entry every endpoint', () => {
    expect(sandboxed(oauthProvider('oidc'), emu).endpoints).toMatchObject({ issuer: 'http://127.0.0.1:4100/oidc', tokenUrl: 'http://127.0.0.1:4100/oidc/token', jwksUrl: 'http://127.0.0.1:4100/oidc/jwks' });
  });
});

describe('envCredentials', () => {
  it('reads canonical names first, then aliases (GOOGLE_OAUTH_CLIENT_ID)', () => {
    const google = oauthProvider('google');
    expect(envCredentials(google, { GOOGLE_OAUTH_CLIENT_ID: 'a', GOOGLE_OAUTH_CLIENT_SECRET: 's' })).toEqual({ clientId: 'a', clientSecret: 's' });
    expect(envCredentials(google, { GOOGLE_CLIENT_ID: 'b', GOOGLE_OAUTH_CLIENT_ID: 'a', GOOGLE_CLIENT_SECRET: '' })).toEqual({ clientId: 'b' });
    expect(envVarNames(oauthProvider('zoom'))).toEqual(['ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_ACCOUNT_ID']);
  });
});
