/**
 * Delivery tracking, the inbound half, through the REST server: `POST /webhooks/sendgrid` and
 * `POST /webhooks/mailgun` verify the signature on the raw body (configured key and, in sandbox
 * mode, the emulator's key beside it), refuse with 401 problem+json and store nothing, store a
 * repeated delivery once, store an event once across deliveries, and count every outcome.
 *
 * The deliveries are signed here, by code checked against SendGrid's own library and Mailgun's
 * published vector, not by the emulators' signers.
 */
import eventwebhook from '@sendgrid/eventwebhook';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import type { MailgunEmulator } from '../src/providers/mailgun/emulator/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import {
  countDelta,
  eventRows,
  inboxRows,
  mailgunBody,
  mailgunHmac,
  mailgunPublishedVector,
  nowSec,
  postWebhook,
  sendgridBody,
  sendgridTestSigner,
  uid,
  webhookCounts,
} from './helpers/signed-webhooks.js';

const { EventWebhook } = eventwebhook;
const sg = sendgridTestSigner();
const sgOther = sendgridTestSigner();
const MG_KEY = `mg-test-${uid()}`;
const STALE = nowSec() - 6 * 60; // older than the 5-minute default tolerance
const poll = { timeout: 10_000, interval: 50 };

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey, MAILGUN_WEBHOOK_SIGNING_KEY: MG_KEY });
});
afterAll(() => t?.close());

type Delivery = { body: string; headers: Record<string, string> };
const json = { 'content-type': 'application/json' };

const sgEvent = (id: string, over: Record<string, unknown> = {}) => ({
  email: `${id.toLowerCase()}@example.com`,
  timestamp: nowSec(),
  event: 'delivered',
  sg_event_id: id,
  sg_message_id: `${id}.filter0001p1las1-1-0.0`,
  ...over,
});
const mgEvent = (id: string, over: Record<string, unknown> = {}) => ({
  id,
  event: 'delivered',
  timestamp: Date.now() / 1000,
  recipient: `${id.toLowerCase()}@example.com`,
  message: { headers: { 'message-id': `${id}@sandbox.switchboard.test` } },
  ...over,
});

/** Per provider: a delivery signed with the configured key, and the ways of getting it wrong. */
const FLAVORS = {
  sendgrid: {
    signed(marker: string): Delivery {
      const body = sendgridBody([sgEvent(marker)]);
      return { body, headers: sg.headers(body) };
    },
    refusals: {
      'a tampered body': (m: string) => {
        const body = sendgridBody([sgEvent(m)]);
        return { body: body.replace('"delivered"', '"bounce"'), headers: sg.headers(body) };
      },
      'an unsigned request': (m: string) => ({ body: sendgridBody([sgEvent(m)]), headers: json }),
      'a stale timestamp': (m: string) => {
        const body = sendgridBody([sgEvent(m)]);
        return { body, headers: sg.headers(body, STALE) };
      },
      'a wrong key': (m: string) => {
        const body = sendgridBody([sgEvent(m)]);
        return { body, headers: sgOther.headers(body) };
      },
    } as Record<string, (marker: string) => Delivery>,
  },
  // Mailgun signs `timestamp + token` only, both inside the body; tampering means changing them.
  mailgun: {
    signed: (marker: string): Delivery => ({ body: mailgunBody(mgEvent(marker), MG_KEY), headers: json }),
    refusals: {
      'a tampered body': (m: string) => ({ body: mailgunBody(mgEvent(m), MG_KEY).replace(/("token":"[0-9a-f]+)[0-9a-f]"/, '$1x"'), headers: json }),
      'an unsigned request': (m: string) => ({ body: JSON.stringify({ 'event-data': mgEvent(m) }), headers: json }),
      'a stale timestamp': (m: string) => ({ body: mailgunBody(mgEvent(m), MG_KEY, { timestamp: STALE }), headers: json }),
      'a wrong key': (m: string) => ({ body: mailgunBody(mgEvent(m), 'not-the-signing-key'), headers: json }),
      'a timestamp changed after signing': (m: string) => {
        const body = JSON.parse(mailgunBody(mgEvent(m), MG_KEY)) as { signature: { timestamp: string } };
        body.signature.timestamp = String(Number(body.signature.timestamp) - 1);
        return { body: JSON.stringify(body), headers: json };
      },
    } as Record<string, (marker: string) => Delivery>,
  },
};
const CODES: Record<string, string> = {
  'a tampered body': 'webhook_signature_invalid',
  'an unsigned request': 'webhook_signature_missing',
  'a stale timestamp': 'webhook_timestamp_stale',
  'a wrong key': 'webhook_signature_invalid',
  'a timestamp changed after signing': 'webhook_signature_invalid',
};
const PROVIDERS = ['sendgrid', 'mailgun'] as const;

describe('the test signers are right', () => {
  it('SendGrid: @sendgrid/eventwebhook verifies what the test signs, and refuses a changed body or another key', () => {
    const ew = new EventWebhook();
    const body = sendgridBody([sgEvent(uid('e'))]);
    const { 'x-twilio-email-event-webhook-signature': sig, 'x-twilio-email-event-webhook-timestamp': ts } = sg.headers(body);
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(sg.publicKey), body, sig!, ts!)).toBe(true);
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(sg.publicKey), body.replace('delivered', 'bounce'), sig!, ts!)).toBe(false);
    expect(ew.verifySignature(ew.convertPublicKeyToECDSA(sgOther.publicKey), body, sig!, ts!)).toBe(false);
  });

  it('Mailgun: the test HMAC reproduces the published mailgun-php vector', () => {
    const v = mailgunPublishedVector();
    expect(mailgunHmac(v.key, v.timestamp, v.token)).toBe(v.signature);
  });
});

