/**
 * `paypalWebhooks.verify` end to end: the two genuine PayPal deliveries (`test/fixtures/vectors/paypal/`,
 * their expired certificates checked at the injected `now`, as in `paypal-webhook.test.ts`), and
 * the emulator's signed deliveries caught by a local HTTP server — trusted with the emulator's
 * trust (sandbox), refused without it (live) and when the body is altered.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PAYPAL_VECTORS_FILE } from '../../../test/fixtures/vectors/index.js';
import { HubError } from '../../core/errors.js';
import type { WebhookVerifyInput } from '../../kit/inbound.js';
import { createFetchingCertificateSource, type CertFetch } from './cert-source.js';
import { startPaypalEmulator, type PaypalEmulator } from './emulator/index.js';
import { approveAt, connectPaypal } from './test-utils.js';
import { createPaypalWebhooks, paypalWebhooks } from './webhooks.js';

const refusal = async (p: unknown): Promise<string> => {
  const err = await Promise.resolve(p).then(() => undefined, (e: unknown) => e);
  if (!(err instanceof HubError)) throw new Error(`expected a HubError refusal, got ${String(err)}`);
  return err.code;
};

const FILE = PAYPAL_VECTORS_FILE;

interface Sample { name: string; headers: Record<string, string>; webhookId: string; body: string; certPem: string }
const V: { caPem: string; samples: Sample[] } = JSON.parse(readFileSync(FILE, 'utf8'));

describe('paypalWebhooks.verify on the genuine deliveries', () => {
  /** PayPal's certificate endpoint, locally: each sample's certificate at its URL. */
  const fetch: CertFetch = async (url) => {
    const sample = V.samples.find((s) => s.headers['paypal-cert-url'] === url);
    return { ok: !!sample, status: sample ? 200 : 404, text: async () => sample?.certPem ?? 'not found' };
  };
  const handler = createPaypalWebhooks({ liveCerts: createFetchingCertificateSource({ fetch, trustedCaPem: [V.caPem] }) });
  const input = (s: Sample, over: Partial<WebhookVerifyInput> = {}): WebhookVerifyInput => ({
    rawBody: Buffer.from(s.body, 'utf8'),
    headers: { ...s.headers },
    secrets: ['1AB23456CD789012E', s.webhookId],
    now: Date.parse(s.headers['paypal-transmission-time']!) + 60_000,
    toleranceSec: 300,
    ...over,
  });

  it.each(V.samples.map((s) => [s.name, s] as const))('%s verifies and parses into no event', async (_n, s) => {
    await expect(handler.verify(input(s))).resolves.toBeUndefined();
    expect(handler.parse(Buffer.from(s.body), s.headers)).toEqual([]);
  });

  it.each(V.samples.map((s) => [s.name, s] as const))('%s is refused with another webhook id, an altered body or a stale time', async (_n, s) => {
    expect(await refusal(handler.verify(input(s, { secrets: ['1AB23456CD789012E'] })))).toBe('webhook_signature_invalid');
    expect(await refusal(handler.verify(input(s, { rawBody: Buffer.from(s.body.replace('"event_version":"1.0"', '"event_version":"1.1"')) })))).toBe('webhook_signature_invalid');
    expect(await refusal(handler.verify(input(s, { now: Date.parse(s.headers['paypal-transmission-time']!) + 301_000 })))).toBe('webhook_timestamp_stale');
  });
});

