/**
 * CalDAV through a whole sandbox hub (Radicale started by the hub): the guide's routes under
 * `/api/v1/integrations/calendar/caldav/…`, the provider-agnostic routes (an occurrence changed and
 * one cancelled, respond as the sandbox account), and a tracked calendar whose polling turns a
 * create, an update and a delete made directly at Radicale into `calendar.event.*` events.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inCi, radicaleInstalled } from './helpers/radicale.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { startRadicaleEmulator, type RadicaleEmulator } from '../src/providers/caldav/index.js';

describe.skipIf(!radicaleInstalled && !inCi)('caldav on a sandbox hub', () => {
  let t: TestHub;
  let radicale: RadicaleEmulator;
  const auth = () => ({ authorization: `Basic ${Buffer.from(`${radicale.credentials.username}:${radicale.credentials.password}`).toString('base64')}` });

  beforeAll(async () => {
    t = await startTestHub();
    radicale = t.hub.connections.emulator('caldav') as RadicaleEmulator;
  });
  afterAll(() => t?.close());

  it('serves the guide\'s event routes for caldav', async () => {
    const made = await t.api('/api/v1/integrations/calendar/caldav/event', {
      body: { summary: 'Guide event', startTime: '2027-05-03T09:00:00+02:00', endTime: '2027-05-03T10:00:00+02:00', timeZone: 'Europe/Berlin', attendees: ['ada@example.com'], reminders: [{ method: 'popup', minutes: 10 }], location: 'Room 2' },
    });
    expect(made.status).toBe(201);
    expect(made.body).toMatchObject({ provider: 'caldav', summary: 'Guide event', timeZone: 'Europe/Berlin', start: '2027-05-03T09:00:00+02:00', reminders: [{ method: 'popup', minutes: 10 }] });
    const id = made.body.eventId as string;
    const stored = await fetch(`${radicale.calendarUrl}${id}.ics`, { headers: auth() });
    expect(await stored.text()).toContain('DTSTART;TZID=Europe/Berlin:20270503T090000');
    const listed = await t.api('/api/v1/integrations/calendar/caldav/events?timeMin=2027-05-03T00:00:00Z&timeMax=2027-05-04T00:00:00Z&maxResults=10');
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).toContain(id);
    const put = await t.api(`/api/v1/integrations/calendar/caldav/event/${id}`, { method: 'PUT', body: { summary: 'Guide event (renamed)' } });
    expect([put.status, put.body.summary, put.body.location]).toEqual([200, 'Guide event (renamed)', 'Room 2']);
    expect((await t.api(`/api/v1/integrations/calendar/caldav/event/${id}`, { method: 'DELETE' })).status).toBe(204);
    expect((await fetch(`${radicale.calendarUrl}${id}.ics`, { headers: auth() })).status).toBe(404);
  });

  it('lists calendars, changes one occurrence, cancels another, and answers an invitation', async () => {
    const calendars = await t.api('/api/v1/calendar/calendars?provider=caldav');
    expect(calendars.body.data.filter((c: { primary: boolean }) => c.primary).map((c: { name: string }) => c.name)).toEqual(['Calendar']);
    const series = await t.api('/api/v1/calendar/calendars/primary/events?provider=caldav', {
      body: { summary: 'Daily', start: '2027-05-10T08:00:00Z', end: '2027-05-10T08:15:00Z', recurrence: ['RRULE:FREQ=DAILY;COUNT=3'], attendees: [{ email: 'sandbox@example.com' }, { email: 'ada@example.com' }] },
    });
    expect(series.status).toBe(201);
    const base = `/api/v1/calendar/calendars/primary/events/${series.body.eventId}`;
    const instances = await t.api(`${base}/instances?provider=caldav&timeMin=2027-05-01T00:00:00Z&timeMax=2027-06-01T00:00:00Z`);
    const ids = (instances.body.data as { eventId: string }[]).map((i) => i.eventId);
    expect(ids).toEqual([`${series.body.eventId}_20270510T080000Z`, `${series.body.eventId}_20270511T080000Z`, `${series.body.eventId}_20270512T080000Z`]);
    const patched = await t.api(`/api/v1/calendar/calendars/primary/events/${ids[0]}?provider=caldav`, { method: 'PATCH', body: { summary: 'Daily (first)' } });
    expect(patched.status).toBe(200);
    expect((await t.api(`/api/v1/calendar/calendars/primary/events/${ids[1]}?provider=caldav`, { method: 'DELETE' })).status).toBe(204);
    const after = await t.api(`${base}/instances?provider=caldav&timeMin=2027-05-01T00:00:00Z&timeMax=2027-06-01T00:00:00Z`);
    expect((after.body.data as { eventId: string; summary: string }[]).map((i) => [i.eventId, i.summary])).toEqual([
      [ids[0], 'Daily (first)'],
      [ids[2], 'Daily'],
    ]);
    const answered = await t.api(`${base}/respond?provider=caldav`, { body: { response: 'accepted' } });
    expect(answered.status).toBe(200);
    expect(answered.body.attendees.map((a: { email: string; responseStatus: string }) => [a.email, a.responseStatus])).toEqual([
      ['sandbox@example.com', 'accepted'],
      ['ada@example.com', 'needsAction'],
    ]);
  });

  it('a tracked calendar turns changes made at Radicale into calendar.event.* events (polling: no push)', async () => {
    const tracked = await t.api('/api/v1/calendar/sync', { body: { provider: 'caldav' } });
    expect(tracked.status).toBe(201);
    expect(tracked.body.mode).toBe('poll');
    const uid = 'made-elsewhere-1';
    const ics = (summary: string) => `BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//elsewhere//EN\r\nBEGIN:VEVENT\r\nUID:${uid}\r\nDTSTAMP:20270101T000000Z\r\nDTSTART:20270520T100000Z\r\nDTEND:20270520T110000Z\r\nSUMMARY:${summary}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n`;
    const put = (summary: string) => fetch(`${radicale.calendarUrl}${uid}.ics`, { method: 'PUT', headers: { ...auth(), 'content-type': 'text/calendar' }, body: ics(summary) });
    const events = async () => ((await t.api('/api/v1/events?type=calendar.event.*&limit=100')).body.data as { type: string; data: { eventId: string; event?: { summary: string } } }[]).filter((e) => e.data.eventId === uid);
    expect((await put('Elsewhere')).status).toBe(201);
    await t.hub.calendar.sync.run(tracked.body.id);
    expect((await put('Elsewhere (edited)')).status).toBeLessThan(300);
    await t.hub.calendar.sync.run(tracked.body.id);
    expect((await fetch(`${radicale.calendarUrl}${uid}.ics`, { method: 'DELETE', headers: auth() })).status).toBe(200);
    await t.hub.calendar.sync.run(tracked.body.id);
    expect((await events()).map((e) => [e.type, e.data.event?.summary ?? null]).sort()).toEqual([
      ['calendar.event.created', 'Elsewhere'],
      ['calendar.event.deleted', null],
      ['calendar.event.updated', 'Elsewhere (edited)'],
    ]);
  });
});

describe.skipIf(!radicaleInstalled && !inCi)('caldav configured by CALDAV_* (live)', () => {
  let server: RadicaleEmulator;
  beforeAll(async () => {
    server = await startRadicaleEmulator({ username: 'bob@example.com', password: 'bob-secret' });
  });
  afterAll(() => server?.close());

  it('CALDAV_URL, CALDAV_USERNAME and CALDAV_PASSWORD make a live default connection; CALDAV_CALENDAR picks primary', async () => {
    const other = await fetch(`${server.url}bob%40example.com/team/`, {
      method: 'MKCALENDAR',
      headers: { authorization: `Basic ${Buffer.from('bob@example.com:bob-secret').toString('base64')}`, 'content-type': 'application/xml' },
      body: '<?xml version="1.0"?><C:mkcalendar xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:set><D:prop><D:displayname>Team</D:displayname></D:prop></D:set></C:mkcalendar>',
    });
    expect(other.status).toBe(201);
    const t = await startTestHub({ NODE_ENV: 'development', CALDAV_URL: `${server.url}bob%40example.com/`, CALDAV_USERNAME: 'bob@example.com', CALDAV_PASSWORD: 'bob-secret', CALDAV_CALENDAR: 'Team' });
    try {
      expect(t.hub.connections.defaultConnection('caldav')).toMatchObject({ mode: 'live', baseUrl: `${server.url}bob%40example.com/` });
      expect(t.hub.connections.emulator('caldav')).toBeUndefined();
      const calendars = await t.api('/api/v1/calendar/calendars?provider=caldav');
      expect(calendars.body.data.map((c: { calendarId: string; name: string; primary: boolean }) => [c.calendarId, c.name, c.primary]).sort()).toEqual([
        ['calendar', 'Calendar', false],
        ['team', 'Team', true],
      ]);
      const made = await t.api('/api/v1/integrations/calendar/caldav/event', { body: { summary: 'Live', startTime: '2027-12-01T10:00:00Z', endTime: '2027-12-01T11:00:00Z' } });
      expect(made.status).toBe(201);
      expect((await fetch(`${server.url}bob%40example.com/team/${made.body.eventId}.ics`, { headers: { authorization: `Basic ${Buffer.from('bob@example.com:bob-secret').toString('base64')}` } })).status).toBe(200);
    } finally {
      await t.close();
    }
  });

  it('a CALDAV_URL that is not a URL stops the hub with a message naming it', async () => {
    await expect(startTestHub({ NODE_ENV: 'development', CALDAV_URL: 'dav.example.com', CALDAV_USERNAME: 'u', CALDAV_PASSWORD: 'p' })).rejects.toThrow(/CALDAV_URL/);
  });
});
