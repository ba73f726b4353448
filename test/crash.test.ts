/**
 * Crash safety with a real process: a hub sending a bulk job is killed with SIGKILL mid-way,
 * restarted on the same database, and finishes: nobody is lost. A graceful stop (SIGTERM) and
 * restart sends nobody twice. The provider is a SendGrid emulator in this test process, so what it
 * accepted outlives the hub.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sendgrid } from '../src/providers/sendgrid/index.js';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import { startChildHub, type ChildHub } from './helpers/child-hub.js';
import { postgresAvailable, postgresFixture } from './helpers/stores.js';

const KEY = 'sb_test_crash_suite_admin_key_0123456789';
let emulator: SendgridEmulator;

beforeAll(async () => {
  emulator = (await sendgrid.startEmulator!({ eventDelayMs: 5 })) as SendgridEmulator;
});
afterAll(async () => {
  await emulator?.close();
});

function hubEnv(dataDir: string): Record<string, string> {
  return {
    DATA_DIR: dataDir,
    SWITCHBOARD_API_KEY: KEY,
    EMAIL_PROVIDERS: 'sendgrid',
    SENDGRID_API_KEY: emulator.credentials.apiKey,
    SENDGRID_API_BASE: emulator.url,
    SENDGRID_FROM_EMAIL: 'crash@example.com',
    RATE_LIMIT_SENDGRID: '400/s',
    QUEUE_POLL_MS: '50',
    QUEUE_LEASE_MS: '2000',
  };
}

async function startBulk(hub: ChildHub, n: number, tag: string): Promise<string> {
  const recipients = Array.from({ length: n }, (_, i) => ({ to: `${tag}-${i}@example.com`, variables: { n: String(i) } }));
  const res = await fetch(`${hub.url}/api/v1/integrations/email/bulk`, {
    method: 'POST',
    headers: { authorization: `Bearer ${KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ subject: 'Hello {{n}}', text: 'n={{n}}', recipients }),
  });
  expect(res.status).toBe(202);
  return ((await res.json()) as { id: string }).id;
}

function received(tag: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const m of emulator.accepted) {
    const to = m.body.personalizations[0]!.to[0]!.email;
    if (to.startsWith(`${tag}-`)) counts.set(to, (counts.get(to) ?? 0) + 1);
  }
  return counts;
}

async function progress(hub: ChildHub, id: string) {
  const res = await fetch(`${hub.url}/api/v1/jobs/${id}?limit=1`, { headers: { authorization: `Bearer ${KEY}` } });
  return (await res.json()) as { sent: number; failed: number; pending: number; status: string };
}

describe('a hub process killed in the middle of a bulk send', () => {
  it('SIGKILL: after a restart every recipient is sent; only sends in flight at the kill may repeat', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-crash-'));
    const n = 600;
    let hub = await startChildHub(hubEnv(dataDir));
    const id = await startBulk(hub, n, 'kill');
    await expect.poll(() => received('kill').size, { timeout: 30_000, interval: 10 }).toBeGreaterThan(100);
    await hub.stop('SIGKILL');
    const atKill = received('kill').size;
    expect(atKill).toBeLessThan(n); // killed mid-way for real
    hub = await startChildHub(hubEnv(dataDir));
    try {
      await expect.poll(async () => (await progress(hub, id)).status, { timeout: 60_000, interval: 200 }).toBe('completed');
      const p = await progress(hub, id);
      expect(p).toMatchObject({ sent: n, failed: 0, pending: 0 });
      const counts = received('kill');
      expect(counts.size).toBe(n);
      const repeats = [...counts.values()].filter((c) => c > 1).length;
      expect(repeats).toBeLessThanOrEqual(16); // at most the sends in flight (QUEUE_CONCURRENCY)
    } finally {
      await hub.stop('SIGTERM');
    }
  });

  it('SIGTERM: a graceful restart resumes and sends nobody twice', { timeout: 120_000 }, async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sb-term-'));
    const n = 400;
    let hub = await startChildHub(hubEnv(dataDir));
    const id = await startBulk(hub, n, 'term');
    await expect.poll(() => received('term').size, { timeout: 30_000, interval: 10 }).toBeGreaterThan(50);
    await hub.stop('SIGTERM');
    expect(received('term').size).toBeLessThan(n);
    hub = await startChildHub(hubEnv(dataDir));
    try {
      await expect.poll(async () => (await progress(hub, id)).status, { timeout: 60_000, interval: 200 }).toBe('completed');
      const counts = received('term');
      expect(counts.size).toBe(n);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
    } finally {
      await hub.stop('SIGTERM');
    }
  });
});

describe('several hub processes on one PostgreSQL', () => {
  it('share the queue: a bulk job accepted by one is worked by both, everyone sent exactly once', { timeout: 120_000 }, async (ctx) => {
    if (!(await postgresAvailable())) return ctx.skip();
    const fixture = postgresFixture();
    await (await fixture.open()).close();
    const env = { ...hubEnv(mkdtempSync(join(tmpdir(), 'sb-pg-'))), DATABASE_URL: fixture.options.databaseUrl! };
    const [a, b] = await Promise.all([startChildHub(env), startChildHub(env)]);
    try {
      const n = 500;
      const id = await startBulk(a, n, 'multi');
      await expect.poll(async () => (await progress(b, id)).status, { timeout: 60_000, interval: 200 }).toBe('completed');
      const counts = received('multi');
      expect(counts.size).toBe(n);
      expect([...counts.values()].every((c) => c === 1)).toBe(true);
      const store = await fixture.open();
      const workers = await store.db.selectFrom('jobs').select('locked_by').distinct().where('batch_id', '=', id).execute();
      await store.close();
      expect(workers.length).toBe(2);
    } finally {
      await Promise.all([a.stop('SIGTERM'), b.stop('SIGTERM')]);
      await fixture.cleanup();
    }
  });
});
