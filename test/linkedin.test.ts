/**
 * LinkedIn's typed subset on a sandboxed hub, over a LinkedIn account connected through the real
 * connect flow (sandbox authorization server, auto-approve): the member's profile, a post shared
 * as the member (kept and validated by the emulator, read back through the proxy), an
 * organization's page; LinkedIn's refusals (another author, a missing scope, a missing field) as
 * HubErrors or, through the proxy, as LinkedIn's own answers.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { HubError, linkedin } from '../src/index.js';
import type { OAuthEmulator } from '../src/providers/oauth-sandbox/index.js';
import { sharedOAuthEmulator } from '../src/providers/oauth-sandbox/shared.js';

const APP = 'https://app.example.com';
let hub: Hub;
let url: string;
let key: string;
let emulator: OAuthEmulator;
let release: () => Promise<void>;
let connectionId: string;

async function connect(name: string, scopes: string[]): Promise<string> {
  const res = await fetch(`${url}/api/v1/connections/oauth/start`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'linkedin', redirectUrl: APP, name, scopes }) });
  const { authorizeUrl } = (await res.json()) as { authorizeUrl: string };
  const consent = await fetch(authorizeUrl, { redirect: 'manual' });
  const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
  return new URL(back.headers.get('location')!).searchParams.get('connectionId')!;
}
const proxy = (id: string, path: string, init: RequestInit = {}) => fetch(`${url}/api/v1/proxy/${id}${path}`, { ...init, headers: { authorization: `Bearer ${key}`, ...init.headers } });
const refusal = async (p: Promise<unknown>): Promise<HubError> => {
  const err = await p.then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
};

beforeAll(async () => {
  hub = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-linkedin-')), SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' } });
  url = await hub.listen({ port: 0, host: '127.0.0.1' });
  key = (await hub.apiKeys.create({ name: 'li', tenantId: 'acme' })).key;
  ({ emulator, release } = await sharedOAuthEmulator({ autoApprove: true }));
  connectionId = await connect('default', ['openid', 'profile', 'email', 'w_member_social']);
});
afterAll(async () => {
  await hub?.close();
  await release?.();
});

describe('LinkedIn over a connected account', () => {
  it('the connection uses the LinkedIn vendor folder, in sandbox', async () => {
    expect(hub.providers.get('linkedin').manifest.docsUrl).toContain('posts-api');
    expect(connectionId).toMatch(/^conn_/);
    expect((await hub.connections.byId(connectionId))!.baseUrl).toBe(`${emulator.url}/linkedin/api`);
  });

  it('profile: the member from OIDC userinfo, with its person URN', async () => {
    const me = await linkedin(hub, connectionId).profile();
    const ada = emulator.users('linkedin')[0]!;
    expect(me).toMatchObject({ id: ada.subject, personUrn: `urn:li:person:${ada.subject}`, email: ada.email, givenName: ada.givenName });
  });

  it('sharePost: the emulator keeps the post (reserved characters escaped) under the URN it answered', async () => {
    const li = linkedin(hub, connectionId, { tenantId: 'acme' });
    const post = await li.sharePost({ commentary: 'Shipped v2 (finally) #launch', visibility: 'CONNECTIONS' });
    expect(post.id).toMatch(/^urn:share:\d+$/);
    const res = await proxy(connectionId, `/rest/posts/${encodeURIComponent(post.id)}`, { headers: { 'linkedin-version': '202611' } });
    expect(res.status).toBe(200);
    const kept = (await res.json()) as Record<string, unknown>;
    expect(kept).toMatchObject({ id: post.id, author: (await li.profile()).personUrn, commentary: 'Shipped v2 \\(finally\\) \\#launch', visibility: 'CONNECTIONS', lifecycleState: 'PUBLISHED', distribution: { feedDistribution: 'MAIN_FEED' } });
  });

  it('the emulator validates posts as LinkedIn does: another author (403), a missing field (422 with the field), a missing version (400)', async () => {
    const other = await refusal(linkedin(hub, connectionId).sharePost({ commentary: 'hi', author: 'urn:li:person:someoneElse' }));
    expect(other).toMatchObject({ code: 'provider_auth_failed', providerStatus: 403, providerCode: 'ACCESS_DENIED' });
    const headers = { 'content-type': 'application/json', 'linkedin-version': '202611' };
    const missing = await proxy(connectionId, '/rest/posts', { method: 'POST', headers, body: JSON.stringify({ author: 'urn:li:person:x', visibility: 'PUBLIC', distribution: { feedDistribution: 'MAIN_FEED' }, lifecycleState: 'PUBLISHED' }) });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(await missing.json())).toContain('/commentary');
    const unversioned = await proxy(connectionId, '/rest/organizations/2414183');
    expect(unversioned.status).toBe(400);
    expect(((await unversioned.json()) as { code: string }).code).toBe('VERSION_MISSING');
    expect(await refusal(linkedin(hub, connectionId).sharePost({ commentary: 'x'.repeat(3001) }))).toMatchObject({ code: 'validation_failed' });
  });

  it('a member who did not grant w_member_social cannot post (403)', async () => {
    const readOnly = await connect('read-only', ['openid', 'profile', 'email']);
    const err = await refusal(linkedin(hub, readOnly).sharePost({ commentary: 'hello' }));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerStatus: 403 });
    expect(err.message).toContain('Not enough permissions');
  });

  it("organization: a page's data; an unknown one is LinkedIn's 404", async () => {
    const page = await linkedin(hub, connectionId).organization(2414183);
    expect(page).toMatchObject({ id: 2414183, urn: 'urn:li:organization:2414183', name: 'Devtestco', vanityName: 'devtestco' });
    expect(await refusal(linkedin(hub, connectionId).organization(1))).toMatchObject({ code: 'provider_error', providerStatus: 404 });
  });

  it("another tenant's id is not found; the proxy adds the catalog's X-Restli-Protocol-Version", async () => {
    expect(await refusal(linkedin(hub, connectionId, { tenantId: 'globex' }).profile())).toMatchObject({ code: 'not_found' });
    const res = await proxy(connectionId, '/rest/organizations/2414183', { headers: { 'linkedin-version': '202611' } });
    expect(res.status).toBe(200);
  });
});
