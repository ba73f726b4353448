/**
 * Calendar sync with Outlook through a sandbox hub and the Graph emulator: a subscription with
 * the validation handshake and `clientState`, change notifications into `calendar.event.*`, and
 * the lifecycle notifications: `reauthorizationRequired` extends the subscription (Graph can),
 * `subscriptionRemoved` subscribes anew, `missed` syncs. Delta expiry (`syncStateNotFound`) makes
 * a full resync that applies the deletion it missed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProviderCatalog } from '../src/kit/catalog.js';
import { outlook } from '../src/providers/outlook/index.js';
import { PROVIDERS } from '../src/providers/registry.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

// Outlook joins the registry at integration; until then this file adds it to its own catalog.
const catalog = new ProviderCatalog(PROVIDERS.some((p) => p.manifest.id === 'outlook') ? PROVIDERS : [...PROVIDERS, outlook]);
const C = '/api/v1/calendar';

describe('calendar sync with Outlook (Graph emulator)', () => {
  let t: TestHub;
  let origin: string;
  const events = async (type: string) => (await t.hub.store.db.selectFrom('events').select('data').where('type', '=', type).orderBy('seq').execute()).map((e) => JSON.parse(e.data) as { eventId: string; vanished?: boolean });
  const tracked = async () => (await t.api(`${C}/sync`)).body.data[0] as { id: string; mode: string; status: string; channel: { channelId: string; expiresAt: string } };
  const lifecycle = (subscriptionId: string, lifecycleEvent: string) => fetch(`${origin}/__emulator/lifecycle`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ subscriptionId, lifecycleEvent }) });

  beforeAll(async () => {
    t = await startTestHub({ CALENDAR_PROVIDERS: 'outlook' }, { catalog });
    origin = new URL(t.hub.connections.emulator('outlook')!.url).origin;
  });
  afterAll(() => t?.close());

  it('subscribes, turns notifications into events, follows lifecycle notifications and a delta expiry', async () => {
    const keep = (await t.api(`${C}/calendars/primary/events`, { body: { summary: 'Before tracking', start: '2027-08-02T09:00:00Z', end: '2027-08-02T10:00:00Z' } })).body.eventId as string;
    const made = await t.api(`${C}/sync`, { body: { provider: 'outlook', calendarId: 'primary' } });
    expect(made.status, JSON.stringify(made.body)).toBe(201);
    expect(made.body).toMatchObject({ provider: 'outlook', mode: 'push', status: 'active' });
    const first = made.body.channel as { channelId: string; expiresAt: string };

    const created = (await t.api(`${C}/calendars/primary/events`, { body: { summary: 'Pushed', start: '2027-08-03T09:00:00Z', end: '2027-08-03T10:00:00Z' } })).body.eventId as string;
    await expect.poll(async () => (await events('calendar.event.created')).map((e) => e.eventId), { timeout: 8000 }).toEqual([created]);

    // Graph asks for reauthorization: the subscription is extended (renewWatch), same id.
    const before = Date.parse((await tracked()).channel.expiresAt);
    await new Promise((r) => setTimeout(r, 20));
    expect((await lifecycle(first.channelId, 'reauthorizationRequired')).ok).toBe(true);
    await expect.poll(async () => Date.parse((await tracked()).channel.expiresAt), { timeout: 8000 }).toBeGreaterThan(before);
    expect((await tracked()).channel.channelId).toBe(first.channelId);

    // Graph removed the subscription: the hub subscribes anew and keeps hearing changes.
    expect((await lifecycle(first.channelId, 'subscriptionRemoved')).ok).toBe(true);
    await expect.poll(async () => (await tracked()).channel.channelId, { timeout: 8000 }).not.toBe(first.channelId);
    await t.api(`${C}/calendars/primary/events/${created}`, { method: 'PATCH', body: { summary: 'Pushed (edited)' } });
    await expect.poll(async () => (await events('calendar.event.updated')).map((e) => e.eventId), { timeout: 8000 }).toEqual([created]);

    // The delta link expires while an event is deleted: the full resync finds the deletion.
    expect((await fetch(`${origin}/__emulator/expire-delta`, { method: 'POST' })).ok).toBe(true);
    expect((await t.api(`${C}/calendars/primary/events/${keep}`, { method: 'DELETE' })).status).toBe(204);
    await expect.poll(async () => (await events('calendar.event.deleted')).map((e) => e.eventId), { timeout: 8000 }).toEqual([keep]);
    expect((await events('calendar.event.deleted'))[0]!.vanished).toBe(true); // found by comparing, not told by the delta
    expect(await tracked()).toMatchObject({ status: 'active', mode: 'push' });
  });
});
