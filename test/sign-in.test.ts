/**
 * Signing users in, end to end over HTTP on a sandboxed hub against the sandbox authorization
 * server (auto-approve): `/auth/:provider/login` → the provider → `/auth/:provider/callback` →
 * the application's URL with a one-time code → `POST /api/v1/identity/exchange`. Google and
 * Microsoft (`common`: the issuer names the user's tenant) with verified id_tokens, GitHub with the
 * verified email of `/user/emails`, Apple over form_post keeping the name of the first sign-in,
 * Discord from userinfo; a code exchanged twice, a denial, a reused state, an open redirect.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import type { OAuthEmulator } from '../src/providers/oauth-sandbox/index.js';
import { SANDBOX_TENANT_ID } from '../src/providers/oauth-sandbox/index.js';
import { sharedOAuthEmulator } from '../src/providers/oauth-sandbox/shared.js';

const APP = 'https://app.example.com';
let hub: Hub;
let url: string;
let key: string;
let emulator: OAuthEmulator;
let release: () => Promise<void>;

const hop = async (target: string, init: RequestInit = {}) => {
  const res = await fetch(target, { redirect: 'manual', ...init });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
};
const exchange = async (code: string, apiKey = key) => {
  const res = await fetch(`${url}/api/v1/identity/exchange`, { method: 'POST', headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ code }) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
/** The hidden fields of the sandbox's auto-submitting form_post page. */
const formFields = (html: string) => Object.fromEntries([...html.matchAll(/name="([^"]+)" value="([^"]*)"/g)].map((m) => [m[1]!, m[2]!.replaceAll('&quot;', '"').replaceAll('&amp;', '&')]));

let lastForm: Record<string, string> = {};

/** login → provider (auto-approved) → callback (GET, or POST for form_post) → the application's URL. */
async function signIn(provider: string, query = ''): Promise<URL> {
  const login = await hop(`${url}/auth/${provider}/login?redirect=${encodeURIComponent(`${APP}/signed-in`)}&tenantId=acme${query}`);
  expect(login.status).toBe(302);
  const consent = await hop(login.location!);
  let back;
  if (consent.status === 200) {
    const fields = formFields(consent.body);
    lastForm = fields;
    back = await hop(`${url}/auth/${provider}/callback`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields) });
  } else {
    expect(consent.status).toBe(302);
    back = await hop(consent.location!);
  }
  expect(back.status).toBe(302);
  return new URL(back.location!);
}
async function profileOf(provider: string, query = '') {
  const back = await signIn(provider, query);
  expect(back.searchParams.get('error_description')).toBeNull();
  const code = back.searchParams.get('code')!;
  expect(code).toBeTruthy();
  const res = await exchange(code);
  expect(res.status).toBe(200);
  return res.body;
}

beforeAll(async () => {
  hub = await createHub({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-signin-')), SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' },
  });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'signin', tenantId: 'acme', scopes: ['identity:exchange'] })).key;
  ({ emulator, release } = await sharedOAuthEmulator({ autoApprove: true }));
});
afterAll(async () => {
  await hub?.close();
  await release?.();
});

