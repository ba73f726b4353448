/**
 * The Zoom emulator's account: meetings, webinars and registrants, past meetings with their
 * participants and cloud recordings, in memory, answered in Zoom's JSON shapes (snake_case,
 * meeting ids as numbers, `join_url`/`start_url`, `{code, message}` errors).
 *
 * @see https://developers.zoom.us/docs/api/meetings/
 */
import { randomBytes, randomInt } from 'node:crypto';
import { randomId } from '../../emulator-kit.js';

type Json = Record<string, unknown>;

export interface ZoomError {
  status: number;
  body: { code: number; message: string };
}

export const zoomError = (status: number, code: number, message: string): ZoomError => ({ status, body: { code, message } });
export const MEETING_NOT_FOUND = (id: string) => zoomError(404, 3001, `Meeting does not exist: ${id}.`);
export const NO_RECORDING = zoomError(404, 3301, 'This recording does not exist.');
export const INVALID_TOKEN = zoomError(401, 124, 'Invalid access token.');

export interface EmulatedParticipant {
  id: string;
  participantUuid: string;
  name: string;
  email: string;
  joinTime: string;
  leaveTime?: string;
}

export interface EmulatedRecordingFile {
  id: string;
  fileType: 'MP4' | 'M4A' | 'TRANSCRIPT';
  bytes: Buffer;
  start: string;
  end: string;
  deleted: boolean;
}

export interface EmulatedMeeting {
  id: number;
  uuid: string;
  body: Json;
  status: 'waiting' | 'started' | 'finished';
  participants: EmulatedParticipant[];
  recordings: EmulatedRecordingFile[];
}

const HOST_ID = 'KDcuGIm1QgePTO8WbOqwIQ';
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

const SETTINGS_DEFAULTS: Json = { host_video: false, participant_video: false, join_before_host: false, mute_upon_entry: false, waiting_room: false, auto_recording: 'none', approval_type: 2, audio: 'both' };

export class ZoomAccount {
  readonly meetings = new Map<number, EmulatedMeeting>();
  readonly webinars = new Map<number, { body: Json; registrants: Json[] }>();
  readonly accountId = `emu-${randomId(9)}`;

  constructor(private readonly origin: () => string) {}

  private newId(): number {
    let id: number;
    do id = randomInt(10_000_000_000, 99_999_999_999);
    while (this.meetings.has(id) || this.webinars.has(id));
    return id;
  }

  /** `POST /users/me/meetings`: answers the created meeting (201). */
  create(input: Json): EmulatedMeeting | ZoomError {
    const type = input.type === undefined ? 2 : Number(input.type);
    if (![1, 2, 3, 8].includes(type)) return zoomError(400, 300, `Invalid field: type ${String(input.type)}.`);
    if (typeof input.topic !== 'undefined' && (typeof input.topic !== 'string' || input.topic.length > 200)) return zoomError(400, 300, 'Invalid field: topic.');
    if ((type === 2 || type === 8) && typeof input.start_time !== 'string') return zoomError(400, 300, 'start_time is required for a scheduled meeting.');
    if (type === 8 && !input.recurrence) return zoomError(400, 300, 'recurrence is required for a recurring meeting with a fixed time.');
    if (typeof input.start_time === 'string' && Number.isNaN(Date.parse(input.start_time))) return zoomError(400, 300, `Invalid field: start_time ${input.start_time}.`);
    const id = this.newId();
    const password = typeof input.password === 'string' ? input.password : randomBytes(4).toString('hex').slice(0, 6);
    const pwd = randomBytes(16).toString('base64url');
    const now = Date.now();
    const body: Json = {
      uuid: `${randomBytes(16).toString('base64')}`,
      id,
      host_id: HOST_ID,
      host_email: 'sandbox-host@zoom.example',
      topic: typeof input.topic === 'string' ? input.topic : 'Zoom Meeting',
      type,
      status: 'waiting',
      ...(type !== 1 && type !== 3 && { start_time: iso(Date.parse(String(input.start_time))) }),
      ...(type === 1 && { start_time: iso(now) }),
      duration: typeof input.duration === 'number' ? input.duration : 60,
      timezone: typeof input.timezone === 'string' ? input.timezone : 'UTC',
      ...(typeof input.agenda === 'string' && { agenda: input.agenda }),
      created_at: iso(now),
      start_url: `${this.origin()}/s/${id}?zak=${randomBytes(24).toString('base64url')}`,
      join_url: `${this.origin()}/j/${id}?pwd=${pwd}`,
      password,
      h323_password: password,
      pre_schedule: false,
      settings: { ...SETTINGS_DEFAULTS, ...(input.settings as Json | undefined) },
      ...(input.recurrence !== undefined && { recurrence: input.recurrence, occurrences: this.occurrences(input) }),
    };
    const meeting: EmulatedMeeting = { id, uuid: body.uuid as string, body, status: 'waiting', participants: [], recordings: [] };
    this.meetings.set(id, meeting);
    return meeting;
  }

