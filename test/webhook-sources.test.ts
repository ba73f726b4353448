/**
 * Custom inbound sources end to end through the REST server, on SQLite and PostgreSQL: create a
 * source by API, post deliveries signed by the senders' own libraries (`standardwebhooks`,
 * `@octokit/webhooks-methods`) to the URL it answers, read the stored events from the `events`
 * table; refusals are 401 problem+json with the reason code and store nothing; a repeated
 * delivery is one event; rotation by PATCH; every outcome counted; no secret in a database dump.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import pg from 'pg';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it as baseIt } from 'vitest';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { countDelta, webhookCounts } from './helpers/signed-webhooks.js';
import { PG_URL, postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from './helpers/stores.js';

const hasPg = await postgresAvailable();
const SOURCES = '/api/v1/webhooks/sources';
const whsec = () => `whsec_${randomBytes(24).toString('base64')}`;
const marker = () => randomBytes(6).toString('hex');

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('custom webhook sources on %s', (dialect, makeFixture) => {
  let t: TestHub;
  let fixture: StoreFixture;
  const published: UnifiedEvent[] = [];
  const allSecrets: string[] = [];
  beforeAll(async () => {
    if (dialect === 'postgres' && !hasPg) return;
    fixture = makeFixture();
    await (await fixture.open()).close();
    t = await startTestHub({ DATABASE_URL: fixture.options.databaseUrl! });
    t.hub.events.subscribe((e) => published.push(e));
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.cleanup();
  });
  const it = dialect === 'postgres' && !hasPg ? baseIt.skip : baseIt;

  async function createSource(body: Record<string, unknown>) {
    const res = await t.api(SOURCES, { body });
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    allSecrets.push(...(body.secrets as string[]));
    return res.body as { id: string; url: string; name: string; scheme: string; header: string; encoding: string; secretCount: number };
  }
  async function post(url: string, body: string | Buffer, headers: Record<string, string>) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
    const text = await res.text();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
    return { status: res.status, contentType: res.headers.get('content-type') ?? '', body: JSON.parse(text) as any };
  }
  const eventsOf = (sourceId: string) => t.hub.store.db.selectFrom('events').selectAll().where('provider', '=', `source:${sourceId}`).orderBy('seq').execute();
  const swHeaders = (secret: string, body: string, id = `msg_${marker()}`, at = new Date()) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  });

  it('creates a source: 201 with id and url, the secrets sealed and never returned', async () => {
    const secret = whsec();
    const src = await createSource({ name: 'billing', scheme: 'standard-webhooks', secrets: [secret] });
    expect(src).toMatchObject({ id: expect.stringMatching(/^src_/), name: 'billing', scheme: 'standard-webhooks', header: 'webhook-signature', encoding: 'base64', secretCount: 1 });
    expect(src.url).toBe(`${t.url}/webhooks/sources/${src.id}`);
    expect(JSON.stringify(src)).not.toContain(secret.slice(6));
    const row = await t.hub.store.db.selectFrom('webhook_sources').selectAll().where('id', '=', src.id).executeTakeFirstOrThrow();
    expect(row.secrets).not.toContain(secret.slice(6));
    expect(t.hub.vault.open(row.secrets, `webhook_source:${src.id}`)).toEqual({ secrets: [secret] });
    const got = await t.api(`${SOURCES}/${src.id}`);
    expect(got.body).toMatchObject({ id: src.id, url: src.url, secretCount: 1 });
    expect(JSON.stringify(got.body)).not.toContain(secret.slice(6));
  });

  it('refuses invalid input with 400 naming each field', async () => {
    const fields = async (body: unknown) => {
      const res = await t.api(SOURCES, { body });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      return res.body.errors.map((e: { field: string }) => e.field).sort();
    };
    expect(await fields({ name: 'x', scheme: 'hmac-sha256', secrets: ['k'] })).toEqual(['header']);
    expect(await fields({ name: 'x', scheme: 'standard-webhooks', secrets: [whsec(), 'not-whsec', 'whsec_c2hvcnQ='] })).toEqual(['secrets.1', 'secrets.2']);
    expect(await fields({ name: 'x', scheme: 'github', secrets: [] })).toEqual(['secrets']);
    expect(await fields({ name: 'x', scheme: 'stripe', secrets: ['k'] })).toEqual(['scheme']);
    expect(await fields({ name: 'x', scheme: 'github', secrets: ['k'], header: 'x-sig', encoding: 'base64' })).toEqual(['encoding', 'header']);
    expect(await fields({ scheme: 'hmac-sha256', secrets: ['k'], header: 'bad header', encoding: 'hex' })).toEqual(['header', 'name']);
  });

  it('needs webhooks:write to create and webhooks:read to list', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'reader', scopes: ['webhooks:read'] });
    const auth = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    const create = await fetch(t.url + SOURCES, { method: 'POST', headers: auth, body: JSON.stringify({ name: 'x', scheme: 'github', secrets: ['k'] }) });
    expect(create.status).toBe(403);
    expect((await fetch(t.url + SOURCES, { headers: auth })).status).toBe(200);
  });

  it('standard-webhooks: a signed delivery becomes one event (type from the payload), a retry is a duplicate', async () => {
    const secret = whsec();
    const src = await createSource({ name: 'sw', scheme: 'standard-webhooks', secrets: [secret] });
    const m = marker();
    const body = JSON.stringify({ type: 'invoice.paid', timestamp: '2024-01-01T00:00:00Z', data: { marker: m, amount: 4200 } });
    const headers = swHeaders(secret, body);
    const before = await webhookCounts(t);
    const first = await post(src.url, body, { ...headers, authorization: 'Bearer should-not-be-kept' });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ received: true, id: expect.stringMatching(/^evt_/), duplicate: false });
    const again = await post(src.url, body, headers);
    expect(again.status).toBe(200);
    expect(again.body).toEqual({ received: true, id: first.body.id, duplicate: true });

    const rows = await eventsOf(src.id);
    expect(rows).toHaveLength(1);
    const ev = rows[0]!;
    expect(ev).toMatchObject({ id: first.body.id, type: 'invoice.paid', source_id: src.id, tenant_id: 'default', dedupe_key: `id:${headers['webhook-id']}` });
    expect(Number(ev.occurred_at)).toBe(Number(headers['webhook-timestamp']) * 1000);
    expect(JSON.parse(ev.data)).toEqual(JSON.parse(body));
    const raw = JSON.parse(ev.raw);
    expect(raw.body).toBe(body);
    expect(raw.headers).toMatchObject({ 'webhook-id': headers['webhook-id'], 'webhook-timestamp': headers['webhook-timestamp'], 'content-type': 'application/json' });
    expect(raw.headers).not.toHaveProperty('webhook-signature');
    expect(raw.headers).not.toHaveProperty('authorization');
    expect(published.filter((e) => e.id === ev.id)).toHaveLength(1);
    expect(countDelta(before, await webhookCounts(t))).toEqual({ [`source:${src.id}/accepted`]: 1, [`source:${src.id}/duplicate`]: 1 });
  });

  it('refuses tampered, wrongly signed, unsigned and stale deliveries with 401 and the reason code; stores nothing', async () => {
    const secret = whsec();
    const src = await createSource({ name: 'sw-refusals', scheme: 'standard-webhooks', secrets: [secret] });
    const body = JSON.stringify({ type: 'x.y', data: { marker: marker() } });
    const ok = swHeaders(secret, body);
    const before = await webhookCounts(t);
    const cases: [string | Buffer, Record<string, string>, string][] = [
      [body.replace('x.y', 'x.z'), ok, 'webhook_signature_invalid'],
      [body, swHeaders(whsec(), body), 'webhook_signature_invalid'],
      [body, { 'webhook-id': ok['webhook-id'], 'webhook-timestamp': ok['webhook-timestamp'] }, 'webhook_signature_missing'],
      [body, swHeaders(secret, body, `msg_${marker()}`, new Date(Date.now() - 6 * 60_000)), 'webhook_timestamp_stale'],
    ];
    for (const [b, h, code] of cases) {
      const res = await post(src.url, b, h);
      expect(res.status).toBe(401);
      expect(res.contentType).toContain('application/problem+json');
      expect(res.body.code).toBe(code);
    }
    expect(await eventsOf(src.id)).toHaveLength(0);
    expect(countDelta(before, await webhookCounts(t))).toEqual({ [`source:${src.id}/webhook_signature_invalid`]: 2, [`source:${src.id}/webhook_signature_missing`]: 1, [`source:${src.id}/webhook_timestamp_stale`]: 1 });
  });

  it('an unknown source id is 404 unknown_webhook_source', async () => {
    const before = await webhookCounts(t);
    const res = await post(`${t.url}/webhooks/sources/src_nope`, '{}', {});
    expect(res.status).toBe(404);
    expect(res.body.code).toBe('unknown_webhook_source');
    expect(countDelta(before, await webhookCounts(t))).toEqual({ 'source/unknown_webhook_source': 1 });
  });

  it('github: signed by octokit; type github.<event>; de-duplicated on X-GitHub-Delivery', async () => {
    const src = await createSource({ name: 'gh', scheme: 'github', secrets: ['gh-secret-e2e'] });
    expect(src).toMatchObject({ header: 'x-hub-signature-256', encoding: 'hex' });
    const body = JSON.stringify({ ref: 'refs/heads/main', marker: marker() });
    const delivery = crypto.randomUUID();
    const headers = { 'x-hub-signature-256': await octokitSign('gh-secret-e2e', body), 'x-github-event': 'push', 'x-github-delivery': delivery, 'user-agent': 'GitHub-Hookshot/abc' };
    expect((await post(src.url, body, headers)).body.duplicate).toBe(false);
    expect((await post(src.url, body, headers)).body.duplicate).toBe(true);
    const rows = await eventsOf(src.id);
    expect(rows.map((r) => [r.type, r.dedupe_key])).toEqual([['github.push', `delivery:${delivery}`]]);
    expect(JSON.parse(rows[0]!.raw).headers).toEqual({ 'content-type': 'application/json', 'user-agent': 'GitHub-Hookshot/abc', 'x-github-event': 'push', 'x-github-delivery': delivery });
    const wrong = await post(src.url, body, { ...headers, 'x-hub-signature-256': await octokitSign('other', body) });
    expect(wrong.status).toBe(401);
  });

  it('hmac-sha256: base64 in a named header; a non-JSON body is kept as text; de-duplicated on the body', async () => {
    const src = await createSource({ name: 'shop', scheme: 'hmac-sha256', secrets: ['shop-key'], header: 'X-Shop-Signature', encoding: 'base64' });
    expect(src).toMatchObject({ header: 'x-shop-signature', encoding: 'base64' });
    const body = `order=${marker()}&total=12`;
    const hex = (await octokitSign('shop-key', body)).slice(7);
    const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-shop-signature': Buffer.from(hex, 'hex').toString('base64') };
    expect((await post(src.url, body, headers)).status).toBe(200);
    expect((await post(src.url, body, headers)).body.duplicate).toBe(true);
    const rows = await eventsOf(src.id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.type).toBe('webhook.received');
    expect(JSON.parse(rows[0]!.data)).toEqual({ body });
    expect((await post(src.url, body, { ...headers, 'x-shop-signature': hex })).status).toBe(401);
  });

  it('a burst of 40 deliveries at once (one of them sent twice) is 40 events, each answered with its own id and published once', async () => {
    const secret = whsec();
    const src = await createSource({ name: 'burst', scheme: 'standard-webhooks', secrets: [secret] });
    const bodies = Array.from({ length: 40 }, (_, i) => JSON.stringify({ type: 'burst.item', n: i, m: marker() }));
    const signed = bodies.map((b) => ({ body: b, headers: swHeaders(secret, b) }));
    const before = published.length;
    const answers = await Promise.all([...signed, signed[7]!].map((d) => post(src.url, d.body, d.headers)));
    expect(answers.map((a) => a.status)).toEqual(Array(41).fill(200));
    const rows = await eventsOf(src.id);
    expect(rows).toHaveLength(40);
    expect(new Set(answers.map((a) => a.body.id)).size).toBe(40);
    const copy = answers[40]!.body;
    expect(copy.duplicate).toBe(true);
    expect(copy.id).toBe(answers[7]!.body.id);
    expect(rows.map((r) => (JSON.parse(r.data) as { n: number }).n).sort((a, b) => a - b)).toEqual(bodies.map((_, i) => i));
    // published after commit, once each, with the seq the stream gives them
    const mine = published.slice(before).filter((e) => e.provider === `source:${src.id}`);
    expect(mine.map((e) => e.seq).sort((a, b) => a - b)).toEqual(rows.map((r) => Number(r.seq)));
  });

  it('rotation: PATCH replaces the secrets; old and new both work while both are listed', async () => {
    const [oldS, newS] = [whsec(), whsec()];
    const src = await createSource({ name: 'rotating', scheme: 'standard-webhooks', secrets: [oldS] });
    const send = (secret: string) => {
      const body = JSON.stringify({ type: 'rot.test', data: { marker: marker() } });
      return post(src.url, body, swHeaders(secret, body)).then((r) => r.status);
    };
    expect([await send(oldS), await send(newS)]).toEqual([200, 401]);
    allSecrets.push(newS);
    const both = await t.api(`${SOURCES}/${src.id}`, { method: 'PATCH', body: { secrets: [newS, oldS] } });
    expect(both.status).toBe(200);
    expect(both.body).toMatchObject({ id: src.id, secretCount: 2 });
    expect([await send(oldS), await send(newS)]).toEqual([200, 200]);
    await t.api(`${SOURCES}/${src.id}`, { method: 'PATCH', body: { secrets: [newS], name: 'rotated' } });
    expect([await send(oldS), await send(newS)]).toEqual([401, 200]);
    expect((await t.api(`${SOURCES}/${src.id}`)).body).toMatchObject({ name: 'rotated', secretCount: 1 });
    const bad = await t.api(`${SOURCES}/${src.id}`, { method: 'PATCH', body: { secrets: ['plain'] } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors[0].field).toBe('secrets.0');
  });

  it('list, get and delete are per tenant; a deleted source’s URL is 404', async () => {
    const src = await createSource({ name: 'temp', scheme: 'github', secrets: ['temp-secret'] });
    const list = await t.api(SOURCES);
    expect(list.body.data.map((s: { id: string }) => s.id)).toContain(src.id);
    const { key } = await t.hub.apiKeys.create({ name: 'other', tenantId: 'other' });
    const other = await fetch(`${t.url}${SOURCES}/${src.id}`, { headers: { authorization: `Bearer ${key}` } });
    expect(other.status).toBe(404);
    const otherList = (await (await fetch(t.url + SOURCES, { headers: { authorization: `Bearer ${key}` } })).json()) as { data: unknown[] };
    expect(otherList.data).toEqual([]);
    expect((await fetch(`${t.url}${SOURCES}/${src.id}`, { method: 'DELETE', headers: { authorization: `Bearer ${key}` } })).status).toBe(404);
    expect((await t.api(`${SOURCES}/${src.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`${SOURCES}/${src.id}`)).status).toBe(404);
    const body = '{}';
    const res = await post(src.url, body, { 'x-hub-signature-256': await octokitSign('temp-secret', body) });
    expect(res.body.code).toBe('unknown_webhook_source');
  });

  it('no dump of the database holds a source secret', async () => {
    expect(allSecrets.length).toBeGreaterThan(5);
    // Standard Webhooks secrets: the key part, without the well-known prefix.
    const secrets = allSecrets.map((s) => s.replace(/^whsec_/, ''));
    if (dialect === 'sqlite') {
      const file = fixture.options.databaseUrl!.replace(/^sqlite:/, '');
      const bytes = Buffer.concat([readFileSync(file), ...(existsSync(`${file}-wal`) ? [readFileSync(`${file}-wal`)] : [])]);
      expect(bytes.includes(Buffer.from('webhook_sources'))).toBe(true);
      for (const s of secrets) expect(bytes.includes(Buffer.from(s)), `"${s}" in the SQLite file`).toBe(false);
      return;
    }
    const schema = /search_path=(\w+)/.exec(decodeURIComponent(fixture.options.databaseUrl!))![1]!;
    const client = new pg.Client({ connectionString: PG_URL });
    await client.connect();
    try {
      const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'", [schema]);
      const parts: string[] = [];
      for (const { table_name } of tables.rows) {
        for (const r of (await client.query<{ row: string }>(`select r::text as row from "${schema}"."${table_name}" r`)).rows) parts.push(`${table_name}: ${r.row}`);
      }
      const dump = parts.join('\n');
      expect(dump).toContain('webhook_sources: (src_');
      for (const s of secrets) expect(dump.includes(s), `"${s}" in a row`).toBe(false);
    } finally {
      await client.end();
    }
  });
});

describe('PUBLIC_URL', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ PUBLIC_URL: 'https://hooks.example.com/' });
  });
  afterAll(async () => {
    await t?.close();
  });
  baseIt('the source url is built on PUBLIC_URL when it is set', async () => {
    const res = await t.api(SOURCES, { body: { name: 'p', scheme: 'github', secrets: ['k'] } });
    expect(res.body.url).toBe(`https://hooks.example.com/webhooks/sources/${res.body.id}`);
  });
  baseIt('the routes are in the OpenAPI document', async () => {
    const doc = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    expect(Object.keys(doc.paths[SOURCES] ?? {}).sort()).toEqual(['get', 'post']);
    expect(Object.keys(doc.paths[`${SOURCES}/{id}`] ?? {}).sort()).toEqual(['delete', 'get', 'patch']);
    expect(doc.paths['/webhooks/sources/{sourceId}']).toHaveProperty('post');
  });
});
