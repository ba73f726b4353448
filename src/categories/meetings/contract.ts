/**
 * The `meetings` category: provider-agnostic types every meetings connector implements. A meeting
 * lives at one provider (failover policy `none`): its id is the provider's, and every later call
 * (get, reschedule, delete, recordings, participants) goes to that provider. What a provider can
 * do beyond scheduling is its `capabilities`; a missing one answers 422 `capability_unsupported`
 * (Google Meet has no webinars; participant controls exist only where the provider's REST API has
 * them).
 *
 * @see docs/meetings.md
 */
import type { Readable } from 'node:stream';

/** Scheduled (2), instant (1), or recurring with a fixed time (8) — Zoom's numbering, the common ground. */
export type MeetingKind = 'scheduled' | 'instant' | 'recurring';

/** A recurrence (Zoom's `recurrence`: daily, weekly on days, monthly on a day), ending after N times or at a date. */
export interface MeetingRecurrence {
  frequency: 'daily' | 'weekly' | 'monthly';
  /** Every N days, weeks or months (default 1). */
  interval?: number;
  /** Weekly: ISO days 1 (Monday) … 7 (Sunday). */
  weekdays?: number[];
  /** Monthly: the day of the month. */
  monthDay?: number;
  /** End after this many occurrences, or at `endDateTime` (ISO 8601). */
  count?: number;
  endDateTime?: string;
}

export interface MeetingSettings {
  waitingRoom?: boolean;
  /** `none`, `local` or `cloud`. */
  autoRecording?: 'none' | 'local' | 'cloud';
  joinBeforeHost?: boolean;
  muteUponEntry?: boolean;
  hostVideo?: boolean;
  participantVideo?: boolean;
}

export interface CreateMeetingRequest {
  topic: string;
  kind: MeetingKind;
  /** ISO 8601 (scheduled and recurring). */
  startTime?: string;
  /** Minutes. */
  duration?: number;
  timezone?: string;
  agenda?: string;
  password?: string;
  recurrence?: MeetingRecurrence;
  settings?: MeetingSettings;
}

/** What a reschedule or edit changes (the meeting keeps its id and join link). */
export type UpdateMeetingRequest = Partial<Omit<CreateMeetingRequest, 'kind'>>;

export interface Meeting {
  provider: string;
  /** The provider's id (Zoom's meeting number, as a string). */
  meetingId: string;
  topic: string;
  kind: MeetingKind;
  startTime: string | null;
  duration: number | null;
  timezone: string | null;
  joinUrl: string;
  /** The host's link (a secret: it starts the meeting as host). */
  startUrl: string | null;
  password: string | null;
  status: string | null;
  settings: MeetingSettings;
  recurrence: MeetingRecurrence | null;
  raw: unknown;
}

export interface MeetingPage {
  meetings: Meeting[];
  nextPageToken: string | null;
}

export interface MeetingRecordingFile {
  id: string;
  fileType: string;
  fileExtension: string | null;
  fileSize: number | null;
  recordingType: string | null;
  status: string | null;
  recordingStart: string | null;
  recordingEnd: string | null;
}

export interface MeetingRecordings {
  provider: string;
  meetingId: string;
  files: MeetingRecordingFile[];
  raw: unknown;
}

/** A recording file's bytes, streamed from the provider. */
export interface RecordingMedia {
  contentType: string;
  contentLength: number | undefined;
  fileName: string | null;
  body: Readable;
}

export interface MeetingParticipant {
  id: string | null;
  name: string;
  email: string | null;
  joinTime: string | null;
  leaveTime: string | null;
  /** Seconds. */
  duration: number | null;
}

export interface ParticipantPage {
  participants: MeetingParticipant[];
  nextPageToken: string | null;
}

export interface CreateWebinarRequest {
  topic: string;
  startTime: string;
  duration: number;
  timezone?: string;
  agenda?: string;
  /** Attendees must register (Zoom approval_type 0: automatic). */
  registration?: boolean;
}