describe.each(PROVIDERS)('POST /webhooks/%s verifies the raw body', (provider) => {
  const flavor = FLAVORS[provider];

  it('accepts a delivery signed with the configured key (sandbox mode): 200, stored, processed into an event', async () => {
    const marker = uid('ok');
    const { body, headers } = flavor.signed(marker);
    const res = await postWebhook(t, provider, body, headers);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ received: true, duplicate: false, id: expect.stringMatching(/^whk_/) });
    expect(await inboxRows(t, provider, marker)).toHaveLength(1);
    await expect.poll(async () => (await eventRows(t, provider, marker)).map((e) => e.type), poll).toEqual(['email.delivered']);
  });

  it('accepts the emulator’s own key beside the configured one', async () => {
    const marker = uid('emu');
    if (provider === 'sendgrid') {
      // The emulator's private key is its own: let it sign the events of a real send.
      const sent = await t.api('/api/v1/integrations/email/send', { body: { to: `${marker}@example.com`, subject: 'Keys', text: 'both' } });
      expect(sent.body).toMatchObject({ provider: 'sendgrid', status: 'sent' });
      await expect.poll(async () => (await inboxRows(t, provider, marker)).length, poll).toBe(1);
      await expect.poll(async () => (await t.api(`/api/v1/integrations/email/${sent.body.id}`)).body.status, poll).toBe('delivered');
    } else {
      const emulator = t.hub.connections.emulator('mailgun') as MailgunEmulator;
      const res = await postWebhook(t, provider, mailgunBody(mgEvent(marker), emulator.webhookSecret), json);
      expect(res.status).toBe(200);
      expect(await inboxRows(t, provider, marker)).toHaveLength(1);
    }
  });

  it.each(Object.keys(flavor.refusals))('refuses %s: 401 problem+json with the reason, nothing stored', async (name) => {
    const marker = uid('bad');
    const { body, headers } = flavor.refusals[name]!(marker);
    const res = await postWebhook(t, provider, body, headers);
    expect(res.status).toBe(401);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body).toMatchObject({ status: 401, code: CODES[name], provider, retryable: false });
    expect(res.body.detail).toEqual(expect.any(String));
    expect(await inboxRows(t, provider, marker)).toEqual([]);
  });
});

