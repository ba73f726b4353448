/**
 * The PayPal verifier against two genuine PayPal-signed deliveries (`test/fixtures/vectors/paypal/`,
 * never copied in), through the real fetching certificate source over a local fake fetch.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { PAYPAL_VECTORS_FILE } from '../../../test/fixtures/vectors/index.js';
import { HubError, type ErrorCode } from '../../core/errors.js';
import { createFetchingCertificateSource, type CertFetch } from './cert-source.js';
import { paypalSignedString, verifyPaypalWebhook, type PaypalWebhookVerifyInput } from './paypal-webhook.js';

interface Sample { name: string; headers: Record<string, string>; webhookId: string; body: string; certPem: string }
interface Vectors { caPem: string; samples: Sample[] }

const FILE = PAYPAL_VECTORS_FILE;
const V: Vectors = JSON.parse(readFileSync(FILE, 'utf8'));

/** A local stand-in for PayPal's certificate endpoint: serves each sample's cert at its URL. */
function fakeFetch(): CertFetch & { calls: string[] } {
  const calls: string[] = [];
  const fn = async (url: string) => {
    calls.push(url);
    const sample = V.samples.find((s) => s.headers['paypal-cert-url'] === url);
    return { ok: !!sample, status: sample ? 200 : 404, text: async () => sample?.certPem ?? 'not found' };
  };
  return Object.assign(fn, { calls });
}

const sourceFor = (fetch = fakeFetch()) => createFetchingCertificateSource({ fetch, trustedCaPem: [V.caPem] });
const sentAt = (s: Sample) => Date.parse(s.headers['paypal-transmission-time']!);

function input(s: Sample, over: Partial<PaypalWebhookVerifyInput> = {}): PaypalWebhookVerifyInput {
  return { rawBody: Buffer.from(s.body, 'utf8'), headers: { ...s.headers }, webhookIds: [s.webhookId], now: sentAt(s) + 60_000, toleranceSec: 300, certs: sourceFor(), ...over };
}

async function refusal(p: Promise<void>): Promise<ErrorCode> {
  const err = await p.then(() => undefined, (e: unknown) => e);
  if (!(err instanceof HubError)) throw new Error(`expected a HubError refusal, got ${String(err)}`);
  return err.code;
}

