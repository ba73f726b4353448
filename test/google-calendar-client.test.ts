/**
 * Google's own Calendar client (`@googleapis/calendar` v16, with `googleapis-common`'s OAuth2
 * client) drives the emulator: if the emulator's paths, query names, bodies, paging and sync tokens
 * were not Google's wire format, this code nobody on the team wrote would fail against it.
 */
import { auth, calendar, type calendar_v3 } from '@googleapis/calendar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGoogleCalendarEmulator, type GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';

let emulator: GoogleCalendarEmulator;
let api: calendar_v3.Calendar;

/** The status of a rejected client call (gaxios puts it on the error). */
const statusOf = async (p: Promise<unknown>) => p.then(() => 200, (err: { status?: number; response?: { status?: number } }) => err.status ?? err.response?.status);

beforeAll(async () => {
  emulator = await startGoogleCalendarEmulator();
  const client = new auth.OAuth2();
  client.setCredentials({ access_token: emulator.tokens.accessToken });
  api = calendar({ version: 'v3', rootUrl: `${new URL(emulator.url).origin}/`, auth: client });
});
afterAll(() => emulator?.close());

describe('the official Google Calendar client against the emulator', () => {
  it('inserts events and reads them back with Google\'s field names', async () => {
    const { data } = await api.events.insert({
      calendarId: 'primary',
      sendUpdates: 'none',
      requestBody: {
        summary: 'Oracle review',
        start: { dateTime: '2026-12-07T09:00:00+01:00', timeZone: 'Europe/Berlin' },
        end: { dateTime: '2026-12-07T10:00:00+01:00', timeZone: 'Europe/Berlin' },
        attendees: [{ email: 'ada@example.com', displayName: 'Ada' }],
        reminders: { useDefault: false, overrides: [{ method: 'popup', minutes: 15 }] },
      },
    });
    expect(data).toMatchObject({ kind: 'calendar#event', status: 'confirmed', summary: 'Oracle review', start: { dateTime: '2026-12-07T09:00:00+01:00', timeZone: 'Europe/Berlin' } });
    expect(data.etag).toMatch(/^"\d+"$/);
    expect(data.id).toMatch(/^[a-v0-9]{5,1024}$/);
    const got = await api.events.get({ calendarId: 'primary', eventId: data.id! });
    expect(got.data.attendees).toEqual([{ email: 'ada@example.com', displayName: 'Ada', responseStatus: 'needsAction' }]);
    expect(await statusOf(api.events.get({ calendarId: 'primary', eventId: 'nosuchevent' }))).toBe(404);
  });

  it('lists with maxResults and pageToken, and patches', async () => {
    const cal = await api.calendars.insert({ requestBody: { summary: 'Paged', timeZone: 'UTC' } });
    const calendarId = cal.data.id!;
    for (let i = 0; i < 5; i++) {
      await api.events.insert({ calendarId, requestBody: { summary: `E${i}`, start: { dateTime: `2026-12-0${i + 1}T10:00:00Z` }, end: { dateTime: `2026-12-0${i + 1}T11:00:00Z` } } });
    }
    const seen: string[] = [];
    let pageToken: string | undefined;
    let pages = 0;
    let last: calendar_v3.Schema$Events | undefined;
    do {
      const { data } = await api.events.list({ calendarId, maxResults: 2, pageToken, singleEvents: true, orderBy: 'startTime' });
      seen.push(...data.items!.map((e) => e.summary!));
      pageToken = data.nextPageToken ?? undefined;
      if (pageToken) expect(data.nextSyncToken).toBeUndefined(); // only the last page carries it
      last = data;
      pages++;
    } while (pageToken);
    expect([pages, seen]).toEqual([3, ['E0', 'E1', 'E2', 'E3', 'E4']]);
    expect(last?.nextSyncToken).toEqual(expect.any(String));

    const first = (await api.events.list({ calendarId, q: 'E3' })).data.items![0]!;
    const patched = await api.events.patch({ calendarId, eventId: first.id!, requestBody: { location: 'Room 3' } });
    expect(patched.data).toMatchObject({ summary: 'E3', location: 'Room 3', start: first.start });
    expect(patched.data.etag).not.toBe(first.etag);
  });

  it('syncs incrementally with nextSyncToken, sees deletions as cancelled, and answers 410 after a reset', async () => {
    const cal = await api.calendars.insert({ requestBody: { summary: 'Synced' } });
    const calendarId = cal.data.id!;
    const a = await api.events.insert({ calendarId, requestBody: { summary: 'A', start: { date: '2026-12-24' }, end: { date: '2026-12-25' } } });
    const full = await api.events.list({ calendarId });
    expect(full.data.items!.map((e) => e.summary)).toEqual(['A']);
    const b = await api.events.insert({ calendarId, requestBody: { summary: 'B', start: { date: '2026-12-26' }, end: { date: '2026-12-27' } } });
    await api.events.delete({ calendarId, eventId: a.data.id! });
    const delta = await api.events.list({ calendarId, syncToken: full.data.nextSyncToken! });
    expect(delta.data.items!.map((e) => [e.id, e.status])).toEqual([[b.data.id, 'confirmed'], [a.data.id, 'cancelled']]);
    const quiet = await api.events.list({ calendarId, syncToken: delta.data.nextSyncToken! });
    expect(quiet.data.items).toEqual([]);
    emulator.resetSync();
    const gone = await api.events.list({ calendarId, syncToken: delta.data.nextSyncToken! }).catch((err: { status: number; response: { data: unknown } }) => err);
    expect(gone).toMatchObject({ status: 410, response: { data: { error: { code: 410, errors: [expect.objectContaining({ reason: 'fullSyncRequired' })] } } } });
  });

  it('opens a watch channel that posts a sync notification, and stops it', async () => {
    const received: Record<string, string>[] = [];
    const { createServer } = await import('node:http');
    const server = createServer((req, res) => {
      received.push(req.headers as Record<string, string>);
      res.writeHead(200).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const address = `http://127.0.0.1:${(server.address() as { port: number }).port}/hook`;
    try {
      const expiration = String(Date.now() + 3_600_000);
      const { data } = await api.events.watch({ calendarId: 'primary', requestBody: { id: 'oracle-channel', type: 'web_hook', address, token: 'tok-1', expiration } });
      expect(data).toMatchObject({ kind: 'api#channel', id: 'oracle-channel', token: 'tok-1', expiration, resourceId: expect.any(String) });
      await api.events.insert({ calendarId: 'primary', requestBody: { summary: 'Watched', start: { date: '2027-01-04' }, end: { date: '2027-01-05' } } });
      await emulator.drainWebhooks();
      expect(received.map((h) => [h['x-goog-resource-state'], h['x-goog-message-number'], h['x-goog-channel-token']])).toEqual([['sync', '1', 'tok-1'], ['exists', '2', 'tok-1']]);
      await api.channels.stop({ requestBody: { id: 'oracle-channel', resourceId: data.resourceId! } });
      await api.events.insert({ calendarId: 'primary', requestBody: { summary: 'Unwatched', start: { date: '2027-01-05' }, end: { date: '2027-01-06' } } });
      await emulator.drainWebhooks();
      expect(received).toHaveLength(2);
      expect(await statusOf(api.channels.stop({ requestBody: { id: 'oracle-channel', resourceId: data.resourceId! } }))).toBe(404);
    } finally {
      await new Promise((r) => server.close(r));
    }
  });

  it('creates a Meet conference with conferenceDataVersion=1, and only then', async () => {
    const withMeet = await api.events.insert({
      calendarId: 'primary',
      conferenceDataVersion: 1,
      requestBody: { summary: 'Meet', start: { dateTime: '2027-01-04T10:00:00Z' }, end: { dateTime: '2027-01-04T10:30:00Z' }, conferenceData: { createRequest: { requestId: 'req-1', conferenceSolutionKey: { type: 'hangoutsMeet' } } } },
    });
    expect(withMeet.data.hangoutLink).toMatch(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/);
    expect(withMeet.data.conferenceData?.createRequest?.status?.statusCode).toBe('success');
    const without = await api.events.insert({
      calendarId: 'primary',
      requestBody: { summary: 'No version', start: { dateTime: '2027-01-04T11:00:00Z' }, end: { dateTime: '2027-01-04T11:30:00Z' }, conferenceData: { createRequest: { requestId: 'req-2', conferenceSolutionKey: { type: 'hangoutsMeet' } } } },
    });
    expect(without.data.conferenceData).toBeUndefined();
  });
});