describe('Mailgun’s published vector, end to end', () => {
  let v: TestHub;
  const vector = mailgunPublishedVector();
  beforeAll(async () => {
    // The vector is from 2014: only a tolerance that wide lets its timestamp through.
    v = await startTestHub({ EMAIL_PROVIDERS: 'mailgun', MAILGUN_WEBHOOK_SIGNING_KEY: vector.key, WEBHOOK_TOLERANCE_SECONDS: String(20 * 365 * 86_400) });
  });
  afterAll(() => v?.close());

  it('accepts the vector’s signature object under its key, and refuses it with the token changed', async () => {
    const marker = uid('vec');
    const signature = { timestamp: vector.timestamp, token: vector.token, signature: vector.signature };
    const ok = await postWebhook(v, 'mailgun', mailgunBody(mgEvent(marker), '', { signature }), json);
    expect(ok.status).toBe(200);
    await expect.poll(async () => (await eventRows(v, 'mailgun', marker)).length, poll).toBe(1);

    const other = uid('vec');
    const bad = await postWebhook(v, 'mailgun', mailgunBody(mgEvent(other), '', { signature: { ...signature, token: `${vector.token.slice(0, -1)}x` } }), json);
    expect(bad.status).toBe(401);
    expect(bad.body.code).toBe('webhook_signature_invalid');
    expect(await inboxRows(v, 'mailgun', other)).toEqual([]);
  });
});

describe('Mailgun signs the token, not the event', () => {
  it('a seen signature object over other event-data is refused as a replay; the exact delivery again is a duplicate', async () => {
    const marker = uid('orig');
    const genuine = mailgunBody(mgEvent(marker), MG_KEY);
    expect((await postWebhook(t, 'mailgun', genuine, json)).body.duplicate).toBe(false);
    const { signature } = JSON.parse(genuine) as { signature: { timestamp: string; token: string; signature: string } };
    // Someone who saw that request re-uses its signature to forge an unsubscribe for another address.
    const forged = uid('forged');
    const res = await postWebhook(t, 'mailgun', mailgunBody(mgEvent(forged, { event: 'unsubscribed' }), '', { signature }), json);
    expect(res.status).toBe(401);
    expect(res.contentType).toContain('application/problem+json');
    expect(res.body.code).toBe('webhook_signature_invalid');
    expect(await inboxRows(t, 'mailgun', forged)).toEqual([]);
    const again = await postWebhook(t, 'mailgun', genuine, json);
    expect(again.status).toBe(200);
    expect(again.body.duplicate).toBe(true);
  });
});

describe('deliveries arriving at once (one batch: one multi-row insert and one insert of their jobs)', () => {
  it('each new one is stored with its job, a copy inside the same batch is a duplicate, a forged replay is refused', async () => {
    const markers = Array.from({ length: 30 }, () => uid('burst'));
    const bodies = markers.map((m) => mailgunBody(mgEvent(m), MG_KEY));
    const { signature } = JSON.parse(bodies[0]!) as { signature: { timestamp: string; token: string; signature: string } };
    const forged = uid('forged');
    // The first one is stored before the burst, so the forgery re-using its signature is the later one.
    const first = postWebhook(t, 'mailgun', bodies[0]!, json);
    await first;
    const answers = await Promise.all([
      first,
      ...bodies.slice(1).map((b) => postWebhook(t, 'mailgun', b, json)),
      postWebhook(t, 'mailgun', bodies[1]!, json),
      postWebhook(t, 'mailgun', mailgunBody(mgEvent(forged, { event: 'unsubscribed' }), '', { signature }), json),
    ]);
    const copies = [answers[1]!, answers[30]!];
    expect(answers.slice(0, 30).filter((a, i) => i !== 1).every((a) => a.status === 200 && a.body.duplicate === false)).toBe(true);
    expect(copies.map((a) => a.status)).toEqual([200, 200]);
    expect(copies.map((a) => a.body.duplicate).sort()).toEqual([false, true]);
    expect(copies[0]!.body.id).toBe(copies[1]!.body.id);
    expect(answers[31]!.status).toBe(401);
    expect(await inboxRows(t, 'mailgun', forged)).toEqual([]);
    for (const m of markers) {
      await expect.poll(async () => (await inboxRows(t, 'mailgun', m)).map((r) => r.status), poll).toEqual(['processed']);
      expect(await eventRows(t, 'mailgun', m)).toHaveLength(1);
    }
  });
});

