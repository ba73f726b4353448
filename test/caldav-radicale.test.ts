/**
 * The CalDAV connector against Radicale beyond the contract suite: what we write is what Radicale
 * stores and understands. Each check reads Radicale directly (plain fetch with Basic auth, XML
 * written here), parses with ical.js, and asks Radicale's own time-range filter, which expands
 * recurrences with its own code (vobject + dateutil): an occurrence on the summer-time side of a
 * DST change, an EXDATE and a moved exception are seen by Radicale where we put them.
 * Also: a sync with a deletion, a forged sync token, a wrong password, If-Match conflicts and that
 * every request went through the transport (its audit log).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import ICAL from 'ical.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from './helpers/hub-error.js';
import { inCi, radicaleInstalled, startCaldav, type CaldavUnderTest } from './helpers/radicale.js';
import type { CalendarProvider } from '../src/categories/calendar/contract.js';
import { Transport } from '../src/transport/transport.js';
import { undiciDispatcher } from '../src/transport/http.js';
import { caldav } from '../src/providers/caldav/index.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { DispatchRequest } from '../src/transport/types.js';

let t: CaldavUnderTest;
let p: CalendarProvider;
const auth = () => ({ authorization: `Basic ${Buffer.from(`${t.radicale.credentials.username}:${t.radicale.credentials.password}`).toString('base64')}` });
const rawGet = async (uid: string) => {
  const res = await fetch(`${t.radicale.calendarUrl}${uid}.ics`, { headers: auth() });
  expect(res.status).toBe(200);
  return { text: await res.text(), etag: res.headers.get('etag')! };
};
const vcalOf = (text: string) => new ICAL.Component(ICAL.parse(text) as unknown[]);

/** Hrefs Radicale's own time-range filter matches (RFC 4791 §9.9), asked without our code. */
async function radicaleMatches(start: string, end: string): Promise<string[]> {
  const range = (iso: string) => `${iso.replace(/[-:]/g, '').replace(/\.\d+/, '')}`;
  const body = `<?xml version="1.0" encoding="utf-8"?><C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><D:getetag/></D:prop><C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"><C:time-range start="${range(start)}" end="${range(end)}"/></C:comp-filter></C:comp-filter></C:filter></C:calendar-query>`;
  const res = await fetch(t.radicale.calendarUrl, { method: 'REPORT', headers: { ...auth(), depth: '1', 'content-type': 'application/xml' }, body });
  expect(res.status).toBe(207);
  return [...(await res.text()).matchAll(/<href>([^<]+\.ics)<\/href>/g)].map((m) => decodeURIComponent(m[1]!.split('/').pop()!.replace(/\.ics$/, '')));
}

/** How Outlook opens an iCalendar object: its PRODID and the VTIMEZONE of a Windows zone name. */
const OUTLOOK_HEAD = [
  'BEGIN:VCALENDAR', 'VERSION:2.0', 'PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN',
  'BEGIN:VTIMEZONE', 'TZID:W. Europe Standard Time',
  'BEGIN:STANDARD', 'DTSTART:16011028T030000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10', 'TZOFFSETFROM:+0200', 'TZOFFSETTO:+0100', 'END:STANDARD',
  'BEGIN:DAYLIGHT', 'DTSTART:16010325T020000', 'RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3', 'TZOFFSETFROM:+0100', 'TZOFFSETTO:+0200', 'END:DAYLIGHT',
  'END:VTIMEZONE',
];

