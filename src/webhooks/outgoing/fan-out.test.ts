import { createServer } from 'node:http';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { startTestHub } from '../../../test/helpers/hub.js';
import { outgoingOf } from './index.js';

describe('fan-out of several events recorded together', async () => {
  const t = await startTestHub({ SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8' });
  afterAll(() => t.close());
  const out = outgoingOf(t.hub);
  // Endpoints are never called here: the workers are stopped and only the rows are read.
  await t.hub.queue.stop();
  const url = (n: string) => `http://127.0.0.1:9/${n}`;
  const aAll = await out.endpoints.create('ta', { url: url('a-all'), eventTypes: ['*'] });
  const aEmail = await out.endpoints.create('ta', { url: url('a-email'), eventTypes: ['email.*'] });
  const aOff = await out.endpoints.create('ta', { url: url('a-off'), eventTypes: ['*'] });
  await out.endpoints.update('ta', aOff.id, { enabled: false });
  const bPay = await out.endpoints.create('tb', { url: url('b-pay'), eventTypes: ['payment.*'] });

  it('one recordMany: each event goes to the enabled endpoints of its own tenant whose patterns match it, with its own message', async () => {
    const ev = (tenantId: string, type: string, n: number) => ({ tenantId, type, provider: 'test', occurredAt: Date.now(), data: { n }, raw: null });
    const recorded = await t.hub.store.write((trx) =>
      t.hub.events.recordMany(trx, [ev('ta', 'email.delivered', 1), ev('ta', 'payment.succeeded', 2), ev('tb', 'payment.succeeded', 3), ev('tb', 'email.bounced', 4), ev('tc', 'email.sent', 5)]),
    );
    const ids = recorded.map((e) => e!.id);
    const rows = await t.hub.store.db
      .selectFrom('webhook_deliveries as d')
      .innerJoin('webhook_messages as m', 'm.id', 'd.message_id')
      .select(['m.event_id', 'd.endpoint_id', 'm.payload', 'd.id as delivery'])
      .where('m.event_id', 'in', ids)
      .execute();
    const to = (i: number) => rows.filter((r) => r.event_id === ids[i]).map((r) => r.endpoint_id).sort();
    expect(to(0)).toEqual([aAll.id, aEmail.id].sort());
    expect(to(1)).toEqual([aAll.id]);
    expect(to(2)).toEqual([bPay.id]);
    expect(to(3)).toEqual([]);
    expect(to(4)).toEqual([]);
    for (const r of rows) expect(JSON.parse(r.payload)).toMatchObject({ id: r.event_id, data: { data: { n: ids.indexOf(r.event_id) + 1 } } });
    // one message per event, one first-attempt job per delivery
    expect(new Set(rows.map((r) => r.payload)).size).toBe(3);
    const jobs = await t.hub.store.db.selectFrom('jobs').select('payload').where('type', '=', 'webhook.deliver').execute();
    const jobDeliveries = jobs.map((j) => (JSON.parse(j.payload) as { d: string }).d);
    for (const r of rows) expect(jobDeliveries).toContain(r.delivery);
  });
});

describe('waking the delivery workers', async () => {
  const got: string[] = [];
  const receiver = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => (got.push(body), res.end('ok')));
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', () => r()));
  const port = (receiver.address() as { port: number }).port;
  // A queue that would only poll once a minute: a prompt delivery means the commit woke it.
  const t = await startTestHub({ SWITCHBOARD_WEBHOOK_ALLOWLIST: '127.0.0.0/8', QUEUE_POLL_MS: '60000' });
  afterAll(async () => {
    await t.close();
    receiver.close();
  });
  const out = outgoingOf(t.hub);
  await out.endpoints.create('default', { url: `http://127.0.0.1:${port}/hook`, eventTypes: ['listened.*'] });
  const ev = (type: string) => ({ tenantId: 'default', type, provider: 'test', occurredAt: Date.now(), data: {}, raw: null });

  it('an event no endpoint listens to does not wake them; one with a delivery does, after its commit, and it is delivered at once', async () => {
    const wake = vi.spyOn(t.hub.queue, 'wake');
    await t.hub.events.recordNow(ev('ignored.thing'));
    expect(wake).not.toHaveBeenCalled();
    const e = await t.hub.events.recordNow(ev('listened.thing'));
    expect(wake).toHaveBeenCalled();
    await expect.poll(() => got.some((b) => b.includes(e!.id)), { timeout: 10_000 }).toBe(true);
  });
});