describe.each(PROVIDERS)('%s de-duplication', (provider) => {
  const flavor = FLAVORS[provider];

  it('the same delivery posted twice is stored once; the second answer says duplicate', async () => {
    const marker = uid('dup');
    const { body, headers } = flavor.signed(marker);
    const first = await postWebhook(t, provider, body, headers);
    const second = await postWebhook(t, provider, body, headers);
    expect([first.status, second.status]).toEqual([200, 200]);
    expect(first.body.duplicate).toBe(false);
    expect(second.body.duplicate).toBe(true);
    const rows = await inboxRows(t, provider, marker);
    expect(rows).toHaveLength(1);
    await expect.poll(async () => (await inboxRows(t, provider, marker))[0]!.status, poll).toBe('processed');
    expect(await eventRows(t, provider, marker)).toHaveLength(1);
  });

  it('the same event id inside two different deliveries yields one email_events row', async () => {
    const shared = uid('ev');
    const extra = uid('ev');
    const deliveries: Delivery[] =
      provider === 'sendgrid'
        ? [sendgridBody([sgEvent(shared)]), sendgridBody([sgEvent(shared), sgEvent(extra, { event: 'open' })])].map((body) => ({ body, headers: sg.headers(body) }))
        : [mailgunBody(mgEvent(shared), MG_KEY), mailgunBody(mgEvent(shared), MG_KEY)].map((body) => ({ body, headers: json }));
    expect(deliveries[0]!.body).not.toBe(deliveries[1]!.body);
    for (const d of deliveries) {
      const res = await postWebhook(t, provider, d.body, d.headers);
      expect(res.status).toBe(200);
      expect(res.body.duplicate).toBe(false);
    }
    await expect.poll(async () => (await inboxRows(t, provider, shared)).map((r) => r.status), poll).toEqual(['processed', 'processed']);
    expect(await eventRows(t, provider, shared)).toHaveLength(1);
    if (provider === 'sendgrid') expect((await eventRows(t, provider, extra)).map((e) => e.type)).toEqual(['email.opened']);
  });
});

describe('switchboard_webhooks_received_total', () => {
  it('counts accepted, duplicate and each refusal per provider', async () => {
    await (t.hub.connections.emulator('sendgrid') as SendgridEmulator).drainWebhooks();
    await (t.hub.connections.emulator('mailgun') as MailgunEmulator).drain();
    const before = await webhookCounts(t);
    for (const provider of PROVIDERS) {
      const flavor = FLAVORS[provider];
      const ok = flavor.signed(uid('m'));
      for (let i = 0; i < 2; i++) expect((await postWebhook(t, provider, ok.body, ok.headers)).status).toBe(200);
      for (const name of ['a tampered body', 'an unsigned request', 'a stale timestamp', 'a wrong key']) {
        const bad = flavor.refusals[name]!(uid('m'));
        expect((await postWebhook(t, provider, bad.body, bad.headers)).status).toBe(401);
      }
    }
    // Mailgun only: a fresh delivery, then its signature re-used over another event (a replay).
    const seen = JSON.parse(FLAVORS.mailgun.signed(uid('m')).body) as { signature: { timestamp: string; token: string; signature: string } };
    expect((await postWebhook(t, 'mailgun', JSON.stringify(seen), json)).status).toBe(200);
    expect((await postWebhook(t, 'mailgun', mailgunBody(mgEvent(uid('m')), '', { signature: seen.signature }), json)).status).toBe(401);
    expect(countDelta(before, await webhookCounts(t))).toEqual({
      'sendgrid/accepted': 1,
      'sendgrid/duplicate': 1,
      'sendgrid/webhook_signature_invalid': 2,
      'sendgrid/webhook_signature_missing': 1,
      'sendgrid/webhook_timestamp_stale': 1,
      'mailgun/accepted': 2,
      'mailgun/duplicate': 1,
      'mailgun/webhook_signature_invalid': 3,
      'mailgun/webhook_signature_missing': 1,
      'mailgun/webhook_timestamp_stale': 1,
    });
  });
});
