import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mailgunWebhooks } from '../webhooks.js';
import { connectMailgun } from '../test-utils/connect.js';
import { startMailgunEmulator, type MailgunEmulator } from './index.js';

/** A local webhook receiver that keeps each request's raw bytes and headers. */
async function startReceiver(): Promise<{ url: string; received: { body: Buffer; headers: Record<string, string | undefined> }[]; server: Server }> {
  const received: { body: Buffer; headers: Record<string, string | undefined> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ body: Buffer.concat(chunks), headers: req.headers as Record<string, string | undefined> });
      res.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return { url: `http://127.0.0.1:${address.port}/webhooks/mailgun`, received, server };
}

let emu: MailgunEmulator;
const auth = () => ({ authorization: `Basic ${Buffer.from(`api:${emu.credentials.apiKey}`).toString('base64')}` });
const post = (form: URLSearchParams, headers: Record<string, string> = auth()) =>
  fetch(`${emu.url}/v3/${emu.domain}/messages`, { method: 'POST', headers, body: form });

beforeAll(async () => {
  emu = await startMailgunEmulator({ eventDelayMs: 1 });
});
afterAll(async () => emu.close());

describe('mailgun emulator', () => {
  it('posts signed JSON events, one per request, that verify and parse into correlated events', async () => {
    const receiver = await startReceiver();
    try {
      emu.setWebhookTarget(receiver.url);
      const email = connectMailgun(emu.url, emu.credentials);
      const sent = await email.send({
        id: 'msg_hook',
        from: { email: 'app@sandbox.switchboard.test' },
        to: [{ email: 'ann@example.com' }, { email: 'bounce-bob@example.com' }, { email: 'click-cat@example.com' }],
        subject: 'Hooks',
        html: '<a href="https://example.com/pricing">pricing</a>',
      });
      await emu.drain();
      expect(receiver.received).toHaveLength(2 + 2 + 4);
      const events = receiver.received.flatMap(({ body, headers }) => {
        expect(headers['content-type']).toBe('application/json');
        mailgunWebhooks.verify({ rawBody: body, headers, secrets: ['other-key', emu.webhookSecret], now: Date.now(), toleranceSec: 300 });
        expect(() =>
          mailgunWebhooks.verify({ rawBody: body, headers, secrets: ['other-key'], now: Date.now(), toleranceSec: 300 }),
        ).toThrow(/does not match/);
        return mailgunWebhooks.parse(body, headers);
      });
      expect(events).toHaveLength(8);
      for (const e of events) expect(e.ref).toEqual({ hubId: 'msg_hook', providerObjectId: sent.providerMessageId });
      const summary = events.map((e) => `${e.data.recipient} ${e.type}`).sort();
      expect(summary).toEqual([
        'ann@example.com email.delivered',
        'ann@example.com email.processed',
        'bounce-bob@example.com email.bounced',
        'bounce-bob@example.com email.processed',
        'click-cat@example.com email.clicked',
        'click-cat@example.com email.delivered',
        'click-cat@example.com email.opened',
        'click-cat@example.com email.processed',
      ]);
      expect(events.find((e) => e.type === 'email.bounced')!.data).toMatchObject({ bounceType: 'hard' });
      expect(events.find((e) => e.type === 'email.clicked')!.data.url).toBe('https://example.com/pricing');
      expect(new Set(events.map((e) => e.providerEventId)).size).toBe(8);
    } finally {
      emu.setWebhookTarget(undefined);
      receiver.server.close();
    }
  });

  it('accepts url-encoded forms with repeated and comma-separated recipients', async () => {
    const form = new URLSearchParams([
      ['from', 'App <app@sandbox.switchboard.test>'],
      ['to', '"Doe, Jane" <jane@example.com>, joe@example.com'],
      ['to', 'kim@example.com'],
      ['subject', 'Form'],
      ['text', 'hello'],
      ['o:tag', 'one'],
      ['v:switchboard_id', 'msg_form'],
    ]);
    const res = await post(form);
    expect(res.status).toBe(200);
    const body = (await res.json()) as { id: string; message: string };
    expect(body.message).toBe('Queued. Thank you.');
    expect(body.id).toMatch(/^<\d{14}\.[0-9a-f]+@sandbox\.switchboard\.test>$/);
    const kept = emu.accepted.at(-1)!;
    expect(kept).toMatchObject({ encoding: 'urlencoded', tags: ['one'], variables: { switchboard_id: 'msg_form' } });
    expect(kept.recipients).toEqual(['jane@example.com', 'joe@example.com', 'kim@example.com']);
  });

  it.each([
    [[['to', 'a@example.com'], ['subject', 's'], ['text', 't']], "'from' parameter is missing"],
    [[['from', 'a@example.com'], ['subject', 's'], ['text', 't']], "'to' parameter is missing"],
    [[['from', 'a@example.com'], ['to', 'b@example.com'], ['text', 't']], "'subject' parameter is missing"],
    [[['from', 'a@example.com'], ['to', 'b@example.com'], ['subject', 's']], "Need at least one of 'text', 'html' or 'template' parameters specified"],
    [[['from', 'nobody'], ['to', 'b@example.com'], ['subject', 's'], ['text', 't']], "'from' parameter is not a valid address. please check documentation"],
    [[['from', 'a@example.com'], ['to', 'b@example.com'], ['cc', 'bad@'], ['subject', 's'], ['text', 't']], "'cc' parameter is not a valid address. please check documentation"],
  ])('%#: answers 400 with Mailgun\'s message', async (fields, message) => {
    const res = await post(new URLSearchParams(fields as [string, string][]));
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ message });
  });

  it('answers a wrong key with plain-text Forbidden and an unknown domain with 404', async () => {
    const ok = new URLSearchParams([['from', 'a@example.com'], ['to', 'b@example.com'], ['subject', 's'], ['text', 't']]);
    const forbidden = await post(ok, { authorization: `Basic ${Buffer.from('api:key-wrong').toString('base64')}` });
    expect(forbidden.status).toBe(401);
    expect(await forbidden.text()).toBe('Forbidden');
    const missing = await fetch(`${emu.url}/v3/other.example.com/messages`, { method: 'POST', headers: auth(), body: ok });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ message: 'Domain not found: other.example.com' });
  });

  it('lists events in the Events API shape, with working paging links', async () => {
    const list = async (url: string) => {
      const res = await fetch(url, { headers: auth() });
      expect(res.status).toBe(200);
      return (await res.json()) as { items: { id: string; event: string }[]; paging: Record<string, string> };
    };
    const all = emu.events.map((e) => e.id);
    expect(all.length).toBeGreaterThan(3);
    const first = await list(`${emu.url}/v3/${emu.domain}/events?limit=2&ascending=yes`);
    expect(first.items.map((e) => e.id)).toEqual(all.slice(0, 2));
    expect(Object.keys(first.paging).sort()).toEqual(['first', 'last', 'next', 'previous']);
    const second = await list(first.paging.next!);
    expect(second.items.map((e) => e.id)).toEqual(all.slice(2, 4));
    const newest = await list(`${emu.url}/v3/${emu.domain}/events?limit=1`);
    expect(newest.items.map((e) => e.id)).toEqual(all.slice(-1));
    const delivered = await list(`${emu.url}/v3/${emu.domain}/events?event=delivered&limit=300`);
    expect(delivered.items.every((e) => e.event === 'delivered')).toBe(true);
    expect((await fetch(`${emu.url}/v3/${emu.domain}/events`)).status).toBe(401);
  });

  it('shows accepted messages on GET /__emulator/messages with attachments as base64', async () => {
    const res = await fetch(`${emu.url}/__emulator/messages`);
    const messages = (await res.json()) as { messageId: string; attachments: unknown[] }[];
    expect(messages.map((m) => m.messageId)).toEqual(emu.accepted.map((m) => m.messageId));
  });
});
