/**
 * The Zoom meetings connector: Meetings API v2 on behalf of the app's account (`users/me`):
 * meetings (instant type 1, scheduled 2, recurring with a fixed time 8), cloud recordings (listed,
 * their files streamed from `download_url` with the bearer token, deleted to the trash), past
 * participants, webinars and registrants. No participant controls: Zoom's REST in-meeting control
 * (`PATCH /live_meetings/{id}/events`) starts and stops recordings only; muting and removing
 * people are Meeting SDK functions, so the capability is not declared (422 `capability_unsupported`).
 *
 * @see https://developers.zoom.us/docs/api/meetings/
 */
import { HubError } from '../../core/errors.js';
import type { ProviderContext } from '../../kit/connector.js';
import type {
  CreateMeetingRequest,
  Meeting,
  MeetingCapability,
  MeetingKind,
  MeetingRecurrence,
  MeetingRecordingFile,
  MeetingSettings,
  MeetingsProvider,
  Registrant,
  UpdateMeetingRequest,
  Webinar,
} from '../../categories/meetings/contract.js';
import type { HttpRequest } from '../../transport/types.js';
import type { ZoomCredentials } from './manifest.js';
import { useZoomTokens } from './token.js';

type Json = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
const num = (v: unknown): number | null => (typeof v === 'number' && Number.isFinite(v) ? v : null);
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});

const KIND_TO_TYPE: Record<MeetingKind, number> = { instant: 1, scheduled: 2, recurring: 8 };
const TYPE_TO_KIND: Record<number, MeetingKind> = { 1: 'instant', 2: 'scheduled', 3: 'recurring', 8: 'recurring' };
const FREQ_TO_TYPE = { daily: 1, weekly: 2, monthly: 3 } as const;
const TYPE_TO_FREQ: Record<number, MeetingRecurrence['frequency']> = { 1: 'daily', 2: 'weekly', 3: 'monthly' };

/** Zoom's `start_time`: UTC without milliseconds (`2026-12-24T15:00:00Z`). */
const zoomTime = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
/** ISO weekday (1 Monday … 7 Sunday) ↔ Zoom's `weekly_days` (1 Sunday … 7 Saturday). */
const toZoomDay = (iso: number) => (iso % 7) + 1;
const fromZoomDay = (zoom: number) => (zoom === 1 ? 7 : zoom - 1);

function toZoomRecurrence(r: MeetingRecurrence): Json {
  return {
    type: FREQ_TO_TYPE[r.frequency],
    repeat_interval: r.interval ?? 1,
    ...(r.weekdays && { weekly_days: r.weekdays.map(toZoomDay).join(',') }),
    ...(r.monthDay !== undefined && { monthly_day: r.monthDay }),
    ...(r.count !== undefined && { end_times: r.count }),
    ...(r.endDateTime !== undefined && { end_date_time: zoomTime(r.endDateTime) }),
  };
}

function fromZoomRecurrence(raw: unknown): MeetingRecurrence | null {
  const r = obj(raw);
  const frequency = TYPE_TO_FREQ[num(r.type) ?? 0];
  if (!frequency) return null;
  const days = str(r.weekly_days);
  return {
    frequency,
    interval: num(r.repeat_interval) ?? 1,
    ...(days && { weekdays: days.split(',').map((d) => fromZoomDay(Number(d))) }),
    ...(num(r.monthly_day) !== null && { monthDay: num(r.monthly_day)! }),
    ...(num(r.end_times) !== null && { count: num(r.end_times)! }),
    ...(str(r.end_date_time) && { endDateTime: str(r.end_date_time)! }),
  };
}

function toZoomSettings(s: MeetingSettings): Json {
  const out: Json = {};
  if (s.waitingRoom !== undefined) out.waiting_room = s.waitingRoom;
  if (s.autoRecording !== undefined) out.auto_recording = s.autoRecording;
  if (s.joinBeforeHost !== undefined) out.join_before_host = s.joinBeforeHost;
  if (s.muteUponEntry !== undefined) out.mute_upon_entry = s.muteUponEntry;
  if (s.hostVideo !== undefined) out.host_video = s.hostVideo;
  if (s.participantVideo !== undefined) out.participant_video = s.participantVideo;
  return out;
}

function fromZoomSettings(raw: unknown): MeetingSettings {
  const s = obj(raw);
  const out: MeetingSettings = {};
  if (typeof s.waiting_room === 'boolean') out.waitingRoom = s.waiting_room;
  if (s.auto_recording === 'none' || s.auto_recording === 'local' || s.auto_recording === 'cloud') out.autoRecording = s.auto_recording;
  if (typeof s.join_before_host === 'boolean') out.joinBeforeHost = s.join_before_host;
  if (typeof s.mute_upon_entry === 'boolean') out.muteUponEntry = s.mute_upon_entry;
  if (typeof s.host_video === 'boolean') out.hostVideo = s.host_video;
  if (typeof s.participant_video === 'boolean') out.participantVideo = s.participant_video;
  return out;
}

