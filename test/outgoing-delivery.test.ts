/**
 * Delivery on a fake clock (the queue and the deliverer share it): the retry schedule's delays,
 * Retry-After on 429, 410 disabling the endpoint, exhaustion → dead + `webhook.delivery.exhausted`
 * (and no chain of further events when that event's own delivery fails), 5 days of failure
 * disabling an endpoint, fan-out by event type, resend and recover, and the retention purge.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../src/core/clock.js';
import { createHub, type Hub } from '../src/hub.js';
import { DEFAULT_RETRY_SCHEDULE_MS } from '../src/webhooks/outgoing/endpoints.js';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';
import { startReceiver, type Answer, type Receiver } from './helpers/outgoing-receiver.js';

const T0 = Date.parse('2025-03-01T00:00:00Z');
let hub: Hub;
let clock: ReturnType<typeof fakeClock>;
let receiver: Receiver;
let answer: Answer;

beforeEach(async () => {
  clock = fakeClock(T0);
  answer = { status: 500, body: 'nope' };
  receiver = await startReceiver(() => answer);
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-out-')), SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8,::1/128' };
  hub = await createHub({ env, clock, startWorkers: false });
});
afterEach(async () => {
  await hub.close();
  await receiver.close();
});

const record = (type: string, data: Record<string, unknown> = {}) => hub.events.recordNow({ tenantId: 'default', type, provider: 'sendgrid', occurredAt: clock.now(), data, raw: { x: 1 } });
const deliveries = () => hub.store.db.selectFrom('webhook_deliveries').selectAll().orderBy('created_at').execute();
const opEvents = (type: string) => hub.store.db.selectFrom('events').selectAll().where('type', '=', type).execute();
/** Run every job due now (several passes: a deferral or a follow-up job may be due at once). */
async function drain(): Promise<void> {
  while ((await hub.queue.runDue()) > 0);
}

