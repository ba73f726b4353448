/**
 * The `meetings` contract suite: what every meetings connector must do, whatever the vendor. Run
 * against each provider (`test/meetings-contract.test.ts`) through a real Transport to its
 * emulator. The harness ends a meeting at the provider (`endMeeting`, with a recording) so the
 * recordings and participants parts have something to read. A capability a provider does not
 * declare must be absent (its service answers 422 `capability_unsupported`).
 *
 * @see ./contract.ts
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import type { ChaosSettings } from '../../kit/emulator.js';
import type { MeetingsProvider } from './contract.js';
import './errors.js'; // registers the meetings error codes this file uses

export interface MeetingsContractHarness {
  provider: MeetingsProvider;
  /** End the meeting at the provider with two participants (and a recording when `record`). */
  endMeeting(meetingId: string, options: { record: boolean; participants: string[] }): Promise<void>;
  chaos?: ChaosSettings;
  teardown(): Promise<void>;
}

const future = (days: number) => new Date(Date.UTC(2027, 2, 1, 15) + days * 86_400_000).toISOString().replace(/\.\d{3}Z$/, 'Z');

/**
 * @example
 * meetingsContractSuite('zoom', async () => ({ provider, endMeeting, chaos, teardown }));
 */
export function meetingsContractSuite(name: string, setup: () => Promise<MeetingsContractHarness>): void {
  describe(`meetings contract: ${name}`, () => {
    let h: MeetingsContractHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(() => h?.teardown());

    it('creates a scheduled meeting (with waiting room and auto-recording where capable), and reads it back', async () => {
      const settings = h.provider.capabilities.has('settings') ? { waitingRoom: true, autoRecording: 'cloud' as const } : undefined;
      const m = await h.provider.create({ topic: 'Contract scheduled', kind: 'scheduled', startTime: future(0), duration: 30, timezone: 'Europe/Paris', settings });
      expect(m).toMatchObject({ provider: name, kind: 'scheduled', topic: 'Contract scheduled', startTime: future(0), duration: 30 });
      expect(m.meetingId).not.toBe('');
      expect(m.joinUrl).toMatch(/^https?:\/\//);
      const got = await h.provider.get(m.meetingId);
      expect(got).toMatchObject({ meetingId: m.meetingId, joinUrl: m.joinUrl, settings: settings ?? {} });
      expect(got.raw).toBeTruthy();
    });

    it('reschedules the same meeting and keeps its join link', async () => {
      const m = await h.provider.create({ topic: 'Contract reschedule', kind: 'scheduled', startTime: future(1), duration: 30 });
      const settings = h.provider.capabilities.has('settings') ? { waitingRoom: false } : undefined;
      const moved = await h.provider.update(m.meetingId, { startTime: future(2), topic: 'Contract moved', settings });
      expect(moved).toMatchObject({ meetingId: m.meetingId, joinUrl: m.joinUrl, startTime: future(2), topic: 'Contract moved', settings: settings ?? {} });
    });

    it('creates instant and recurring meetings where capable', async () => {
      if (h.provider.capabilities.has('instant')) expect((await h.provider.create({ topic: 'Contract instant', kind: 'instant' })).kind).toBe('instant');
      if (h.provider.capabilities.has('recurring')) {
        const r = await h.provider.create({ topic: 'Contract monthly', kind: 'recurring', startTime: future(3), duration: 60, recurrence: { frequency: 'monthly', monthDay: 15, count: 6 } });
        expect(r).toMatchObject({ kind: 'recurring', recurrence: { frequency: 'monthly', monthDay: 15, count: 6 } });
      }
    });

    it('lists meetings with page tokens', async () => {
      const first = await h.provider.list({ pageSize: 1 });
      expect(first.meetings).toHaveLength(1);
      expect(first.nextPageToken).not.toBeNull();
      const second = await h.provider.list({ pageSize: 1, pageToken: first.nextPageToken! });
      expect(second.meetings[0]!.meetingId).not.toBe(first.meetings[0]!.meetingId);
    });

    it('deletes a meeting; reading it then is meeting_not_found', async () => {
      const m = await h.provider.create({ topic: 'Contract delete', kind: 'scheduled', startTime: future(4), duration: 15 });
      await h.provider.delete(m.meetingId);
      expect((await failure(h.provider.get(m.meetingId))).code).toBe('meeting_not_found');
      expect((await failure(h.provider.delete(m.meetingId))).code).toBe('meeting_not_found');
    });

    it('lists, downloads and deletes recordings; lists past participants', async () => {
      if (!h.provider.capabilities.has('recordings')) return;
      const m = await h.provider.create({ topic: 'Contract recorded', kind: 'scheduled', startTime: future(5), duration: 30 });
      expect((await failure(h.provider.listRecordings(m.meetingId))).code).toBe('meeting_recording_not_found');
      await h.endMeeting(m.meetingId, { record: true, participants: ['Ada', 'Grace'] });
      const recs = await h.provider.listRecordings(m.meetingId);
      expect(recs.files.length).toBeGreaterThan(0);
      const file = recs.files[0]!;
      const media = await h.provider.downloadRecording(m.meetingId, file.id);
      const chunks: Buffer[] = [];
      for await (const c of media.body) chunks.push(c as Buffer);
      expect(Buffer.concat(chunks).length).toBe(file.fileSize);
      expect((await failure(h.provider.downloadRecording(m.meetingId, 'no-such-file'))).code).toBe('meeting_recording_not_found');
      await h.provider.deleteRecording(m.meetingId, file.id);
      expect((await h.provider.listRecordings(m.meetingId).catch(() => ({ files: [] }))).files.map((f) => f.id)).not.toContain(file.id);
      if (h.provider.capabilities.has('participants')) {
        const page = await h.provider.listParticipants(m.meetingId, {});
        expect(page.participants.map((p) => p.name).sort()).toEqual(['Ada', 'Grace']);
      }
    });

    it('declares participant controls and webinars only with their methods', async () => {
      expect(h.provider.capabilities.has('participantControls')).toBe(typeof h.provider.controlParticipant === 'function');
      expect(h.provider.capabilities.has('webinars')).toBe(typeof h.provider.createWebinar === 'function');
      if (!h.provider.capabilities.has('webinars')) return;
      const w = await h.provider.createWebinar!({ topic: 'Contract webinar', startTime: future(6), duration: 45, registration: true });
      expect(w).toMatchObject({ provider: name, topic: 'Contract webinar' });
      const r = await h.provider.addRegistrant!(w.webinarId, { email: 'attendee@example.com', firstName: 'Attendee' });
      expect(r.email).toBe('attendee@example.com');
      expect((await h.provider.listRegistrants!(w.webinarId, {})).registrants.map((x) => x.email)).toContain('attendee@example.com');
    });

    it('retries a 429 after Retry-After and answers', async () => {
      if (!h.chaos) return;
      h.chaos.retryAfterSec = 0;
      h.chaos.rateLimitNext = 1;
      const m = await h.provider.create({ topic: 'Contract after 429', kind: 'scheduled', startTime: future(7), duration: 10 });
      expect(m.meetingId).not.toBe('');
      expect(h.chaos.rateLimitNext).toBe(0);
    });
  });
}