/** A Zoom meeting object → {@link Meeting}. */
export function toMeeting(raw: Json): Meeting {
  return {
    provider: 'zoom',
    meetingId: str(raw.id) ?? '',
    topic: str(raw.topic) ?? '',
    kind: TYPE_TO_KIND[num(raw.type) ?? 2] ?? 'scheduled',
    startTime: str(raw.start_time),
    duration: num(raw.duration),
    timezone: str(raw.timezone),
    joinUrl: str(raw.join_url) ?? '',
    startUrl: str(raw.start_url),
    password: str(raw.password),
    status: str(raw.status),
    settings: fromZoomSettings(raw.settings),
    recurrence: fromZoomRecurrence(raw.recurrence),
    raw,
  };
}

function meetingBody(input: UpdateMeetingRequest & { kind?: MeetingKind }): Json {
  return {
    ...(input.topic !== undefined && { topic: input.topic }),
    ...(input.kind !== undefined && { type: KIND_TO_TYPE[input.kind] }),
    ...(input.startTime !== undefined && { start_time: zoomTime(input.startTime) }),
    ...(input.duration !== undefined && { duration: input.duration }),
    ...(input.timezone !== undefined && { timezone: input.timezone }),
    ...(input.agenda !== undefined && { agenda: input.agenda }),
    ...(input.password !== undefined && { password: input.password }),
    ...(input.recurrence !== undefined && { recurrence: toZoomRecurrence(input.recurrence) }),
    ...(input.settings !== undefined && { settings: toZoomSettings(input.settings) }),
  };
}

const toFile = (f: Json): MeetingRecordingFile => ({
  id: str(f.id) ?? '',
  fileType: str(f.file_type) ?? 'unknown',
  fileExtension: str(f.file_extension),
  fileSize: num(f.file_size),
  recordingType: str(f.recording_type),
  status: str(f.status),
  recordingStart: str(f.recording_start),
  recordingEnd: str(f.recording_end),
});

const toRegistrant = (r: Json): Registrant => ({
  registrantId: str(r.registrant_id) ?? str(r.id) ?? '',
  email: str(r.email) ?? '',
  firstName: str(r.first_name) ?? '',
  lastName: str(r.last_name),
  status: str(r.status),
  joinUrl: str(r.join_url),
});

/** Past-meeting calls take a UUID; one starting with `/` or holding `//` must be encoded twice. */
const pastId = (id: string) => (id.startsWith('/') || id.includes('//') ? encodeURIComponent(encodeURIComponent(id)) : encodeURIComponent(id));

const CAPABILITIES: ReadonlySet<MeetingCapability> = new Set(['instant', 'recurring', 'settings', 'recordings', 'participants', 'webinars']);

/**
 * @example
 * const zoom = createZoomMeetings(ctx);
 * const m = await zoom.create({ topic: 'Standup', kind: 'scheduled', startTime: '2026-12-24T09:00:00Z', duration: 15 });
 */
