/**
 * A provider's own OAuth redirect URI (`GOOGLE_CALENDAR_REDIRECT_URI`, `OUTLOOK_REDIRECT_URI`, as
 * the seeds configure them): the connect flow sends it as `redirect_uri`, the hub serves its path
 * as the callback, and the code exchange repeats it; the sandbox authorization server refuses a
 * code whose exchange names another redirect URI (invalid_grant), so the flow completing proves it.
 * A path that is one of the hub's own routes stops the server's start with a clear message.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { sharedOAuthEmulator } from '../src/providers/oauth-sandbox/shared.js';

const APP = 'https://app.example.com/settings';
const OWN = 'https://hub.example.com/calendar/callback';
let hub: Hub;
let url: string;
let key: string;
let release: (() => Promise<void>) | undefined;

const env = (extra: Record<string, string>) => ({ NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-redirect-')), SWITCHBOARD_AUTH_REDIRECTS: 'https://app.example.com', SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true', ...extra });

beforeAll(async () => {
  hub = await createHub({ env: env({ GOOGLE_CALENDAR_REDIRECT_URI: OWN, ZOOM_REDIRECT_URI: 'https://hub.example.com/zoom/callback' }) });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'redirect', tenantId: 'acme' })).key;
  ({ release } = await sharedOAuthEmulator({ autoApprove: true }));
});
afterAll(async () => {
  await hub?.close();
  await release?.();
});

const start = async (provider: string) => {
  const res = await fetch(`${url}/api/v1/connections/oauth/start`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ provider, redirectUrl: APP }) });
  expect(res.status).toBe(200);
  return new URL(((await res.json()) as { authorizeUrl: string }).authorizeUrl);
};

describe('a provider\'s own OAuth redirect URI', () => {
  it('is the redirect_uri of its connect flow, its path is served as the callback, and the exchange repeats it', async () => {
    const authorize = await start('google-calendar');
    expect(authorize.searchParams.get('redirect_uri')).toBe(OWN);
    const consent = await fetch(authorize, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    expect(`${back.origin}${back.pathname}`).toBe(OWN);
    // The registered host fronts this hub (a proxy): the same path and query reach the hub.
    const done = await fetch(`${url}${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(done.status).toBe(302);
    const app = new URL(done.headers.get('location')!);
    expect(app.searchParams.get('error')).toBeNull();
    const connection = await hub.connections.byId(app.searchParams.get('connectionId')!);
    expect(connection).toMatchObject({ provider: 'google-calendar', tenantId: 'acme' });
  });

  it('each provider its own: Zoom\'s ZOOM_REDIRECT_URI for Zoom', async () => {
    const authorize = await start('zoom');
    expect(authorize.searchParams.get('redirect_uri')).toBe('https://hub.example.com/zoom/callback');
    const back = new URL((await fetch(authorize, { redirect: 'manual' })).headers.get('location')!);
    const done = await fetch(`${url}${back.pathname}${back.search}`, { redirect: 'manual' });
    expect(new URL(done.headers.get('location')!).searchParams.get('connectionId')).toMatch(/^conn_/);
  });

  it('leaves other providers on the hub\'s own /oauth/callback', async () => {
    const authorize = await start('gmail');
    expect(new URL(authorize.searchParams.get('redirect_uri')!).pathname).toBe('/oauth/callback');
  });

  it('a redirect URI whose path is a route of the hub stops the server\'s start, naming the path', async () => {
    const other = await createHub({ env: env({ OUTLOOK_REDIRECT_URI: 'https://hub.example.com/auth/microsoft/callback' }) });
    try {
      await expect(other.listen({ port: 0, host: '127.0.0.1' })).rejects.toThrow(/redirect URI has the path \/auth\/microsoft\/callback, which is a route of the hub/);
    } finally {
      await other.close().catch(() => {});
    }
  });
});
