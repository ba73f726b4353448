/**
 * Google Meet: the meetings contract suite against the connector (Calendar events with a Meet
 * conference) and the Google Calendar emulator through a real Transport; then a conference Google
 * fails to create is an error and leaves no event behind, a reschedule keeps the link, and the
 * recurrence goes out as an RRULE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MeetingsProvider } from '../src/categories/meetings/contract.js';
import { meetingsContractSuite } from '../src/categories/meetings/contract-suite.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { googleMeet, googleMeetManifest, startGoogleCalendarEmulator, type GoogleCalendarEmulator } from '../src/providers/google-calendar/index.js';
import { Transport } from '../src/transport/transport.js';
import { failure } from './helpers/hub-error.js';

async function connect(): Promise<{ emulator: GoogleCalendarEmulator; provider: MeetingsProvider }> {
  const emulator = await startGoogleCalendarEmulator();
  const connection: ResolvedConnection = { id: 'conn_test_meet', tenantId: 't', provider: 'google-meet', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens };
  const http = new Transport().forConnection(googleMeetManifest as never, connection);
  return { emulator, provider: googleMeet.meetings!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never) };
}

meetingsContractSuite('google-meet', async () => {
  const { emulator, provider } = await connect();
  return {
    provider,
    chaos: emulator.chaos,
    endMeeting: () => Promise.reject(new Error('Google Meet declares no recordings or participants: the suite never ends a meeting')),
    teardown: () => emulator.close(),
  };
});

describe('google-meet: conferences', () => {
  let emulator: GoogleCalendarEmulator;
  let meet: MeetingsProvider;
  beforeAll(async () => ({ emulator, provider: meet } = await connect()));
  afterAll(() => emulator?.close());
  const primary = () => [...emulator.account.calendar('primary').events.values()].map((e) => e.json);

  it('creates the event with a hangoutsMeet createRequest and answers its meet.google.com link', async () => {
    const m = await meet.create({ topic: 'Design review', kind: 'scheduled', startTime: '2027-04-01T09:00:00Z', duration: 45, timezone: 'Europe/Paris', agenda: 'Slides' });
    expect(m).toMatchObject({ provider: 'google-meet', kind: 'scheduled', startTime: '2027-04-01T09:00:00Z', duration: 45, timezone: 'Europe/Paris', joinUrl: expect.stringMatching(/^https:\/\/meet\.google\.com\/[a-z]{3}-[a-z]{4}-[a-z]{3}$/) });
    const stored = primary().find((e) => e.id === m.meetingId)!;
    expect(stored).toMatchObject({ summary: 'Design review', description: 'Slides', conferenceData: { createRequest: { conferenceSolutionKey: { type: 'hangoutsMeet' }, status: { statusCode: 'success' } } } });
    const moved = await meet.update(m.meetingId, { startTime: '2027-04-02T10:00:00Z' });
    expect([moved.joinUrl, moved.startTime, moved.duration]).toEqual([m.joinUrl, '2027-04-02T10:00:00Z', 45]);
  });

  it('a failed conference is an error and leaves no plain event behind', async () => {
    emulator.failConferences(1);
    const before = primary().filter((e) => e.status !== 'cancelled').length;
    const err = await failure(meet.create({ topic: 'No link', kind: 'scheduled', startTime: '2027-04-03T09:00:00Z', duration: 30 }));
    expect([err.code, err.provider, err.providerCode]).toEqual(['provider_error', 'google-meet', 'conference_failure']);
    expect(primary().filter((e) => e.status !== 'cancelled')).toHaveLength(before);
  });

  it('sends a weekly recurrence as an RRULE and reads it back; an instant meeting starts now', async () => {
    const r = await meet.create({ topic: 'Standup', kind: 'recurring', startTime: '2027-04-05T08:00:00Z', duration: 15, recurrence: { frequency: 'weekly', weekdays: [1, 3, 5], count: 10 } });
    expect(primary().find((e) => e.id === r.meetingId)!.recurrence).toEqual(['RRULE:FREQ=WEEKLY;INTERVAL=1;BYDAY=MO,WE,FR;COUNT=10']);
    expect(r.recurrence).toEqual({ frequency: 'weekly', interval: 1, weekdays: [1, 3, 5], count: 10 });
    const now = await meet.create({ topic: 'Now', kind: 'instant' });
    expect(Math.abs(Date.parse(now.startTime!) - Date.now())).toBeLessThan(60_000);
  });

  it('answers capability_unsupported for recordings and participants; a plain event is no meeting', async () => {
    const m = await meet.create({ topic: 'Plain', kind: 'scheduled', startTime: '2027-04-06T09:00:00Z', duration: 30 });
    expect((await failure(meet.listRecordings(m.meetingId))).code).toBe('capability_unsupported');
    expect((await failure(meet.listParticipants(m.meetingId, {}))).code).toBe('capability_unsupported');
    const plain = emulator.account.create(emulator.account.calendar('primary'), { summary: 'Lunch', start: { dateTime: '2027-04-06T12:00:00Z' }, end: { dateTime: '2027-04-06T13:00:00Z' } }, 0);
    expect((await failure(meet.get(String(plain.id)))).code).toBe('meeting_not_found');
  });
});
