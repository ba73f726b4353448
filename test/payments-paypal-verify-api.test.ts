/**
 * PAYPAL_WEBHOOK_VERIFY=api: the hub asks PayPal's verify-webhook-signature (here the emulator's)
 * instead of checking the certificate itself. Real deliveries are accepted through that call (the
 * audit log shows it), and a captured delivery replayed with an altered body is refused. The
 * inbox keeps no signature, so the capture comes from a relay between the emulator and the hub.
 */
import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
let relay: Server;
const captured: { headers: Record<string, string>; body: string }[] = [];
beforeAll(async () => {
  t = await startTestHub({ PAYPAL_WEBHOOK_VERIFY: 'api' });
  relay = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const headers = Object.fromEntries(Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && (k.startsWith('paypal-') || k === 'content-type'))) as Record<string, string>;
      captured.push({ headers, body });
      void fetch(`${t.url}/webhooks/paypal`, { method: 'POST', headers, body }).then(async (r) => res.writeHead(r.status).end(await r.text()));
    });
  });
  await new Promise<void>((r) => relay.listen(0, '127.0.0.1', r));
  const { port } = relay.address() as { port: number };
  t.hub.connections.emulator('paypal')!.setWebhookTarget(`http://127.0.0.1:${port}/relay`);
});
afterAll(async () => {
  await new Promise((r) => relay?.close(r));
  await t?.close();
});

it('accepts the emulator\'s deliveries through the API, and refuses an altered one', async () => {
  const created = await t.api('/api/v1/integrations/payments/paypal/create', { body: { amount: '12.00', currency: 'USD' } });
  const order = created.body.paymentId as string;
  const emu = t.hub.connections.emulator('paypal')!;
  expect((await fetch(`${emu.url}/__emulator/orders/${order}/approve`, { method: 'POST' })).status).toBe(200);
  expect((await t.api('/api/v1/integrations/payments/paypal/execute', { body: { paymentId: order } })).body.status).toBe('succeeded');
  await expect.poll(async () => (await t.api('/api/v1/events?type=payment.succeeded')).body.data.some((e: { data: { paymentId?: string } }) => e.data.paymentId === order), { timeout: 10_000, interval: 100 }).toBe(true);
  const verifyCalls = await t.hub.store.db.selectFrom('audit_log').selectAll().where('provider', '=', 'paypal').where('operation', '=', 'webhooks.verify').execute();
  expect(verifyCalls.length).toBeGreaterThan(0);
  expect(verifyCalls.every((c) => c.status === 200)).toBe(true);

  const stored = await t.hub.store.db.selectFrom('webhook_inbox').selectAll().where('provider', '=', 'paypal').orderBy('received_at', 'desc').executeTakeFirstOrThrow();
  expect(JSON.parse(stored.headers)).not.toHaveProperty('paypal-transmission-sig');
  const capture = captured.find((c) => c.body === stored.body)!;
  expect(capture.headers['paypal-transmission-sig']).toBeTruthy();
  const forged = stored.body.replace('"12.00"', '"1200.00"');
  expect(forged).not.toBe(stored.body);
  const res = await fetch(`${t.url}/webhooks/paypal`, { method: 'POST', headers: capture.headers, body: forged });
  expect(res.status).toBe(401);
  expect(await res.json()).toMatchObject({ code: 'webhook_signature_invalid' });
});
