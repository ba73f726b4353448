/**
 * The inbound pipeline over real HTTP on a hub whose catalog holds toy providers
 * (`helpers/toy-providers.ts`): Slack, Zoom and Graph handshakes answered (signed ones only after
 * the signature verified) and never stored; `/webhooks/:provider/:connectionId` verifying with
 * that connection's own sealed secret and handing its tenant to the sinks; 404 for a connection of
 * another provider; the public URL the verifier sees; stored headers without credentials or
 * signatures; the inbox purge.
 */
import { createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { ProviderCatalog } from '../src/kit/catalog.js';
import type { InboundEvent } from '../src/kit/inbound.js';
import type { InboundOrigin } from '../src/webhooks/inbound.js';
import { TOYS, twilioLikeSignature, v0Headers } from './helpers/toy-providers.js';

async function toyHub(env: Record<string, string>): Promise<{ hub: Hub; url: string }> {
  const hub = await createHub({
    env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-toy-')), QUEUE_POLL_MS: '50', ...env },
    catalog: new ProviderCatalog(TOYS),
    categories: [],
  });
  return { hub, url: await hub.listen({ port: 0, host: '127.0.0.1' }) };
}

let hub: Hub;
let url: string;
const seen: { provider: string; events: InboundEvent[]; origin: InboundOrigin }[] = [];
let acmeSlack: string;
let acmeZoom: string;

beforeAll(async () => {
  ({ hub, url } = await toyHub({ TOYSLACK_SIGNING_SECRET: 'slack-default', TOYZOOM_SIGNING_SECRET: 'zoom-default', TOYGRAPH_SIGNING_SECRET: 'graph-state', TOYURL_SIGNING_SECRET: 'url-secret', TRUST_PROXY: 'true' }));
  hub.inbox.addSink(async (provider, events, origin) => {
    seen.push({ provider, events, origin });
  });
  acmeSlack = (await hub.connections.create('acme', 'toyslack', 'acme-slack', { signingSecret: 'slack-acme' })).id;
  acmeZoom = (await hub.connections.create('acme', 'toyzoom', 'acme-zoom', { signingSecret: 'zoom-acme' })).id;
});
afterAll(async () => {
  await hub?.close();
});

async function post(path: string, body: string, headers: Record<string, string> = {}) {
  const res = await fetch(url + path, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, type: res.headers.get('content-type') ?? '', text: await res.text() };
}
const inboxCount = async (provider: string) => (await hub.store.db.selectFrom('webhook_inbox').select('id').where('provider', '=', provider).execute()).length;

describe('handshakes', () => {
  const challenge = JSON.stringify({ token: 'Jhj5dZrVaK7ZwHHjRyZWjbDl', challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P', type: 'url_verification' });

  it('Slack url_verification: the challenge only once the signature verified, and nothing stored', async () => {
    const ok = await post('/webhooks/toyslack', challenge, v0Headers('slack', 'slack-default', challenge));
    expect(ok).toMatchObject({ status: 200, type: expect.stringMatching(/^application\/json/) });
    expect(JSON.parse(ok.text)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    const forged = await post('/webhooks/toyslack', challenge, v0Headers('slack', 'guess', challenge));
    expect(forged.status).toBe(401);
    expect(forged.text).not.toContain('3eZbrw1a');
    expect(await post('/webhooks/toyslack', challenge)).toMatchObject({ status: 401 });
    expect(await inboxCount('toyslack')).toBe(0);
  });

  it('Slack on a tenant connection: its own secret answers, the default one does not', async () => {
    expect((await post(`/webhooks/toyslack/${acmeSlack}`, challenge, v0Headers('slack', 'slack-acme', challenge))).status).toBe(200);
    expect((await post(`/webhooks/toyslack/${acmeSlack}`, challenge, v0Headers('slack', 'slack-default', challenge))).status).toBe(401);
    expect((await post('/webhooks/toyslack', challenge, v0Headers('slack', 'slack-acme', challenge))).status).toBe(401);
  });

  it('Zoom endpoint.url_validation: encryptedToken keyed with the secret of the connection posted to', async () => {
    const body = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
    const tenant = await post(`/webhooks/toyzoom/${acmeZoom}`, body, v0Headers('zoom', 'zoom-acme', body));
    expect(tenant.status).toBe(200);
    expect(JSON.parse(tenant.text)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', 'zoom-acme').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
    const def = await post('/webhooks/toyzoom', body, v0Headers('zoom', 'zoom-default', body));
    expect(JSON.parse(def.text).encryptedToken).toBe(createHmac('sha256', 'zoom-default').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'));
    expect((await post('/webhooks/toyzoom', body, v0Headers('zoom', 'zoom-acme', body, 1654503849))).status).toBe(401);
    expect(await inboxCount('toyzoom')).toBe(0);
  });

  it('Graph validationToken: echoed as text/plain without a signature; notifications need the clientState', async () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 5f1d2b8e-7b2a';
    const started = Date.now();
    const res = await post(`/webhooks/toygraph?validationToken=${encodeURIComponent(token)}`, '', { 'content-type': 'text/plain' });
    expect(res).toEqual({ status: 200, type: 'text/plain; charset=utf-8', text: token });
    expect(Date.now() - started).toBeLessThan(10_000);
    const note = (state: string) => JSON.stringify({ value: [{ id: `n-${state}`, clientState: state, changeType: 'created' }] });
    expect((await post('/webhooks/toygraph', note('wrong'))).status).toBe(401);
    expect((await post('/webhooks/toygraph', note('graph-state'))).status).toBe(200);
  });

  it('counts handshakes as their own outcome', async () => {
    const metrics = await (await fetch(`${url}/metrics`)).text();
    expect(metrics).toMatch(/switchboard_webhooks_received_total\{provider="toyslack",outcome="handshake"\} [1-9]/);
  });
});

describe('per-connection webhooks', () => {
  it("stores the connection and tenant, hands them to the sinks, and keeps no credentials or signatures", async () => {
    const body = JSON.stringify({ id: `ev-${Date.now()}` });
    const res = await post(`/webhooks/toyslack/${acmeSlack}`, body, { ...v0Headers('slack', 'slack-acme', body), authorization: 'Bearer leak', cookie: 'session=leak', 'user-agent': 'Slackbot 1.0' });
    expect(res.status).toBe(200);
    const { id } = JSON.parse(res.text) as { id: string };
    const row = await hub.store.db.selectFrom('webhook_inbox').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ provider: 'toyslack', connection_id: acmeSlack, tenant_id: 'acme' });
    const stored = JSON.parse(row.headers) as Record<string, string>;
    expect(stored).toMatchObject({ 'user-agent': 'Slackbot 1.0', 'x-slack-request-timestamp': expect.any(String) });
    for (const h of ['authorization', 'cookie', 'x-slack-signature']) expect(stored).not.toHaveProperty(h);
    await expect.poll(() => seen.find((s) => s.origin.inboxIds.includes(id)), { timeout: 5000 }).toBeTruthy();
    expect(seen.find((s) => s.origin.inboxIds.includes(id))).toMatchObject({ provider: 'toyslack', origin: { connectionId: acmeSlack, tenantId: 'acme' } });
  });

  it('the default route stores no connection and the default tenant', async () => {
    const body = JSON.stringify({ id: `ev-default-${Date.now()}` });
    const { id } = JSON.parse((await post('/webhooks/toyslack', body, v0Headers('slack', 'slack-default', body))).text) as { id: string };
    expect(await hub.store.db.selectFrom('webhook_inbox').select(['connection_id', 'tenant_id']).where('id', '=', id).executeTakeFirst()).toEqual({ connection_id: null, tenant_id: 'default' });
  });

  it('404 for a connection of another provider, an unknown connection or provider', async () => {
    const body = '{"payload":{"plainToken":"x"},"event":"endpoint.url_validation"}';
    for (const path of [`/webhooks/toyzoom/${acmeSlack}`, '/webhooks/toyslack/conn_nope', '/webhooks/nope/conn_x', '/webhooks/nope']) {
      const res = await post(path, body, v0Headers('zoom', 'zoom-acme', body));
      expect([path, res.status, JSON.parse(res.text).code]).toEqual([path, 404, 'unknown_webhook_source']);
    }
  });
});

describe('the public URL verifiers see', () => {
  const body = '{"id":"url-1"}';

  it('uses X-Forwarded-Proto/Host with TRUST_PROXY=true, else the Host header', async () => {
    const forwarded = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com' };
    const sig = twilioLikeSignature('url-secret', 'https://hooks.example.com/webhooks/toyurl?a=1', body);
    expect((await post('/webhooks/toyurl?a=1', body, { ...forwarded, 'x-toy-signature': sig })).status).toBe(200);
    const local = twilioLikeSignature('url-secret', `${url}/webhooks/toyurl`, body);
    expect((await post('/webhooks/toyurl', body, { 'x-toy-signature': local })).status).toBe(200);
    expect((await post('/webhooks/toyurl', body, { ...forwarded, 'x-toy-signature': local })).status).toBe(401);
  });

  it('prefers SWITCHBOARD_PUBLIC_URL (with its base path) over forwarded headers', async () => {
    const other = await toyHub({ TOYURL_SIGNING_SECRET: 'url-secret', SWITCHBOARD_PUBLIC_URL: 'https://public.example.com/hub/', TRUST_PROXY: 'true' });
    try {
      const sig = twilioLikeSignature('url-secret', 'https://public.example.com/hub/webhooks/toyurl', body);
      const res = await fetch(`${other.url}/webhooks/toyurl`, { method: 'POST', headers: { 'x-forwarded-host': 'evil.example.com', 'x-toy-signature': sig }, body });
      expect(res.status).toBe(200);
    } finally {
      await other.hub.close();
    }
  });
});

describe('processing stored deliveries together', () => {
  it('one sink call per provider, connection and tenant for the deliveries of a moment; a delivery its sinks refuse fails alone', async () => {
    hub.inbox.addSink(async (_provider, events) => {
      if (events.some((e) => String(e.providerEventId).startsWith('poison'))) throw new Error('poison refused');
    });
    await hub.queue.stop(); // let the deliveries gather, then process them in one go
    const stamp = Date.now();
    const send = async (path: string, secret: string, id: string) => {
      const body = JSON.stringify({ id });
      const res = await post(path, body, v0Headers('slack', secret, body));
      expect(res.status).toBe(200);
      return (JSON.parse(res.text) as { id: string }).id;
    };
    const plain = await Promise.all(Array.from({ length: 6 }, (_, i) => send('/webhooks/toyslack', 'slack-default', `d-${stamp}-${i}`)));
    const acme = await Promise.all(Array.from({ length: 6 }, (_, i) => send(`/webhooks/toyslack/${acmeSlack}`, 'slack-acme', `a-${stamp}-${i}`)));
    const poison = await send('/webhooks/toyslack', 'slack-default', `poison-${stamp}`);
    const before = seen.length;
    hub.queue.start();
    const status = async (ids: string[]) => (await hub.store.db.selectFrom('webhook_inbox').select('status').where('id', 'in', ids).execute()).map((r) => r.status);
    await expect.poll(() => status([...plain, ...acme]), { timeout: 10_000 }).toEqual(Array(12).fill('processed'));
    const calls = seen.slice(before);
    // some call carried several deliveries, and no call mixed connections or tenants
    expect(Math.max(...calls.map((c) => c.origin.inboxIds.length))).toBeGreaterThan(1);
    for (const c of calls) {
      const fromAcme = c.origin.inboxIds.filter((id) => acme.includes(id));
      expect(fromAcme.length === 0 || fromAcme.length === c.origin.inboxIds.length).toBe(true);
      expect(c.origin).toMatchObject(fromAcme.length ? { connectionId: acmeSlack, tenantId: 'acme' } : { connectionId: null, tenantId: 'default' });
      expect(c.events.map((e) => e.data.id)).toEqual(c.events.map((e) => String(e.providerEventId)));
    }
    for (const id of [...plain, ...acme]) expect(calls.some((c) => c.origin.inboxIds.includes(id))).toBe(true);
    // the refused one stays unprocessed, its job retried with the sink's error
    expect(await status([poison])).toEqual(['received']);
    const job = await hub.store.db.selectFrom('jobs').select(['last_error', 'status']).where('type', '=', 'webhook.process').where('payload', 'like', `%${poison}%`).executeTakeFirstOrThrow();
    expect(job.last_error).toContain('poison refused');
  });
});

describe('inbox retention', () => {
  it('purges rows older than the retention period, keeps younger ones', async () => {
    const before = (await hub.store.db.selectFrom('webhook_inbox').select('id').execute()).length;
    expect(before).toBeGreaterThan(0);
    expect(await hub.inbox.purge(3_600_000)).toBe(0);
    await new Promise((r) => setTimeout(r, 5));
    expect(await hub.inbox.purge(0)).toBe(before);
    expect(await hub.store.db.selectFrom('webhook_inbox').select('id').execute()).toEqual([]);
  });
});
