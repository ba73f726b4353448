/**
 * Teams meetings (Microsoft Graph): the meetings contract suite against the connector and the
 * Graph emulator through a real Transport, then what only Teams has: the meeting is an online
 * Outlook event whose Teams meeting carries the waiting room and recording settings, a recurring
 * meeting is a patternedRecurrence, and a mailbox without Teams gives no link, which is an error
 * that leaves no event behind.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { meetingsContractSuite } from '../src/categories/meetings/contract-suite.js';
import type { MeetingsProvider } from '../src/categories/meetings/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ResolvedConnection } from '../src/kit/connector.js';
import { startGraphEmulator, teams, teamsManifest, type GraphEmulator } from '../src/providers/outlook/index.js';
import { Transport } from '../src/transport/transport.js';
import { failure } from './helpers/hub-error.js';

async function connect(): Promise<{ emulator: GraphEmulator; provider: MeetingsProvider }> {
  const emulator = await startGraphEmulator();
  const connection: ResolvedConnection = { id: 'conn_test_teams', tenantId: 't', provider: 'teams', mode: 'sandbox', baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens };
  const http = new Transport().forConnection(teamsManifest as never, connection);
  return { emulator, provider: teams.meetings!({ connection, http, clock: systemClock, logger: createLogger('silent') } as never) };
}

meetingsContractSuite('teams', async () => {
  const { emulator, provider } = await connect();
  return {
    provider,
    chaos: emulator.chaos,
    endMeeting: async () => {
      throw new Error('teams declares neither recordings nor participants');
    },
    teardown: () => emulator.close(),
  };
});

describe('teams: what only Teams has', () => {
  let emulator: GraphEmulator;
  let p: MeetingsProvider;
  beforeAll(async () => ({ emulator, provider: p } = await connect()));
  afterAll(() => emulator?.close());

  it('keeps the waiting room and recording on the Teams meeting, found by its join URL', async () => {
    const m = await p.create({ topic: 'Board', kind: 'scheduled', startTime: '2027-04-01T15:00:00Z', duration: 45, settings: { waitingRoom: true, autoRecording: 'cloud' } });
    const online = [...emulator.mailbox.onlineMeetings.values()].find((o) => o.joinWebUrl === m.joinUrl)!;
    expect([online.lobbyBypassSettings?.scope, online.recordAutomatically]).toEqual(['organizer', true]);
    const moved = await p.update(m.meetingId, { startTime: '2027-04-02T15:00:00Z', settings: { waitingRoom: false } });
    expect([moved.joinUrl, online.lobbyBypassSettings?.scope, online.startDateTime]).toEqual([m.joinUrl, 'everyone', '2027-04-02T15:00:00.000Z']);
    expect((await failure(p.update(m.meetingId, { settings: { autoRecording: 'local' } }))).errors?.[0]?.field).toBe('settings.autoRecording');
  });

  it('a weekly meeting is a series with a patternedRecurrence', async () => {
    const m = await p.create({ topic: 'Standup', kind: 'recurring', startTime: '2027-04-05T08:00:00Z', duration: 15, recurrence: { frequency: 'weekly', weekdays: [1, 3], count: 10 } });
    expect(m.recurrence).toMatchObject({ frequency: 'weekly', weekdays: [1, 3], count: 10 });
    expect(emulator.mailbox.events.get(m.meetingId)!.data.recurrence?.pattern).toMatchObject({ type: 'weekly', daysOfWeek: ['monday', 'wednesday'] });
  });

  it('a mailbox without Teams gives no join link: an error, and no event is left', async () => {
    emulator.mailbox.teamsLicensed = false;
    try {
      const before = emulator.mailbox.events.size;
      const err = await failure(p.create({ topic: 'No Teams', kind: 'scheduled', startTime: '2027-04-03T15:00:00Z', duration: 30 }));
      expect(err.code).toBe('provider_error');
      expect(emulator.mailbox.events.size).toBe(before);
    } finally {
      emulator.mailbox.teamsLicensed = true;
    }
  });

  it('an instant meeting or a recording is capability_unsupported', async () => {
    expect((await failure(p.create({ topic: 'Now', kind: 'instant' }))).code).toBe('capability_unsupported');
    expect((await failure(p.listRecordings('x'))).code).toBe('capability_unsupported');
  });
});
