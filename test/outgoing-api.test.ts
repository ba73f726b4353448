/**
 * The endpoints API end to end on a real hub and a local receiver: create (secret once, sealed at
 * rest), get/list without secrets, update, scopes, secret rotation verified by `standardwebhooks`
 * and `svix` with either secret, fan-out of a recorded event, per-endpoint isolation (a 5 s endpoint
 * does not delay another) and the per-endpoint rate limit.
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { startReceiver, type Receiver } from './helpers/outgoing-receiver.js';

const BASE = '/api/v1/webhooks/endpoints';
let t: TestHub;
let receiver: Receiver;

beforeAll(async () => {
  t = await startTestHub({ SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8,::1/128' });
  receiver = await startReceiver((r) => (r.path === '/slow' ? { status: 204, delayMs: 5_000 } : { status: 204 }));
});
afterAll(async () => {
  await t?.close();
  await receiver?.close();
});

const hits = (path: string) => receiver.received.filter((r) => r.path === path);

describe('outgoing webhook endpoints API', () => {
  it('create → 201 with a secret; get/list never show it; patch; delete', async () => {
    const created = await t.api(BASE, { body: { url: `${receiver.url}/crud`, eventTypes: ['email.*', 'payment.succeeded'], description: 'CRM', rateLimitPerSecond: 50 } });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ url: `${receiver.url}/crud`, eventTypes: ['email.*', 'payment.succeeded'], enabled: true, description: 'CRM', rateLimitPerSecond: 50 });
    expect(created.body.secret).toMatch(/^whsec_/);
    const row = await t.hub.store.db.selectFrom('webhook_endpoints').select('secrets').where('id', '=', created.body.id).executeTakeFirstOrThrow();
    expect(row.secrets).not.toContain(created.body.secret.slice(6));
    const one = await t.api(`${BASE}/${created.body.id}`);
    expect(one.status).toBe(200);
    expect(one.body.secret).toBeUndefined();
    expect(JSON.stringify((await t.api(BASE)).body)).not.toContain('whsec_');
    const patched = await t.api(`${BASE}/${created.body.id}`, { method: 'PATCH', body: { enabled: false, eventTypes: ['*'], retrySchedule: [0, 1000] } });
    expect(patched.body).toMatchObject({ enabled: false, eventTypes: ['*'], retrySchedule: [0, 1000], disabledReason: 'disabled by API' });
    expect((await t.api(BASE, { body: { url: `${receiver.url}/x`, eventTypes: ['email.*.x'] } })).body.errors[0].field).toBe('eventTypes.0');
    expect((await t.api(`${BASE}/${created.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`${BASE}/${created.body.id}`)).status).toBe(404);
  });

  it('scopes: webhooks:read may list but not create', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'ro', scopes: ['webhooks:read'] });
    const headers = { authorization: `Bearer ${key}` };
    expect((await fetch(`${t.url}${BASE}`, { headers })).status).toBe(200);
    const res = await fetch(`${t.url}${BASE}`, { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, body: JSON.stringify({ url: `${receiver.url}/x`, eventTypes: ['*'] }) });
    expect(res.status).toBe(403);
  });

  it('a recorded event is delivered signed; after a rotation both secrets verify for 24 h', async () => {
    const ep = (await t.api(BASE, { body: { url: `${receiver.url}/rot`, eventTypes: ['email.bounced'] } })).body;
    await t.hub.events.recordNow({ tenantId: 'default', type: 'email.bounced', provider: 'sendgrid', occurredAt: Date.now(), data: { to: 'ann@example.com' }, raw: {} });
    await expect.poll(() => hits('/rot').length, { timeout: 5_000 }).toBe(1);
    const rotated = await t.api(`${BASE}/${ep.id}/rotate-secret`, { body: {} });
    expect(rotated.status).toBe(200);
    expect(rotated.body.secret).not.toBe(ep.secret);
    await t.api(`${BASE}/${ep.id}/test`, { body: { data: { hello: 'world' } } });
    await expect.poll(() => hits('/rot').length, { timeout: 5_000 }).toBe(2);
    const [before, after] = hits('/rot');
    const h = (r: typeof before) => Object.fromEntries(['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((k) => [k, String(r!.headers[k])]));
    expect(new StandardWebhook(ep.secret).verify(before!.body, h(before))).toMatchObject({ type: 'email.bounced', data: { data: { to: 'ann@example.com' } } });
    expect(h(after)['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const secret of [ep.secret, rotated.body.secret]) {
      expect(new StandardWebhook(secret).verify(after!.body, h(after))).toMatchObject({ type: 'webhook.test', data: { hello: 'world' } });
      expect(new SvixWebhook(secret).verify(after!.body, h(after))).toBeTruthy();
    }
    const attempts = await t.api(`${BASE}/${ep.id}/attempts`);
    expect(attempts.body.data).toHaveLength(2);
    expect(attempts.body.data[0]).toMatchObject({ statusCode: 204, error: null });
    const messages = await t.api(`${BASE}/${ep.id}/messages?status=succeeded`);
    expect(messages.body.data).toHaveLength(2);
  });

  it('a slow endpoint (5 s) does not delay deliveries to another', async () => {
    const slow = (await t.api(BASE, { body: { url: `${receiver.url}/slow`, eventTypes: ['webhook.test'] } })).body;
    const fast = (await t.api(BASE, { body: { url: `${receiver.url}/fast`, eventTypes: ['webhook.test'] } })).body;
    await Promise.all(Array.from({ length: 40 }, () => t.api(`${BASE}/${slow.id}/test`, { body: {} })));
    await expect.poll(() => hits('/slow').length, { timeout: 3_000 }).toBeGreaterThanOrEqual(8);
    const started = Date.now();
    await Promise.all(Array.from({ length: 10 }, () => t.api(`${BASE}/${fast.id}/test`, { body: {} })));
    await expect.poll(() => hits('/fast').length, { timeout: 3_000, interval: 20 }).toBe(10);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(hits('/slow').length).toBeLessThanOrEqual(16); // capped in flight, the rest deferred
    await t.api(`${BASE}/${slow.id}`, { method: 'DELETE' });
  });

  it('the per-endpoint rate limit spaces deliveries (5/s: 15 messages take ≥ 1.5 s)', async () => {
    const ep = (await t.api(BASE, { body: { url: `${receiver.url}/rl`, eventTypes: ['webhook.test'], rateLimitPerSecond: 5 } })).body;
    await Promise.all(Array.from({ length: 15 }, () => t.api(`${BASE}/${ep.id}/test`, { body: {} })));
    await expect.poll(() => hits('/rl').length, { timeout: 8_000, interval: 50 }).toBe(15);
    const times = hits('/rl').map((r) => r.at);
    expect(Math.max(...times) - Math.min(...times)).toBeGreaterThanOrEqual(1_500);
  });
});
