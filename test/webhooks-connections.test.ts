/**
 * Real providers on the per-connection route, signed by the vendors' own library (Stripe's
 * `generateTestHeaderString`): a tenant's Stripe connection verifies with its own sealed
 * `webhookSecret` on `POST /webhooks/stripe/:connectionId`, the default route keeps the env
 * secret, neither accepts the other's; stored rows keep neither `Stripe-Signature` nor
 * credentials. Mailgun's token re-used with another body is a 401 AND a `webhook.replay_conflict`
 * operational event naming provider and connection, not the body. On a sandboxed hub a tenant's
 * connection talks to the emulator, so its URL accepts what the emulator signs.
 */
import { createHmac, randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';

const DEFAULT_SECRET = 'whsec_default_env_secret';
const TENANT_SECRET = 'whsec_tenant_own_secret';
const MAILGUN_KEY = 'key-connections-suite';
const stripe = new Stripe('sk_test_unused', { apiVersion: undefined as never });
let t: TestHub;
let tenantStripe: string;
let tenantMailgun: string;

beforeAll(async () => {
  // Live mode (a sandboxed hub points tenant connections at the emulators): nothing here calls Stripe.
  t = await startTestHub({ NODE_ENV: 'development', MOCK_EXTERNAL_APIS: 'false', STRIPE_SECRET_KEY: 'sk_test_never_called', STRIPE_WEBHOOK_SECRET: DEFAULT_SECRET });
  tenantStripe = (await t.hub.connections.create('globex', 'stripe', 'globex-stripe', { secretKey: 'sk_test_globex', webhookSecret: TENANT_SECRET })).id;
  tenantMailgun = (await t.hub.connections.create('globex', 'mailgun', 'globex-mailgun', { apiKey: 'key-globex', domain: 'mg.globex.example', webhookSigningKey: MAILGUN_KEY })).id;
});
afterAll(async () => {
  await t?.close();
});

const event = () =>
  JSON.stringify({
    id: `evt_conn_${randomBytes(6).toString('hex')}`,
    object: 'event',
    type: 'payment_intent.succeeded',
    created: Math.floor(Date.now() / 1000),
    data: { object: { id: `pi_conn_${randomBytes(6).toString('hex')}`, object: 'payment_intent', amount: 1200, currency: 'usd', status: 'succeeded', metadata: {} } },
  });
const signed = (payload: string, secret: string) => stripe.webhooks.generateTestHeaderString({ payload, secret });

async function post(path: string, body: string, headers: Record<string, string>) {
  const res = await fetch(`${t.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('Stripe on a tenant connection', () => {
  it("verifies with the connection's own secret and records the connection and its tenant", async () => {
    const payload = event();
    const res = await post(`/webhooks/stripe/${tenantStripe}`, payload, { 'stripe-signature': signed(payload, TENANT_SECRET), authorization: 'Basic c2VjcmV0', cookie: 'a=b' });
    expect(res).toMatchObject({ status: 200, body: { received: true, duplicate: false } });
    const row = await t.hub.store.db.selectFrom('webhook_inbox').selectAll().where('id', '=', String(res.body.id)).executeTakeFirstOrThrow();
    expect(row).toMatchObject({ provider: 'stripe', connection_id: tenantStripe, tenant_id: 'globex', body: payload });
    const headers = JSON.parse(row.headers) as Record<string, string>;
    expect(headers['content-type']).toBe('application/json');
    for (const h of ['stripe-signature', 'authorization', 'cookie']) expect(headers).not.toHaveProperty(h);
    await expect.poll(async () => (await t.hub.store.db.selectFrom('webhook_inbox').select('status').where('id', '=', row.id).executeTakeFirst())?.status, { timeout: 5000 }).toBe('processed');
  });

  it("refuses the default secret on the tenant's URL and the tenant's secret on the default URL", async () => {
    const payload = event();
    expect((await post(`/webhooks/stripe/${tenantStripe}`, payload, { 'stripe-signature': signed(payload, DEFAULT_SECRET) })).status).toBe(401);
    expect((await post('/webhooks/stripe', payload, { 'stripe-signature': signed(payload, TENANT_SECRET) })).status).toBe(401);
    expect((await post('/webhooks/stripe', payload, { 'stripe-signature': signed(payload, DEFAULT_SECRET) })).status).toBe(200);
  });

  it('answers 404 for the connection under another provider', async () => {
    const payload = event();
    const res = await post(`/webhooks/paypal/${tenantStripe}`, payload, { 'stripe-signature': signed(payload, TENANT_SECRET) });
    expect(res).toMatchObject({ status: 404, body: { code: 'unknown_webhook_source' } });
    expect(JSON.stringify(res.body)).not.toContain('globex');
  });
});

describe('Mailgun token re-used with another body', () => {
  const body = (token: string, eventId: string) => {
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = { timestamp, token, signature: createHmac('sha256', MAILGUN_KEY).update(timestamp + token).digest('hex') };
    return JSON.stringify({ signature, 'event-data': { id: eventId, event: 'delivered', recipient: 'ann@example.com', timestamp: Number(timestamp), message: { headers: { 'message-id': `${eventId}@mg.globex.example` } } } });
  };

  it('is a 401 and a webhook.replay_conflict event with the provider and connection, never the body', async () => {
    const token = randomBytes(25).toString('hex');
    const first = body(token, 'mg-first');
    expect((await post(`/webhooks/mailgun/${tenantMailgun}`, first, {})).status).toBe(200);
    expect((await post(`/webhooks/mailgun/${tenantMailgun}`, first, {})).body).toMatchObject({ duplicate: true });
    const altered = first.replace('mg-first', 'mg-SECRET-altered');
    const res = await post(`/webhooks/mailgun/${tenantMailgun}`, altered, {});
    expect(res).toMatchObject({ status: 401, body: { code: 'webhook_signature_invalid' } });
    const events = await t.hub.store.db.selectFrom('events').selectAll().where('type', '=', 'webhook.replay_conflict').execute();
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ provider: 'switchboard', connection_id: tenantMailgun, tenant_id: 'globex' });
    expect(JSON.parse(events[0]!.data)).toEqual({ provider: 'mailgun', connectionId: tenantMailgun });
    expect(`${events[0]!.data}${events[0]!.raw}`).not.toMatch(/mg-SECRET|mg-first|ann@example/);
  });
});

describe('a tenant connection on a sandboxed hub', () => {
  it("accepts what the provider's emulator signs on the connection's URL", async () => {
    const sandboxed = await startTestHub();
    try {
      const id = (await sandboxed.hub.connections.create('initech', 'stripe', 'initech-stripe', { secretKey: 'sk_test_initech' })).id;
      const emuSecret = (await sandboxed.hub.connections.sandbox('stripe')).webhookSecret!;
      const payload = event();
      const res = await fetch(`${sandboxed.url}/webhooks/stripe/${id}`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': signed(payload, emuSecret) }, body: payload });
      expect(res.status).toBe(200);
      const row = await sandboxed.hub.store.db.selectFrom('webhook_inbox').select(['connection_id', 'tenant_id']).where('body', '=', payload).executeTakeFirst();
      expect(row).toEqual({ connection_id: id, tenant_id: 'initech' });
    } finally {
      await sandboxed.close();
    }
  });
});
