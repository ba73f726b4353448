/**
 * Connecting an account against a real, OpenID-certified authorization server (`oidc-provider`)
 * as the generic `oidc` provider of a live (not sandboxed) hub: discovery, the authorize URL with
 * PKCE S256, the code exchanged with the verifier at the callback, a forced refresh rotating the
 * refresh token (stored sealed), revocation on DELETE (the server then refuses the live token).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { startOidcServer, type OidcServer } from '../src/oauth/test-utils/oidc-server.js';

const APP = 'https://app.example.com';
let op: OidcServer;
let hub: Hub;
let url: string;
let key: string;

const api = (path: string, init: RequestInit = {}) => fetch(`${url}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...(init.body ? { 'content-type': 'application/json' } : {}), ...init.headers } });

beforeAll(async () => {
  op = await startOidcServer();
  hub = await createHub({
    env: {
      NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-oidc-')),
      // oidc-provider's client is registered with http://127.0.0.1/oauth/callback
      SWITCHBOARD_PUBLIC_URL: 'http://127.0.0.1', SWITCHBOARD_AUTH_REDIRECTS: APP,
      OIDC_ISSUER: op.issuer, OIDC_CLIENT_ID: op.clientId, OIDC_CLIENT_SECRET: op.clientSecret,
    },
  });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'oidc', tenantId: 'acme' })).key;
});
afterAll(async () => {
  await hub?.close();
  await op?.close();
});

describe('connect flow against oidc-provider (generic OIDC, live)', () => {
  let connectionId: string;

  it('discovers the endpoints, exchanges the code with its PKCE verifier, and sends the user back with a connection', async () => {
    const res = await api('/api/v1/connections/oauth/start', { method: 'POST', body: JSON.stringify({ provider: 'oidc', redirectUrl: APP, scopes: ['openid', 'offline_access'] }) });
    expect(res.status).toBe(200);
    const { authorizeUrl, state } = (await res.json()) as { authorizeUrl: string; state: string };
    const authorize = new URL(authorizeUrl);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${op.issuer}/auth`); // from the discovery document
    expect(authorize.searchParams.get('client_id')).toBe(op.clientId);
    expect(authorize.searchParams.get('redirect_uri')).toBe('http://127.0.0.1/oauth/callback');
    // What the consent page would do: oidc-provider issues a code bound to our challenge.
    const code = await op.issueCode({ accountId: 'alice', codeChallenge: authorize.searchParams.get('code_challenge')! });
    const back = await fetch(`${url}/oauth/callback?code=${encodeURIComponent(code)}&state=${state}`, { redirect: 'manual' });
    expect(back.status).toBe(302);
    const to = new URL(back.headers.get('location')!);
    expect(to.searchParams.get('error_description')).toBeNull();
    connectionId = to.searchParams.get('connectionId')!;
    expect(connectionId).toMatch(/^conn_/);
    const view = (await (await api(`/api/v1/connections/${connectionId}`)).json()) as { provider: string; status: string; mode: string };
    expect(view).toMatchObject({ provider: 'oidc', status: 'active', mode: 'live' });
  });

  it('a forced refresh makes one token request and stores the rotated refresh token', async () => {
    const before = (await hub.connections.byId(connectionId))!.tokens!;
    const n = op.tokenRequests;
    expect((await api(`/api/v1/connections/${connectionId}/refresh`, { method: 'POST' })).status).toBe(200);
    expect(op.tokenRequests).toBe(n + 1);
    const after = (await hub.connections.byId(connectionId))!.tokens!;
    expect(after.refreshToken).toBeTruthy();
    expect(after.refreshToken).not.toBe(before.refreshToken);
  });

  it('DELETE revokes the refresh token at the server, then removes the connection', async () => {
    const { refreshToken } = (await hub.connections.byId(connectionId))!.tokens!;
    expect((await api(`/api/v1/connections/${connectionId}`, { method: 'DELETE' })).status).toBe(204);
    const refused = await fetch(op.tokenUrl, {
      method: 'POST',
      headers: { authorization: `Basic ${Buffer.from(`${op.clientId}:${op.clientSecret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: refreshToken! }),
    });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: string }).error).toBe('invalid_grant');
  });
});
