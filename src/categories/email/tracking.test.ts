/**
 * applyEmailEvents on one delivery carrying the events of many messages (a SendGrid batch): each
 * message ends at the highest status its events reached, a duplicate event id inside the batch or
 * from an earlier delivery is stored once, events name their message by hub id or by provider id,
 * suppressing events suppress, and the unified events come out once each, in order. On SQLite and
 * PostgreSQL.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { EventStore } from '../../events/event-store.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { Store } from '../../store/store.js';
import { postgresAvailable, postgresFixture, sqliteFixture } from '../../../test/helpers/stores.js';
import { insertMessage, markSent } from './messages.js';
import { applyEmailEvents } from './tracking.js';

const hasPg = await postgresAvailable();

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('email tracking of a batch on %s', (dialect, make) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  async function open(): Promise<Store> {
    const fixture = make();
    const store = await fixture.open();
    cleanups.push(async () => {
      await store.close();
      await fixture.cleanup();
    });
    return store;
  }
  const event = (id: string, type: string, recipient: string, ref: InboundEvent['ref'], at: number, data: Record<string, unknown> = {}): InboundEvent => ({
    providerEventId: id,
    type,
    occurredAt: at,
    ref,
    data: { recipient, ...data },
    raw: { id },
  });

  it.skipIf(dialect === 'postgres' && !hasPg)('applies many messages’ events in one delivery: forward-only status, duplicates once, suppression, unified events in order', async () => {
    const store = await open();
    const stream = new EventStore(store, systemClock);
    const now = Date.now();
    await store.write(async (trx) => {
      for (const [id, tenant] of [['msg_a', 'default'], ['msg_b', 't2'], ['msg_c', 'default']] as const) {
        await insertMessage(trx, tenant, { id, to: [{ email: `${id}@example.com` }], subject: 's', text: 't' }, 'sending', now);
      }
      await markSent(trx, 'msg_a', 'sendgrid', 'SGA', now);
      await markSent(trx, 'msg_b', 'sendgrid', 'SGB', now);
      await markSent(trx, 'msg_c', 'sendgrid', 'SGC', now);
    });
    await applyEmailEvents(store, systemClock, 'sendgrid', [event('old', 'email.processed', 'msg_c@example.com', { hubId: 'msg_c' }, now)], stream);

    const batch = [
      event('a1', 'email.processed', 'msg_a@example.com', { hubId: 'msg_a' }, now + 1),
      event('b1', 'email.processed', 'msg_b@example.com', { providerObjectId: 'SGB' }, now + 1),
      event('a2', 'email.delivered', 'msg_a@example.com', { hubId: 'msg_a' }, now + 2),
      event('a0', 'email.processed', 'msg_a@example.com', { hubId: 'msg_a' }, now), // late and lower: no move back
      event('b2', 'email.bounced', 'msg_b@example.com', { providerObjectId: 'SGB' }, now + 2, { bounceType: 'hard' }),
      event('a2', 'email.delivered', 'msg_a@example.com', { hubId: 'msg_a' }, now + 2), // the same event twice in one batch
      event('old', 'email.processed', 'msg_c@example.com', { hubId: 'msg_c' }, now), // applied by an earlier delivery
      event('x1', 'email.delivered', 'nobody@example.com', { providerObjectId: 'SG-unknown' }, now + 1),
    ];
    const fresh = await applyEmailEvents(store, systemClock, 'sendgrid', batch, stream);
    expect(fresh).toBe(6);

    const status = async (id: string) => (await store.db.selectFrom('email_messages').select('status').where('id', '=', id).executeTakeFirstOrThrow()).status;
    expect(await status('msg_a')).toBe('delivered');
    expect(await status('msg_b')).toBe('bounced');
    expect(await status('msg_c')).toBe('processed');

    const rows = await store.db.selectFrom('email_events').select(['provider_event_id', 'message_id', 'tenant_id']).orderBy('provider_event_id').execute();
    expect(rows).toEqual([
      { provider_event_id: 'a0', message_id: 'msg_a', tenant_id: 'default' },
      { provider_event_id: 'a1', message_id: 'msg_a', tenant_id: 'default' },
      { provider_event_id: 'a2', message_id: 'msg_a', tenant_id: 'default' },
      { provider_event_id: 'b1', message_id: 'msg_b', tenant_id: 't2' },
      { provider_event_id: 'b2', message_id: 'msg_b', tenant_id: 't2' },
      { provider_event_id: 'old', message_id: 'msg_c', tenant_id: 'default' },
      { provider_event_id: 'x1', message_id: null, tenant_id: 'default' },
    ]);
    const suppressed = await store.db.selectFrom('suppressions').select(['tenant_id', 'email', 'reason']).execute();
    expect(suppressed).toEqual([{ tenant_id: 't2', email: 'msg_b@example.com', reason: 'bounce' }]);

    const unified = await store.db.selectFrom('events').select(['dedupe_key', 'tenant_id']).orderBy('seq').execute();
    expect(unified.map((e) => e.dedupe_key)).toEqual(['old', 'a1', 'b1', 'a2', 'a0', 'b2', 'x1']);
    expect(unified.find((e) => e.dedupe_key === 'b2')!.tenant_id).toBe('t2');

    // The same delivery again changes nothing.
    expect(await applyEmailEvents(store, systemClock, 'sendgrid', batch, stream)).toBe(0);
    expect(Number((await store.db.selectFrom('events').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow()).n)).toBe(7);
  });

  it.skipIf(dialect === 'postgres' && !hasPg)('markSent records the provider but never moves back a message its events already advanced', async () => {
    const store = await open();
    const now = Date.now();
    await store.write(async (trx) => {
      await insertMessage(trx, 'default', { id: 'msg_early', to: [{ email: 'e@example.com' }], subject: 's', text: 't' }, 'sending', now);
      await insertMessage(trx, 'default', { id: 'msg_plain', to: [{ email: 'p@example.com' }], subject: 's', text: 't' }, 'queued', now);
      await trx.updateTable('email_messages').set({ error: '{"code":"provider_unavailable"}' }).where('id', '=', 'msg_plain').execute();
    });
    // The provider's webhook beat the answer: delivered before the send was marked sent.
    await applyEmailEvents(store, systemClock, 'sendgrid', [event('e1', 'email.delivered', 'e@example.com', { hubId: 'msg_early' }, now)]);
    await store.write(async (trx) => {
      await markSent(trx, 'msg_early', 'sendgrid', 'SG-EARLY', now + 5);
      await markSent(trx, 'msg_plain', 'sendgrid', 'SG-PLAIN', now + 5);
    });
    const rows = await store.db.selectFrom('email_messages').select(['id', 'status', 'provider', 'provider_message_id', 'error', 'updated_at']).orderBy('id').execute();
    expect(rows).toEqual([
      { id: 'msg_early', status: 'delivered', provider: 'sendgrid', provider_message_id: 'SG-EARLY', error: null, updated_at: now + 5 },
      { id: 'msg_plain', status: 'sent', provider: 'sendgrid', provider_message_id: 'SG-PLAIN', error: null, updated_at: now + 5 },
    ]);
  });
});
