import { generateKeyPairSync, sign } from 'node:crypto';
import eventwebhook from '@sendgrid/eventwebhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { Transport } from '../../transport/transport.js';
import { startSendgridEmulator, type SendgridEmulator } from './emulator/server.js';
import { sendgrid } from './index.js';
import { sendgridManifest } from './manifest.js';
import { parseSendgridEvents, verifySendgridWebhook } from './webhooks.js';
import { captureServer, type Captured } from '../../../test/helpers/capture-server.js';
import { refusal } from '../../../test/helpers/hub-error.js';

const { EventWebhook } = eventwebhook;
const SIG = 'x-twilio-email-event-webhook-signature';
const TS = 'x-twilio-email-event-webhook-timestamp';

/** A published vector from @sendgrid/eventwebhook's own tests (SendGrid-signed, not by us). */
const VECTOR = {
  publicKey: 'MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE83T4O/n84iotIvIW4mdBgQ/7dAfSmpqIM8kF9mN1flpVKS3GRqe62gw+2fNNRaINXvVpiglSI8eNEc6wEA3F+g==',
  signature: 'MEUCIGHQVtGj+Y3LkG9fLcxf3qfI10QysgDWmMOVmxG0u6ZUAiEAyBiXDWzM+uOe5W0JuG+luQAbPIqHh89M15TluLtEZtM=',
  timestamp: '1600112502',
  payload:
    JSON.stringify([
      {
        email: 'hello@world.com',
        event: 'dropped',
        reason: 'Bounced Address',
        sg_event_id: 'ZHJvcC0xMDk5NDkxOS1MUnpYbF9OSFN0T0doUTRrb2ZTbV9BLTA',
        sg_message_id: 'LRzXl_NHStOGhQ4kofSm_A.filterdrecv-p3mdw1-756b745b58-kmzbl-18-5F5FC76C-9.0',
        'smtp-id': '<LRzXl_NHStOGhQ4kofSm_A@ismtpd0039p1iad1.sendgrid.net>',
        timestamp: 1600112492,
      },
    ]) + '\r\n',
};


const library = (publicKey: string, payload: Buffer | string, signature: string, timestamp: string): boolean => {
  const ew = new EventWebhook();
  return ew.verifySignature(ew.convertPublicKeyToECDSA(publicKey), payload, signature, timestamp);
};

const ours = (rawBody: Buffer, headers: Record<string, string | undefined>, secrets: string[], now = Date.now()) =>
  verifySendgridWebhook({ rawBody, headers, secrets, now, toleranceSec: 300 });