describe('outgoing delivery on a fake clock', () => {
  it('fans out by type and follows the schedule: immediately, 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h, then dead + exhausted event', async () => {
    const out = outgoingOf(hub);
    const ep = await out.endpoints.create('default', { url: `${receiver.url}/a`, eventTypes: ['email.*'] });
    await out.endpoints.create('default', { url: `${receiver.url}/b`, eventTypes: ['payment.*'] });
    const ops = await out.endpoints.create('default', { url: `${receiver.url}/ops`, eventTypes: ['webhook.*'] });
    await record('email.bounced', { to: 'ann@example.com' });
    expect(await deliveries()).toHaveLength(1);
    const delays: number[] = [];
    for (let i = 0; i < DEFAULT_RETRY_SCHEDULE_MS.length; i++) {
      await drain();
      const [d] = await deliveries();
      expect(d!.attempts).toBe(i + 1);
      if (d!.status !== 'pending') break;
      delays.push(d!.next_attempt_at! - clock.now());
      clock.advance(d!.next_attempt_at! - clock.now() - 1);
      expect(await hub.queue.runDue()).toBe(0); // not a millisecond early
      clock.advance(1);
    }
    expect(delays).toEqual(DEFAULT_RETRY_SCHEDULE_MS.slice(1));
    const [d] = await deliveries();
    expect(d).toMatchObject({ status: 'dead', attempts: 8, last_status: 500 });
    const hits = receiver.received.filter((r) => r.path === '/a');
    expect(hits).toHaveLength(8);
    expect(new Set(hits.map((h) => h.headers['webhook-id'])).size).toBe(1);
    const body = JSON.parse(hits[0]!.body);
    expect(body).toMatchObject({ type: 'email.bounced', data: { type: 'email.bounced', provider: 'sendgrid', data: { to: 'ann@example.com' } } });
    const [exhausted] = await opEvents('webhook.delivery.exhausted');
    expect(exhausted).toMatchObject({ provider: 'switchboard' });
    expect(JSON.parse(exhausted!.data)).toMatchObject({ endpointId: ep.id, attempts: 8, lastStatus: 500 });
    // The ops endpoint (subscribed to webhook.*) gets it; when that fails to exhaustion too, no further event.
    const opsDelivery = (await deliveries()).find((x) => x.endpoint_id === ops.id)!;
    expect(opsDelivery).toBeDefined();
    for (let i = 0; i < 10; i++) {
      await drain();
      clock.advance(11 * 3600_000);
    }
    expect((await deliveries()).find((x) => x.endpoint_id === ops.id)).toMatchObject({ status: 'dead', attempts: 8 });
    expect(await opEvents('webhook.delivery.exhausted')).toHaveLength(1);
    expect(await deliveries()).toHaveLength(2);
  });

  it('honours Retry-After on 429 and 503 (never earlier than the schedule)', async () => {
    const out = outgoingOf(hub);
    await out.endpoints.create('default', { url: `${receiver.url}/a`, eventTypes: ['*'] });
    answer = { status: 429, headers: { 'retry-after': '120' } };
    await record('email.delivered');
    await drain();
    let [d] = await deliveries();
    expect(d!.next_attempt_at! - clock.now()).toBe(120_000);
    clock.advance(120_000);
    answer = { status: 503, headers: { 'retry-after': new Date(clock.now() + 3600_000).toUTCString() } };
    await drain();
    [d] = await deliveries();
    expect(d!.attempts).toBe(2);
    expect(d!.next_attempt_at! - clock.now()).toBe(3600_000);
    clock.advance(3600_000);
    answer = { status: 204 };
    await drain();
    [d] = await deliveries();
    expect(d).toMatchObject({ status: 'succeeded', attempts: 3, last_status: 204 });
  });

  it('410 Gone disables the endpoint with a reason and an operational event', async () => {
    const out = outgoingOf(hub);
    const ep = await out.endpoints.create('default', { url: `${receiver.url}/gone`, eventTypes: ['*'] });
    answer = { status: 410 };
    await record('email.delivered');
    await drain();
    expect(await out.endpoints.get('default', ep.id)).toMatchObject({ enabled: false, disabledReason: 'the endpoint answered 410 Gone' });
    expect((await deliveries())[0]).toMatchObject({ status: 'dead', attempts: 1 });
    expect(await opEvents('webhook.endpoint.disabled')).toHaveLength(1);
    await record('email.opened');
    expect(await deliveries()).toHaveLength(1); // disabled: no new deliveries
  });

  it('an endpoint failing continuously for 5 days is disabled', async () => {
    const out = outgoingOf(hub);
    const ep = await out.endpoints.create('default', { url: `${receiver.url}/down`, eventTypes: ['email.*'], retrySchedule: [0, 86_400_000, 86_400_000, 86_400_000, 86_400_000, 86_400_000, 86_400_000] });
    await record('email.delivered');
    for (let i = 0; i < 6; i++) {
      await drain();
      clock.advance(86_400_000);
    }
    expect(await out.endpoints.get('default', ep.id)).toMatchObject({ enabled: false });
    expect((await out.endpoints.get('default', ep.id)).disabledReason).toMatch(/failing continuously since 2025-03-01/);
    expect(await opEvents('webhook.endpoint.disabled')).toHaveLength(1);
    expect((await deliveries())[0]).toMatchObject({ status: 'dead', attempts: 6 });
  });

  it('resend and recover re-queue with the same webhook-id; retention purges old payloads and attempts', async () => {
    const out = outgoingOf(hub);
    const ep = await out.endpoints.create('default', { url: `${receiver.url}/r`, eventTypes: ['email.*'], retrySchedule: [0] });
    await record('email.delivered');
    await record('email.opened');
    await drain();
    expect((await deliveries()).map((d) => d.status)).toEqual(['dead', 'dead']);
    answer = { status: 200, body: 'x'.repeat(5000) };
    const [first] = await deliveries();
    await out.replay.resend('default', ep.id, first!.message_id);
    await drain();
    expect((await deliveries())[0]).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(await out.replay.recover(ep.id, T0)).toEqual({ recovered: 1 });
    await drain();
    expect((await deliveries()).map((d) => d.status)).toEqual(['succeeded', 'succeeded']);
    const ids = receiver.received.map((r) => r.headers['webhook-id']);
    expect(new Set(ids).size).toBe(2);
    const attempts = await out.replay.attempts(ep.id, { limit: 3 });
    expect(attempts.data).toHaveLength(3);
    expect(attempts.nextCursor).not.toBeNull();
    const rest = await out.replay.attempts(ep.id, { limit: 3, cursor: attempts.nextCursor! });
    expect(rest).toMatchObject({ nextCursor: null });
    const all = [...attempts.data, ...rest.data];
    expect(all.map((a) => a.statusCode).sort()).toEqual([200, 200, 500, 500]);
    expect(all.filter((a) => a.statusCode === 200).map((a) => (a.response as string).length)).toEqual([1024, 1024]);
    expect(all.find((a) => a.statusCode === 500)).toMatchObject({ response: 'nope', error: null });
    clock.advance(31 * 86_400_000);
    expect(await out.purge()).toEqual({ messages: 2, attempts: 4 });
    expect(await hub.store.db.selectFrom('webhook_messages').selectAll().execute()).toHaveLength(0);
  });
});
