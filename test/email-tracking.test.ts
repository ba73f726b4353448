/**
 * Delivery tracking end to end through the REST server, for SendGrid and Mailgun: a message sent
 * with `POST /api/v1/integrations/email/send` advances (never backwards) on signed events posted
 * to `/webhooks/:provider`; hard bounces, spam reports and unsubscribes suppress the address and
 * a later send is refused; the emulators' own signed events do the same in sandbox mode.
 *
 * Signature checks, de-duplication and the metric are in email-tracking-signatures.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { mailgunBody, nowSec, postWebhook, sendgridBody, sendgridTestSigner, uid } from './helpers/signed-webhooks.js';

const sg = sendgridTestSigner();
const MG_KEY = `mg-test-${uid()}`;
const poll = { timeout: 10_000, interval: 50 };
const BASE = '/api/v1/integrations/email';
const SUPPRESSIONS = `${BASE}/suppressions?limit=1000`;

type Kind = 'processed' | 'delivered' | 'opened' | 'clicked' | 'hard_bounce' | 'soft_bounce' | 'spam_report' | 'unsubscribe';
/** How an event names its message: the hub's id (custom arg / user variable) or the provider's id. */
interface Ref {
  hubId?: string;
  providerMessageId?: string;
}
interface Delivery {
  body: string;
  headers: Record<string, string>;
}

const SENDGRID: Record<Kind, Record<string, unknown>> = {
  processed: { event: 'processed', send_at: 0 },
  delivered: { event: 'delivered', response: '250 2.0.0 OK', ip: '149.72.1.1' },
  opened: { event: 'open', useragent: 'Mozilla/5.0', ip: '203.0.113.7' },
  clicked: { event: 'click', url: 'https://example.com/pricing', useragent: 'Mozilla/5.0' },
  hard_bounce: { event: 'bounce', type: 'bounce', status: '5.1.1', reason: '550 5.1.1 The email account does not exist.' },
  soft_bounce: { event: 'bounce', type: 'blocked', status: '4.7.0', reason: '421 4.7.0 Temporarily deferred.' },
  spam_report: { event: 'spamreport' },
  unsubscribe: { event: 'unsubscribe' },
};
const MAILGUN: Record<Kind, Record<string, unknown>> = {
  processed: { event: 'accepted', method: 'HTTP' },
  delivered: { event: 'delivered', 'delivery-status': { code: 250, message: 'OK' } },
  opened: { event: 'opened', ip: '203.0.113.7' },
  clicked: { event: 'clicked', url: 'https://example.com/pricing' },
  hard_bounce: { event: 'failed', severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: '5.1.1 No such user' } },
  soft_bounce: { event: 'failed', severity: 'temporary', reason: 'generic', 'delivery-status': { code: 421, message: '4.2.1 Try again later' } },
  spam_report: { event: 'complained' },
  unsubscribe: { event: 'unsubscribed' },
};

/** One signed delivery of one event about `to`, `offset` seconds after `t0`. */
function sendgridDelivery(kind: Kind, to: string, ref: Ref, offset = 0): Delivery {
  const pm = ref.providerMessageId;
  const event = {
    email: to,
    timestamp: t0 + offset,
    sg_event_id: uid('sg'),
    ...(pm ? { sg_message_id: `${pm}.filter0001p1las1-1-0.0`, 'smtp-id': `<${pm}@ismtpd0001p1las1.sendgrid.net>` } : {}),
    ...(ref.hubId ? { switchboard_id: ref.hubId } : {}),
    ...SENDGRID[kind],
  };
  const body = sendgridBody([event]);
  return { body, headers: sg.headers(body) };
}
function mailgunDelivery(kind: Kind, to: string, ref: Ref, offset = 0): Delivery {
  const event = {
    id: uid('mg'),
    timestamp: t0 + offset + 0.25,
    recipient: to,
    'user-variables': ref.hubId ? { switchboard_id: ref.hubId } : {},
    message: { headers: { to, ...(ref.providerMessageId ? { 'message-id': ref.providerMessageId } : {}) } },
    ...MAILGUN[kind],
  };
  return { body: mailgunBody(event, MG_KEY), headers: { 'content-type': 'application/json' } };
}

