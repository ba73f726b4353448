import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOAuthEmulator, type OAuthEmulator } from './index.js';
import { authorizeUrl, codeFlow, consent, REDIRECT, tokenRequest } from './test-utils.js';

let emu: OAuthEmulator;
beforeAll(async () => {
  emu = await startOAuthEmulator({ codeTtlSec: 1 });
});
afterEach(() => emu.reset());
afterAll(() => emu.close());

const refresh = (id: string, token: string) => tokenRequest(emu, emu.entry(id), { grant_type: 'refresh_token', refresh_token: token });

describe('OAuth sandbox: chaos, counters, revocation, users', () => {
  it('invalid_grant on the next refresh: that refresh token is dead afterwards, the others of other providers unaffected', async () => {
    const g = (await codeFlow(emu, 'google')) as Record<string, string>;
    const d = (await codeFlow(emu, 'discord')) as Record<string, string>;
    Object.assign(emu.oauthChaos, { invalidGrantNext: 1, invalidGrantProvider: 'google' });
    expect((await refresh('discord', d.refresh_token!)).status).toBe(200);
    const bad = await refresh('google', g.refresh_token!);
    expect([bad.status, ((await bad.json()) as { error: string }).error]).toEqual([400, 'invalid_grant']);
    expect((await refresh('google', g.refresh_token!)).status).toBe(400);
    expect(emu.oauthChaos.invalidGrantNext).toBe(0);
  });

  it('counts token requests per provider and grant (one refresh is one)', async () => {
    const t = (await codeFlow(emu, 'microsoft')) as Record<string, string>;
    await tokenRequest(emu, emu.entry('microsoft'), { grant_type: 'refresh_token', refresh_token: t.refresh_token! });
    expect(emu.tokenRequests().microsoft).toEqual({ authorization_code: 1, refresh_token: 1 });
    const overHttp = (await (await fetch(`${emu.url}/__emulator/oauth/requests`)).json()) as Record<string, unknown>;
    expect(overHttp.microsoft).toEqual({ authorization_code: 1, refresh_token: 1 });
  });

  it('a failing token endpoint: 503 and 429 carry Retry-After, then it recovers; steerable over HTTP', async () => {
    const t = (await codeFlow(emu, 'google')) as Record<string, string>;
    await fetch(`${emu.url}/__emulator/oauth/chaos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ failNext: 2, failStatus: 503, retryAfterSec: 7 }) });
    for (let i = 0; i < 2; i++) {
      const res = await refresh('google', t.refresh_token!);
      expect([res.status, res.headers.get('retry-after')]).toEqual([503, '7']);
    }
    expect((await refresh('google', t.refresh_token!)).status).toBe(200);
    Object.assign(emu.oauthChaos, { failNext: 1, failStatus: 429, retryAfterSec: 2 });
    const limited = await refresh('google', t.refresh_token!);
    expect([limited.status, limited.headers.get('retry-after')]).toEqual([429, '2']);
    Object.assign(emu.oauthChaos, { failNext: 1, failStatus: 500 });
    expect((await refresh('google', t.refresh_token!)).status).toBe(500);
    expect(emu.tokenRequests().google?.refresh_token).toBe(5);
  });

  it('a slow token endpoint: latency applies to token requests', async () => {
    const t = (await codeFlow(emu, 'google')) as Record<string, string>;
    emu.oauthChaos.tokenLatencyMs = 300;
    const started = Date.now();
    expect((await refresh('google', t.refresh_token!)).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('codes expire (codeTtlSec)', async () => {
    const google = emu.entry('google');
    const { url, verifier } = authorizeUrl(emu, google);
    const code = (await consent(url)).searchParams.get('code')!;
    await new Promise((r) => setTimeout(r, 1100));
    const res = await tokenRequest(emu, google, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! });
    expect(await res.json()).toMatchObject({ error: 'invalid_grant', error_description: 'authorization code expired' });
  });

  it('RFC 7009 revoke: a revoked refresh token ends its grant (refresh and access token refused); unknown tokens still get 200', async () => {
    const google = emu.entry('google');
    const t = (await codeFlow(emu, 'google')) as Record<string, string>;
    const revoke = (token: string) => fetch(google.revoke!.url, { method: 'POST', body: new URLSearchParams({ token }) });
    expect((await revoke('never-issued')).status).toBe(200);
    expect((await revoke(t.refresh_token!)).status).toBe(200);
    expect((await refresh('google', t.refresh_token!)).status).toBe(400);
    expect((await fetch(google.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${t.access_token}` } })).status).toBe(401);
  });

  it('the consent page lets one pick another user; autoApprove redirects at once', async () => {
    const google = emu.entry('google');
    const { url, verifier } = authorizeUrl(emu, google);
    const code = (await consent(url, 'approve', 1)).searchParams.get('code')!;
    const t = (await (await tokenRequest(emu, google, { grant_type: 'authorization_code', code, redirect_uri: REDIRECT, code_verifier: verifier! })).json()) as Record<string, string>;
    const me = (await (await fetch(google.endpoints.userinfoUrl!, { headers: { authorization: `Bearer ${t.access_token}` } })).json()) as Record<string, unknown>;
    expect(me).toMatchObject({ sub: emu.users('google')[1]!.subject, name: 'Grace Hopper' });

    const auto = await startOAuthEmulator({ autoApprove: true, providers: ['google'], redirectUris: [REDIRECT] });
    try {
      const res = await fetch(authorizeUrl(auto, auto.entry('google')).url, { redirect: 'manual' });
      expect(res.status).toBe(302);
      expect(new URL(res.headers.get('location')!).searchParams.get('code')).toBeTruthy();
      const unregistered = await fetch(authorizeUrl(auto, auto.entry('google'), { redirectUri: 'http://127.0.0.1:9/elsewhere' }).url, { redirect: 'manual' });
      expect(unregistered.status).toBe(400);
      expect(() => auto.entry('github')).toThrow(/does not play "github"/);
    } finally {
      await auto.close();
    }
  });
});
