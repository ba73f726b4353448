/**
 * `GET /api/v1/events/stream` (Server-Sent Events): live events from signed SendGrid webhooks,
 * resume with Last-Event-ID without gap or duplicate (also while events are being recorded
 * during the replay), type filters, `?access_token=`, heartbeats, 400/401, streams ended by
 * `hub.close()`. The client parses the wire format itself (helpers/sse.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { openSse } from './helpers/sse.js';
import { nowSec, postWebhook, sendgridBody, sendgridTestSigner, uid } from './helpers/signed-webhooks.js';

const sg = sendgridTestSigner();
let t: TestHub;
beforeAll(async () => {
  t = await startTestHub({ SENDGRID_WEBHOOK_PUBLIC_KEY: sg.publicKey, EVENTS_SSE_HEARTBEAT_MS: '100', EVENTS_POLL_MS: '100' });
});
afterAll(async () => {
  await t?.close();
});

const STREAM = '/api/v1/events/stream';
type Problem = { errors: { field: string }[] };

async function tenant() {
  const id = uid('tn_');
  const { key } = await t.hub.apiKeys.create({ name: id, tenantId: id, scopes: ['events:read'] });
  const record = async (type = 'email.delivered') => (await t.hub.events.recordNow({ tenantId: id, type, provider: 'sendgrid', occurredAt: Date.now(), data: { n: uid() }, raw: null }))!;
  const open = (query = '', headers: Record<string, string> = {}) => openSse(`${t.url}${STREAM}${query}`, { authorization: `Bearer ${key}`, ...headers });
  return { id, key, record, open };
}

const seqs = (messages: { id?: string }[]) => messages.map((m) => Number(m.id));

describe('GET /api/v1/events/stream', () => {
  it('streams events recorded from signed provider webhooks, as id/event/data', async () => {
    const s = await openSse(`${t.url}${STREAM}?type=email.*`, { authorization: `Bearer ${t.key}` });
    expect(s.status).toBe(200);
    expect(s.contentType).toMatch(/^text\/event-stream/);
    await s.until(() => s.comments.length > 0); // connected (heartbeat)
    const events = ['delivered', 'open'].map((event) => ({ email: 'ann@example.com', timestamp: nowSec(), sg_event_id: uid('sg'), event, marker: uid() }));
    const body = sendgridBody(events);
    expect((await postWebhook(t, 'sendgrid', body, sg.headers(body))).status).toBe(200);
    const [first, second] = await s.waitFor(2);
    expect([first!.event, second!.event]).toEqual(['email.delivered', 'email.opened']);
    expect(first!.json).toMatchObject({ type: 'email.delivered', provider: 'sendgrid', seq: Number(first!.id), data: { recipient: 'ann@example.com' } });
    expect(first!.json.raw).toMatchObject({ sg_event_id: events[0]!.sg_event_id });
    const stored = await t.api(`/api/v1/events/${first!.json.id}`);
    expect(stored.body.seq).toBe(Number(first!.id));
    s.close();
  });

  it('resumes after Last-Event-ID: missed events first, then live ones, none twice', async () => {
    const a = await tenant();
    const s1 = await a.open();
    await s1.until(() => s1.comments.length > 0);
    const before = [await a.record(), await a.record()];
    await s1.waitFor(2);
    s1.close();
    const missed = [await a.record(), await a.record(), await a.record()];

    const s2 = await a.open('', { 'last-event-id': s1.messages[1]!.id! });
    await s2.waitFor(3);
    const live = await a.record('email.clicked');
    await s2.waitFor(4);
    await new Promise((r) => setTimeout(r, 300)); // a duplicate from the table poll would arrive by now
    expect(seqs(s1.messages)).toEqual(before.map((e) => e.seq));
    expect(seqs(s2.messages)).toEqual([...missed, live].map((e) => e.seq));
    s2.close();

    const s3 = await a.open(`?lastEventId=${before[0]!.seq}`); // the query form, for EventSource
    await s3.waitFor(5);
    expect(seqs(s3.messages)).toEqual([before[1]!, ...missed, live].map((e) => e.seq));
    s3.close();
  });

  it('has no gap and no duplicate while events are recorded during the replay', async () => {
    const a = await tenant();
    // A backlog of several replay pages, large enough that the replay takes a while.
    const pad = 'x'.repeat(1000);
    const recorded: UnifiedEvent[] = await t.hub.store.write(async (trx) => {
      const out: UnifiedEvent[] = [];
      for (let i = 0; i < 1200; i++) out.push((await t.hub.events.record(trx, { tenantId: a.id, type: 'email.delivered', provider: 'sendgrid', occurredAt: Date.now(), data: { pad }, raw: null }))!);
      return out;
    });
    let writing = true;
    const writer = (async () => {
      while (writing) recorded.push(await a.record());
    })();
    const s = await a.open('', { 'last-event-id': '0' });
    await s.waitFor(1250, 15_000);
    writing = false;
    await writer;
    await s.until(() => s.messages.length >= recorded.length);
    await new Promise((r) => setTimeout(r, 300));
    const got = seqs(s.messages);
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort((x, y) => x - y)).toEqual(recorded.map((e) => e.seq));
    s.close();
  });

  it('sends only the types asked for, and only the key tenant events', async () => {
    const a = await tenant();
    const b = await tenant();
    const s = await a.open('?type=email.bounced,webhook.*');
    await s.until(() => s.comments.length > 0);
    await b.record('email.bounced');
    await a.record('email.delivered');
    const bounced = await a.record('email.bounced');
    await a.record('email.opened');
    const exhausted = await a.record('webhook.delivery.exhausted');
    await s.waitFor(2);
    await new Promise((r) => setTimeout(r, 300));
    expect(s.messages.map((m) => m.event)).toEqual(['email.bounced', 'webhook.delivery.exhausted']);
    expect(seqs(s.messages)).toEqual([bounced.seq, exhausted.seq]);
    s.close();
  });

  it('accepts ?access_token=, refuses no key (401), a key without events:read (403) and bad ids (400)', async () => {
    const a = await tenant();
    const s = await openSse(`${t.url}${STREAM}?access_token=${a.key}`);
    expect(s.status).toBe(200);
    await s.until(() => s.comments.some((c) => c === 'heartbeat'));
    const e = await a.record();
    expect(seqs(await s.waitFor(1))).toEqual([e.seq]);
    s.close();

    expect((await fetch(`${t.url}${STREAM}`)).status).toBe(401);
    expect((await fetch(`${t.url}${STREAM}?access_token=sk_nope`)).status).toBe(401);
    const { key } = await t.hub.apiKeys.create({ name: 'mail-only', scopes: ['email:read'] });
    expect((await fetch(`${t.url}${STREAM}?access_token=${key}`)).status).toBe(403);
    const bad = await fetch(`${t.url}${STREAM}`, { headers: { authorization: `Bearer ${a.key}`, 'last-event-id': 'abc' } });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Problem).errors[0]!.field).toBe('Last-Event-ID');
    const badType = await fetch(`${t.url}${STREAM}?type=nope!`, { headers: { authorization: `Bearer ${a.key}` } });
    expect(((await badType.json()) as Problem).errors[0]!.field).toBe('type');
  });
});

describe('closing the hub', () => {
  it('ends open streams so close() does not hang', async () => {
    const h = await startTestHub({ EVENTS_SSE_HEARTBEAT_MS: '50' });
    const s = await openSse(`${h.url}${STREAM}`, { authorization: `Bearer ${h.key}` });
    await s.until(() => s.comments.length > 0);
    const started = Date.now();
    await h.close();
    await s.ended;
    expect(Date.now() - started).toBeLessThan(3000);
  });
});
