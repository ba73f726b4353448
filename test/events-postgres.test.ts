/**
 * Several hubs on one PostgreSQL database: an event recorded by hub A reaches an SSE stream on
 * hub B (through B's table poll, not an in-process bus), also while B replays after
 * Last-Event-ID and A keeps recording. Skipped loudly without PostgreSQL; fails under CI=true.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { openSse } from './helpers/sse.js';
import { uid } from './helpers/signed-webhooks.js';
import { postgresAvailable, postgresFixture, type StoreFixture } from './helpers/stores.js';

const available = await postgresAvailable();
let fixture: StoreFixture;
let a: TestHub;
let b: TestHub;

describe.skipIf(!available)('event stream across hubs on PostgreSQL', () => {
  beforeAll(async () => {
    fixture = postgresFixture();
    await (await fixture.open()).close(); // creates the schema and runs migrations once
    const env = { DATABASE_URL: fixture.options.databaseUrl!, EVENTS_POLL_MS: '100', EVENTS_SSE_HEARTBEAT_MS: '100' };
    a = await startTestHub(env);
    b = await startTestHub(env);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await fixture?.cleanup();
  });

  const record = (tenantId: string, type = 'email.delivered') =>
    a.hub.events.recordNow({ tenantId, type, provider: 'sendgrid', occurredAt: Date.now(), data: { n: uid() }, raw: null }) as Promise<UnifiedEvent>;

  it('an event recorded by hub A reaches a stream on hub B', async () => {
    const s = await openSse(`${b.url}/api/v1/events/stream?type=email.bounced`, { authorization: `Bearer ${b.key}` });
    await s.until(() => s.comments.length > 0);
    await record('default', 'email.delivered');
    const e = await record('default', 'email.bounced');
    const [m] = await s.waitFor(1);
    expect(m!.json).toMatchObject({ id: e.id, seq: e.seq, type: 'email.bounced' });
    await new Promise((r) => setTimeout(r, 300));
    expect(s.messages).toHaveLength(1);
    s.close();
  });

  it('resumes on hub B while hub A records: no gap, no duplicate', async () => {
    const tenantId = uid('tn_');
    const { key } = await b.hub.apiKeys.create({ name: tenantId, tenantId, scopes: ['events:read'] });
    const recorded: UnifiedEvent[] = [];
    for (let i = 0; i < 30; i++) recorded.push(await record(tenantId));
    let writing = true;
    const writer = (async () => {
      while (writing) recorded.push(await record(tenantId));
    })();
    const s = await openSse(`${b.url}/api/v1/events/stream`, { authorization: `Bearer ${key}`, 'last-event-id': String(recorded[4]!.seq) });
    await s.waitFor(60, 10_000);
    writing = false;
    await writer;
    const expected = recorded.slice(5).map((e) => e.seq);
    await s.until(() => s.messages.length >= expected.length);
    await new Promise((r) => setTimeout(r, 300));
    const got = s.messages.map((m) => Number(m.id));
    expect(new Set(got).size).toBe(got.length);
    expect([...got].sort((x, y) => x - y)).toEqual(expected);
    s.close();
  });
});
