/**
 * The calendar category through the whole hub in sandbox mode, over HTTP against the Google
 * Calendar emulator: the guide's routes with its names, 400s that name the field, the
 * provider-agnostic routes (calendars, events, instances, move, respond, sharing), availability
 * over several calendars, sync with a real push channel (the emulator posts notifications to the
 * hub's public URL, which verifies the channel token) and a full resync after the emulator's 410,
 * health, scopes and OpenAPI.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { hubOnOwnPort } from './helpers/hub-on-port.js';
import type { GoogleCalendarEmulator } from '../src/providers/google-calendar/emulator/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const G = '/api/v1/integrations/calendar/google';
const C = '/api/v1/calendar';


describe('calendar through the hub (Google Calendar emulator)', () => {
  let hub: Hub;
  let url: string;
  let key: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON answers
  const api = async (path: string, init: { method?: string; body?: unknown; key?: string } = {}): Promise<{ status: number; body: any }> => {
    const res = await fetch(url + path, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: { authorization: `Bearer ${init.key ?? key}`, ...(init.body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const stream = async (type: string) => (await hub.store.db.selectFrom('events').select(['type', 'data']).where('type', 'like', type).orderBy('seq').execute()).map((e) => ({ type: e.type, ...(JSON.parse(e.data) as { eventId: string }) }));
  async function until<T>(read: () => Promise<T>, ok: (v: T) => boolean, ms = 8000): Promise<T> {
    const end = Date.now() + ms;
    for (;;) {
      const v = await read();
      if (ok(v) || Date.now() > end) return v;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  beforeAll(async () => {
    ({ hub, url } = await hubOnOwnPort((publicUrl) =>
      createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-cal-')), QUEUE_POLL_MS: '50', CALENDAR_PROVIDERS: 'google-calendar', SWITCHBOARD_PUBLIC_URL: publicUrl } }),
    ));
    key = (await hub.apiKeys.create({ name: 'test-admin' })).key;
  });
  afterAll(() => hub?.close());

  it('the guide\'s routes: create (201 with id, eventId, htmlLink), list with paging, update, delete', async () => {
    const made = await api(`${G}/event`, {
      body: { summary: 'Guide review', description: 'all hands', startTime: '2027-02-01T09:00:00+01:00', endTime: '2027-02-01T10:00:00+01:00', timeZone: 'Europe/Berlin', location: 'Room 4', attendees: ['ada@example.com', { email: 'grace@example.com' }], reminders: [{ method: 'popup', minutes: 10 }] },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ id: made.body.eventId, provider: 'google-calendar', connectionId: 'conn_default_google-calendar', summary: 'Guide review', timeZone: 'Europe/Berlin', location: 'Room 4', reminders: [{ method: 'popup', minutes: 10 }] });
    expect(made.body.htmlLink).toMatch(/^https:\/\//);
    expect(made.body.attendees.map((a: { email: string }) => a.email).sort()).toEqual(['ada@example.com', 'grace@example.com']);
    await api(`${G}/event`, { body: { summary: 'Guide second', startTime: '2027-02-01T11:00:00Z', endTime: '2027-02-01T12:00:00Z' } });

    const first = await api(`${G}/events?timeMin=2027-02-01T00:00:00Z&timeMax=2027-02-02T00:00:00Z&maxResults=1`);
    expect(first.status).toBe(200);
    expect(first.body.data).toHaveLength(1);
    expect(first.body.nextPageToken).toEqual(expect.any(String));
    const second = await api(`${G}/events?timeMin=2027-02-01T00:00:00Z&timeMax=2027-02-02T00:00:00Z&maxResults=1&pageToken=${encodeURIComponent(first.body.nextPageToken)}`);
    expect([first.body.data[0].summary, second.body.data[0].summary].sort()).toEqual(['Guide review', 'Guide second']);

    const put = await api(`${G}/event/${made.body.eventId}`, { method: 'PUT', body: { summary: 'Guide review (moved)', startTime: '2027-02-01T13:00:00Z', endTime: '2027-02-01T14:00:00Z' } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ eventId: made.body.eventId, summary: 'Guide review (moved)', location: 'Room 4' });
    expect(Date.parse(put.body.start)).toBe(Date.parse('2027-02-01T13:00:00Z'));

    expect((await api(`${G}/event/${made.body.eventId}`, { method: 'DELETE' })).status).toBe(204);
    const after = await api(`${C}/calendars/primary/events/${made.body.eventId}`);
    expect(after.status === 404 ? after.body.code : after.body.status).toMatch(/^(calendar_event_not_found|cancelled)$/);
    expect((await api(`${C}/calendars/primary/events/no-such-event-1`)).body).toMatchObject({ code: 'calendar_event_not_found' });
  });

  it('answers 400s naming the field, never a 500', async () => {
    const bad = async (body: unknown, field: string) => {
      const r = await api(`${G}/event`, { body });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.code).toBe('validation_failed');
      expect(r.body.errors.map((e: { field: string }) => e.field)).toContain(field);
    };
    const ok = { summary: 'x', startTime: '2027-02-02T09:00:00Z', endTime: '2027-02-02T10:00:00Z' };
    await bad({ summary: 'x', endTime: ok.endTime }, 'startTime');
    await bad({ ...ok, startTime: '2027-02-02 09:00' }, 'startTime');
    await bad({ ...ok, endTime: '2027-02-02T08:00:00Z' }, 'endTime');
    await bad({ ...ok, endTime: '2027-02-03' }, 'endTime');
    await bad({ ...ok, timeZone: 'Mars/Olympus' }, 'timeZone');
    await bad({ ...ok, recurrence: ['RRULE:FREQ=SOMETIMES'] }, 'recurrence');
    await bad({ ...ok, recurrence: ['FREQ=WEEKLY'] }, 'recurrence.0');
    await bad({ ...ok, reminders: [{ method: 'popup', minutes: 50000 }] }, 'reminders.0.minutes');
    await bad({ ...ok, reminders: [{ method: 'sms', minutes: 5 }] }, 'reminders.0.method');
    await bad({ ...ok, attendees: ['not-an-address'] }, 'attendees.0');
    const unknown = await api('/api/v1/integrations/calendar/yahoo/event', { body: ok });
    expect(unknown.status).toBe(400);
    expect(unknown.body.errors[0].field).toBe('provider');
    const list = await api(`${C}/calendars/primary/events?timeMin=yesterday`);
    expect(list.status).toBe(400);
    expect(list.body.errors[0].field).toBe('timeMin');
  });

  it('provider-agnostic: calendars, a recurring event\'s instances with an exception, move, respond, sharing', async () => {
    const cals = await api(`${C}/calendars`);
    expect(cals.body.data.filter((c: { primary: boolean }) => c.primary)).toHaveLength(1);
    const team = await api(`${C}/calendars`, { body: { name: 'Hub team', timeZone: 'Europe/Berlin' } });
    expect(team.status).toBe(201);
    const teamId = encodeURIComponent(team.body.calendarId);

    const series = await api(`${C}/calendars/primary/events`, { body: { summary: 'Weekly', start: '2027-03-22T09:00:00+01:00', end: '2027-03-22T09:30:00+01:00', timeZone: 'Europe/Berlin', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] } });
    expect(series.status).toBe(201);
    const inst = await api(`${C}/calendars/primary/events/${series.body.eventId}/instances?timeMin=2027-03-01T00:00:00Z&timeMax=2027-05-01T00:00:00Z`);
    expect(inst.body.data.map((i: { start: string }) => new Date(i.start).toISOString())).toEqual(['2027-03-22T08:00:00.000Z', '2027-03-29T07:00:00.000Z', '2027-04-05T07:00:00.000Z']);
    const exception = await api(`${C}/calendars/primary/events/${encodeURIComponent(inst.body.data[1].eventId)}`, { method: 'PATCH', body: { summary: 'Weekly (special)' } });
    expect(exception.body).toMatchObject({ summary: 'Weekly (special)', recurringEventId: series.body.eventId });

    const moved = await api(`${C}/calendars/primary/events/${(await api(`${C}/calendars/primary/events`, { body: { summary: 'To move', start: '2027-03-01T09:00:00Z', end: '2027-03-01T10:00:00Z' } })).body.eventId}/move`, { body: { destinationCalendarId: team.body.calendarId } });
    expect(moved.body).toMatchObject({ calendarId: team.body.calendarId, summary: 'To move' });

    const invite = await api(`${C}/calendars/primary/events`, { body: { summary: 'Invite', start: '2027-03-02T09:00:00Z', end: '2027-03-02T10:00:00Z', attendees: ['ada@example.com', 'sandbox@gmail.example'] } });
    const answered = await api(`${C}/calendars/primary/events/${invite.body.eventId}/respond`, { body: { response: 'declined' } });
    expect(answered.status).toBe(200);
    expect(answered.body.attendees.find((a: { email: string }) => a.email === 'sandbox@gmail.example').responseStatus).toBe('declined');

    const rule = await api(`${C}/calendars/${teamId}/acl`, { body: { email: 'reader@example.com', role: 'reader' } });
    expect(rule.status).toBe(201);
    expect((await api(`${C}/calendars/${teamId}/acl`)).body.data.map((r: { email: string }) => r.email)).toContain('reader@example.com');
    expect((await api(`${C}/calendars/${teamId}/acl/${encodeURIComponent(rule.body.ruleId)}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`${C}/calendars/${teamId}/acl`)).body.data.map((r: { email: string }) => r.email)).not.toContain('reader@example.com');
    expect((await api(`${C}/calendars/primary/acl`, { body: { email: 'x@example.com', role: 'admin' } })).body.errors[0].field).toBe('role');
  });

  it('availability over two calendars with working hours and a buffer; an unknown calendar answers its error', async () => {
    const team = (await api(`${C}/calendars`, { body: { name: 'Availability team' } })).body.calendarId as string;
    await api(`${C}/calendars/primary/events`, { body: { summary: 'Busy 1', start: '2027-04-12T09:00:00+02:00', end: '2027-04-12T10:00:00+02:00' } });
    await api(`${C}/calendars/${encodeURIComponent(team)}/events`, { body: { summary: 'Busy 2', start: '2027-04-12T09:30:00+02:00', end: '2027-04-12T11:00:00+02:00' } });
    const r = await api(`${C}/availability`, {
      body: {
        calendars: [{ calendarId: 'primary' }, { provider: 'google-calendar', calendarId: team }, { calendarId: 'no-such-calendar' }],
        timeMin: '2027-04-12T00:00:00Z',
        timeMax: '2027-04-13T00:00:00Z',
        duration: 60,
        bufferMinutes: 15,
        workingHours: { timeZone: 'Europe/Berlin', days: { mon: [['08:00', '13:00']] } },
      },
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body.busy).toEqual([{ start: '2027-04-12T07:00:00Z', end: '2027-04-12T09:00:00Z' }]);
    // 08:00–13:00 Berlin is 06:00–11:00Z; busy 07:00–09:00Z plus 15 min each side leaves 09:15 onwards, on the hourly grid from 06:00.
    expect(r.body.slots).toEqual([{ start: '2027-04-12T10:00:00Z', end: '2027-04-12T11:00:00Z' }]);
    expect(r.body.calendars['conn_default_google-calendar/no-such-calendar'].error).toEqual(expect.any(String));
    expect(r.body.calendars[`conn_default_google-calendar/${team}`].busy).toEqual([{ start: '2027-04-12T07:30:00Z', end: '2027-04-12T09:00:00Z' }]);
    const bad = await api(`${C}/availability`, { body: { calendars: [], timeMin: '2027-04-12T00:00:00Z', timeMax: '2027-04-11T00:00:00Z', duration: 2 } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['calendars', 'duration', 'timeMax']);
  });

  it('tracks a calendar with a push channel: notifications become calendar.event.* events; a 410 resync applies deletions; health shows it', async () => {
    const tracked = await api(`${C}/sync`, { body: { calendarId: 'primary' } });
    expect(tracked.status, JSON.stringify(tracked.body)).toBe(201);
    expect(tracked.body).toMatchObject({ provider: 'google-calendar', calendarId: 'primary', mode: 'push', status: 'active', failures: 0 });
    expect(tracked.body.channel.channelId).toEqual(expect.any(String));
    expect(await stream('calendar.%')).toEqual([]); // the baseline tells nothing

    const a = (await api(`${C}/calendars/primary/events`, { body: { summary: 'Pushed A', start: '2027-05-03T09:00:00Z', end: '2027-05-03T10:00:00Z' } })).body.eventId as string;
    const b = (await api(`${C}/calendars/primary/events`, { body: { summary: 'Pushed B', start: '2027-05-03T11:00:00Z', end: '2027-05-03T12:00:00Z' } })).body.eventId as string;
    const created = await until(() => stream('calendar.event.created'), (e) => e.length >= 2);
    expect(created.map((e) => e.eventId).sort()).toEqual([a, b].sort());

    await api(`${C}/calendars/primary/events/${a}`, { method: 'PATCH', body: { summary: 'Pushed A (edited)' } });
    const updated = await until(() => stream('calendar.event.updated'), (e) => e.length >= 1);
    expect(updated).toMatchObject([{ type: 'calendar.event.updated', eventId: a, event: { summary: 'Pushed A (edited)' } }]);

    // The emulator forgets its sync tokens (410 on the next incremental sync) while B is deleted.
    const emu = hub.connections.emulator('google-calendar')!;
    const reset = await fetch(`${new URL(emu.url).origin}/__emulator/reset-sync`, { method: 'POST' });
    expect(reset.ok).toBe(true);
    await api(`${C}/calendars/primary/events/${b}`, { method: 'DELETE' });
    const deleted = await until(() => stream('calendar.event.deleted'), (e) => e.length >= 1);
    expect(deleted.map((e) => e.eventId)).toEqual([b]);
    await hub.calendar.sync.run(tracked.body.id);
    expect((await stream('calendar.event.%')).map((e) => `${e.type} ${e.eventId}`).filter((t) => t.endsWith(a) || t.endsWith(b))).toHaveLength(4); // no repeats

    // Near expiry the Google channel (which cannot be extended) is swapped: a new one opens, the
    // old one is stopped at the emulator, and changes keep arriving through the new one.
    const emuChannels = (emu as unknown as GoogleCalendarEmulator).channels;
    const oldChannel = tracked.body.channel.channelId as string;
    await hub.store.write((trx) => trx.updateTable('calendar_syncs').set({ channel_expires_at: Date.now() + 30 * 60_000 }).where('id', '=', tracked.body.id).execute());
    await hub.calendar.sync.tick();
    const swapped = (await api(`${C}/sync`)).body.data[0].channel.channelId as string;
    expect(swapped).not.toBe(oldChannel);
    expect(emuChannels.list().map((c) => c.id)).toEqual([swapped]);
    const c = (await api(`${C}/calendars/primary/events`, { body: { summary: 'After the swap', start: '2027-05-04T09:00:00Z', end: '2027-05-04T10:00:00Z' } })).body.eventId as string;
    await until(() => stream('calendar.event.created'), (e) => e.some((x) => x.eventId === c));
    expect((await stream('calendar.event.created')).map((e) => e.eventId)).toContain(c);

    const listed = await api(`${C}/sync`);
    expect(listed.body.data).toMatchObject([{ id: tracked.body.id, status: 'active', mode: 'push' }]);
    expect(listed.body.data[0].lastSyncedAt).toEqual(expect.any(String));
    const health = await fetch(`${url}/api/v1/integrations/health`).then((r) => r.json() as Promise<{ categories: Record<string, unknown> }>);
    expect(health.categories.calendar).toEqual({ status: 'ok', details: { tracked: 1, push: 1, poll: 0, failing: 0, revoked: 0 } });

    const { key: acme } = await hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    expect((await api(`${C}/sync`, { key: acme })).body.data).toEqual([]); // another tenant sees none of it
    expect((await api(`${C}/sync/${tracked.body.id}`, { method: 'DELETE', key: acme })).status).toBe(404);
    expect((await api(`${C}/sync/${tracked.body.id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await api(`${C}/sync`)).body.data).toEqual([]);
    expect((await api(`${C}/sync/${tracked.body.id}`, { method: 'DELETE' })).body.code).toBe('calendar_sync_not_found');
  });

  it('a provider that stops answering, and a revoked connection, show in health and as calendar.sync.failed', async () => {
    const tracked = (await api(`${C}/sync`, { body: { calendarId: 'primary', push: false } })).body;
    expect(tracked).toMatchObject({ mode: 'poll', status: 'active' });
    const emu = hub.connections.emulator('google-calendar')!;
    emu.chaos.errorRate = 1;
    try {
      expect(await hub.calendar.sync.run(tracked.id)).toMatchObject({ failed: expect.stringMatching(/^provider_(unavailable|timeout)$|^circuit_open$/) });
    } finally {
      emu.chaos.errorRate = 0;
    }
    expect((await api(`${C}/sync`)).body.data[0]).toMatchObject({ id: tracked.id, status: 'failing', failures: 1 });
    const health = async () => (await fetch(`${url}/api/v1/integrations/health`).then((r) => r.json() as Promise<{ status: string; categories: { calendar: { status: string; details: Record<string, number> } } }>));
    expect((await health()).categories.calendar).toMatchObject({ status: 'degraded', details: { failing: 1 } });
    expect((await health()).status).toBe('degraded');

    const conn = hub.connections.defaultConnection('google-calendar')!;
    await hub.connections.setStatus(conn, 'needs_reauth', 'the user revoked access');
    try {
      await hub.calendar.sync.run(tracked.id);
      expect((await api(`${C}/sync`)).body.data[0]).toMatchObject({ status: 'revoked', failures: 2, lastError: { code: 'connection_inactive' } });
      expect((await health()).categories.calendar.details).toMatchObject({ failing: 0, revoked: 1 });
    } finally {
      await hub.connections.setStatus(conn, 'active');
    }
    const failed = await stream('calendar.sync.failed');
    expect(failed.map((f) => (f as unknown as { status: string; failures: number }).status)).toEqual(['failing', 'revoked']);

    const back = await until(() => hub.calendar.sync.run(tracked.id), (o) => !o?.failed, 15_000);
    expect(back?.failed).toBeUndefined();
    expect((await health()).categories.calendar.status).toBe('ok');
    await api(`${C}/sync/${tracked.id}`, { method: 'DELETE' });
  });

  it('needs the calendar scopes, and documents every route in OpenAPI', async () => {
    const { key: readOnly } = await hub.apiKeys.create({ name: 'reader', scopes: ['calendar:read'] });
    expect((await api(`${C}/calendars`, { key: readOnly })).status).toBe(200);
    const refused = await api(`${C}/calendars/primary/events`, { key: readOnly, body: { summary: 'x', start: '2027-01-01T09:00:00Z', end: '2027-01-01T10:00:00Z' } });
    expect(refused.status).toBe(403);
    const spec = (await (await fetch(`${url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const I = '/api/v1/integrations/calendar/{provider}';
    const E = '/api/v1/calendar/calendars/{calendarId}/events';
    for (const [path, method] of [
      [`${I}/event`, 'post'],
      [`${I}/events`, 'get'],
      [`${I}/event/{eventId}`, 'put'],
      [`${I}/event/{eventId}`, 'delete'],
      ['/api/v1/calendar/calendars', 'get'],
      ['/api/v1/calendar/calendars', 'post'],
      [E, 'get'],
      [E, 'post'],
      [`${E}/{eventId}`, 'get'],
      [`${E}/{eventId}`, 'patch'],
      [`${E}/{eventId}`, 'delete'],
      [`${E}/{eventId}/instances`, 'get'],
      [`${E}/{eventId}/move`, 'post'],
      [`${E}/{eventId}/respond`, 'post'],
      ['/api/v1/calendar/calendars/{calendarId}/acl', 'get'],
      ['/api/v1/calendar/calendars/{calendarId}/acl', 'post'],
      ['/api/v1/calendar/calendars/{calendarId}/acl/{ruleId}', 'delete'],
      ['/api/v1/calendar/availability', 'post'],
      ['/api/v1/calendar/sync', 'post'],
      ['/api/v1/calendar/sync', 'get'],
      ['/api/v1/calendar/sync/{id}', 'delete'],
    ] as const) {
      expect(spec.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
  });
});

describe('calendar sync in sandbox mode without a public URL', () => {
  let t: TestHub;
  beforeAll(async () => {
    t = await startTestHub({ CALENDAR_PROVIDERS: 'google-calendar' });
  });
  afterAll(() => t?.close());

  it('opens the push channel at the hub\'s loopback URL, where the emulator posts', async () => {
    const tracked = await t.api(`${C}/sync`, { body: { calendarId: 'primary' } });
    expect(tracked.body).toMatchObject({ mode: 'push', status: 'active' });
    const made = await t.api(`${C}/calendars/primary/events`, { body: { summary: 'Loopback', start: '2027-07-01T09:00:00Z', end: '2027-07-01T10:00:00Z' } });
    await expect
      .poll(async () => (await t.hub.store.db.selectFrom('events').select('data').where('type', '=', 'calendar.event.created').execute()).map((e) => (JSON.parse(e.data) as { eventId: string }).eventId), { timeout: 8000 })
      .toEqual([made.body.eventId]);
  });
});
