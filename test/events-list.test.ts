/**
 * `GET /api/v1/events` and `/events/:id`: filters (type with wildcards, provider, receivedAt
 * window), cursor pages in both orders without gap or duplicate, tenant isolation, 400s naming
 * the field, and the type registry's pattern matching.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecordInput, UnifiedEvent } from '../src/events/event-store.js';
import { eventTypeList, isTypePattern, matchesType } from '../src/events/types.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { uid } from './helpers/signed-webhooks.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

/** A tenant with its own events:read key. */
async function tenant(scopes = ['events:read']) {
  const id = uid('tn_');
  const { key } = await t.hub.apiKeys.create({ name: id, tenantId: id, scopes });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON answers
  const get = async (path: string): Promise<{ status: number; body: any }> => {
    const res = await fetch(t.url + path, { headers: { authorization: `Bearer ${key}` } });
    return { status: res.status, body: await res.json() };
  };
  const record = async (type: string, extra: Partial<RecordInput> = {}) =>
    (await t.hub.events.recordNow({ tenantId: id, type, provider: 'sendgrid', occurredAt: Date.now(), data: { n: uid() }, raw: { r: 1 }, ...extra }))!;
  return { id, key, get, record };
}

/** Follow nextCursor to the end; answers the ids in order. */
async function allPages(get: (p: string) => Promise<{ status: number; body: { data: UnifiedEvent[]; nextCursor: string | null } }>, query: string) {
  const ids: string[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const res = await get(`/api/v1/events?${query}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    expect(res.status).toBe(200);
    ids.push(...res.body.data.map((e) => e.id));
    cursor = res.body.nextCursor;
    pages++;
  } while (cursor && pages < 100);
  return { ids, pages };
}

describe('GET /api/v1/events', () => {
  it('pages through every event once, newest first by default and in stream order with order=asc', async () => {
    const a = await tenant();
    const recorded: UnifiedEvent[] = [];
    for (let i = 0; i < 23; i++) recorded.push(await a.record(i % 2 ? 'email.delivered' : 'email.bounced'));
    const ids = recorded.map((e) => e.id);

    const desc = await allPages(a.get, 'limit=5');
    expect(desc.ids).toEqual([...ids].reverse());
    expect(desc.pages).toBe(5);
    const asc = await allPages(a.get, 'limit=7&order=asc');
    expect(asc.ids).toEqual(ids);
    expect(new Set(asc.ids).size).toBe(23);

    const first = await a.get('/api/v1/events?limit=1');
    expect(first.body.data[0]).toMatchObject({ id: ids[22], seq: recorded[22]!.seq, type: 'email.bounced', provider: 'sendgrid', data: recorded[22]!.data, raw: { r: 1 } });
    expect(first.body.data[0].tenantId).toBeUndefined();
    const exact = await a.get('/api/v1/events?limit=23');
    expect(exact.body.nextCursor).toBeNull();
  });

  it('filters by type (exact, wildcard, repeated, comma list), provider and receivedAt', async () => {
    const a = await tenant();
    const bounced = await a.record('email.bounced');
    const exhausted = await a.record('webhook.delivery.exhausted', { provider: 'switchboard' });
    const delivered = await a.record('email.delivered', { provider: 'mailgun' });
    await new Promise((r) => setTimeout(r, 15));
    const later = await a.record('email.spam_report');
    const ids = async (q: string) => (await a.get(`/api/v1/events?order=asc&${q}`)).body.data.map((e: UnifiedEvent) => e.id);

    expect(await ids('type=email.bounced')).toEqual([bounced.id]);
    expect(await ids('type=email.*')).toEqual([bounced.id, delivered.id, later.id]);
    expect(await ids('type=webhook.*')).toEqual([exhausted.id]);
    expect(await ids('type=email.bounced&type=webhook.delivery.exhausted')).toEqual([bounced.id, exhausted.id]);
    expect(await ids('type=email.delivered,email.spam_report')).toEqual([delivered.id, later.id]);
    expect(await ids('type=*')).toHaveLength(4);
    expect(await ids('provider=mailgun,switchboard')).toEqual([exhausted.id, delivered.id]);
    expect(await ids(`since=${encodeURIComponent(later.receivedAt)}`)).toEqual([later.id]);
    expect(await ids(`until=${encodeURIComponent(later.receivedAt)}`)).toEqual([bounced.id, exhausted.id, delivered.id]);
    expect(await ids(`type=email.*&provider=sendgrid&until=${encodeURIComponent(later.receivedAt)}`)).toEqual([bounced.id]);
  });

  it('answers 400 naming the field for bad parameters', async () => {
    const a = await tenant();
    const cases: [string, string][] = [
      ['limit=0', 'limit'],
      ['limit=501', 'limit'],
      ['limit=abc', 'limit'],
      ['type=Email!', 'type'],
      ['type=email.*.x', 'type'],
      ['since=yesterday', 'since'],
      ['until=2025-13-45T00:00:00Z', 'until'],
      ['since=2025-02-01T00:00:00Z&until=2025-01-01T00:00:00Z', 'until'],
      ['cursor=bm9wZQ', 'cursor'],
      ['order=up', 'order'],
    ];
    for (const [q, field] of cases) {
      const res = await a.get(`/api/v1/events?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.body.code).toBe('validation_failed');
      expect(res.body.errors[0].field, q).toBe(field);
    }
  });

  it('keeps tenants apart, in the list and by id, and needs events:read', async () => {
    const a = await tenant();
    const b = await tenant();
    const ea = await a.record('email.opened');
    const eb = await b.record('email.opened');
    expect((await a.get('/api/v1/events')).body.data.map((e: UnifiedEvent) => e.id)).toEqual([ea.id]);
    expect((await b.get('/api/v1/events')).body.data.map((e: UnifiedEvent) => e.id)).toEqual([eb.id]);
    expect((await a.get(`/api/v1/events/${ea.id}`)).body).toMatchObject({ id: ea.id, seq: ea.seq, type: 'email.opened' });
    const other = await a.get(`/api/v1/events/${eb.id}`);
    expect(other.status).toBe(404);
    expect(other.body.code).toBe('not_found');
    expect((await a.get('/api/v1/events/evt_nope')).status).toBe(404);

    const noScope = await tenant(['email:read']);
    expect((await noScope.get('/api/v1/events')).status).toBe(403);
    expect((await fetch(`${t.url}/api/v1/events`)).status).toBe(401);
  });
});