describe('sign-in against the sandbox authorization server', () => {
  it('google: the authorize URL carries state, nonce, PKCE S256 and the openid scopes; the verified id_token makes the profile', async () => {
    const login = await hop(`${url}/auth/google/login?redirect=${encodeURIComponent(APP)}`);
    const authorize = new URL(login.location!);
    expect(authorize.origin + authorize.pathname).toBe(`${emulator.url}/google/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/auth/google/callback`);
    expect(authorize.searchParams.get('scope')).toBe('openid email profile');
    expect(authorize.searchParams.get('nonce')).toMatch(/^[\w-]{20,}$/);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('prompt')).toBeNull();

    const ada = emulator.users('google')[0]!;
    const profile = await profileOf('google');
    expect(profile).toMatchObject({ provider: 'google', subject: ada.subject, email: ada.email, emailVerified: true, name: 'Ada Lovelace', picture: ada.picture });
    expect(profile.raw).toMatchObject({ iss: `${emulator.url}/google`, aud: emulator.clients.get('google')!.clientId, nonce: expect.any(String) });
  });

  it('microsoft (tenant common): the id_token issuer names the user tenant and is accepted', async () => {
    const profile = await profileOf('microsoft', '&tenant=common');
    const ada = emulator.users('microsoft')[0]!;
    expect(profile).toMatchObject({ provider: 'microsoft', subject: ada.subject, email: ada.email, name: 'Ada Lovelace' });
    expect(profile.raw).toMatchObject({ tid: SANDBOX_TENANT_ID, iss: `${emulator.url}/microsoft/${SANDBOX_TENANT_ID}` });
  });

  it('github: the profile from /user and the verified primary email from /user/emails', async () => {
    const profile = await profileOf('github');
    expect(profile).toMatchObject({ provider: 'github', subject: '583231', email: 'ada@sandbox.example.com', emailVerified: true, name: 'Ada Lovelace' });
    expect((profile.raw as { email: unknown }).email).toBeNull(); // /user has no public email
  });

  it('discord: the profile from /users/@me', async () => {
    const profile = await profileOf('discord');
    expect(profile).toMatchObject({ provider: 'discord', subject: emulator.users('discord')[0]!.subject, email: 'ada@sandbox.example.com', emailVerified: true, name: 'Ada Lovelace' });
    expect(profile.picture).toMatch(/^https:\/\/cdn\.discordapp\.com\/avatars\//);
  });

  it('apple: form_post callback; the name of the first sign-in is kept for the next one (whose form has none)', async () => {
    const login = await hop(`${url}/auth/apple/login?redirect=${encodeURIComponent(APP)}`);
    expect(new URL(login.location!).searchParams.get('response_mode')).toBe('form_post');
    const first = await profileOf('apple');
    expect(JSON.parse(lastForm.user!)).toMatchObject({ name: { firstName: 'Ada' } });
    expect(first).toMatchObject({ provider: 'apple', subject: emulator.users('apple')[0]!.subject, email: 'ada@sandbox.example.com', emailVerified: true, name: 'Ada Lovelace' });
    const second = await profileOf('apple');
    expect(lastForm.code).toBeTruthy();
    expect(lastForm.user).toBeUndefined();
    expect(second.name).toBe('Ada Lovelace');
    expect(second.raw).toMatchObject({ user: { name: { firstName: 'Ada', lastName: 'Lovelace' } } });
    const rows = JSON.stringify(await hub.store.db.selectFrom('identities').selectAll().execute());
    expect(rows).not.toContain('Lovelace');
    expect(rows).not.toContain(emulator.users('apple')[0]!.subject);
  });

  it('a code is exchanged once; a key of another tenant cannot exchange it; a key without the scope is refused', async () => {
    const code = (await signIn('github')).searchParams.get('code')!;
    const other = (await hub.apiKeys.create({ name: 'other', tenantId: 'globex', scopes: ['identity:exchange'] })).key;
    const noScope = (await hub.apiKeys.create({ name: 'noscope', tenantId: 'acme', scopes: ['connections:read'] })).key;
    expect((await exchange(code, noScope)).status).toBe(403);
    expect((await exchange(code)).status).toBe(200);
    const again = await exchange(code);
    expect(again.status).toBe(409);
    expect(String(again.body.detail)).toMatch(/already exchanged/);

    const theirs = (await signIn('github')).searchParams.get('code')!;
    expect((await exchange(theirs, other)).status).toBe(404);
    expect((await exchange('x'.repeat(32))).status).toBe(404);
  });

  it('a denied consent comes back to the application as access_denied; a reused state is a 400', async () => {
    const login = await hop(`${url}/auth/github/login?redirect=${encodeURIComponent(APP)}`);
    const state = new URL(login.location!).searchParams.get('state')!;
    const denied = await hop(`${url}/auth/github/callback?state=${state}&error=access_denied`);
    const d = new URL(denied.location!);
    expect(d.origin).toBe(APP);
    expect(d.searchParams.get('error')).toBe('access_denied');
    expect(d.searchParams.get('error_description')).toMatch(/denied at GitHub/);
    expect(d.searchParams.get('code')).toBeNull();

    const again = await hop(`${url}/auth/github/callback?state=${state}&code=whatever`);
    expect(again.status).toBe(400);
    expect(JSON.parse(again.body)).toMatchObject({ error: 'invalid_state', error_description: expect.stringMatching(/already used/) });
  });

  it('an expired state comes back as expired_state; an expired code is refused at the exchange', async () => {
    const expire = (token: string) => hub.store.db.updateTable('one_time_tokens').set({ expires_at: Date.now() - 1 }).where('id', '=', createHash('sha256').update(token).digest('hex')).execute();
    const login = await hop(`${url}/auth/github/login?redirect=${encodeURIComponent(APP)}`);
    const callback = (await hop(login.location!)).location!;
    await expire(new URL(callback).searchParams.get('state')!);
    const late = new URL((await hop(callback)).location!);
    expect(late.searchParams.get('error')).toBe('expired_state');
    expect(late.searchParams.get('code')).toBeNull();

    const code = (await signIn('github')).searchParams.get('code')!;
    await expire(code);
    const res = await exchange(code);
    expect(res.status).toBe(409);
    expect(String(res.body.detail)).toMatch(/expired/);
  });

  it('an authorization code used twice comes back as invalid_grant', async () => {
    const login = await hop(`${url}/auth/google/login?redirect=${encodeURIComponent(APP)}`);
    const callback = (await hop(login.location!)).location!;
    const code = new URL(callback).searchParams.get('code')!;
    expect(new URL((await hop(callback)).location!).searchParams.get('code')).toBeTruthy();
    const second = await hop(`${url}/auth/google/login?redirect=${encodeURIComponent(APP)}`);
    const state = new URL(second.location!).searchParams.get('state')!;
    const reused = new URL((await hop(`${url}/auth/google/callback?state=${state}&code=${code}`)).location!);
    expect(reused.searchParams.get('error')).toBe('invalid_grant');
  });

  it('a redirect outside SWITCHBOARD_AUTH_REDIRECTS is a 400 naming the variable, never a redirect', async () => {
    const evil = await hop(`${url}/auth/google/login?redirect=${encodeURIComponent('https://evil.example.com/steal')}`);
    expect(evil.status).toBe(400);
    expect(evil.location).toBeNull();
    expect(evil.body).toContain('SWITCHBOARD_AUTH_REDIRECTS');
    expect((await hop(`${url}/auth/google/login`)).status).toBe(400);
    expect((await hop(`${url}/auth/myspace/login?redirect=${encodeURIComponent(APP)}`)).status).toBe(404);
  });

  it('the routes are in the OpenAPI document; form bodies are parsed for the callback only', async () => {
    const doc = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { summary?: string }>> };
    expect(doc.paths['/auth/{provider}/login']?.get?.summary).toMatch(/SWITCHBOARD_AUTH_REDIRECTS/);
    expect(Object.keys(doc.paths['/auth/{provider}/callback'] ?? {}).sort()).toEqual(['get', 'post']);
    expect(doc.paths['/api/v1/identity/exchange']?.post?.summary).toMatch(/once/);
    const form = await fetch(`${url}/api/v1/identity/exchange`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-www-form-urlencoded' }, body: 'code=x' });
    expect(form.status).toBe(415);
  });
});