const t0 = nowSec() - 60;
const hubs: Record<'sendgrid' | 'mailgun', TestHub> = {} as never;
beforeAll(async () => {
  const keys = { SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey, MAILGUN_WEBHOOK_SIGNING_KEY: MG_KEY };
  [hubs.sendgrid, hubs.mailgun] = await Promise.all([startTestHub(keys), startTestHub({ ...keys, EMAIL_PROVIDERS: 'mailgun' })]);
});
afterAll(async () => {
  await Promise.all(Object.values(hubs).map((h) => h.close()));
});

const FLAVORS = [
  {
    provider: 'sendgrid' as const,
    deliver: sendgridDelivery,
    soft: 'email.bounced', // SendGrid reports a block as event "bounce", type "blocked"
    emulated: [
      ['bounce', 'bounce', 'email.bounced'],
      ['blocked', null, 'email.bounced'],
    ] as const,
  },
  {
    provider: 'mailgun' as const,
    deliver: mailgunDelivery,
    soft: 'email.deferred', // a temporary failure: Mailgun retries
    emulated: [
      ['bounce', 'bounce', 'email.bounced'],
      ['complain', 'spam_report', 'email.spam_report'],
      ['unsub', 'unsubscribe', 'email.unsubscribed'],
      ['defer', null, 'email.deferred'],
    ] as const,
  },
];

const address = (prefix: string) => `${prefix}-${uid().toLowerCase()}@example.com`;