describe.skipIf(!radicaleInstalled && !inCi)('caldav connector: what Radicale stores and understands', () => {
  beforeAll(async () => {
    t = await startCaldav();
    p = t.provider;
  });
  afterAll(() => t?.close());

  it('writes attendees, alarms, TZID with a VTIMEZONE, RRULE, an exception (RECURRENCE-ID) and an EXDATE that Radicale reads as we mean them', async () => {
    const master = await p.createEvent('primary', {
      summary: 'Weekly sync',
      description: 'Line one\nLine two, with a comma; and a semicolon',
      location: 'Room 4',
      start: '2027-03-15T09:00:00+01:00',
      end: '2027-03-15T09:30:00+01:00',
      timeZone: 'Europe/Berlin',
      attendees: [{ email: 'ada@example.com', name: 'Ada Lovelace' }, { email: 'grace@example.com', optional: true }],
      reminders: [{ method: 'popup', minutes: 10 }, { method: 'email', minutes: 60 }],
      recurrence: ['RRULE:FREQ=WEEKLY;COUNT=4'],
    });
    const [, second, third] = await p.instances('primary', master.eventId, { timeMin: '2027-03-01T00:00:00Z', timeMax: '2027-05-01T00:00:00Z' });
    await p.updateEvent('primary', second!.eventId, { summary: 'Weekly sync (moved)', start: '2027-03-22T14:00:00+01:00', end: '2027-03-22T14:30:00+01:00' });
    await p.deleteEvent('primary', third!.eventId);

    const vcal = vcalOf((await rawGet(master.eventId)).text);
    const [tz] = vcal.getAllSubcomponents('vtimezone');
    expect(tz?.getFirstPropertyValue('tzid')).toBe('Europe/Berlin');
    const events = vcal.getAllSubcomponents('vevent');
    expect(events).toHaveLength(2);
    const m = events.find((e) => !e.hasProperty('recurrence-id'))!;
    const ex = events.find((e) => e.hasProperty('recurrence-id'))!;
    expect(m.getFirstPropertyValue('uid')).toBe(master.eventId);
    expect(ex.getFirstPropertyValue('uid')).toBe(master.eventId);
    expect(m.getFirstProperty('dtstart')!.getParameter('tzid')).toBe('Europe/Berlin');
    expect((m.getFirstPropertyValue('dtstart') as ICAL.Time).toString()).toBe('2027-03-15T09:00:00');
    expect(m.getFirstPropertyValue('description')).toBe('Line one\nLine two, with a comma; and a semicolon');
    expect(String(m.getFirstPropertyValue('rrule'))).toBe('FREQ=WEEKLY;COUNT=4');
    const exdate = m.getFirstProperty('exdate')!;
    expect([exdate.getParameter('tzid'), (exdate.getFirstValue() as ICAL.Time).toString()]).toEqual(['Europe/Berlin', '2027-03-29T09:00:00']);
    const rid = ex.getFirstProperty('recurrence-id')!;
    expect([rid.getParameter('tzid'), (rid.getFirstValue() as ICAL.Time).toString()]).toEqual(['Europe/Berlin', '2027-03-22T09:00:00']);
    expect(ex.getFirstPropertyValue('summary')).toBe('Weekly sync (moved)');
    const attendees = m.getAllProperties('attendee').map((a) => [a.getFirstValue(), a.getParameter('cn') ?? null, a.getParameter('partstat'), a.getParameter('role')]);
    expect(attendees).toEqual([
      ['mailto:ada@example.com', 'Ada Lovelace', 'NEEDS-ACTION', 'REQ-PARTICIPANT'],
      ['mailto:grace@example.com', null, 'NEEDS-ACTION', 'OPT-PARTICIPANT'],
    ]);
    expect(m.getAllProperties('attendee').map((a) => a.getParameter('schedule-agent'))).toEqual(['CLIENT', 'CLIENT']); // sendUpdates none: no mail from a scheduling server
    expect(m.getFirstPropertyValue('organizer')).toBe('mailto:alice@example.com');
    const alarms = m.getAllSubcomponents('valarm').map((a) => [a.getFirstPropertyValue('action'), String(a.getFirstPropertyValue('trigger'))]);
    expect(alarms).toEqual([
      ['DISPLAY', '-PT10M'],
      ['EMAIL', '-PT1H'],
    ]);

    // Radicale's own expansion: the 4th occurrence is 07:00Z (CEST), not 08:00Z; the 3rd is gone; the 2nd moved to 13:00Z.
    expect(await radicaleMatches('2027-04-05T07:05:00Z', '2027-04-05T07:10:00Z')).toContain(master.eventId);
    expect(await radicaleMatches('2027-04-05T08:05:00Z', '2027-04-05T08:10:00Z')).not.toContain(master.eventId);
    expect(await radicaleMatches('2027-03-29T07:00:00Z', '2027-03-29T08:00:00Z')).not.toContain(master.eventId);
    expect(await radicaleMatches('2027-03-22T13:05:00Z', '2027-03-22T13:10:00Z')).toContain(master.eventId);
    expect(await radicaleMatches('2027-03-22T08:05:00Z', '2027-03-22T08:10:00Z')).not.toContain(master.eventId);

    // And read back through the connector: the same series.
    const back = await p.getEvent('primary', master.eventId);
    expect(back).toMatchObject({ timeZone: 'Europe/Berlin', start: '2027-03-15T09:00:00+01:00', location: 'Room 4', reminders: [{ method: 'popup', minutes: 10 }, { method: 'email', minutes: 60 }] });
    expect(back.recurrence).toEqual(['RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=Europe/Berlin:20270329T090000']);
    expect(back.attendees.map((a) => [a.email, a.name, a.responseStatus, a.optional])).toEqual([
      ['ada@example.com', 'Ada Lovelace', 'needsAction', false],
      ['grace@example.com', null, 'needsAction', true],
    ]);
  });

  it('creates a calendar with a name, a description and a zone (a whole VTIMEZONE), and lists it so', async () => {
    const made = await p.createCalendar!({ name: 'Team Berlin', description: 'Shared plans', timeZone: 'Europe/Berlin' });
    const listed = (await p.listCalendars()).find((c) => c.calendarId === made.calendarId);
    expect(listed).toMatchObject({ name: 'Team Berlin', description: 'Shared plans', timeZone: 'Europe/Berlin', primary: false });
    const body = `<?xml version="1.0"?><D:propfind xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav"><D:prop><C:calendar-timezone/></D:prop></D:propfind>`;
    const res = await fetch(new URL(`${made.calendarId}/`, new URL(t.radicale.calendarUrl + '../')).href, { method: 'PROPFIND', headers: { ...auth(), depth: '0', 'content-type': 'application/xml' }, body });
    const xml = await res.text();
    expect(xml).toMatch(/BEGIN:DAYLIGHT/);
    expect(xml).toMatch(/TZOFFSETTO:\+0200/);
    expect((await failure(p.createCalendar!({ name: 'x', timeZone: 'Mars/Olympus' }))).code).toBe('validation_failed');
  });

  it('writes an all-day event as VALUE=DATE with an exclusive DTEND', async () => {
    const made = await p.createEvent('primary', { summary: 'Offsite', start: '2027-06-10', end: '2027-06-12' });
    const text = (await rawGet(made.eventId)).text;
    expect(text).toMatch(/DTSTART;VALUE=DATE:20270610\r\n/);
    expect(text).toMatch(/DTEND;VALUE=DATE:20270612\r\n/);
    expect(await radicaleMatches('2027-06-11T12:00:00Z', '2027-06-11T13:00:00Z')).toContain(made.eventId);
  });

  it('an all-day series: occurrences named by date, one moved, one cancelled (EXDATE;VALUE=DATE), Radicale agreeing', async () => {
    const made = await p.createEvent('primary', { summary: 'Bin day', start: '2027-09-06', end: '2027-09-07', recurrence: ['RRULE:FREQ=WEEKLY;COUNT=3'] });
    const window = { timeMin: '2027-09-01T00:00:00Z', timeMax: '2027-10-01T00:00:00Z' };
    const ids = (await p.instances('primary', made.eventId, window)).map((i) => i.eventId);
    expect(ids).toEqual([`${made.eventId}_20270906`, `${made.eventId}_20270913`, `${made.eventId}_20270920`]);
    await p.updateEvent('primary', ids[0]!, { start: '2027-09-07', end: '2027-09-08' });
    await p.deleteEvent('primary', ids[1]!);
    const after = await p.instances('primary', made.eventId, window);
    expect(after.map((i) => [i.eventId, i.start, i.end, i.originalStart])).toEqual([
      [ids[0], '2027-09-07', '2027-09-08', '2027-09-06'],
      [ids[2], '2027-09-20', '2027-09-21', '2027-09-20'],
    ]);
    const text = (await rawGet(made.eventId)).text;
    expect(text).toMatch(/EXDATE;VALUE=DATE:20270913\r\n/);
    expect(text).toMatch(/RECURRENCE-ID;VALUE=DATE:20270906\r\n/);
    expect(text.match(/BEGIN:VEVENT[\s\S]*?END:VEVENT/g)!.find((v) => v.includes('RECURRENCE-ID'))).toMatch(/DTSTART;VALUE=DATE:20270907\r\nDTEND;VALUE=DATE:20270908\r\n/);
    expect(await radicaleMatches('2027-09-13T10:00:00Z', '2027-09-13T11:00:00Z')).not.toContain(made.eventId);
    // (Radicale 3.1 still matches an all-day occurrence at its original date after it was moved; timed ones it moves: see the test above.)
    expect(await radicaleMatches('2027-09-07T10:00:00Z', '2027-09-07T11:00:00Z')).toContain(made.eventId);
  });

  it('searches summary, description and location with q, and pages the matches', async () => {
    for (const [i, where] of ['Harbour office', 'Main office', 'Home'].entries()) await p.createEvent('primary', { summary: `Search ${i}`, location: where, start: `2027-10-0${i + 1}T10:00:00Z`, end: `2027-10-0${i + 1}T11:00:00Z` });
    const window = { timeMin: '2027-10-01T00:00:00Z', timeMax: '2027-10-05T00:00:00Z' };
    const first = await p.listEvents('primary', { ...window, q: 'OFFICE', maxResults: 1 });
    expect(first.events.map((e) => e.summary)).toEqual(['Search 0']);
    const second = await p.listEvents('primary', { ...window, q: 'OFFICE', maxResults: 1, pageToken: first.nextPageToken! });
    expect([second.events.map((e) => e.summary), second.nextPageToken]).toEqual([['Search 1'], null]);
    expect((await failure(p.listEvents('primary', { ...window, pageToken: 'bogus' }))).code).toBe('validation_failed');
  });

  it('reads what other clients write: a Windows TZID through its VTIMEZONE as its IANA zone, DURATION instead of DTEND, unknown properties kept', async () => {
    const uid = 'outlook-made-1';
    const ics = [
      ...OUTLOOK_HEAD,
      'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20270101T000000Z', 'DTSTART;TZID=W. Europe Standard Time:20270705T090000', 'DURATION:PT45M',
      'SUMMARY:From Outlook', 'CATEGORIES:Blue', 'X-MICROSOFT-CDO-BUSYSTATUS:BUSY',
      'ATTENDEE;PARTSTAT=DELEGATED;CN=Eve:mailto:eve@example.com',
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    expect((await fetch(`${t.radicale.calendarUrl}${uid}.ics`, { method: 'PUT', headers: { ...auth(), 'content-type': 'text/calendar' }, body: ics })).status).toBe(201);
    const e = await p.getEvent('primary', uid);
    expect([new Date(e.start).toISOString(), new Date(e.end).toISOString(), e.timeZone, e.start]).toEqual(['2027-07-05T07:00:00.000Z', '2027-07-05T07:45:00.000Z', 'Europe/Berlin', '2027-07-05T09:00:00+02:00']);
    expect(e.attendees).toEqual([{ email: 'eve@example.com', name: 'Eve', responseStatus: 'needsAction', optional: false, organizer: false }]);
    await p.updateEvent('primary', uid, { summary: 'From Outlook (edited)' });
    const text = (await rawGet(uid)).text;
    expect(text).toContain('CATEGORIES:Blue');
    expect(text).toContain('X-MICROSOFT-CDO-BUSYSTATUS:BUSY');
    expect(text).toContain('SUMMARY:From Outlook (edited)');
  });

  it('an Outlook series in a Windows zone repeats at the same local time across DST, its EXDATE in that zone honoured', async () => {
    const uid = 'outlook-made-series';
    const ics = [
      ...OUTLOOK_HEAD,
      'BEGIN:VEVENT', `UID:${uid}`, 'DTSTAMP:20270101T000000Z', 'DTSTART;TZID=W. Europe Standard Time:20271018T090000', 'DTEND;TZID=W. Europe Standard Time:20271018T093000',
      'RRULE:FREQ=WEEKLY;COUNT=4', 'EXDATE;TZID=W. Europe Standard Time:20271025T090000', 'SUMMARY:Weekly from Outlook',
      'END:VEVENT', 'END:VCALENDAR', '',
    ].join('\r\n');
    expect((await fetch(`${t.radicale.calendarUrl}${uid}.ics`, { method: 'PUT', headers: { ...auth(), 'content-type': 'text/calendar' }, body: ics })).status).toBe(201);
    const occurrences = await p.instances('primary', uid, { timeMin: '2027-10-01T00:00:00Z', timeMax: '2027-12-01T00:00:00Z' });
    // 09:00 in Berlin on both sides of 2027-10-31 (summer time ends); the 25th cancelled by its EXDATE.
    expect(occurrences.map((o) => o.start)).toEqual(['2027-10-18T09:00:00+02:00', '2027-11-01T09:00:00+01:00', '2027-11-08T09:00:00+01:00']);
  });

  it('a timed event without a zone is written in UTC', async () => {
    const made = await p.createEvent('primary', { summary: 'UTC call', start: '2027-06-15T10:00:00+02:00', end: '2027-06-15T11:00:00+02:00' });
    expect((await rawGet(made.eventId)).text).toMatch(/DTSTART:20270615T080000Z\r\n/);
    expect(made).toMatchObject({ start: '2027-06-15T08:00:00Z', timeZone: null });
  });

  it('syncs a deletion as deleted, and refuses a token Radicale never issued with calendar_sync_expired (410)', async () => {
    const { cursor } = await p.sync('primary', null);
    const e = await p.createEvent('primary', { summary: 'Short-lived', start: '2027-07-01T10:00:00Z', end: '2027-07-01T11:00:00Z' });
    await p.deleteEvent('primary', e.eventId);
    const delta = await p.sync('primary', cursor);
    expect(delta.changes).toEqual([{ eventId: e.eventId, deleted: true }]);
    const err = await failure(p.sync('primary', 'http://radicale.org/ns/sync/not-a-token'));
    expect([err.code, err.status, err.retryable, err.providerCode]).toEqual(['calendar_sync_expired', 410, false, 'valid-sync-token']);
  });

  it('a wrong password is provider_auth_failed naming CALDAV_USERNAME and CALDAV_PASSWORD, not retried', async () => {
    const before = t.audit.length;
    const wrong = t.connect({ password: 'not-the-password' });
    const err = await failure(wrong.listCalendars());
    expect(err.code).toBe('provider_auth_failed');
    expect(err.retryable).toBe(false);
    expect(err.message).toMatch(/CALDAV_USERNAME and CALDAV_PASSWORD/);
    expect(err.message).not.toContain('not-the-password');
    expect(t.audit.slice(before).filter((a) => a.status === 401)).toHaveLength(1);
  });

  it('refuses invalid times before sending anything', async () => {
    const before = t.audit.filter((a) => a.method === 'PUT').length;
    const err = await failure(p.createEvent('primary', { summary: 'x', start: '2027-03-09T9:00:00Z', end: '2027-03-09T10:00:00Z' }));
    expect([err.code, err.errors?.[0]?.field]).toEqual(['validation_failed', 'start']);
    expect(t.audit.filter((a) => a.method === 'PUT').length).toBe(before);
  });

  it('sent every request through the transport: the audit log saw PROPFIND, REPORT, PUT, GET, DELETE, MKCALENDAR, with no credentials in URLs', async () => {
    await p.createCalendar!({ name: 'Audited' });
    await p.listEvents('primary', { timeMin: '2027-01-01T00:00:00Z', timeMax: '2028-01-01T00:00:00Z' });
    const methods = new Set(t.audit.map((a) => a.method));
    for (const m of ['PROPFIND', 'REPORT', 'PUT', 'GET', 'DELETE', 'MKCALENDAR']) expect(methods).toContain(m);
    expect(t.audit.map((a) => a.operation)).toEqual(expect.arrayContaining(['calendar.discover', 'calendar.list', 'calendar.events.list', 'calendar.event.create', 'calendar.event.update', 'calendar.sync', 'calendar.create']));
    expect(t.audit.every((a) => a.provider === 'caldav' && !a.url.includes('alice-secret'))).toBe(true);
    const metrics = await t.transport.registry.metrics();
    expect(metrics).toMatch(/provider="caldav"/);
  });
});

describe.skipIf(!radicaleInstalled && !inCi)('caldav connector: If-Match', () => {
  let other: CaldavUnderTest;
  beforeAll(async () => {
    other = await startCaldav();
  });
  afterAll(() => other?.close());

  /** A connector whose transport lets another writer change the event right before each of our PUTs (`times` of them). */
  function racing(times: number) {
    let left = times;
    const transport = new Transport({
      dispatcher: async (req: DispatchRequest) => {
        if (req.method === 'PUT' && req.headers['if-match'] && left-- > 0) {
          const current = await fetch(req.url, { headers: auth2() }).then((r) => r.text());
          const changed = current.replace(/LOCATION:[^\r\n]*/, `LOCATION:Changed by someone else ${left}`);
          expect((await fetch(req.url, { method: 'PUT', headers: { ...auth2(), 'content-type': 'text/calendar' }, body: changed })).status).toBeLessThan(300);
        }
        return undiciDispatcher(req);
      },
    });
    const connection = { id: 'conn_race', tenantId: 't', provider: 'caldav', mode: 'live' as const, baseUrl: other.radicale.url, credentials: other.radicale.credentials };
    return caldav.calendar!({ connection, http: transport.forConnection(caldav.manifest as never, connection), clock: systemClock, logger: createLogger('silent') } as never);
  }
  const auth2 = () => ({ authorization: `Basic ${Buffer.from(`${other.radicale.credentials.username}:${other.radicale.credentials.password}`).toString('base64')}` });

  it('a 412 is retried once from a fresh read: both changes survive', async () => {
    const made = await other.provider.createEvent('primary', { summary: 'Raced', location: 'Room 1', start: '2027-08-01T10:00:00Z', end: '2027-08-01T11:00:00Z' });
    const updated = await racing(1).updateEvent('primary', made.eventId, { summary: 'Raced (ours)' });
    expect(updated).toMatchObject({ summary: 'Raced (ours)', location: 'Changed by someone else 0' });
  });

  it('a create whose answer was lost is retried by the transport and finds its own event (If-None-Match 412 → the UID is ours)', async () => {
    let dropped = 0;
    const transport = new Transport({
      random: () => 0,
      dispatcher: async (req: DispatchRequest) => {
        const res = await undiciDispatcher(req);
        if (req.method === 'PUT' && req.headers['if-none-match'] === '*' && dropped++ === 0) throw Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
        return res;
      },
    });
    const connection = { id: 'conn_lost', tenantId: 't', provider: 'caldav', mode: 'live' as const, baseUrl: other.radicale.url, credentials: other.radicale.credentials };
    const p2 = caldav.calendar!({ connection, http: transport.forConnection(caldav.manifest as never, connection), clock: systemClock, logger: createLogger('silent') } as never) as CalendarProvider;
    const made = await p2.createEvent('primary', { summary: 'Lost answer', start: '2027-08-03T10:00:00Z', end: '2027-08-03T11:00:00Z' });
    expect(dropped).toBe(2);
    expect(made).toMatchObject({ summary: 'Lost answer', etag: expect.any(String) });
    expect((await other.provider.getEvent('primary', made.eventId)).summary).toBe('Lost answer');
  });

  it('a second 412 in a row is calendar_conflict', async () => {
    const made = await other.provider.createEvent('primary', { summary: 'Raced twice', location: 'Room 1', start: '2027-08-02T10:00:00Z', end: '2027-08-02T11:00:00Z' });
    const err = await failure(racing(2).updateEvent('primary', made.eventId, { summary: 'never written' }));
    expect([err.code, err.status, err.providerStatus]).toEqual(['calendar_conflict', 412, 412]);
    expect((await other.provider.getEvent('primary', made.eventId)).summary).toBe('Raced twice');
  });
});

describe.skipIf(!radicaleInstalled && !inCi)('caldav connector: a calendar home on another host (as iCloud answers)', () => {
  let home: CaldavUnderTest;
  let front: Server;
  let frontUrl = '';
  const seen: string[] = [];
  beforeAll(async () => {
    home = await startCaldav();
    // CALDAV_URL's server forwards to Radicale, but names the calendar home by Radicale's own absolute URL.
    front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        seen.push(`${req.method} ${req.url}`);
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
        const answer = await fetch(new URL(req.url!, home.radicale.url), { method: req.method, headers, ...(chunks.length > 0 && { body: Buffer.concat(chunks) }) });
        const text = (await answer.text()).replace(/(<(?:\w+:)?calendar-home-set[^>]*>\s*<(?:\w+:)?href>)(\/[^<]*)/, `$1${home.radicale.url.replace(/\/$/, '')}$2`);
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' }).end(text);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    front?.close();
    await home?.close();
  });

  it('follows the home to its host with the connection\'s credentials', async () => {
    const p2 = home.connect({ url: frontUrl });
    const calendars = await p2.listCalendars();
    expect(calendars.filter((c) => c.primary).map((c) => c.name)).toEqual(['Calendar']);
    const made = await p2.createEvent('primary', { summary: 'Across hosts', start: '2027-11-01T10:00:00Z', end: '2027-11-01T11:00:00Z' });
    expect((await p2.getEvent('primary', made.eventId)).summary).toBe('Across hosts');
    await p2.updateEvent('primary', made.eventId, { summary: 'Across hosts (2)' });
    expect((await home.provider.getEvent('primary', made.eventId)).summary).toBe('Across hosts (2)');
    await p2.deleteEvent('primary', made.eventId);
    // Only discovery went to CALDAV_URL's host; the calendar's requests went to the home's.
    expect(seen.every((s) => s.startsWith('PROPFIND'))).toBe(true);
  });
});

describe.skipIf(!radicaleInstalled && !inCi)('caldav sandbox chaos (the proxy in front of Radicale) through the transport', () => {
  let c: CaldavUnderTest;
  beforeAll(async () => {
    c = await startCaldav();
  });
  afterAll(() => c?.close());
  const attempts = (op: string, from: number) => c.audit.slice(from).filter((a) => a.operation === op).map((a) => a.status ?? a.errorCode);

  it('a 429 with Retry-After is waited out and retried', async () => {
    const from = c.audit.length;
    Object.assign(c.radicale.chaos, { rateLimitNext: 1, retryAfterSec: 0 });
    expect((await c.provider.listCalendars()).length).toBeGreaterThan(0);
    expect(attempts('calendar.discover', from).slice(0, 2)).toEqual([429, 207]);
  });

  it('a server that keeps failing is provider_unavailable (retryable) after the manifest\'s attempts', async () => {
    await c.provider.listEvents('primary', {}); // account and primary found before the outage
    const from = c.audit.length;
    c.radicale.chaos.errorRate = 1;
    try {
      const err = await failure(c.provider.listEvents('primary', { timeMin: '2027-01-01T00:00:00Z', timeMax: '2027-01-02T00:00:00Z' }));
      expect([err.code, err.retryable]).toEqual(['provider_unavailable', true]);
      expect(attempts('calendar.events.list', from)).toEqual([503, 503, 503]);
    } finally {
      c.radicale.chaos.errorRate = 0;
    }
  });

  it('a create whose answer is dropped after Radicale stored it is retried and answers the one event', async () => {
    const before = c.radicale.accepted.length;
    c.radicale.chaos.dropAfterAcceptNext = 1;
    const made = await c.provider.createEvent('primary', { summary: 'Dropped answer', start: '2027-12-05T10:00:00Z', end: '2027-12-05T11:00:00Z' });
    const puts = c.radicale.accepted.slice(before).filter((w) => w.path.endsWith(`${made.eventId}.ics`));
    expect(puts.map((w) => [w.method, w.status])).toEqual([
      ['PUT', 201],
      ['PUT', 412],
    ]);
    const listed = await c.provider.listEvents('primary', { timeMin: '2027-12-05T00:00:00Z', timeMax: '2027-12-06T00:00:00Z' });
    expect(listed.events.map((e) => e.summary)).toEqual(['Dropped answer']);
  });
});

describe.skipIf(!radicaleInstalled && !inCi)('caldav sync: a server that answers part of the changes (RFC 6578 §3.6)', () => {
  let c: CaldavUnderTest;
  let front: Server;
  let frontUrl = '';
  const reports: string[] = [];
  beforeAll(async () => {
    c = await startCaldav();
    let rest: { responses: string[]; token: string } | undefined;
    // Forwards to Radicale; a full sync answers half the members, 507 on the collection and a token of its own, then the rest.
    front = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (ch: Buffer) => chunks.push(ch));
      req.on('end', async () => {
        const body = Buffer.concat(chunks).toString();
        const isSync = req.method === 'REPORT' && body.includes('sync-collection');
        if (isSync) reports.push(/<[\w:]*sync-token>([^<]*)</.exec(body)?.[1] ?? '');
        const reply = (status: number, text: string) => res.writeHead(status, { 'content-type': 'text/xml; charset=utf-8' }).end(text);
        const multistatus = (responses: string[], token: string) => `<?xml version="1.0" encoding="utf-8"?><multistatus xmlns="DAV:">${responses.join('')}<sync-token>${token}</sync-token></multistatus>`;
        if (isSync && reports.at(-1) === 'partial-1' && rest) return reply(207, multistatus(rest.responses, rest.token));
        const headers = Object.fromEntries(Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k))) as Record<string, string>;
        const answer = await fetch(new URL(req.url!, c.radicale.url), { method: req.method, headers, ...(body && { body }) });
        const text = await answer.text();
        if (isSync && reports.at(-1) === '') {
          const responses = text.match(/<response>[\s\S]*?<\/response>/g) ?? [];
          const half = Math.ceil(responses.length / 2);
          rest = { responses: responses.slice(half), token: /<sync-token>([^<]*)</.exec(text)![1]! };
          return reply(207, multistatus([...responses.slice(0, half), `<response><href>${new URL(req.url!, 'http://x').pathname}</href><status>HTTP/1.1 507 Insufficient Storage</status></response>`], 'partial-1'));
        }
        res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain', ...(answer.headers.get('etag') && { etag: answer.headers.get('etag')! }) }).end(text);
      });
    });
    await new Promise<void>((r) => front.listen(0, '127.0.0.1', r));
    frontUrl = `http://127.0.0.1:${(front.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    front?.close();
    await c?.close();
  });

  it('asks again from the partial token until the answer is whole', async () => {
    const made = [];
    for (const d of [1, 2, 3, 4, 5]) made.push(await c.provider.createEvent('primary', { summary: `Part ${d}`, start: `2027-04-0${d}T10:00:00Z`, end: `2027-04-0${d}T11:00:00Z` }));
    const viaFront = c.connect({ url: frontUrl });
    const full = await viaFront.sync('primary', null);
    expect(reports).toEqual(['', 'partial-1']);
    expect(full.changes.map((ch) => ch.eventId).sort()).toEqual(made.map((e) => e.eventId).sort());
    expect(full.cursor).toMatch(/^http:\/\/radicale\.org\/ns\/sync\//);
    const next = await c.provider.createEvent('primary', { summary: 'Part 6', start: '2027-04-06T10:00:00Z', end: '2027-04-06T11:00:00Z' });
    expect((await viaFront.sync('primary', full.cursor)).changes.map((ch) => ch.eventId)).toEqual([next.eventId]);
  });
});
