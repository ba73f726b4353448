/**
 * Google Calendar and Google Meet in a whole sandbox hub: the default connections exist with no
 * set-up and point at the emulator; a watch channel's notifications, posted by the emulator with
 * the token the hub issued under the connection's push key, are accepted at
 * `/webhooks/google-calendar/<connectionId>`; a forged token is refused (401) and a redelivery is a
 * duplicate. Google Meet answers through `/api/v1/meetings`, on the same emulator account. And the env fallback of
 * `GOOGLE_CALENDAR_CLIENT_ID` to `GOOGLE_CLIENT_ID` that makes the live default connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalendarProvider } from '../src/categories/calendar/contract.js';
import { resolveDefault } from '../src/connections/defaults.js';
import { issuePushToken } from '../src/kit/push-token.js';
import { googleCalendar, googleMeet, type GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const CONN = 'conn_default_google-calendar';
const APP = 'https://app.example.com';
let t: TestHub;
let emulator: GoogleCalendarEmulator;
let calendar: CalendarProvider;

beforeAll(async () => {
  t = await startTestHub({ SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' });
  emulator = t.hub.connections.emulator('google-calendar') as GoogleCalendarEmulator;
  calendar = await t.hub.connections.connector('default', 'google-calendar', 'calendar');
});
afterAll(() => t?.close());

const hookUrl = () => `${t.url}/webhooks/google-calendar/${CONN}`;
const notify = (headers: Record<string, string>) => fetch(hookUrl(), { method: 'POST', headers });
const inbox = () => t.hub.store.db.selectFrom('webhook_inbox').selectAll().where('provider', '=', 'google-calendar').execute();

describe('google-calendar: watch channel notifications through the hub', () => {
  it('accepts the emulator\'s sync and exists notifications carrying the issued token', async () => {
    const token = issuePushToken(t.hub.connections.pushKeys(CONN)[0]!);
    const channel = await calendar.watch!('primary', { address: hookUrl(), token, expiresAt: new Date(Date.now() + 86_400_000).toISOString() });
    await calendar.createEvent('primary', { summary: 'Pushed', start: '2027-02-01T09:00:00Z', end: '2027-02-01T10:00:00Z' });
    await emulator.drainWebhooks();
    const sent = emulator.channels.sent.filter((s) => s.channelId === channel.channelId);
    expect(sent.map((s) => [s.state, s.messageNumber, s.status])).toEqual([['sync', 1, 200], ['exists', 2, 200]]);
    const rows = (await inbox()).filter((r) => r.headers.includes(channel.channelId));
    expect(rows).toHaveLength(2);
    // The default connection's URL files them as the default route's (connection null, tenant default).
    expect(rows.map((r) => [r.connection_id, r.tenant_id, r.body])).toEqual([[null, 'default', ''], [null, 'default', '']]);
    // The channel token is a credential: not kept with the stored request.
    expect(rows.some((r) => r.headers.includes(token) || r.headers.includes('x-goog-channel-token'))).toBe(false);
    await calendar.stopWatch!(channel);
  });

  it('refuses a forged or missing token (401), and answers a redelivery as a duplicate', async () => {
    const base = { 'x-goog-channel-id': 'chan-manual', 'x-goog-resource-id': 'res-1', 'x-goog-resource-state': 'exists', 'x-goog-message-number': '7', 'x-goog-channel-expiration': new Date(Date.now() + 3_600_000).toUTCString() };
    const forged = await notify({ ...base, 'x-goog-channel-token': issuePushToken('a key that is not this connection\'s') });
    expect([forged.status, ((await forged.json()) as { code: string }).code]).toEqual([401, 'webhook_signature_invalid']);
    const missing = await notify(base);
    expect([missing.status, ((await missing.json()) as { code: string }).code]).toEqual([401, 'webhook_signature_missing']);
    // Another connection's token (the Meet default's key) does not open this URL either.
    const other = await notify({ ...base, 'x-goog-channel-token': issuePushToken(t.hub.connections.pushKeys('conn_default_google-meet')[0]!) });
    expect(other.status).toBe(401);

    const token = issuePushToken(t.hub.connections.pushKeys(CONN)[0]!);
    const first = await notify({ ...base, 'x-goog-channel-token': token });
    expect([first.status, await first.json()]).toEqual([200, { received: true, id: expect.any(String), duplicate: false }]);
    const again = await notify({ ...base, 'x-goog-channel-token': token });
    expect(await again.json()).toMatchObject({ received: true, duplicate: true });
    // The next message of the same channel is new, although its (empty) body is the same.
    const next = await notify({ ...base, 'x-goog-message-number': '8', 'x-goog-channel-token': token });
    expect(await next.json()).toMatchObject({ duplicate: false });
    const parsed = googleCalendar.webhooks!.parse(Buffer.alloc(0), base);
    expect(parsed).toEqual([expect.objectContaining({ type: 'calendar.push', providerEventId: 'chan-manual:7', data: { channelId: 'chan-manual', state: 'exists' } })]);
  });
});

describe('google-meet on the sandbox hub', () => {
  it('creates a Meet meeting through /api/v1/meetings and refuses recordings with 422', async () => {
    const res = await t.api('/api/v1/meetings', { body: { provider: 'google-meet', topic: 'Hub meet', startTime: '2027-02-02T09:00:00Z', duration: 30 } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ provider: 'google-meet', id: `google-meet:${res.body.meetingId}`, joinUrl: expect.stringMatching(/^https:\/\/meet\.google\.com\//) });
    const recordings = await t.api(`/api/v1/meetings/${res.body.id}/recordings`);
    expect([recordings.status, recordings.body.code]).toEqual([422, 'capability_unsupported']);
    // Meet has no waiting-room or recording switches: asking for one is a 422, not a setting kept and ignored.
    const waiting = await t.api('/api/v1/meetings', { body: { provider: 'google-meet', topic: 'Hub meet', startTime: '2027-02-02T09:00:00Z', duration: 30, settings: { waitingRoom: true } } });
    expect([waiting.status, waiting.body.code]).toEqual([422, 'capability_unsupported']);
    const patched = await t.api(`/api/v1/meetings/${res.body.id}`, { method: 'PATCH', body: { settings: { autoRecording: 'cloud' } } });
    expect([patched.status, patched.body.code]).toEqual([422, 'capability_unsupported']);
    // One emulator and one sandbox account for both: the meeting is an event of the calendar.
    expect(t.hub.connections.emulator('google-meet')).toBe(emulator);
    const listed = await calendar.listEvents('primary', { timeMin: '2027-02-02T00:00:00Z', timeMax: '2027-02-03T00:00:00Z' });
    expect(listed.events.find((e) => e.eventId === res.body.meetingId)).toMatchObject({ summary: 'Hub meet', conference: { provider: 'google-meet', joinUrl: res.body.joinUrl } });
    expect((await t.api(`/api/v1/meetings/${res.body.id}`, { method: 'DELETE' })).status).toBe(204);
  });
});

describe('google-calendar over the Google OAuth app', () => {
  it('an account connected through the connect flow asks the calendar scope and writes with its own token', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    const started = await t.as(key, '/api/v1/connections/oauth/start', { provider: 'google-calendar', redirectUrl: APP });
    expect(started.status).toBe(200);
    expect(new URL(started.body.authorizeUrl).searchParams.get('scope')?.split(' ')).toEqual(expect.arrayContaining(['https://www.googleapis.com/auth/calendar']));
    const consent = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
    const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    const connectionId = new URL(back.headers.get('location')!).searchParams.get('connectionId')!;
    const connection = (await t.hub.connections.byId(connectionId))!;
    expect(connection).toMatchObject({ provider: 'google-calendar', tenantId: 'acme' });
    expect(connection.tokens?.accessToken).not.toBe(emulator.tokens.accessToken);
    const own = await t.hub.connections.connector('acme', 'google-calendar', 'calendar');
    const made = await own.createEvent('primary', { summary: 'Acme', start: '2027-02-03', end: '2027-02-04' });
    expect(emulator.account.calendar('primary').events.get(made.eventId)?.json.summary).toBe('Acme');
  });
});

describe('GOOGLE_CALENDAR_* variables', () => {
  const refresh = { GOOGLE_CALENDAR_REFRESH_TOKEN: '1//0g-refresh' };
  it('fall back to GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET; their own win when set', () => {
    const shared = resolveDefault(googleCalendar as never, { ...refresh, GOOGLE_CLIENT_ID: 'shared.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'shared-secret' }, false);
    expect(shared).toMatchObject({ connection: { mode: 'live', baseUrl: 'https://www.googleapis.com/calendar/v3', credentials: { clientId: 'shared.apps.googleusercontent.com', clientSecret: 'shared-secret', refreshToken: '1//0g-refresh' } } });
    const own = resolveDefault(googleMeet as never, { ...refresh, GOOGLE_CLIENT_ID: 'shared', GOOGLE_CLIENT_SECRET: 'shared-secret', GOOGLE_CALENDAR_CLIENT_ID: 'own', GOOGLE_CALENDAR_CLIENT_SECRET: '  ' }, false);
    expect(own).toMatchObject({ connection: { id: 'conn_default_google-meet', mode: 'live', credentials: { clientId: 'own', clientSecret: 'shared-secret' } } });
    // Without a client anywhere it is a sandbox connection.
    expect(resolveDefault(googleCalendar as never, refresh, false)).toMatchObject({ connection: { mode: 'sandbox' } });
  });

  it('a redirect URI that is no URL is named', () => {
    expect(() => resolveDefault(googleCalendar as never, { ...refresh, GOOGLE_CLIENT_ID: 'c', GOOGLE_CLIENT_SECRET: 's', GOOGLE_CALENDAR_REDIRECT_URI: 'not a url' }, false)).toThrow(/GOOGLE_CALENDAR_REDIRECT_URI/);
  });
});