  /** Zoom lists a recurring meeting's occurrences (the first few are enough here). */
  private occurrences(input: Json): Json[] {
    const start = Date.parse(String(input.start_time));
    const r = (input.recurrence ?? {}) as Json;
    const stepDays = r.type === 1 ? 1 : r.type === 2 ? 7 : 30;
    const count = Math.min(typeof r.end_times === 'number' ? r.end_times : 7, 7);
    return Array.from({ length: count }, (_, i) => ({ occurrence_id: String(start + i * stepDays * 86_400_000 * Number(r.repeat_interval ?? 1)), start_time: iso(start + i * stepDays * 86_400_000 * Number(r.repeat_interval ?? 1)), duration: input.duration ?? 60, status: 'available' }));
  }

  find(id: string): EmulatedMeeting | undefined {
    if (/^\d+$/.test(id)) return this.meetings.get(Number(id));
    for (const m of this.meetings.values()) if (m.uuid === id) return m;
    return undefined;
  }

  /** `PATCH /meetings/{id}`: the same meeting, its join link kept. */
  update(id: string, patch: Json): ZoomError | undefined {
    const m = this.find(id);
    if (!m) return MEETING_NOT_FOUND(id);
    if (patch.start_time !== undefined && (typeof patch.start_time !== 'string' || Number.isNaN(Date.parse(patch.start_time)))) return zoomError(400, 300, `Invalid field: start_time ${String(patch.start_time)}.`);
    const { settings, ...rest } = patch;
    Object.assign(m.body, rest);
    if (typeof rest.start_time === 'string') m.body.start_time = iso(Date.parse(rest.start_time));
    if (settings) m.body.settings = { ...(m.body.settings as Json), ...(settings as Json) };
    if (rest.recurrence !== undefined) m.body.occurrences = this.occurrences(m.body);
    return undefined;
  }

  list(type: string): Json[] {
    const all = [...this.meetings.values()];
    const pick = type === 'live' ? all.filter((m) => m.status === 'started') : type === 'upcoming' ? all.filter((m) => m.status !== 'finished') : all.filter((m) => m.body.type !== 1 || m.status !== 'finished');
    return pick.map((m) => {
      const b = m.body;
      return { uuid: b.uuid, id: b.id, host_id: b.host_id, topic: b.topic, type: b.type, start_time: b.start_time, duration: b.duration, timezone: b.timezone, created_at: b.created_at, join_url: b.join_url, ...(b.agenda !== undefined && { agenda: b.agenda }) };
    });
  }

