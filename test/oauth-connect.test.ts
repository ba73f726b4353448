/**
 * Connecting accounts over OAuth, end to end over HTTP on a sandboxed hub: start → the sandbox
 * authorization server (auto-approve) → `/oauth/callback` → back to the application with
 * `connectionId`; the connection's view never shows a token; a forced refresh; a code used twice,
 * a denial, a reused state and an unlisted redirect target; `invalid_grant` on refresh making the
 * connection `needs_reauth` with a `connection.needs_reauth` event; DELETE revoking at the provider.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { oauthProvider } from '../src/oauth/catalog.js';
import type { OAuthEmulator } from '../src/providers/oauth-sandbox/index.js';
import { sharedOAuthEmulator } from '../src/providers/oauth-sandbox/shared.js';

const APP = 'https://app.example.com';
let hub: Hub;
let url: string;
let key: string;
let emulator: OAuthEmulator;
let release: () => Promise<void>;

const api = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });
const start = async (body: Record<string, unknown>) => {
  const res = await api('/api/v1/connections/oauth/start', { method: 'POST', body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { authorizeUrl: string; state: string; expiresAt: string; detail?: string } };
};
/** Follow one redirect hop without fetch following it. */
const hop = async (target: string) => {
  const res = await fetch(target, { redirect: 'manual' });
  return { status: res.status, location: res.headers.get('location'), body: await res.text() };
};
/** The whole dance: authorize (auto-approved) → callback → the application's URL. */
async function connect(body: Record<string, unknown>): Promise<URL> {
  const started = await start(body);
  expect(started.status).toBe(200);
  const consent = await hop(started.body.authorizeUrl);
  expect(consent.status).toBe(302);
  const back = await hop(consent.location!);
  expect(back.status).toBe(302);
  return new URL(back.location!);
}

beforeAll(async () => {
  hub = await createHub({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-oauth-')), SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' },
  });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'oauth', tenantId: 'acme' })).key;
  ({ emulator, release } = await sharedOAuthEmulator({ autoApprove: true })); // the hub's own: one per process
});
afterAll(async () => {
  await hub?.close();
  await release?.();
});

/** A refresh straight at the sandbox's Google token endpoint: does it still accept `refreshToken`? */
async function refreshAccepted(refreshToken: string): Promise<boolean> {
  const client = emulator.clients.get('google')!;
  const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (oauthProvider('google').clientAuth === 'client_secret_basic') headers.authorization = `Basic ${Buffer.from(`${client.clientId}:${client.clientSecret}`).toString('base64')}`;
  else {
    form.set('client_id', client.clientId);
    form.set('client_secret', client.clientSecret);
  }
  const res = await fetch(emulator.entry('google').endpoints.tokenUrl!, { method: 'POST', headers, body: form });
  return res.status === 200;
}