describe('verifyPaypalWebhook on genuine PayPal deliveries', () => {
  it('has the two samples', () => expect(V.samples.map((s) => s.name)).toEqual(['v2017', 'v2019']));

  it.each(V.samples.map((s) => [s.name, s] as const))('%s verifies with its webhook id, among others', async (_n, s) => {
    await expect(verifyPaypalWebhook(input(s))).resolves.toBeUndefined();
    await expect(verifyPaypalWebhook(input(s, { webhookIds: ['1AB23456CD789012E', s.webhookId] }))).resolves.toBeUndefined();
  });

  it.each(V.samples.map((s) => [s.name, s] as const))('%s fails once anything signed is changed', async (_n, s) => {
    const h = s.headers;
    const flipped = Buffer.from(h['paypal-transmission-sig']!, 'base64');
    flipped[10] = flipped[10]! ^ 1;
    const cases: Partial<PaypalWebhookVerifyInput>[] = [
      { rawBody: Buffer.from(s.body.replace('"event_version":"1.0"', '"event_version":"1.1"')) },
      { rawBody: Buffer.from(s.body + ' ') },
      { rawBody: Buffer.from(JSON.stringify(JSON.parse(s.body), null, 1)) },
      { webhookIds: ['96605875FF6516634', '0FV983392A0531202'] },
      { headers: { ...h, 'paypal-transmission-id': h['paypal-transmission-id']!.replace(/^./, (c) => (c === '0' ? '1' : '0')) } },
      { headers: { ...h, 'paypal-transmission-time': new Date(sentAt(s) + 1000).toISOString().replace('.000', '') } },
      { headers: { ...h, 'paypal-transmission-sig': flipped.toString('base64') } },
      { headers: { ...h, 'paypal-transmission-sig': V.samples.find((o) => o !== s)!.headers['paypal-transmission-sig']! } },
    ];
    for (const over of cases) expect(await refusal(verifyPaypalWebhook(input(s, over)))).toBe('webhook_signature_invalid');
  });

  it('signs the CRC-32 of the raw body as an unsigned decimal', () => {
    const s = V.samples[1]!;
    const signed = paypalSignedString('a', 'b', 'c', Buffer.from(s.body));
    expect(signed).toMatch(/^a\|b\|c\|\d+$/);
    expect(paypalSignedString('a', 'b', 'c', Buffer.from('123456789'))).toBe('a|b|c|3421780262');
  });

  it('refuses a transmission time outside the tolerance of the injected clock', async () => {
    const s = V.samples[0]!;
    const t = sentAt(s);
    await expect(verifyPaypalWebhook(input(s, { now: t + 300_000 }))).resolves.toBeUndefined();
    expect(await refusal(verifyPaypalWebhook(input(s, { now: t + 301_000 })))).toBe('webhook_timestamp_stale');
    expect(await refusal(verifyPaypalWebhook(input(s, { now: t - 301_000 })))).toBe('webhook_timestamp_stale');
    expect(await refusal(verifyPaypalWebhook(input(s, { now: Date.now() })))).toBe('webhook_timestamp_stale');
    expect(await refusal(verifyPaypalWebhook(input(s, { now: t + 400_000, toleranceSec: undefined })))).toBe('webhook_timestamp_stale');
  });

  it('refuses a certificate that has expired at now (huge tolerance, so only validity decides)', async () => {
    const s = V.samples[1]!; // valid 2019-04-02 .. 2021-05-24
    const tenYears = 10 * 365 * 86_400;
    await expect(verifyPaypalWebhook(input(s, { now: Date.parse('2021-05-01T00:00:00Z'), toleranceSec: tenYears }))).resolves.toBeUndefined();
    const err = await verifyPaypalWebhook(input(s, { now: Date.parse('2021-06-01T00:00:00Z'), toleranceSec: tenYears })).catch((e: HubError) => e);
    expect(err).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringMatching(/expired at 2021-05-24/) });
  });

  it('refuses a certificate that does not chain to the trusted CA', async () => {
    const s = V.samples[0]!;
    const other = V.samples[1]!.certPem; // a PayPal leaf, but not a CA of this one
    const certs = createFetchingCertificateSource({ fetch: fakeFetch(), trustedCaPem: [other] });
    const err = await verifyPaypalWebhook(input(s, { certs })).catch((e: HubError) => e);
    expect(err).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringMatching(/does not chain to a trusted CA/) });
  });

  it('fetches the certificate once for two verifications (and once for concurrent ones)', async () => {
    const fetch = fakeFetch();
    const certs = sourceFor(fetch);
    const [a, b] = V.samples as [Sample, Sample];
    await verifyPaypalWebhook(input(a, { certs }));
    await verifyPaypalWebhook(input(a, { certs }));
    expect(fetch.calls).toEqual([a.headers['paypal-cert-url']]);
    await Promise.all([verifyPaypalWebhook(input(b, { certs })), verifyPaypalWebhook(input(b, { certs }))]);
    expect(fetch.calls).toEqual([a.headers['paypal-cert-url'], b.headers['paypal-cert-url']]);
  });

  it('refuses a cert URL off PayPal before fetching anything', async () => {
    const s = V.samples[1]!;
    const fetch = fakeFetch();
    for (const url of ['https://api.sandbox.paypal.com.evil.com/v1/notifications/certs/x', 'http://api.sandbox.paypal.com/v1/notifications/certs/x', 'https://api.paypal.com@evil.com/x']) {
      const err = await verifyPaypalWebhook(input(s, { certs: sourceFor(fetch), headers: { ...s.headers, 'paypal-cert-url': url } })).catch((e: HubError) => e);
      expect(err).toMatchObject({ code: 'webhook_signature_invalid', message: expect.stringContaining('PAYPAL-CERT-URL') });
    }
    expect(fetch.calls).toEqual([]);
  });

  it('names missing headers, refuses other algorithms, and needs a webhook id', async () => {
    const s = V.samples[0]!;
    for (const name of Object.keys(s.headers)) {
      const headers: Record<string, string | undefined> = { ...s.headers, [name]: undefined };
      const err = await verifyPaypalWebhook(input(s, { headers })).catch((e: HubError) => e);
      expect(err).toMatchObject({ code: 'webhook_signature_missing', message: expect.stringContaining(name.toUpperCase()) });
    }
    expect(await refusal(verifyPaypalWebhook(input(s, { headers: { ...s.headers, 'paypal-auth-algo': 'SHA1withRSA' } })))).toBe('webhook_signature_invalid');
    expect(await refusal(verifyPaypalWebhook(input(s, { headers: { ...s.headers, 'paypal-transmission-time': 'Thu, 30 Mar 2017 20:04:05 GMT' } })))).toBe('webhook_signature_invalid');
    expect(await refusal(verifyPaypalWebhook(input(s, { webhookIds: [' '] })))).toBe('webhook_signature_invalid');
  });
});
