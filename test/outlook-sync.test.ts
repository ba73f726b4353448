/**
 * Outlook tracked by the calendar category through a whole sandbox hub: the category subscribes
 * at Graph (the emulator checks the hub's URL with its validationToken), the emulator's change
 * notifications with the issued clientState become syncs over calendarView delta and so
 * `calendar.event.created|updated|deleted` events; a lifecycle `reauthorizationRequired` renews the
 * subscription (PATCH), a `subscriptionRemoved` subscribes anew, and a forgotten delta state
 * (410 `syncStateNotFound`) is a full resync that still applies the deletion it missed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { hubOnOwnPort } from './helpers/hub-on-port.js';
import type { GraphEmulator } from '../src/providers/outlook/index.js';

const C = '/api/v1/calendar';


describe('outlook tracked by the calendar category (Graph emulator)', () => {
  let hub: Hub;
  let url: string;
  let key: string;
  let graph: GraphEmulator;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  const api = async (path: string, init: { method?: string; body?: unknown } = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const stream = async (type: string) => (await hub.store.db.selectFrom('events').select(['type', 'data']).where('type', 'like', type).orderBy('seq').execute()).map((e) => ({ type: e.type, ...(JSON.parse(e.data) as { eventId: string; event?: { summary: string } }) }));
  async function until<T>(read: () => T | Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const subscriptions = () => [...graph.subscriptions.items.values()];

  beforeAll(async () => {
    ({ hub, url } = await hubOnOwnPort((publicUrl) => createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-outlook-')), QUEUE_POLL_MS: '50', CALENDAR_PROVIDERS: 'outlook', SWITCHBOARD_PUBLIC_URL: publicUrl } })));
    key = (await hub.apiKeys.create({ name: 'test-admin' })).key;
  });
  afterAll(() => hub?.close());

  it('subscribes, turns notifications into calendar.event.* events, renews and resubscribes on lifecycle notifications, resyncs after a 410', async () => {
    const tracked = await api(`${C}/sync`, { body: { provider: 'outlook', calendarId: 'primary' } });
    expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
    expect(tracked.body).toMatchObject({ provider: 'outlook', calendarId: 'primary', mode: 'push', status: 'active' });
    graph = hub.connections.emulator('outlook') as GraphEmulator;
    expect(subscriptions()).toEqual([expect.objectContaining({ id: tracked.body.channel.channelId, notificationUrl: `${url}/webhooks/outlook/conn_default_outlook`, resource: 'me/calendar/events' })]);

    const a = (await api(`${C}/calendars/primary/events?provider=outlook`, { body: { summary: 'Graph A', start: '2027-05-03T09:00:00Z', end: '2027-05-03T10:00:00Z' } })).body.eventId as string;
    const b = (await api(`${C}/calendars/primary/events?provider=outlook`, { body: { summary: 'Graph B', start: '2027-05-03T11:00:00Z', end: '2027-05-03T12:00:00Z' } })).body.eventId as string;
    const created = await until(() => stream('calendar.event.created'), (e) => e.length >= 2);
    expect(created.map((e) => e.eventId).sort()).toEqual([a, b].sort());
    expect(graph.deliveries.every((d) => d.status === 202)).toBe(true);

    await api(`${C}/calendars/primary/events/${a}?provider=outlook`, { method: 'PATCH', body: { summary: 'Graph A (edited)' } });
    expect(await until(() => stream('calendar.event.updated'), (e) => e.length >= 1)).toMatchObject([{ eventId: a, event: { summary: 'Graph A (edited)' } }]);

    // reauthorizationRequired: the same subscription is renewed (PATCH).
    const first = subscriptions()[0]!;
    graph.lifecycle(first.id!, 'reauthorizationRequired');
    await until(() => graph.requests.filter((r) => r.method === 'PATCH' && r.path === `/v1.0/subscriptions/${first.id}`), (r) => r.length >= 1);
    expect(graph.requests.some((r) => r.method === 'PATCH' && r.path === `/v1.0/subscriptions/${first.id}` && r.status === 200)).toBe(true);

    // subscriptionRemoved: Graph ended it; the category subscribes anew.
    graph.lifecycle(first.id!, 'subscriptionRemoved');
    const again = await until(() => subscriptions(), (s) => s.length === 1 && s[0]!.id !== first.id);
    expect(again.map((s) => s.id)).not.toContain(first.id);

    // Graph forgets its delta state while B is deleted: the 410 makes a full resync, which still tells the deletion.
    graph.expireDeltaTokens();
    await api(`${C}/calendars/primary/events/${b}?provider=outlook`, { method: 'DELETE' });
    expect((await until(() => stream('calendar.event.deleted'), (e) => e.length >= 1)).map((e) => e.eventId)).toEqual([b]);
    await hub.calendar.sync.run(tracked.body.id);
    expect((await stream('calendar.event.%')).filter((e) => e.eventId === a || e.eventId === b)).toHaveLength(4); // no repeats

    expect((await api(`${C}/sync/${tracked.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect(subscriptions()).toEqual([]);
  });
});