describe.each(FLAVORS.map((f) => [f.provider, f] as const))('%s delivery tracking', (provider, { deliver, soft, emulated }) => {
  let t: TestHub;
  beforeAll(() => {
    t = hubs[provider];
  });
  const send = (to: string) => t.api(`${BASE}/send`, { body: { to, subject: 'Tracked', html: '<a href="https://example.com/pricing">pricing</a>' } });
  const post = async (d: Delivery) => expect((await postWebhook(t, provider, d.body, d.headers)).status).toBe(200);
  const message = async (id: string) => (await t.api(`${BASE}/${id}`)).body;
  const types = async (id: string) => ((await message(id)).events as { type: string }[]).map((e) => e.type);
  const suppressed = async () => ((await t.api(SUPPRESSIONS)).body.data as { email: string; reason: string; provider: string | null }[]);
  const sent = async (to: string) => {
    const res = await send(to);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider, status: 'sent', providerMessageId: expect.any(String) });
    return res.body as { id: string; providerMessageId: string };
  };

  describe('from events the test signs (the emulator’s own are switched off)', () => {
    beforeAll(() => t.hub.connections.emulator(provider)!.setWebhookTarget(undefined));
    afterAll(() => t.hub.connections.emulator(provider)!.setWebhookTarget(`${t.url}/webhooks/${provider}`));

    it.each(['hubId', 'providerMessageId'] as const)('moves processed → delivered → opened → clicked; events name the message by %s only', async (by) => {
      const to = address('track');
      const msg = await sent(to);
      const ref: Ref = by === 'hubId' ? { hubId: msg.id } : { providerMessageId: msg.providerMessageId };
      const steps = ['processed', 'delivered', 'opened', 'clicked'] as const;
      for (const [i, kind] of steps.entries()) {
        const d = deliver(kind, to, ref, i);
        if (by === 'providerMessageId') expect(d.body).not.toContain(msg.id);
        await post(d);
        await expect.poll(async () => (await message(msg.id)).status, poll).toBe(kind);
      }
      const got = await message(msg.id);
      expect(got.events.map((e: { type: string }) => e.type)).toEqual(['email.processed', 'email.delivered', 'email.opened', 'email.clicked']);
      expect(got.events.every((e: { provider: string; recipient: string }) => e.provider === provider && e.recipient === to)).toBe(true);
      expect(got.events.at(-1).data.url).toBe('https://example.com/pricing');
    });

    it('out of order: clicked before delivered never moves the status backwards', async () => {
      const to = address('order');
      const msg = await sent(to);
      await post(deliver('clicked', to, { hubId: msg.id }, 3));
      await expect.poll(async () => (await message(msg.id)).status, poll).toBe('clicked');
      for (const [kind, offset] of [['delivered', 1], ['processed', 0], ['opened', 2]] as const) await post(deliver(kind, to, { hubId: msg.id }, offset));
      await expect.poll(() => types(msg.id), poll).toHaveLength(4);
      const got = await message(msg.id);
      expect(got.status).toBe('clicked');
      // Listed by when they happened, not when they arrived.
      expect(got.events.map((e: { type: string }) => e.type)).toEqual(['email.processed', 'email.delivered', 'email.opened', 'email.clicked']);
    });

    it.each([
      ['hard_bounce', 'bounce', 'bounced'],
      ['spam_report', 'spam_report', 'spam_report'],
      ['unsubscribe', 'unsubscribe', 'unsubscribed'],
    ] as const)('%s suppresses the address; a later send is 422 recipient_suppressed naming it', async (kind, reason, status) => {
      const to = address(kind.replace('_', ''));
      const msg = await sent(to);
      await post(deliver(kind, to, { hubId: msg.id }, 1));
      await expect.poll(suppressed, poll).toContainEqual(expect.objectContaining({ email: to, reason, provider }));
      expect((await message(msg.id)).status).toBe(status);
      const refused = await send(to);
      expect(refused.status).toBe(422);
      expect(refused.headers.get('content-type')).toContain('application/problem+json');
      expect(refused.body).toMatchObject({ code: 'recipient_suppressed', details: { email: to, reason } });
      expect(refused.body.detail).toContain(to);
    });

    it('a soft bounce does not suppress the address', async () => {
      const to = address('soft');
      const msg = await sent(to);
      await post(deliver('soft_bounce', to, { hubId: msg.id }, 1));
      await expect.poll(() => types(msg.id), poll).toEqual([soft]);
      expect((await suppressed()).map((s) => s.email)).not.toContain(to);
      expect((await send(to)).status).toBe(200);
    });

    it('DELETE /suppressions/:email removes the address and sending works again', async () => {
      const to = address('undo');
      await post(deliver('hard_bounce', to, {}, 1));
      await expect.poll(async () => (await suppressed()).map((s) => s.email), poll).toContain(to);
      expect((await send(to)).status).toBe(422);
      expect((await t.api(`${BASE}/suppressions/${encodeURIComponent(to)}`, { method: 'DELETE' })).status).toBe(204);
      expect((await suppressed()).map((s) => s.email)).not.toContain(to);
      expect((await send(to)).status).toBe(200);
      const again = await t.api(`${BASE}/suppressions/${encodeURIComponent(to)}`, { method: 'DELETE' });
      expect(again.status).toBe(404);
      expect(again.body.code).toBe('not_found');
    });

    it('POST /suppressions adds an address by hand (any case), and sends to it are refused', async () => {
      const to = address('manual');
      const added = await t.api(`${BASE}/suppressions`, { body: { email: to.toUpperCase() } });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({ email: to, reason: 'manual' });
      expect(await suppressed()).toContainEqual(expect.objectContaining({ email: to, reason: 'manual', provider: null }));
      const refused = await send(to);
      expect(refused.status).toBe(422);
      expect(refused.body.code).toBe('recipient_suppressed');
      expect(refused.body.detail).toContain(to);
    });
  });

  describe('from the emulator’s own signed events', () => {
    it.each(emulated.map(([prefix, reason, type]) => [prefix, type, reason ?? 'no'] as const))('%s-…@ gets %s; suppressed: %s', async (prefix, type, reason) => {
      const to = address(prefix);
      const msg = await sent(to);
      await expect.poll(() => types(msg.id), poll).toContain(type);
      const entry = (await suppressed()).find((s) => s.email === to);
      if (reason !== 'no') expect(entry).toMatchObject({ reason, provider });
      else expect(entry).toBeUndefined();
    });
  });
});
