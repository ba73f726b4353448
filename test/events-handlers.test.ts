/**
 * `hub.on(pattern, handler)`: handlers run from the durable queue, once per matching event; a
 * handler that throws is retried (not lost); handlers registered later do not get earlier events;
 * a restarted hub that registers the same handlers runs the jobs its predecessor left.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { HANDLER_JOB } from '../src/events/handlers.js';
import { createHub } from '../src/hub.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { uid } from './helpers/signed-webhooks.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

const poll = { timeout: 10_000, interval: 20 };
const settle = () => new Promise((r) => setTimeout(r, 300));

function record(tenantId: string, type: string) {
  return t.hub.events.recordNow({ tenantId, type, provider: 'sendgrid', occurredAt: Date.now(), data: { recipient: 'ann@example.com' }, raw: null }) as Promise<UnifiedEvent>;
}

describe('hub.on', () => {
  it('calls each matching handler once per event, with the stored event', async () => {
    const tenant = uid('tn_');
    const mine = (e: UnifiedEvent) => e.tenantId === tenant;
    const bounced: UnifiedEvent[] = [];
    const email: string[] = [];
    const sms: string[] = [];
    t.hub.on('email.bounced', (e) => {
      if (mine(e)) bounced.push(e);
    });
    t.hub.on('email.*', (e) => {
      if (mine(e)) email.push(e.type);
    });
    t.hub.on('sms.*', (e) => {
      if (mine(e)) sms.push(e.type);
    });
    const b = await record(tenant, 'email.bounced');
    await record(tenant, 'email.delivered');
    await record(tenant, 'webhook.delivery.exhausted');
    await expect.poll(() => email.length, poll).toBe(2);
    await settle();
    expect(bounced.map((e) => e.id)).toEqual([b.id]);
    expect(bounced[0]).toMatchObject({ type: 'email.bounced', seq: b.seq, data: { recipient: 'ann@example.com' }, tenantId: tenant });
    expect(email.sort()).toEqual(['email.bounced', 'email.delivered']);
    expect(sms).toEqual([]);
    expect(() => t.hub.on('email.*.x', () => {})).toThrow(/not a type pattern/);
  });

  it('retries a handler that throws until it succeeds, and loses nothing', async () => {
    const tenant = uid('tn_');
    const attempts: number[] = [];
    t.hub.on('email.dropped', (e, ctx) => {
      if (e.tenantId !== tenant) return;
      attempts.push(ctx.attempt);
      if (attempts.length <= 2) throw new Error(`flaky ${attempts.length}`);
    });
    const e = await record(tenant, 'email.dropped');
    await expect.poll(() => attempts.length, { timeout: 15_000, interval: 50 }).toBe(3);
    await settle();
    expect(attempts).toEqual([1, 2, 3]);
    const jobs = await t.hub.store.db.selectFrom('jobs').selectAll().where('type', '=', HANDLER_JOB).where('payload', 'like', `%email.dropped#%${e.id}%`).execute();
    expect(jobs.map((j) => [j.status, j.attempts])).toEqual([['done', 3]]);
    expect(jobs[0]!.last_error).toMatch(/flaky 2/);
  });

  it('does not give a handler the events recorded before it was registered', async () => {
    const tenant = uid('tn_');
    await record(tenant, 'email.deferred');
    const seen: string[] = [];
    t.hub.on('email.deferred', (e) => {
      if (e.tenantId === tenant) seen.push(e.id);
    });
    const after = await record(tenant, 'email.deferred');
    await expect.poll(() => seen.length, poll).toBe(1);
    await settle();
    expect(seen).toEqual([after.id]);
  });
});

describe('hub.on across a restart', () => {
  it('a restarted hub that registers the same handlers runs the jobs left behind', async () => {
    const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-on-')), QUEUE_POLL_MS: '50' };
    const first = await createHub({ env, startWorkers: false });
    const firstCalls: string[] = [];
    first.on('email.opened', (e) => void firstCalls.push(e.id));
    first.on('email.opened', () => {}); // key email.opened#1: jobs of both are left
    const e = await first.events.recordNow({ tenantId: 'default', type: 'email.opened', provider: 'mailgun', occurredAt: Date.now(), data: {}, raw: null });
    await first.close();
    expect(firstCalls).toEqual([]);

    const second = await createHub({ env });
    try {
      const calls: string[] = [];
      second.on('email.opened', (ev) => void calls.push(`#0 ${ev.id}`));
      second.on('email.opened', (ev) => void calls.push(`#1 ${ev.id}`));
      await expect.poll(() => calls.length, poll).toBe(2);
      expect(calls.sort()).toEqual([`#0 ${e!.id}`, `#1 ${e!.id}`]);
    } finally {
      await second.close();
    }
  });
});
