/**
 * A hub process killed with SIGKILL in the middle of 1,000 outgoing deliveries to a local
 * receiver (which runs in this test process, so what it received outlives the hub). After a
 * restart on the same database every message arrives at least once, and every request of a
 * message — first try, retry after a 503, or replay after the crash — carries the same webhook-id.
 * On SQLite and on PostgreSQL (deliveries settle in batches whose jobs released their worker slot
 * while waiting for the commit: a kill in that window must not lose them).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startChildHub, type ChildHub } from './helpers/child-hub.js';
import { startReceiver, type Receiver } from './helpers/outgoing-receiver.js';
import { postgresAvailable, postgresFixture, type StoreFixture } from './helpers/stores.js';

const hasPg = await postgresAvailable();

const KEY = 'sb_test_outgoing_crash_admin_key_0123456789';
const N = 1000;
let receiver: Receiver;
const seen = new Map<string, number>();
let fixture: StoreFixture | undefined;

beforeAll(async () => {
  receiver = await startReceiver((r) => {
    const id = String(r.headers['webhook-id']);
    const n = (seen.get(id) ?? 0) + 1;
    seen.set(id, n);
    // every 10th message fails its first try: retries happen before and after the crash
    const fail = n === 1 && id.charCodeAt(id.length - 1) % 10 === 0;
    return fail ? { status: 503, delayMs: 20 } : { status: 204, delayMs: 20 };
  });
});
afterAll(async () => {
  await receiver?.close();
  await fixture?.cleanup();
});

function env(dataDir: string, databaseUrl = ''): Record<string, string> {
  return { DATA_DIR: dataDir, DATABASE_URL: databaseUrl, SWITCHBOARD_API_KEY: KEY, SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8,::1/128', QUEUE_POLL_MS: '50', QUEUE_LEASE_MS: '1000' };
}

async function api(hub: ChildHub, path: string, body: unknown): Promise<{ status: number; body: { id: string } }> {
  const res = await fetch(hub.url + path, { method: 'POST', headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, body: (await res.json()) as { id: string } };
}

describe.each(['sqlite', 'postgres'] as const)('outgoing webhooks: a hub killed mid-delivery on %s', (dialect) => {
  const path = `/crash-${dialect}`;
  const delivered = () => new Set(receiver.received.filter((r) => r.path === path).map((r) => String(r.headers['webhook-id']))).size;
  it.skipIf(dialect === 'postgres' && !hasPg)('SIGKILL during 1,000 deliveries: after a restart all arrive, with one webhook-id per message', { timeout: 60_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-out-crash-'));
    let databaseUrl = '';
    if (dialect === 'postgres') {
      fixture = postgresFixture();
      await (await fixture.open()).close();
      databaseUrl = fixture.options.databaseUrl!;
    }
    let hub = await startChildHub(env(dataDir, databaseUrl));
    const ep = await api(hub, '/api/v1/webhooks/endpoints', { url: `${receiver.url}${path}`, eventTypes: ['webhook.test'], retrySchedule: [0, 300, 300, 300, 300] });
    expect(ep.status).toBe(201);
    for (let i = 0; i < N; i += 50) {
      const batch = await Promise.all(Array.from({ length: 50 }, (_, j) => api(hub, `/api/v1/webhooks/endpoints/${ep.body.id}/test`, { data: { n: i + j } })));
      expect(batch.every((r) => r.status === 202)).toBe(true);
    }
    await expect.poll(delivered, { timeout: 20_000, interval: 10 }).toBeGreaterThan(100);
    await hub.stop('SIGKILL');
    const atKill = delivered();
    expect(atKill).toBeLessThan(N); // killed mid-way for real
    hub = await startChildHub(env(dataDir, databaseUrl));
    try {
      await expect.poll(delivered, { timeout: 40_000, interval: 100 }).toBe(N);
      const requests = receiver.received.filter((r) => r.path === path);
      for (const r of requests) expect(JSON.parse(r.body).id).toBe(r.headers['webhook-id']);
      const ns = new Set(requests.map((r) => (JSON.parse(r.body) as { data: { n: number } }).data.n));
      expect(ns.size).toBe(N);
      expect(requests.length).toBeGreaterThan(N); // the 503s were retried under the same id
    } finally {
      await hub.stop('SIGTERM');
    }
  });
});