  recordingsOf(m: EmulatedMeeting, downloadBase: string): Json {
    const files = m.recordings.filter((f) => !f.deleted);
    // The reference types these as strings here (unlike the meeting object's numbers).
    return {
      uuid: m.uuid,
      id: String(m.id),
      account_id: this.accountId,
      host_id: HOST_ID,
      topic: m.body.topic,
      type: String(m.body.type),
      start_time: m.body.start_time,
      duration: m.body.duration,
      total_size: String(files.reduce((n, f) => n + f.bytes.length, 0)),
      recording_count: String(files.length),
      share_url: `${this.origin()}/rec/share/${m.id}`,
      recording_files: files.map((f) => ({
        id: f.id,
        meeting_id: m.uuid,
        recording_start: f.start,
        recording_end: f.end,
        file_type: f.fileType,
        file_extension: f.fileType === 'TRANSCRIPT' ? 'VTT' : f.fileType,
        file_size: f.bytes.length,
        play_url: `${this.origin()}/rec/play/${f.id}`,
        download_url: `${downloadBase}/rec/download/${f.id}`,
        status: 'completed',
        recording_type: f.fileType === 'M4A' ? 'audio_only' : f.fileType === 'TRANSCRIPT' ? 'audio_transcript' : 'shared_screen_with_speaker_view',
      })),
    };
  }

  file(fileId: string): EmulatedRecordingFile | undefined {
    for (const m of this.meetings.values()) for (const f of m.recordings) if (f.id === fileId && !f.deleted) return f;
    return undefined;
  }

  /** A meeting's host starts it (the emulator's control). */
  start(m: EmulatedMeeting): void {
    m.status = 'started';
    m.body.status = 'started';
  }

  join(m: EmulatedMeeting, input: { name: string; email?: string }): EmulatedParticipant {
    const p: EmulatedParticipant = { id: randomId(12), participantUuid: randomId(16), name: input.name, email: input.email ?? '', joinTime: iso(Date.now()) };
    m.participants.push(p);
    return p;
  }

  leave(p: EmulatedParticipant): void {
    p.leaveTime ??= iso(Date.now());
  }

  /** The meeting ends: everyone leaves; with cloud recording (or `record`), its files are made. */
  end(m: EmulatedMeeting, record: boolean): EmulatedParticipant[] {
    m.status = 'finished';
    m.body.status = 'finished';
    const left = m.participants.filter((p) => !p.leaveTime);
    for (const p of left) this.leave(p);
    const cloud = (m.body.settings as Json | undefined)?.auto_recording === 'cloud';
    if (record || cloud) {
      const start = String(m.body.start_time ?? iso(Date.now()));
      const end = iso(Date.now());
      // Deterministic bytes: a test can compare what the hub streams with what was recorded.
      const video = Buffer.from(Uint8Array.from({ length: 64 * 1024 + 17 }, (_, i) => (i * 31 + m.id) & 0xff));
      m.recordings.push({ id: randomId(16), fileType: 'MP4', bytes: video, start, end, deleted: false }, { id: randomId(16), fileType: 'M4A', bytes: video.subarray(0, 4096), start, end, deleted: false });
    }
    return left;
  }

  createWebinar(input: Json): Json | ZoomError {
    if (typeof input.topic !== 'string' || input.topic === '') return zoomError(400, 300, 'Invalid field: topic.');
    if (typeof input.start_time !== 'string' || Number.isNaN(Date.parse(input.start_time))) return zoomError(400, 300, 'start_time is required for a webinar.');
    const id = this.newId();
    const registration = (input.settings as Json | undefined)?.approval_type !== 2;
    const body: Json = {
      uuid: randomBytes(16).toString('base64'),
      id,
      host_id: HOST_ID,
      topic: input.topic,
      type: typeof input.type === 'number' ? input.type : 5,
      start_time: iso(Date.parse(input.start_time)),
      duration: typeof input.duration === 'number' ? input.duration : 60,
      timezone: typeof input.timezone === 'string' ? input.timezone : 'UTC',
      created_at: iso(Date.now()),
      start_url: `${this.origin()}/s/${id}?zak=${randomBytes(24).toString('base64url')}`,
      join_url: `${this.origin()}/w/${id}`,
      ...(registration && { registration_url: `${this.origin()}/webinar/register/WN_${randomId(12)}` }),
      settings: { approval_type: registration ? 0 : 2, host_video: false, panelists_video: false },
    };
    this.webinars.set(id, { body, registrants: [] });
    return body;
  }
}
