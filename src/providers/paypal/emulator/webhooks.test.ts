/**
 * Signed webhooks: a local receiver gets PayPal-shaped deliveries, which verify with the hub's
 * own verifier (sandbox trust of the emulator's certificate) and, independently, with
 * `crypto.verify` over a CRC-32 from `zlib.crc32`; tampering fails both. Also
 * `POST /v1/notifications/verify-webhook-signature` and the disputes control.
 */
import { verify, X509Certificate } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createFetchingCertificateSource } from '../cert-source.js';
import { verifyPaypalWebhook } from '../paypal-webhook.js';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { orderBody, paypalSession, startReceiver, type PaypalSession, type Received } from './test-support.js';

let emulator: PaypalEmulator;
let pp: PaypalSession;
let hub: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  emulator = await startPaypalEmulator({ eventDelayMs: 1 });
  pp = await paypalSession(emulator);
  hub = await startReceiver();
  emulator.setWebhookTarget(`${hub.url}/webhooks/paypal`);
});
afterAll(async () => {
  await emulator.close();
  await hub.close();
});

const headersOf = (r: Received) => Object.fromEntries(Object.entries(r.headers).map(([k, v]) => [k, Array.isArray(v) ? v[0] : v]));
const hubVerify = (r: Received, body = r.body, webhookIds = [emulator.webhookSecret]) =>
  verifyPaypalWebhook({
    rawBody: body,
    headers: headersOf(r),
    webhookIds,
    now: Date.now(),
    certs: createFetchingCertificateSource({ mode: 'sandbox', allowSandboxCertificate: emulator.certificatePem }),
    extraCertOrigins: [new URL(emulator.url).origin],
  });

/** Independent of the project's code: the served certificate, node:zlib's CRC-32, node:crypto. */
async function independentVerify(r: Received, body = r.body): Promise<boolean> {
  const h = headersOf(r);
  const pem = await (await fetch(h['paypal-cert-url']!)).text();
  const signed = `${h['paypal-transmission-id']}|${h['paypal-transmission-time']}|${emulator.webhookSecret}|${crc32(body) >>> 0}`;
  return verify('RSA-SHA256', Buffer.from(signed), new X509Certificate(pem).publicKey, Buffer.from(h['paypal-transmission-sig']!, 'base64'));
}

async function paidOrder(value = '30.00') {
  const created = await pp.call('POST', '/v2/checkout/orders', orderBody(value, 'USD', { custom_id: 'c-1' }));
  await fetch(`${emulator.url}/__emulator/orders/${created.body.id}/approve`, { method: 'POST' });
  const captured = await pp.call('POST', `/v2/checkout/orders/${created.body.id}/capture`);
  return { orderId: created.body.id as string, captureId: captured.body.purchase_units[0].payments.captures[0].id as string };
}

const delivered = async (type: string) => {
  await emulator.drainWebhooks();
  return hub.received.filter((r) => JSON.parse(r.body.toString()).event_type === type);
};