describe('connecting an account over OAuth (sandbox authorization server)', () => {
  let connectionId: string;

  it('start answers an authorize URL with a one-time state and PKCE S256; the callback stores the tokens and sends the user back with connectionId', async () => {
    const started = await start({ provider: 'google', redirectUrl: `${APP}/settings?tab=1` });
    expect(started.status).toBe(200);
    const authorize = new URL(started.body.authorizeUrl);
    expect(authorize.searchParams.get('state')).toBe(started.body.state);
    expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/oauth/callback`);
    expect(authorize.searchParams.get('access_type')).toBe('offline');
    expect(Date.parse(started.body.expiresAt)).toBeGreaterThan(Date.now());

    const back = await connect({ provider: 'google', redirectUrl: `${APP}/settings?tab=1` });
    expect(back.origin + back.pathname).toBe(`${APP}/settings`);
    expect(back.searchParams.get('tab')).toBe('1');
    connectionId = back.searchParams.get('connectionId')!;
    expect(connectionId).toMatch(/^conn_/);
    expect(back.searchParams.get('error')).toBeNull();
  });

  it('GET /api/v1/connections/:id shows status, scopes and expiry, never a token; the database holds none in plaintext', async () => {
    const res = await api(`/api/v1/connections/${connectionId}`);
    expect(res.status).toBe(200);
    const view = (await res.json()) as Record<string, unknown>;
    expect(view).toMatchObject({ id: connectionId, provider: 'google', tenantId: 'acme', status: 'active', lastError: null });
    expect((view.scopes as string[]).length).toBeGreaterThan(0);
    expect(Date.parse(view.expiresAt as string)).toBeGreaterThan(Date.now());
    const text = JSON.stringify(view);
    const tokens = (await hub.connections.byId(connectionId))!.tokens!;
    expect(tokens.refreshToken).toBeTruthy();
    expect(text).not.toContain(tokens.accessToken);
    const rows = JSON.stringify(await hub.store.db.selectFrom('connection_state').selectAll().execute());
    expect(rows).not.toContain(tokens.accessToken);
    expect(rows).not.toContain(tokens.refreshToken);
  });

  it('POST /api/v1/connections/:id/refresh makes one refresh request and stores the new access token', async () => {
    const before = (await hub.connections.byId(connectionId))!.tokens!.accessToken;
    const count = () => emulator.tokenRequests().google?.refresh_token ?? 0;
    const n = count();
    const res = await api(`/api/v1/connections/${connectionId}/refresh`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect(count()).toBe(n + 1);
    expect((await hub.connections.byId(connectionId))!.tokens!.accessToken).not.toBe(before);
  });

  it('a state is one-time, a redirect target must be allowed, an unknown provider names the known ones', async () => {
    const started = await start({ provider: 'github', redirectUrl: APP });
    const consent = await hop(started.body.authorizeUrl);
    expect((await hop(consent.location!)).status).toBe(302);
    const again = await hop(consent.location!);
    expect(again.status).toBe(400);
    expect(again.body).toContain('already used');
    const evil = await start({ provider: 'github', redirectUrl: 'https://evil.example.com/x' });
    expect(evil.status).toBe(400);
    expect(JSON.stringify(evil.body)).toContain('SWITCHBOARD_AUTH_REDIRECTS');
    const unknown = await start({ provider: 'myspace' });
    expect(unknown.status).toBe(404);
    expect(JSON.stringify(unknown.body)).toContain('google');
  });

  it('a denied consent and a code used twice come back to the application as readable errors', async () => {
    const denied = await start({ provider: 'github', redirectUrl: APP });
    const deniedBack = await hop(`${url}/oauth/callback?state=${denied.body.state}&error=access_denied`);
    const d = new URL(deniedBack.location!);
    expect(d.searchParams.get('error')).toBe('access_denied');
    expect(d.searchParams.get('error_description')).toMatch(/denied at GitHub/);

    const first = await start({ provider: 'github', redirectUrl: APP });
    const code = new URL((await hop(first.body.authorizeUrl)).location!).searchParams.get('code')!;
    await hop(`${url}/oauth/callback?state=${first.body.state}&code=${code}`);
    const second = await start({ provider: 'github', redirectUrl: APP });
    const reused = new URL((await hop(`${url}/oauth/callback?state=${second.body.state}&code=${code}`)).location!);
    expect(reused.searchParams.get('error')).toBe('invalid_grant');
    expect(reused.searchParams.get('error_description')).toMatch(/already used/);
  });

  it('invalid_grant on refresh makes the connection needs_reauth with a connection.needs_reauth event; connecting again makes the same connection active', async () => {
    emulator.oauthChaos.invalidGrantNext = 1;
    const res = await api(`/api/v1/connections/${connectionId}/refresh`, { method: 'POST' });
    expect(res.status).toBe(409);
    const view = (await (await api(`/api/v1/connections/${connectionId}`)).json()) as { status: string; lastError: string };
    expect(view.status).toBe('needs_reauth');
    expect(view.lastError).toBeTruthy();
    const events = await hub.store.db.selectFrom('events').selectAll().where('type', '=', 'connection.needs_reauth').execute();
    expect(events).toHaveLength(1);
    expect(events[0]!.tenant_id).toBe('acme');
    expect(JSON.parse(events[0]!.data)).toMatchObject({ provider: 'google' });

    const back = await connect({ provider: 'google', redirectUrl: APP });
    expect(back.searchParams.get('connectionId')).toBe(connectionId);
    expect(((await (await api(`/api/v1/connections/${connectionId}`)).json()) as { status: string }).status).toBe('active');
    expect((await api(`/api/v1/connections/${connectionId}/refresh`, { method: 'POST' })).status).toBe(200); // the new grant renews
  });

  it('Gmail over a connected Google account: connect asks for the send scope through Google\'s app, and the email connector sends with the token it got', async () => {
    const started = await start({ provider: 'gmail', redirectUrl: APP, name: 'sales' });
    expect(started.status).toBe(200);
    const authorize = new URL(started.body.authorizeUrl);
    expect(authorize.pathname).toBe('/google/authorize');
    expect(authorize.searchParams.get('scope')).toContain('https://www.googleapis.com/auth/gmail.send');
    const back = await connect({ provider: 'gmail', redirectUrl: APP, name: 'sales' });
    const gmailId = back.searchParams.get('connectionId')!;
    const connection = (await hub.connections.byId(gmailId))!;
    expect(connection.provider).toBe('gmail');
    // issued by the sandbox authorization server for Google, not Gmail's emulator's own token
    expect(emulator.accessToken(connection.tokens!.accessToken)?.provider).toBe('google');
    expect(connection.tokens!.accessToken).not.toBe(hub.connections.emulator('gmail')?.tokens?.accessToken);
    const email = hub.connections.connectorFor(connection, 'email');
    const sent = await email.send({ id: 'msg_gmail_over_google', to: [{ email: 'ann@example.com' }], from: { email: 'sales@example.com' }, subject: 'Over Google', text: 'Hello' });
    expect(sent.providerMessageId).toBeTruthy();
    const emulatorOfGmail = hub.connections.emulator('gmail') as unknown as { accepted: { id: string; parsed: { subject?: string } }[] };
    expect(emulatorOfGmail.accepted.find((m) => m.id === sent.providerMessageId)?.parsed.subject).toBe('Over Google');
  });

  it('DELETE revokes the token at the provider, then removes the connection', async () => {
    const { refreshToken } = (await hub.connections.byId(connectionId))!.tokens!;
    expect(await refreshAccepted(refreshToken!)).toBe(true);
    expect((await api(`/api/v1/connections/${connectionId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`/api/v1/connections/${connectionId}`)).status).toBe(404);
    expect(await refreshAccepted(refreshToken!)).toBe(false);
  });
});