export interface Webinar {
  provider: string;
  webinarId: string;
  topic: string;
  startTime: string | null;
  duration: number | null;
  joinUrl: string;
  registrationUrl: string | null;
  raw: unknown;
}

export interface RegistrantInput {
  email: string;
  firstName: string;
  lastName?: string;
}

export interface Registrant {
  registrantId: string;
  email: string;
  firstName: string;
  lastName: string | null;
  status: string | null;
  joinUrl: string | null;
}

/**
 * What a provider can do beyond a scheduled meeting. `settings`: the provider applies the
 * {@link MeetingSettings} switches (Zoom's settings, Teams' lobby and recording); without it a
 * create or update that sets one answers 422 `capability_unsupported` (Google Meet follows the
 * organizer's Workspace policy and has no such switches).
 */
export type MeetingCapability = 'instant' | 'recurring' | 'settings' | 'recordings' | 'participants' | 'participantControls' | 'webinars';

export interface MeetingsProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<MeetingCapability>;
  create(input: CreateMeetingRequest): Promise<Meeting>;
  get(meetingId: string): Promise<Meeting>;
  /** Patch the same meeting (its join link is kept); answers it as it now is. */
  update(meetingId: string, input: UpdateMeetingRequest): Promise<Meeting>;
  delete(meetingId: string): Promise<void>;
  list(input: { pageSize?: number; pageToken?: string; type?: 'scheduled' | 'upcoming' | 'live' }): Promise<MeetingPage>;
  listRecordings(meetingId: string): Promise<MeetingRecordings>;
  downloadRecording(meetingId: string, fileId: string): Promise<RecordingMedia>;
  /** `fileId` absent: every recording of the meeting. Moved to the trash (recoverable at the provider). */
  deleteRecording(meetingId: string, fileId?: string): Promise<void>;
  listParticipants(meetingId: string, input: { pageSize?: number; pageToken?: string }): Promise<ParticipantPage>;
  /** Capability `participantControls`. */
  controlParticipant?(meetingId: string, participantId: string, action: 'mute' | 'unmute' | 'remove'): Promise<void>;
  /** Capability `webinars`. */
  createWebinar?(input: CreateWebinarRequest): Promise<Webinar>;
  addRegistrant?(webinarId: string, input: RegistrantInput): Promise<Registrant>;
  listRegistrants?(webinarId: string, input: { pageSize?: number; pageToken?: string }): Promise<{ registrants: Registrant[]; nextPageToken: string | null }>;
}

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    meetings: MeetingsProvider;
  }
}

/** Normalized inbound types (the `type` of an InboundEvent). */
export const MEETING_EVENT_TYPES = ['meeting.started', 'meeting.ended', 'meeting.participant_joined', 'meeting.participant_left', 'meeting.recording.completed'] as const;
export type MeetingEventType = (typeof MEETING_EVENT_TYPES)[number];

/** `data` of `meeting.started` and `meeting.ended`. */
export interface MeetingLifecycleData {
  meetingId: string;
  /** The occurrence's UUID (past-meeting calls take it). */
  uuid: string | null;
  topic: string | null;
  hostId: string | null;
  startTime: string | null;
  endTime: string | null;
}

/** `data` of `meeting.participant_joined` and `meeting.participant_left`. */
export interface MeetingParticipantData {
  meetingId: string;
  uuid: string | null;
  participantId: string | null;
  name: string | null;
  email: string | null;
  at: string | null;
}

/** `data` of `meeting.recording.completed`. */
export interface MeetingRecordingData {
  meetingId: string;
  uuid: string | null;
  topic: string | null;
  files: { id: string; fileType: string; fileSize: number | null }[];
}

export interface MeetingEventDataMap {
  'meeting.started': MeetingLifecycleData;
  'meeting.ended': MeetingLifecycleData;
  'meeting.participant_joined': MeetingParticipantData;
  'meeting.participant_left': MeetingParticipantData;
  'meeting.recording.completed': MeetingRecordingData;
}