export function createZoomMeetings(ctx: ProviderContext<ZoomCredentials>): MeetingsProvider {
  useZoomTokens(ctx);
  async function call<T>(req: Omit<HttpRequest, 'operation'> & { operation: string }): Promise<T> {
    const res = await ctx.http.request(req);
    return (res.status === 204 || res.text === '' ? undefined : res.json()) as T;
  }
  const id = (meetingId: string) => encodeURIComponent(meetingId);
  const page = (q: { pageSize?: number; pageToken?: string }) => ({ page_size: q.pageSize, next_page_token: q.pageToken });

  async function get(meetingId: string): Promise<Meeting> {
    return toMeeting(await call<Json>({ method: 'GET', path: `/meetings/${id(meetingId)}`, operation: 'meetings.get' }));
  }

  async function recordingsOf(meetingId: string): Promise<Json> {
    return call<Json>({ method: 'GET', path: `/meetings/${pastId(meetingId)}/recordings`, operation: 'meetings.recordings.list' });
  }

  return {
    id: 'zoom',
    capabilities: CAPABILITIES,

    async create(input: CreateMeetingRequest) {
      const raw = await call<Json>({ method: 'POST', path: '/users/me/meetings', body: meetingBody(input), operation: 'meetings.create' });
      return toMeeting(raw);
    },

    get,

    async update(meetingId, input) {
      await call<void>({ method: 'PATCH', path: `/meetings/${id(meetingId)}`, body: meetingBody(input), operation: 'meetings.update' });
      return get(meetingId);
    },

    async delete(meetingId) {
      await call<void>({ method: 'DELETE', path: `/meetings/${id(meetingId)}`, operation: 'meetings.delete' });
    },

    async list(q) {
      const raw = await call<Json>({ method: 'GET', path: '/users/me/meetings', query: { type: q.type ?? 'scheduled', ...page(q) }, operation: 'meetings.list' });
      const meetings = Array.isArray(raw.meetings) ? raw.meetings.map((m) => toMeeting(obj(m))) : [];
      return { meetings, nextPageToken: str(raw.next_page_token) };
    },

    async listRecordings(meetingId) {
      const raw = await recordingsOf(meetingId);
      const files = Array.isArray(raw.recording_files) ? raw.recording_files.map((f) => toFile(obj(f))) : [];
      const { download_access_token: _token, ...kept } = raw; // a bearer credential: never in answers or logs
      return { provider: 'zoom', meetingId: str(raw.id) ?? meetingId, files, raw: kept };
    },

    async downloadRecording(meetingId, fileId) {
      const raw = await recordingsOf(meetingId);
      const file = (Array.isArray(raw.recording_files) ? raw.recording_files.map(obj) : []).find((f) => str(f.id) === fileId);
      if (!file) throw new HubError('meeting_recording_not_found', `Zoom meeting ${meetingId} has no recording file ${fileId}`, { provider: 'zoom' });
      const url = str(file.download_url);
      if (!url) throw new HubError('meeting_recording_not_found', `Zoom recording file ${fileId} has no download_url yet (status ${str(file.status) ?? 'unknown'})`, { provider: 'zoom' });
      // The bearer token goes only to Zoom's own hosts (or the API's origin: the emulator).
      const host = new URL(url);
      const trusted = host.origin === new URL(ctx.connection.baseUrl).origin || (host.protocol === 'https:' && (host.hostname === 'zoom.us' || host.hostname.endsWith('.zoom.us')));
      if (!trusted) throw new HubError('provider_error', `Zoom answered a download_url on an unexpected host (${host.hostname}); not sending the token there`, { provider: 'zoom' });
      const res = await ctx.http.request({ method: 'GET', path: url, responseType: 'stream', operation: 'meetings.recordings.download' });
      const length = res.headers['content-length'] === undefined ? NaN : Number(res.headers['content-length']);
      const ext = str(file.file_extension)?.toLowerCase();
      return {
        contentType: res.headers['content-type'] ?? 'application/octet-stream',
        contentLength: Number.isInteger(length) && length >= 0 ? length : undefined,
        fileName: `${meetingId}-${fileId}${ext ? `.${ext}` : ''}`,
        body: res.body,
      };
    },

    async deleteRecording(meetingId, fileId) {
      const path = fileId ? `/meetings/${pastId(meetingId)}/recordings/${encodeURIComponent(fileId)}` : `/meetings/${pastId(meetingId)}/recordings`;
      await call<void>({ method: 'DELETE', path, query: { action: 'trash' }, operation: 'meetings.recordings.delete' });
    },

    async listParticipants(meetingId, q) {
      const raw = await call<Json>({ method: 'GET', path: `/past_meetings/${pastId(meetingId)}/participants`, query: page(q), operation: 'meetings.participants.list' });
      const participants = (Array.isArray(raw.participants) ? raw.participants.map(obj) : []).map((p) => ({
        id: str(p.id) ?? str(p.user_id),
        name: str(p.name) ?? '',
        email: str(p.user_email),
        joinTime: str(p.join_time),
        leaveTime: str(p.leave_time),
        duration: num(p.duration),
      }));
      return { participants, nextPageToken: str(raw.next_page_token) };
    },

    async createWebinar(input) {
      const body = {
        topic: input.topic,
        type: 5,
        start_time: zoomTime(input.startTime),
        duration: input.duration,
        ...(input.timezone && { timezone: input.timezone }),
        ...(input.agenda && { agenda: input.agenda }),
        settings: { approval_type: input.registration ? 0 : 2 },
      };
      const raw = await call<Json>({ method: 'POST', path: '/users/me/webinars', body, operation: 'meetings.webinars.create' });
      const w: Webinar = { provider: 'zoom', webinarId: str(raw.id) ?? '', topic: str(raw.topic) ?? '', startTime: str(raw.start_time), duration: num(raw.duration), joinUrl: str(raw.join_url) ?? '', registrationUrl: str(raw.registration_url), raw };
      return w;
    },

    async addRegistrant(webinarId, input) {
      const raw = await call<Json>({ method: 'POST', path: `/webinars/${id(webinarId)}/registrants`, body: { email: input.email, first_name: input.firstName, ...(input.lastName && { last_name: input.lastName }) }, operation: 'meetings.webinars.register' });
      return toRegistrant({ ...raw, email: input.email, first_name: input.firstName, last_name: input.lastName, status: 'approved' });
    },

    async listRegistrants(webinarId, q) {
      const raw = await call<Json>({ method: 'GET', path: `/webinars/${id(webinarId)}/registrants`, query: page(q), operation: 'meetings.webinars.registrants' });
      return { registrants: (Array.isArray(raw.registrants) ? raw.registrants.map(obj) : []).map(toRegistrant), nextPageToken: str(raw.next_page_token) };
    },
  };
}
