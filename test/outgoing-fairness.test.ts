/**
 * Per-endpoint fairness under a backlog, on SQLite and PostgreSQL: 120 deliveries to an endpoint
 * that takes 400 ms per request are queued first, then 300 to a fast endpoint. The fast ones do
 * not wait behind the slow backlog (the slow endpoint holds at most its in-flight cap; the rest
 * of its deliveries are deferred, not waited for), every slow delivery still arrives (at least
 * once, each message under its own webhook-id), and the slow endpoint never has more than its
 * cap of requests in flight.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { sendTestMessage } from '../src/webhooks/outgoing/fan-out.js';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';
import { describeOnStores } from './helpers/store-hubs.js';
import { startReceiver, type Receiver } from './helpers/outgoing-receiver.js';

const SLOW = 120;
const FAST = 300;
const SLOW_MS = 400;
let receiver: Receiver;
let inFlightSlow = 0;
let maxInFlightSlow = 0;

beforeAll(async () => {
  receiver = await startReceiver((r) => {
    if (!r.path.startsWith('/slow')) return { status: 204 };
    maxInFlightSlow = Math.max(maxInFlightSlow, ++inFlightSlow);
    setTimeout(() => inFlightSlow--, SLOW_MS);
    return { status: 204, delayMs: SLOW_MS };
  });
});
afterAll(async () => {
  await receiver?.close();
});

describeOnStores(
  'outgoing fairness',
  (t, it, dialect) => {
    it('a slow endpoint with a backlog queued first does not hold back another endpoint', { timeout: 60_000 }, async () => {
      const out = outgoingOf(t.hub);
      const hits = (path: string) => receiver.received.filter((r) => r.path === path);
      const slow = await out.endpoints.create('default', { url: `${receiver.url}/slow-${dialect}`, eventTypes: ['webhook.test'] });
      const fast = await out.endpoints.create('default', { url: `${receiver.url}/fast-${dialect}`, eventTypes: ['webhook.test'] });
      const queue = async (endpointId: string, n: number) => {
        await t.hub.store.write(async (trx) => {
          for (let i = 0; i < n; i++) await sendTestMessage(trx, 'default', endpointId, Date.now(), { i });
        });
        t.hub.queue.wake();
      };
      maxInFlightSlow = 0;
      const slowStarted = Date.now();
      await queue(slow.id, SLOW);
      await expect.poll(() => hits(`/slow-${dialect}`).length, { timeout: 5_000, interval: 10 }).toBeGreaterThan(0);
      const started = Date.now();
      await queue(fast.id, FAST);
      await expect.poll(() => hits(`/fast-${dialect}`).length, { timeout: 10_000, interval: 20 }).toBe(FAST);
      const fastTook = Date.now() - started;
      // Behind the slow backlog in turn it would take 120 / 8 × 0.4 s = 6 s.
      expect(fastTook).toBeLessThan(4_000);
      // Meanwhile the slow endpoint got no more than its cap per 400 ms.
      expect(hits(`/slow-${dialect}`).length).toBeLessThanOrEqual(out.limits.concurrency * (Math.ceil((Date.now() - slowStarted) / SLOW_MS) + 1));
      // Every slow delivery still arrives, each message under its own webhook-id.
      await expect.poll(() => new Set(hits(`/slow-${dialect}`).map((r) => r.headers['webhook-id'])).size, { timeout: 40_000, interval: 100 }).toBe(SLOW);
      expect(maxInFlightSlow).toBeLessThanOrEqual(out.limits.concurrency);
      const succeeded = async () => (await t.hub.store.db.selectFrom('webhook_deliveries').select('id').where('endpoint_id', 'in', [slow.id, fast.id]).where('status', '=', 'succeeded').execute()).length;
      await expect.poll(succeeded, { timeout: 5_000 }).toBe(SLOW + FAST);
      // One attempt row per delivery, and their jobs completed (none left running or pending).
      const attempts = await t.hub.store.db.selectFrom('webhook_attempts').select(['delivery_id', 'status_code']).where('endpoint_id', 'in', [slow.id, fast.id]).execute();
      expect(attempts).toHaveLength(SLOW + FAST);
      expect(new Set(attempts.map((a) => a.delivery_id)).size).toBe(SLOW + FAST);
      expect(attempts.every((a) => a.status_code === 204)).toBe(true);
      const open = async () => (await t.hub.store.db.selectFrom('jobs').select('id').where('type', '=', 'webhook.deliver').where('status', 'in', ['pending', 'running']).execute()).length;
      await expect.poll(open, { timeout: 5_000 }).toBe(0);
    });
  },
  { SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8,::1/128' },
);