describe('signed webhooks', () => {
  it('serves the RSA certificate it signs with, valid a day ago to a year ahead', async () => {
    const served = await (await fetch(emulator.certUrl)).text();
    expect(served).toBe(emulator.certificatePem);
    const cert = new X509Certificate(served);
    expect(cert.publicKey.asymmetricKeyType).toBe('rsa');
    expect(cert.publicKey.asymmetricKeyDetails?.modulusLength).toBe(2048);
    expect(Math.abs(Date.parse(cert.validFrom) - (Date.now() - 86_400_000))).toBeLessThan(60_000);
    expect(Math.abs(Date.parse(cert.validTo) - (Date.now() + 365 * 86_400_000))).toBeLessThan(60_000);
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect((await fetch(`${emulator.url}/v1/notifications/certs/CERT-other`)).status).toBe(404);
  });

  it('approve and capture deliveries verify with the hub verifier and independently; tampering fails both', async () => {
    const { orderId, captureId } = await paidOrder();
    const [approved] = await delivered('CHECKOUT.ORDER.APPROVED');
    const [completed] = await delivered('PAYMENT.CAPTURE.COMPLETED');
    for (const r of [approved!, completed!]) {
      const h = headersOf(r);
      expect(h['paypal-transmission-id']).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
      expect(h['paypal-transmission-time']).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
      expect(h['paypal-auth-algo']).toBe('SHA256withRSA');
      expect(h['paypal-cert-url']).toMatch(new RegExp(`^${emulator.url}/v1/notifications/certs/CERT-[0-9a-f]{8}-[0-9a-f]{8}-[0-9a-f]{8}$`));
      expect(r.url).toBe('/webhooks/paypal');
      await expect(hubVerify(r)).resolves.toBeUndefined();
      await expect(independentVerify(r)).resolves.toBe(true);
      const tampered = Buffer.from(r.body.toString().replace('"1.0"', '"1.1"'));
      expect(tampered.equals(r.body)).toBe(false);
      await expect(hubVerify(r, tampered)).rejects.toMatchObject({ code: 'webhook_signature_invalid' });
      await expect(independentVerify(r, tampered)).resolves.toBe(false);
      await expect(hubVerify(r, r.body, ['SOME-OTHER-WEBHOOK'])).rejects.toMatchObject({ code: 'webhook_signature_invalid' });
    }
    const event = JSON.parse(completed!.body.toString());
    expect(event).toMatchObject({ event_version: '1.0', resource_version: '2.0', resource_type: 'capture', event_type: 'PAYMENT.CAPTURE.COMPLETED' });
    expect(event.id).toMatch(/^WH-[0-9A-Z]{17}-[0-9A-Z]{17}$/);
    expect(event.resource).toMatchObject({ id: captureId, status: 'COMPLETED', custom_id: 'c-1', supplementary_data: { related_ids: { order_id: orderId } } });
    expect(JSON.parse(approved!.body.toString()).resource).toMatchObject({ id: orderId, status: 'APPROVED' });
  });

  it('refunds, denials and disputes are announced with their resources', async () => {
    const { captureId } = await paidOrder('40.00');
    const refund = await pp.call('POST', `/v2/payments/captures/${captureId}/refund`, { amount: { currency_code: 'USD', value: '5.00' } });
    const refunded = (await delivered('PAYMENT.CAPTURE.REFUNDED')).map((r) => JSON.parse(r.body.toString()));
    expect(refunded.at(-1)).toMatchObject({ resource_type: 'refund', resource: { id: refund.body.id, amount: { value: '5.00' } } });

    const order = await pp.call('POST', '/v2/checkout/orders', orderBody('2.00'));
    await fetch(`${emulator.url}/__emulator/orders/${order.body.id}/approve`, { method: 'POST' });
    await pp.call('POST', `/v2/checkout/orders/${order.body.id}/capture`, undefined, { 'paypal-mock-response': '{"mock_application_codes":"INSTRUMENT_DECLINED"}' });
    const denied = (await delivered('PAYMENT.CAPTURE.DENIED')).map((r) => JSON.parse(r.body.toString()));
    expect(denied).toHaveLength(1);
    expect(denied[0].resource).toMatchObject({ status: 'DECLINED', supplementary_data: { related_ids: { order_id: order.body.id } } });

    const opened = await fetch(`${emulator.url}/__emulator/disputes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ capture_id: captureId }) });
    const { dispute_id: disputeId } = (await opened.json()) as { dispute_id: string };
    const [dispute] = (await delivered('CUSTOMER.DISPUTE.CREATED')).map((r) => JSON.parse(r.body.toString()));
    expect(dispute).toMatchObject({ resource_type: 'dispute', resource: { dispute_id: disputeId, status: 'OPEN', disputed_transactions: [{ seller_transaction_id: captureId }] } });
    for (const r of hub.received) await expect(hubVerify(r)).resolves.toBeUndefined();
  });

  it('verify-webhook-signature: SUCCESS for the event as delivered (parsed), FAILURE when changed or for another webhook id', async () => {
    await paidOrder('1.00');
    const [r] = (await delivered('PAYMENT.CAPTURE.COMPLETED')).slice(-1);
    const h = headersOf(r!);
    const request = {
      auth_algo: h['paypal-auth-algo'], cert_url: h['paypal-cert-url'], transmission_id: h['paypal-transmission-id'],
      transmission_sig: h['paypal-transmission-sig'], transmission_time: h['paypal-transmission-time'],
      webhook_id: emulator.webhookSecret, webhook_event: JSON.parse(r!.body.toString()),
    };
    expect((await pp.call('POST', '/v1/notifications/verify-webhook-signature', request)).body).toEqual({ verification_status: 'SUCCESS' });
    const changed = { ...request, webhook_event: { ...request.webhook_event, summary: 'changed' } };
    expect((await pp.call('POST', '/v1/notifications/verify-webhook-signature', changed)).body).toEqual({ verification_status: 'FAILURE' });
    expect((await pp.call('POST', '/v1/notifications/verify-webhook-signature', { ...request, webhook_id: 'OTHER' })).body).toEqual({ verification_status: 'FAILURE' });
    const missing = await pp.call('POST', '/v1/notifications/verify-webhook-signature', { ...request, transmission_sig: undefined });
    expect(missing.status).toBe(400);
    expect(missing.body.details[0]).toMatchObject({ issue: 'MISSING_REQUIRED_PARAMETER', field: '/transmission_sig' });
  });

  it('posts nothing without a target, and lists events', async () => {
    emulator.setWebhookTarget(undefined);
    const before = hub.received.length;
    await paidOrder('3.00');
    await emulator.drainWebhooks();
    expect(hub.received.length).toBe(before);
    const list = await pp.call('GET', '/v1/notifications/webhooks-events?page_size=2');
    expect(list.body.events).toHaveLength(2);
    expect(list.body.events[0].event_type).toBe('PAYMENT.CAPTURE.COMPLETED');
    expect((await pp.call('GET', `/v1/notifications/webhooks-events/${list.body.events[0].id}`)).body.id).toBe(list.body.events[0].id);
    emulator.setWebhookTarget(`${hub.url}/webhooks/paypal`);
  });
});