describe('event type registry', () => {
  it('matches exact types, prefix wildcards at any depth and *', () => {
    expect(matchesType('email.bounced', 'email.bounced')).toBe(true);
    expect(matchesType('email.bounced', 'email.delivered')).toBe(false);
    expect(matchesType('email.*', 'email.bounced')).toBe(true);
    expect(matchesType('email.*', 'emails.sent')).toBe(false);
    expect(matchesType('email.*', 'email')).toBe(false);
    expect(matchesType('webhook.*', 'webhook.delivery.exhausted')).toBe(true);
    expect(matchesType('webhook.delivery.*', 'webhook.endpoint.disabled')).toBe(false);
    expect(matchesType('*', 'payment.succeeded')).toBe(true);
    expect(isTypePattern('payment.*')).toBe(true);
    expect(isTypePattern('*.bounced')).toBe(false);
  });

  it('lists every email contract type and the operational types', () => {
    const types = eventTypeList().map((e) => e.type);
    for (const t of ['email.processed', 'email.deferred', 'email.delivered', 'email.bounced', 'email.dropped', 'email.opened', 'email.clicked', 'email.spam_report', 'email.unsubscribed', 'webhook.delivery.exhausted', 'webhook.endpoint.disabled']) {
      expect(types).toContain(t);
    }
    expect(eventTypeList().every((e) => e.description.length > 10 && e.type.startsWith(`${e.category}.`))).toBe(true);
  });
});