describe('paypalWebhooks.verify on the emulator\'s signed deliveries', () => {
  let emu: PaypalEmulator;
  let server: Server;
  const deliveries: { body: Buffer; headers: Record<string, string | undefined> }[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers: Record<string, string | undefined> = {};
        for (const [k, v] of Object.entries(req.headers)) headers[k] = Array.isArray(v) ? v.join(', ') : v;
        deliveries.push({ body: Buffer.concat(chunks), headers });
        res.writeHead(200).end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    emu = await startPaypalEmulator({ eventDelayMs: 1 });
    emu.setWebhookTarget(`http://127.0.0.1:${(server.address() as AddressInfo).port}/webhooks/paypal`);
    const pp = connectPaypal(emu);
    const order = await pp.createPayment({ amount: 1234, currency: 'EUR', returnUrl: 'https://shop.example/r', hubId: 'pay_webhook' }, { idempotencyKey: randomUUID() });
    await approveAt(emu, 'orders', order.id);
    await pp.capturePayment(order.id, {}, { idempotencyKey: randomUUID() });
    await pp.createRefund({ paymentId: order.id, amount: 234, currency: 'EUR', hubId: 're_webhook' }, { idempotencyKey: randomUUID() });
    await emu.drainWebhooks();
  });
  afterAll(async () => {
    await emu?.close();
    await new Promise((r) => server?.close(r));
  });

  const input = (d: (typeof deliveries)[number], over: Partial<WebhookVerifyInput> = {}): WebhookVerifyInput => ({
    rawBody: d.body,
    headers: d.headers,
    secrets: [emu.webhookSecret],
    now: Date.now(),
    toleranceSec: 300,
    emulator: { url: emu.url, certificatePem: emu.certificatePem },
    ...over,
  });
  const capture = () => {
    const d = deliveries.find((x) => JSON.parse(x.body.toString()).event_type === 'PAYMENT.CAPTURE.COMPLETED');
    expect(d, 'the emulator posted PAYMENT.CAPTURE.COMPLETED').toBeDefined();
    return d!;
  };

  it('verifies every delivery with the emulator trust and normalizes the capture', async () => {
    expect(deliveries.length).toBeGreaterThanOrEqual(2);
    for (const d of deliveries) await expect(paypalWebhooks.verify(input(d))).resolves.toBeUndefined();
    const [event] = paypalWebhooks.parse(capture().body, capture().headers);
    expect(event).toMatchObject({ type: 'payment.succeeded', ref: { hubId: 'pay_webhook' }, data: { amount: 1234, currency: 'EUR', status: 'COMPLETED' } });
    expect(event!.data.paymentId).toMatch(/^[A-Z0-9]{17}$/);
  });

  it('normalizes the refund delivery to refund.succeeded linking the capture', async () => {
    const parsed = deliveries.flatMap((d) => paypalWebhooks.parse(d.body, d.headers));
    const captured = parsed.find((e) => e.type === 'payment.succeeded')!;
    const refunded = parsed.find((e) => e.type === 'refund.succeeded');
    expect(refunded).toMatchObject({ data: { amount: 234, currency: 'EUR', captureId: captured.data.captureId, providerType: 'PAYMENT.CAPTURE.REFUNDED' } });
    expect(parsed.map((e) => e.type)).not.toContain(undefined);
  });

  it('refuses the same delivery without the emulator trust (live mode), before fetching anything', async () => {
    const calls: string[] = [];
    const live = createPaypalWebhooks({ liveCerts: createFetchingCertificateSource({ fetch: async (url) => (calls.push(url), { ok: false, status: 404, text: async () => '' }) }) });
    const { emulator: _e, ...withoutTrust } = input(capture());
    const err = await Promise.resolve(live.verify(withoutTrust)).catch((e: HubError) => e);
    expect(err).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringMatching(/PAYPAL-CERT-URL .* scheme "http:"/) });
    expect(calls).toEqual([]);
    expect(await refusal(paypalWebhooks.verify(withoutTrust))).toBe('webhook_signature_invalid');
  });

  it('refuses an altered body, another webhook id, and trust in another certificate', async () => {
    const d = capture();
    const altered = Buffer.from(d.body.toString().replace('"12.34"', '"99.34"'));
    expect(altered.equals(d.body)).toBe(false);
    expect(await refusal(paypalWebhooks.verify(input(d, { rawBody: altered })))).toBe('webhook_signature_invalid');
    expect(await refusal(paypalWebhooks.verify(input(d, { secrets: ['0FV983392A0531202'] })))).toBe('webhook_signature_invalid');
    const other = V.samples[0]?.certPem;
    if (other) expect(await refusal(paypalWebhooks.verify(input(d, { emulator: { url: emu.url, certificatePem: other } })))).toBe('webhook_signature_invalid');
  });
});
