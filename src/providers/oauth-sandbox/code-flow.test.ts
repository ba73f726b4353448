import { createRemoteJWKSet, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vectors } from '../../../test/fixtures/vectors/index.js';
import { pkceChallenge } from '../../oauth/pkce.js';
import { SANDBOX_TENANT_ID, startOAuthEmulator, type OAuthEmulator } from './index.js';
import { authorizeUrl, codeFlow, consent, REDIRECT, tokenRequest } from './test-utils.js';

let emu: OAuthEmulator;
beforeAll(async () => {
  emu = await startOAuthEmulator();
});
afterAll(() => emu.close());

describe('OAuth sandbox: the code flow', () => {
  it('Google: consent page, code + state back, PKCE, an id_token that jose verifies against the JWKS of the discovery document', async () => {
    const google = emu.entry('google');
    const { url, verifier } = authorizeUrl(emu, google, { nonce: 'n-0S6_WzA2Mj', state: 'xyz' });
    const back = await consent(url);
    expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:9/callback');
    expect(back.searchParams.get('app')).toBe('1');
    expect(back.searchParams.get('state')).toBe('xyz');
    const res = await tokenRequest(emu, google, { grant_type: 'authorization_code', code: back.searchParams.get('code')!, redirect_uri: REDIRECT, code_verifier: verifier! });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const tokens = (await res.json()) as Record<string, string>;
    expect(tokens).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid email profile' });
    expect(tokens.refresh_token).toBeTruthy(); // access_type=offline was sent

    const discovery = (await (await fetch(`${google.endpoints.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(discovery).toMatchObject({ issuer: google.endpoints.issuer, token_endpoint: google.endpoints.tokenUrl, code_challenge_methods_supported: ['S256'] });
    const jwks = createRemoteJWKSet(new URL(discovery.jwks_uri!));
    const { payload } = await jwtVerify(tokens.id_token!, jwks, { issuer: discovery.issuer, audience: emu.clients.get('google')!.clientId });
    const ada = emu.users('google')[0]!;
    expect(payload).toMatchObject({ sub: ada.subject, nonce: 'n-0S6_WzA2Mj', email: ada.email, email_verified: true, name: 'Ada Lovelace', picture: ada.picture });
    expect(payload.exp! - payload.iat!).toBe(3600);

    const info = await fetch(google.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect(google.profile!((await info.json()) as Record<string, unknown>)).toEqual({ subject: ada.subject, email: ada.email, emailVerified: true, name: 'Ada Lovelace', picture: ada.picture });
  });

  it('Google without access_type=offline gets no refresh token (as Google does)', async () => {
    const tokens = await codeFlow(emu, 'google', { params: { access_type: 'online' } });
    expect(tokens.access_token).toBeTruthy();
    expect(tokens.refresh_token).toBeUndefined();
  });

  it("the RFC 7636 appendix B pair passes the emulator's S256 check; another verifier is invalid_grant", async () => {
    const v = vectors.pkce();
    expect(pkceChallenge(v.verifier)).toBe(v.challenge);
    const google = emu.entry('google');
    for (const [verifier, ok] of [[v.verifier, true], ['dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXX', false]] as const) {
      const { url } = authorizeUrl(emu, google, { pkce: { verifier: v.verifier, challenge: v.challenge } });
      const code = (await consent(url)).searchParams.get('code')!;
      const res = await tokenRequest(emu, google, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier });
      expect([res.status, ((await res.json()) as { error?: string }).error]).toEqual(ok ? [200, undefined] : [400, 'invalid_grant']);
    }
  });

  it('Microsoft: tenant in the path, iss names the tenant, refresh rotates and the old refresh token is refused', async () => {
    const ms = emu.entry('microsoft');
    const tokens = (await codeFlow(emu, 'microsoft', { tenant: 'organizations', nonce: 'n1' })) as Record<string, string>;
    const claims = decodeJwt(tokens.id_token!);
    expect(claims).toMatchObject({ iss: `${emu.url}/microsoft/${SANDBOX_TENANT_ID}`, tid: SANDBOX_TENANT_ID, nonce: 'n1' });
    const refresh = (token: string) => tokenRequest(emu, ms, { grant_type: 'refresh_token', refresh_token: token }, { tenant: 'organizations' });
    const first = (await (await refresh(tokens.refresh_token!)).json()) as Record<string, string>;
    expect(first.refresh_token).toBeTruthy();
    expect(first.refresh_token).not.toBe(tokens.refresh_token);
    const again = await refresh(tokens.refresh_token!);
    expect([again.status, ((await again.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect((await refresh(first.refresh_token!)).status).toBe(200);
    const byId = await codeFlow(emu, 'microsoft', { tenant: '72f988bf-86f1-41af-91ab-2d7cd011db47' });
    expect(decodeJwt(byId.id_token as string).iss).toBe(`${emu.url}/microsoft/72f988bf-86f1-41af-91ab-2d7cd011db47`);
    expect((await fetch(ms.endpoints.authorizeUrl!.replace('{tenant}', 'not a tenant'))).status).toBe(400);
    // As Microsoft's: the multi-tenant discovery names the issuer as a template, a tenant's names itself.
    const doc = async (tenant: string) => (await (await fetch(`${ms.endpoints.issuer!.replace('{tenant}', tenant)}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect((await doc('common')).issuer).toBe(`${emu.url}/microsoft/{tenantid}`);
    expect((await doc('organizations')).token_endpoint).toBe(`${emu.url}/microsoft/organizations/token`);
    expect((await doc('72f988bf-86f1-41af-91ab-2d7cd011db47')).issuer).toBe(`${emu.url}/microsoft/72f988bf-86f1-41af-91ab-2d7cd011db47`);
  });

  it('Deny sends access_denied with the state; nothing is issued', async () => {
    const { url } = authorizeUrl(emu, emu.entry('google'), { state: 's-deny' });
    const back = await consent(url, 'deny');
    expect(Object.fromEntries(back.searchParams)).toEqual({ app: '1', error: 'access_denied', error_description: 'The user denied the authorization request.', state: 's-deny' });
  });

  it('a reused code is invalid_grant and revokes the tokens issued from it (RFC 6749 §4.1.2)', async () => {
    const google = emu.entry('google');
    const { url, verifier } = authorizeUrl(emu, google);
    const code = (await consent(url)).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! };
    const tokens = (await (await tokenRequest(emu, google, form)).json()) as Record<string, string>;
    const userinfo = () => fetch(google.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    expect((await userinfo()).status).toBe(200);
    const reuse = await tokenRequest(emu, google, form);
    expect(reuse.status).toBe(400);
    expect(await reuse.json()).toMatchObject({ error: 'invalid_grant' });
    expect((await userinfo()).status).toBe(401);
    const refresh = await tokenRequest(emu, google, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! });
    expect(refresh.status).toBe(400);
  });

  it('a wrong client secret, or the secret sent the wrong way, is 401 invalid_client', async () => {
    const google = emu.entry('google');
    const { url, verifier } = authorizeUrl(emu, google);
    const code = (await consent(url)).searchParams.get('code')!;
    const form = { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! };
    const wrong = await tokenRequest(emu, google, form, { secret: 'nope' });
    expect([wrong.status, await wrong.json()]).toEqual([401, { error: 'invalid_client', error_description: 'client authentication failed' }]);
    const basic = await tokenRequest(emu, google, form, { auth: 'basic' });
    expect(basic.status).toBe(401);
    const zoom = await tokenRequest(emu, emu.entry('zoom'), { grant_type: 'account_credentials', account_id: emu.credentials.ZOOM_ACCOUNT_ID! }, { auth: 'post' });
    expect([zoom.status, zoom.headers.get('www-authenticate')]).toEqual([401, 'Basic realm="zoom"']);
  });

  it('a wrong redirect_uri at the token endpoint, an expired consent, a missing verifier: invalid_grant', async () => {
    const google = emu.entry('google');
    const { url } = authorizeUrl(emu, google);
    const code = (await consent(url)).searchParams.get('code')!;
    const res = await tokenRequest(emu, google, { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1:9/other' });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: 'redirect_uri does not match the authorization request' });
    const { url: url2 } = authorizeUrl(emu, google);
    const code2 = (await consent(url2)).searchParams.get('code')!;
    const noVerifier = await tokenRequest(emu, google, { grant_type: 'authorization_code', code: code2, redirect_uri: REDIRECT });
    expect(await noVerifier.json()).toMatchObject({ error: 'invalid_grant', error_description: expect.stringMatching(/PKCE/) });
  });

  it('authorize errors: unknown client and bad redirect_uri are HTML 400 pages; the rest redirect with error and state', async () => {
    const google = emu.entry('google');
    const unknown = await fetch(authorizeUrl(emu, google, { clientId: 'stranger' }).url, { redirect: 'manual' });
    expect([unknown.status, unknown.headers.get('content-type'), unknown.headers.get('location')]).toEqual([400, 'text/html; charset=utf-8', null]);
    expect(await unknown.text()).toContain('Unknown client_id &quot;stranger&quot;');
    const fragment = await fetch(authorizeUrl(emu, google, { redirectUri: 'http://127.0.0.1:9/cb#x' }).url, { redirect: 'manual' });
    expect(fragment.status).toBe(400);
    const redirectError = async (o: Parameters<typeof authorizeUrl>[2], id = 'google') => {
      const res = await fetch(authorizeUrl(emu, emu.entry(id), o).url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      return Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
    };
    expect(await redirectError({ pkce: null })).toMatchObject({ error: 'invalid_request', error_description: 'code_challenge is required (PKCE)', state: 'st-123' });
    expect(await redirectError({ params: { response_type: 'token' } })).toMatchObject({ error: 'unsupported_response_type' });
    expect(await redirectError({ state: '' })).toMatchObject({ error: 'invalid_request', error_description: expect.stringMatching(/state/) });
    expect(await redirectError({ scopes: ['chat:write channels:read'] }, 'slack')).toMatchObject({ error: 'invalid_scope' });
  });
});