describe('SendGrid Event Webhook: emulator, our verifier and SendGrid’s library', () => {
  let emulator: SendgridEmulator;
  let receiver: Awaited<ReturnType<typeof captureServer>>;
  let captured: Captured[];
  let sent: { providerMessageId: string };
  let post: Captured;
  let headers: Record<string, string | undefined>;

  beforeAll(async () => {
    receiver = await captureServer();
    captured = receiver.captured;

    emulator = await startSendgridEmulator({ eventDelayMs: 5 });
    emulator.setWebhookTarget(`${receiver.url}/webhooks/sendgrid`);
    const connection = { id: 'c', tenantId: 't', provider: 'sendgrid', mode: 'sandbox' as const, baseUrl: emulator.url, credentials: emulator.credentials };
    const email = sendgrid.email!({
      connection,
      http: new Transport().forConnection(sendgridManifest, connection),
      clock: systemClock,
      logger: createLogger('silent'),
    });
    sent = await email.send({
      id: 'msg_hook',
      from: { email: 'orders@example.com' },
      to: [{ email: 'ok@example.com' }, { email: 'bounce-1@example.com' }, { email: 'blocked@example.com' }],
      cc: [{ email: 'defer@example.com' }, { email: 'drop@example.com' }],
      subject: 'Events',
      text: 'Hello',
      tags: ['orders'],
      metadata: { orderId: 'o-42' },
    });
    await emulator.drainWebhooks();
    expect(captured).toHaveLength(1);
    post = captured[0]!;
    headers = { [SIG]: String(post.headers[SIG]), [TS]: String(post.headers[TS]) };
  });
  afterAll(async () => {
    await emulator.close();
    await receiver.close();
  });

  it('posts a batch that SendGrid’s library and our verifier both accept', () => {
    expect(post.headers['content-type']).toBe('application/json');
    expect(post.body.toString()).toMatch(/^\[\{.*\},\r\n\{/s);
    expect(library(emulator.webhookSecret, post.body, headers[SIG]!, headers[TS]!)).toBe(true);
    expect(() => ours(post.body, headers, [emulator.webhookSecret])).not.toThrow();
    // rotation: garbage and foreign keys beside the right one do not get in the way
    const foreign = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(() => ours(post.body, headers, ['', 'garbage!', 'MFkwEw==', foreign, emulator.webhookSecret])).not.toThrow();
  });

  it('refuses a tampered body (and so does the library), also re-serialized JSON', () => {
    const tampered = Buffer.from(post.body.toString().replace('ok@example.com', 'ok@example.org'));
    expect(library(emulator.webhookSecret, tampered, headers[SIG]!, headers[TS]!)).toBe(false);
    expect(refusal(() => ours(tampered, headers, [emulator.webhookSecret]))).toBe('webhook_signature_invalid');
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(post.body.toString())));
    expect(() => ours(reserialized, headers, [emulator.webhookSecret])).toThrow(/raw body/);
  });

  it('refuses a wrong key, garbage keys and garbage signatures with HubErrors only', () => {
    const other = generateKeyPairSync('ec', { namedCurve: 'prime256v1' }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    expect(refusal(() => ours(post.body, headers, [other]))).toBe('webhook_signature_invalid');
    expect(refusal(() => ours(post.body, headers, [rsa, 'not a key', '']))).toBe('webhook_signature_invalid');
    expect(refusal(() => ours(post.body, headers, []))).toBe('webhook_signature_invalid');
    for (const signature of ['!!!', 'AAAA', 'MEUCIQ==', Buffer.alloc(72, 7).toString('base64')]) {
      expect(refusal(() => ours(post.body, { ...headers, [SIG]: signature }, [emulator.webhookSecret]))).toBe('webhook_signature_invalid');
    }
    expect(refusal(() => ours(post.body, { ...headers, [TS]: 'yesterday' }, [emulator.webhookSecret]))).toBe('webhook_signature_invalid');
  });

  it('refuses missing headers and stale timestamps with their own codes', () => {
    expect(refusal(() => ours(post.body, { [TS]: headers[TS] }, [emulator.webhookSecret]))).toBe('webhook_signature_missing');
    expect(refusal(() => ours(post.body, { [SIG]: headers[SIG] }, [emulator.webhookSecret]))).toBe('webhook_signature_missing');
    const signedAt = Number(headers[TS]) * 1000;
    expect(() => ours(post.body, headers, [emulator.webhookSecret], signedAt + 299_000)).not.toThrow();
    expect(refusal(() => ours(post.body, headers, [emulator.webhookSecret], signedAt + 301_000))).toBe('webhook_timestamp_stale');
    expect(refusal(() => ours(post.body, headers, [emulator.webhookSecret], signedAt - 301_000))).toBe('webhook_timestamp_stale');
  });

  it('agrees with the library on a payload signed here with node:crypto and on SendGrid’s published vector', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const key = publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
    const body = Buffer.from('[{"email":"é@example.com","event":"open","timestamp":1700000000}]\r\n');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const signature = sign('sha256', Buffer.concat([Buffer.from(timestamp), body]), privateKey).toString('base64');
    const h = { [SIG]: signature, [TS]: timestamp };
    expect(library(key, body, signature, timestamp)).toBe(true);
    expect(() => ours(body, h, [key])).not.toThrow();
    const otherTimestamp = String(Number(timestamp) - 1);
    expect(library(key, body, signature, otherTimestamp)).toBe(false);
    expect(refusal(() => ours(body, { ...h, [TS]: otherTimestamp }, [key]))).toBe('webhook_signature_invalid');

    const vectorHeaders = { [SIG]: VECTOR.signature, [TS]: VECTOR.timestamp };
    const at = Number(VECTOR.timestamp) * 1000;
    expect(library(VECTOR.publicKey, VECTOR.payload, VECTOR.signature, VECTOR.timestamp)).toBe(true);
    expect(() => ours(Buffer.from(VECTOR.payload), vectorHeaders, [VECTOR.publicKey], at)).not.toThrow();
    expect(refusal(() => ours(Buffer.from(VECTOR.payload.trim()), vectorHeaders, [VECTOR.publicKey], at))).toBe('webhook_signature_invalid');
  });

  it('parses the batch into normalized events correlated with the hub message', () => {
    const events = sendgrid.webhooks!.parse(post.body, headers);
    const byRecipient = (email: string) => events.filter((e) => e.data.recipient === email);
    expect(byRecipient('ok@example.com').map((e) => e.type)).toEqual(['email.processed', 'email.delivered']);
    expect(byRecipient('bounce-1@example.com').map((e) => e.type)).toEqual(['email.processed', 'email.bounced']);
    expect(byRecipient('bounce-1@example.com')[1]!.data).toMatchObject({ bounceType: 'hard', bounceClassification: 'Invalid Address', status: '5.1.1' });
    expect(byRecipient('blocked@example.com')[1]!.data).toMatchObject({ bounceType: 'soft' });
    expect(byRecipient('defer@example.com').map((e) => e.type)).toEqual(['email.processed', 'email.deferred', 'email.delivered']);
    expect(byRecipient('drop@example.com').map((e) => e.type)).toEqual(['email.dropped']);
    expect(byRecipient('drop@example.com')[0]!.data.reason).toBe('Bounced Address');
    for (const e of events) {
      expect(e.ref).toEqual({ hubId: 'msg_hook', providerObjectId: sent.providerMessageId });
      expect(e.occurredAt % 1000).toBe(0);
      expect(Math.abs(e.occurredAt - Date.now())).toBeLessThan(60_000);
      expect((e.raw as Record<string, unknown>).orderId).toBe('o-42');
      expect(e.data.categories).toEqual(['orders']);
    }
    expect(new Set(events.map((e) => e.providerEventId)).size).toBe(events.length);
  });

  it('normalizes engagement events and skips unknown ones', () => {
    const body = JSON.stringify([
      { email: 'a@x.io', event: 'open', timestamp: 1700000000, sg_event_id: 'e1', sg_message_id: 'M1.filter.0', useragent: 'Mozilla', switchboard_id: 'msg_1' },
      { email: 'a@x.io', event: 'click', timestamp: 1700000001, sg_event_id: 'e2', url: 'https://example.com/x' },
      { email: 'a@x.io', event: 'spamreport', timestamp: 1700000002, sg_event_id: 'e3' },
      { email: 'a@x.io', event: 'unsubscribe', timestamp: 1700000003, sg_event_id: 'e4' },
      { email: 'a@x.io', event: 'group_unsubscribe', timestamp: 1700000004, sg_event_id: 'e5', asm_group_id: 7 },
      { email: 'a@x.io', event: 'group_resubscribe', timestamp: 1700000005, sg_event_id: 'e6' },
      'not an event',
    ]);
    const events = parseSendgridEvents(Buffer.from(body));
    expect(events.map((e) => e.type)).toEqual(['email.opened', 'email.clicked', 'email.spam_report', 'email.unsubscribed', 'email.unsubscribed']);
    expect(events[0]).toMatchObject({ providerEventId: 'e1', occurredAt: 1_700_000_000_000, ref: { hubId: 'msg_1', providerObjectId: 'M1' }, data: { userAgent: 'Mozilla' } });
    expect(events[1]!.data).toEqual({ recipient: 'a@x.io', url: 'https://example.com/x' });
    expect(events[4]!.data.asmGroupId).toBe(7);
    expect(() => parseSendgridEvents(Buffer.from('{oops'))).toThrow(HubError);
  });
});
