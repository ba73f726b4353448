import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { appleClientSecret } from '../../oauth/apple.js';
import { oauthProvider } from '../../oauth/catalog.js';
import { resolveOAuthProvider } from '../../oauth/resolve.js';
import { startOAuthEmulator, type OAuthEmulator } from './index.js';
import { authorizeUrl, codeFlow, consent, REDIRECT, tokenRequest } from './test-utils.js';

let emu: OAuthEmulator;
beforeAll(async () => {
  emu = await startOAuthEmulator({ autoApprove: true });
});
afterAll(() => emu.close());

const codeFor = async (id: string, o: Parameters<typeof authorizeUrl>[2] = {}) => {
  const { url, verifier } = authorizeUrl(emu, emu.entry(id), o);
  return { code: (await consent(url)).searchParams.get('code')!, verifier };
};

describe('OAuth sandbox: each vendor as it really answers', () => {
  it('GitHub: form-encoded without Accept JSON, HTTP 200 errors with its own codes, /user + /user/emails give the verified email', async () => {
    const gh = emu.entry('github');
    const { code, verifier } = await codeFor('github');
    const res = await tokenRequest(emu, gh, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! }, { accept: '*/*' });
    expect(res.headers.get('content-type')).toBe('application/x-www-form-urlencoded; charset=utf-8');
    const tokens = Object.fromEntries(new URLSearchParams(await res.text()));
    expect(tokens).toMatchObject({ token_type: 'bearer', scope: 'read:user,user:email', expires_in: '3600', refresh_token_expires_in: '15897600' });
    expect(tokens.access_token).toMatch(/^ghu_/);
    expect(tokens.refresh_token).toMatch(/^ghr_/);

    const reuse = await tokenRequest(emu, gh, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! });
    expect(reuse.status).toBe(200);
    expect(await reuse.json()).toMatchObject({ error: 'bad_verification_code' });
    expect(gh.tokenResponse?.errorCodes?.bad_verification_code).toBe('invalid_grant');

    const auth = { authorization: `Bearer ${(await codeFlow(emu, 'github')).access_token as string}` };
    const user = (await (await fetch(gh.endpoints.userinfoUrl!, { headers: auth })).json()) as Record<string, unknown>;
    expect(user).toMatchObject({ login: 'ada', id: 583231, email: null });
    const emails = await (await fetch(gh.endpoints.emailsUrl!, { headers: auth })).json();
    expect(gh.profile!({ ...user, emails })).toEqual({ subject: '583231', email: 'ada@sandbox.example.com', emailVerified: true, name: 'Ada Lovelace', picture: user.avatar_url });
    expect((await fetch(gh.endpoints.userinfoUrl!, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
  });

  it('GitHub revoke: DELETE /applications/{client_id}/token with Basic client credentials', async () => {
    const gh = emu.entry('github');
    const { clientId, clientSecret } = emu.clients.get('github')!;
    const token = (await codeFlow(emu, 'github')).access_token as string;
    const del = (secret: string) =>
      fetch(gh.revoke!.url.replace('{clientId}', clientId), {
        method: 'DELETE',
        headers: { authorization: `Basic ${Buffer.from(`${clientId}:${secret}`).toString('base64')}`, 'content-type': 'application/json' },
        body: JSON.stringify({ access_token: token }),
      });
    expect((await del('wrong')).status).toBe(404);
    expect((await del(clientSecret)).status).toBe(204);
    expect((await fetch(gh.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${token}` } })).status).toBe(401);
  });

  it('Slack: {ok:true} with the bot token on top and the user token under authed_user; errors are HTTP 200 {ok:false}', async () => {
    const slack = emu.entry('slack');
    const tokens = await codeFlow(emu, 'slack', { params: { user_scope: 'identity.basic,openid' } });
    expect(tokens).toMatchObject({ ok: true, token_type: 'bot', scope: 'chat:write,channels:read', team: { id: 'T0SANDBOX' }, authed_user: { id: 'U0SANDBOX1', scope: 'identity.basic,openid', token_type: 'user' } });
    expect(tokens.access_token).toMatch(/^xoxb-/);
    expect((tokens.authed_user as { access_token: string }).access_token).toMatch(/^xoxp-/);
    const bad = await tokenRequest(emu, slack, { grant_type: 'authorization_code', code: 'nope', redirect_uri: REDIRECT });
    expect([bad.status, await bad.json()]).toEqual([200, { ok: false, error: 'invalid_code' }]);
    const wrongSecret = await tokenRequest(emu, slack, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string }, { secret: 'x' });
    expect(await wrongSecret.json()).toEqual({ ok: false, error: 'bad_client_secret' });
    // 'sometimes' rotation: a new refresh token, the old one still works.
    const r1 = (await (await tokenRequest(emu, slack, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string })).json()) as Record<string, string>;
    expect(r1.refresh_token).not.toBe(tokens.refresh_token);
    expect(await (await tokenRequest(emu, slack, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token as string })).json()).toMatchObject({ ok: true });
  });

  it('Zoom Server-to-Server: account_credentials with Basic auth and account_id; no refresh token; a wrong account is refused', async () => {
    const zoom = emu.entry('zoom');
    const res = await tokenRequest(emu, zoom, { grant_type: 'account_credentials', account_id: emu.credentials.ZOOM_ACCOUNT_ID! });
    const tokens = (await res.json()) as Record<string, unknown>;
    expect(tokens).toMatchObject({ token_type: 'bearer', expires_in: 3600, api_url: `${emu.url}/zoom/api` });
    expect(tokens.refresh_token).toBeUndefined();
    const wrong = await tokenRequest(emu, zoom, { grant_type: 'account_credentials', account_id: 'other' });
    expect([wrong.status, await wrong.json()]).toEqual([400, { reason: 'Invalid account_id', error: 'invalid_request' }]);
    expect(await (await tokenRequest(emu, zoom, { grant_type: 'client_credentials' })).json()).toMatchObject({ error: 'unsupported_grant_type' });
  });

  it('Zoom user OAuth rotates refresh tokens; /users/me maps to the profile', async () => {
    const zoom = emu.entry('zoom');
    const tokens = (await codeFlow(emu, 'zoom')) as Record<string, string>;
    const me = (await (await fetch(zoom.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${tokens.access_token}` } })).json()) as Record<string, unknown>;
    expect(zoom.profile!(me)).toMatchObject({ subject: 'KDcuGIm1QgePTO8WbOqwIQ', emailVerified: true, name: 'Ada Lovelace' });
    expect((await tokenRequest(emu, zoom, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).status).toBe(200);
    expect((await tokenRequest(emu, zoom, { grant_type: 'refresh_token', refresh_token: tokens.refresh_token! })).status).toBe(400);
  });

  it('Apple: a per-request ES256 client secret, form_post back with `user` (name) on the first authorization only, no name in the id_token', async () => {
    const apple = emu.entry('apple');
    const c = emu.credentials;
    const { url } = authorizeUrl(emu, apple, { nonce: 'an' });
    const page = await (await fetch(url)).text();
    expect(page).toContain(`action="${REDIRECT.replace('&', '&amp;')}"`);
    const field = (name: string) => new RegExp(`name="${name}" value="([^"]*)"`).exec(page)?.[1]?.replace(/&quot;/g, '"');
    expect(JSON.parse(field('user')!)).toMatchObject({ name: { firstName: 'Ada', lastName: 'Lovelace' } });
    const secret = await appleClientSecret({ teamId: c.APPLE_TEAM_ID!, clientId: c.APPLE_CLIENT_ID!, keyId: c.APPLE_KEY_ID!, privateKey: c.APPLE_PRIVATE_KEY! });
    const res = await fetch(apple.endpoints.tokenUrl!, { method: 'POST', body: new URLSearchParams({ grant_type: 'authorization_code', code: field('code')!, redirect_uri: REDIRECT, client_id: c.APPLE_CLIENT_ID!, client_secret: secret }) });
    const tokens = (await res.json()) as Record<string, string>;
    expect(res.status).toBe(200);
    const claims = decodeJwt(tokens.id_token!);
    expect(claims).toMatchObject({ nonce: 'an', email_verified: 'true' });
    expect(claims.name).toBeUndefined();
    expect(apple.profile!({ ...claims, user: JSON.parse(field('user')!) })).toMatchObject({ name: 'Ada Lovelace', emailVerified: true });
    const second = await (await fetch(authorizeUrl(emu, apple).url)).text();
    expect(second).not.toContain('name="user"');
    const plain = await fetch(apple.endpoints.tokenUrl!, { method: 'POST', body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: tokens.refresh_token!, client_id: c.APPLE_CLIENT_ID!, client_secret: 'static-secret' }) });
    expect([plain.status, ((await plain.json()) as { error: string }).error]).toEqual([401, 'invalid_client']);
  });

  it('Salesforce gives instance_url and no expires_in; HubSpot reads the token from the path', async () => {
    const sf = await codeFlow(emu, 'salesforce');
    expect(sf.instance_url).toBe(`${emu.url}/salesforce/api`);
    expect(sf.expires_in).toBeUndefined();
    expect(sf.refresh_token).toBeTruthy();
    const hs = emu.entry('hubspot');
    const token = (await codeFlow(emu, 'hubspot')).access_token as string;
    const info = (await (await fetch(hs.endpoints.userinfoUrl!.replace('{accessToken}', token))).json()) as Record<string, unknown>;
    expect(hs.profile!(info)).toMatchObject({ subject: '4242001', email: 'ada@sandbox.example.com' });
  });

  it('generic OIDC: configured by OIDC_ISSUER alone, discovery gives the endpoints, the id_token verifies against them', async () => {
    const entry = resolveOAuthProvider(oauthProvider('oidc'), { issuer: emu.credentials.OIDC_ISSUER! });
    const doc = (await (await fetch(`${entry.endpoints.issuer}/.well-known/openid-configuration`)).json()) as Record<string, string>;
    expect(doc).toMatchObject({ issuer: entry.endpoints.issuer, token_endpoint: `${emu.url}/oidc/token`, token_endpoint_auth_methods_supported: ['client_secret_basic'] });
    const tokens = (await codeFlow(emu, 'oidc', { nonce: 'g1' })) as Record<string, string>;
    expect(tokens.refresh_token).toBeTruthy(); // offline_access is a default scope
    const { payload } = await jwtVerify(tokens.id_token!, createRemoteJWKSet(new URL(doc.jwks_uri!)), { issuer: doc.issuer, audience: emu.credentials.OIDC_CLIENT_ID });
    expect(payload.nonce).toBe('g1');
    expect(emu.accepted.at(-1)).toMatchObject({ provider: 'oidc', grant: 'authorization_code' });
  });

  it('every OAuth provider: the code flow works and its userinfo (or id_token) maps through the catalog profile() to the sandbox user', async () => {
    for (const id of ['google', 'microsoft', 'github', 'linkedin', 'slack', 'zoom', 'discord', 'hubspot', 'salesforce', 'oidc']) {
      const entry = emu.entry(id);
      const tokens = await codeFlow(emu, id, id === 'slack' ? { params: { user_scope: 'openid' } } : {});
      const token = (id === 'slack' ? (tokens.authed_user as { access_token: string }).access_token : tokens.access_token) as string;
      const url = entry.endpoints.userinfoUrl!.replace('{accessToken}', token);
      const raw = (await (await fetch(url, { headers: { authorization: `Bearer ${token}` } })).json()) as Record<string, unknown>;
      expect([id, entry.profile!(raw).subject]).toEqual([id, emu.users(id)[0]!.subject]);
    }
  });

  it('every sandboxed URL is served: OIDC discovery and JWKS match the entry, RFC 7009 revoke ends the token', async () => {
    for (const id of ['google', 'microsoft', 'linkedin', 'apple', 'salesforce', 'oidc']) {
      const e = emu.entry(id);
      const fill = (u: string) => u.replace('{tenant}', '72f988bf-86f1-41af-91ab-2d7cd011db47');
      const doc = (await (await fetch(`${fill(e.endpoints.issuer!)}/.well-known/openid-configuration`)).json()) as Record<string, string>;
      expect([id, doc.issuer, doc.jwks_uri, doc.token_endpoint]).toEqual([id, fill(e.endpoints.issuer!), fill(e.endpoints.jwksUrl!), fill(e.endpoints.tokenUrl!)]);
      expect(((await (await fetch(doc.jwks_uri!)).json()) as { keys: unknown[] }).keys).toHaveLength(1);
    }
    for (const id of ['google', 'linkedin', 'zoom', 'discord', 'salesforce']) {
      const e = emu.entry(id);
      expect([id, e.revoke?.style]).toEqual([id, 'rfc7009']);
      const token = (await codeFlow(emu, id)).access_token as string;
      expect((await fetch(e.revoke!.url, { method: 'POST', body: new URLSearchParams({ token }) })).status).toBe(200);
      expect([id, (await fetch(e.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${token}` } })).status]).toEqual([id, 401]);
    }
  });
});
