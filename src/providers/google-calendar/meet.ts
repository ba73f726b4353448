/**
 * The Google Meet meetings connector: a meeting is an event on the account's `primary` calendar
 * with a Meet conference, created through `conferenceData.createRequest`
 * (`conferenceSolutionKey.type: hangoutsMeet`, a fresh `requestId`, `conferenceDataVersion=1`).
 * A reschedule patches the same event, which keeps its conference and link. A conference Google
 * could not create (`createRequest.status.statusCode: failure`) is an error, and the event made
 * for it is deleted: never a meeting without a link.
 *
 * Meet's scheduling has no REST switches of its own: waiting room and recording follow the
 * organizer's Google Workspace policy, so Meet does not declare `settings` (a request that sets
 * them answers 422 `capability_unsupported`). The meeting's kind is kept with the event
 * (`extendedProperties.private`). No recordings, participants or webinars (Meet's conference
 * records are another API): those answer 422 too.
 *
 * @see https://developers.google.com/calendar/api/guides/create-events#conferencing
 */
import { randomUUID } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import type { CreateMeetingRequest, Meeting, MeetingCapability, MeetingKind, MeetingRecurrence, MeetingsProvider, UpdateMeetingRequest } from '../../categories/meetings/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { HttpRequest } from '../../transport/types.js';
import { arr, conferenceOf, obj, str, type Json } from './event-mapping.js';
import type { GoogleCalendarCredentials } from './manifest.js';

const CAPABILITIES: ReadonlySet<MeetingCapability> = new Set<MeetingCapability>(['instant', 'recurring']);
const PATH = '/calendars/primary/events';
const KIND_KEY = 'switchboardMeetingKind';
const DEFAULT_MINUTES = 60;
/** How often a `pending` conference is read again before giving up. */
const PENDING_READS = 5;
const DAYS = ['MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];

/** UTC without milliseconds, as the meetings contract writes times (`2027-03-01T15:00:00Z`). */
const utc = (iso: string) => new Date(iso).toISOString().replace(/\.\d{3}Z$/, 'Z');
const basic = (iso: string) => utc(iso).replace(/[-:]/g, '');

/** A {@link MeetingRecurrence} as an RFC 5545 `RRULE` line. */
export function toRrule(r: MeetingRecurrence): string {
  const parts = [`FREQ=${r.frequency.toUpperCase()}`, `INTERVAL=${r.interval ?? 1}`];
  if (r.weekdays?.length) parts.push(`BYDAY=${r.weekdays.map((d) => DAYS[(d - 1 + 7) % 7]).join(',')}`);
  if (r.monthDay !== undefined) parts.push(`BYMONTHDAY=${r.monthDay}`);
  if (r.count !== undefined) parts.push(`COUNT=${r.count}`);
  if (r.endDateTime !== undefined) parts.push(`UNTIL=${basic(r.endDateTime)}`);
  return `RRULE:${parts.join(';')}`;
}

/** The first `RRULE` of `lines` as a {@link MeetingRecurrence} (null when it is none Meet's contract can say). */
export function fromRrule(lines: unknown): MeetingRecurrence | null {
  const line = (Array.isArray(lines) ? lines : []).find((l): l is string => typeof l === 'string' && /^RRULE:/i.test(l));
  if (!line) return null;
  const p = Object.fromEntries(line.slice(6).split(';').map((kv) => kv.split('=') as [string, string]).map(([k, v]) => [k.toUpperCase(), v]));
  const frequency = ({ DAILY: 'daily', WEEKLY: 'weekly', MONTHLY: 'monthly' } as const)[p.FREQ as 'DAILY'];
  if (!frequency) return null;
  const until = /^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})Z?)?$/.exec(p.UNTIL ?? '');
  return {
    frequency,
    interval: Number(p.INTERVAL ?? 1),
    ...(p.BYDAY && { weekdays: p.BYDAY.split(',').map((d) => DAYS.indexOf(d.slice(-2)) + 1).filter((d) => d > 0) }),
    ...(p.BYMONTHDAY && { monthDay: Number(p.BYMONTHDAY) }),
    ...(p.COUNT && { count: Number(p.COUNT) }),
    ...(until && { endDateTime: `${until[1]}-${until[2]}-${until[3]}T${until[4] ?? '00'}:${until[5] ?? '00'}:${until[6] ?? '00'}Z` }),
  };
}

const privateOf = (raw: Json): Json => obj(obj(raw.extendedProperties).private);

/** A Calendar event with a Meet conference → {@link Meeting}. */
export function eventToMeeting(raw: Json): Meeting {
  const start = str(obj(raw.start).dateTime);
  const end = str(obj(raw.end).dateTime);
  const own = privateOf(raw);
  const recurrence = fromRrule(raw.recurrence);
  const kind = (['instant', 'scheduled', 'recurring'] as const).find((k) => k === own[KIND_KEY]) ?? (recurrence ? 'recurring' : 'scheduled');
  return {
    provider: 'google-meet',
    meetingId: str(raw.id) ?? '',
    topic: str(raw.summary) ?? '',
    kind,
    startTime: start ? utc(start) : null,
    duration: start && end ? Math.round((Date.parse(end) - Date.parse(start)) / 60_000) : null,
    timezone: str(obj(raw.start).timeZone),
    joinUrl: conferenceOf(raw)?.joinUrl ?? '',
    startUrl: null,
    password: null,
    status: str(raw.status),
    settings: {},
    recurrence,
    raw,
  };
}

/**
 * @example
 * const meet = createGoogleMeet(ctx);
 * const m = await meet.create({ topic: 'Standup', kind: 'scheduled', startTime: '2027-03-01T09:00:00Z', duration: 15 }); // m.joinUrl: https://meet.google.com/…
 */
export function createGoogleMeet(ctx: ProviderContext<GoogleCalendarCredentials>): MeetingsProvider {
  async function call(req: HttpRequest): Promise<Json> {
    const res = await ctx.http.request(req);
    return res.status === 204 || res.text === '' ? {} : obj(res.json());
  }
  const eventPath = (id: string) => `${PATH}/${encodeURIComponent(id)}`;
  const notFound = (id: string, why: string) => new HubError('meeting_not_found', `Google Meet meeting ${id} ${why}`, { provider: 'google-meet' });

  async function read(meetingId: string): Promise<Json> {
    const raw = await call({ method: 'GET', path: eventPath(meetingId), operation: 'meetings.get' });
    if (raw.status === 'cancelled') throw notFound(meetingId, 'was deleted');
    return raw;
  }

  /** Waits out a `pending` conference; a `failure` (or one still pending) deletes the event and throws. */
  async function settle(raw: Json): Promise<Json> {
    let current = raw;
    for (let i = 0; ; i++) {
      const status = str(obj(obj(obj(current.conferenceData).createRequest).status).statusCode);
      if (status === 'success' && conferenceOf(current)) return current;
      if (status === 'pending' && i < PENDING_READS) {
        await new Promise((r) => setTimeout(r, 200 * (i + 1)));
        current = await read(str(current.id) ?? '');
        continue;
      }
      const id = str(current.id) ?? '';
      await call({ method: 'DELETE', path: eventPath(id), query: { sendUpdates: 'none' }, operation: 'meetings.delete' }).catch((err: unknown) => ctx.logger.warn({ err, eventId: id }, 'google-meet: deleting the event of a failed conference failed'));
      throw new HubError('provider_error', `Google could not create the Meet conference (createRequest status ${status ?? 'absent'}); the calendar event made for it was deleted, no meeting was created`, { provider: 'google-meet', providerCode: `conference_${status ?? 'absent'}` });
    }
  }

  function times(startTime: string, minutes: number, timezone: string | undefined): Json {
    const start = Date.parse(startTime);
    const zone = timezone ?? 'UTC';
    return { start: { dateTime: utc(new Date(start).toISOString()), timeZone: zone }, end: { dateTime: utc(new Date(start + minutes * 60_000).toISOString()), timeZone: zone } };
  }

  function body(input: UpdateMeetingRequest, kind: MeetingKind | undefined): Json {
    return {
      ...(input.topic !== undefined && { summary: input.topic }),
      ...(input.agenda !== undefined && { description: input.agenda }),
      ...(input.recurrence !== undefined && { recurrence: [toRrule(input.recurrence)] }),
      ...(kind !== undefined && { extendedProperties: { private: { [KIND_KEY]: kind } } }),
    };
  }

  return {
    id: 'google-meet',
    capabilities: CAPABILITIES,

    async create(input: CreateMeetingRequest) {
      const startTime = input.kind === 'instant' || !input.startTime ? new Date(ctx.clock.now()).toISOString() : input.startTime;
      const payload = {
        ...body(input, input.kind),
        ...times(startTime, input.duration ?? DEFAULT_MINUTES, input.timezone),
        conferenceData: { createRequest: { requestId: randomUUID(), conferenceSolutionKey: { type: 'hangoutsMeet' } } },
      };
      const raw = await call({ method: 'POST', path: PATH, query: { conferenceDataVersion: 1, sendUpdates: 'none' }, body: payload, operation: 'meetings.create' });
      return eventToMeeting(await settle(raw));
    },

    async get(meetingId) {
      const raw = await read(meetingId);
      if (!conferenceOf(raw)) throw notFound(meetingId, 'is a calendar event without a Meet conference');
      return eventToMeeting(raw);
    },

    async update(meetingId, input) {
      const current = eventToMeeting(await read(meetingId));
      const moved = input.startTime !== undefined || input.duration !== undefined || input.timezone !== undefined;
      const payload = {
        ...body(input, undefined),
        ...(moved && times(input.startTime ?? current.startTime ?? new Date(ctx.clock.now()).toISOString(), input.duration ?? current.duration ?? DEFAULT_MINUTES, input.timezone ?? current.timezone ?? undefined)),
      };
      // conferenceDataVersion=1 with no conferenceData in the patch: the conference is kept as it is.
      const raw = await call({ method: 'PATCH', path: eventPath(meetingId), query: { conferenceDataVersion: 1, sendUpdates: 'none' }, body: payload, operation: 'meetings.update' });
      return eventToMeeting(raw);
    },

    async delete(meetingId) {
      await call({ method: 'DELETE', path: eventPath(meetingId), query: { sendUpdates: 'none' }, operation: 'meetings.delete' });
    },

    async list(q) {
      const now = ctx.clock.now();
      const window = q.type === 'upcoming' ? { timeMin: new Date(now).toISOString() } : q.type === 'live' ? { timeMin: new Date(now).toISOString(), timeMax: new Date(now + 1000).toISOString() } : {};
      let pageToken = q.pageToken;
      // Pages of the calendar may hold no Meet event: read on until one does (or the calendar ends).
      for (let pages = 0; ; pages++) {
        const page = await call({ method: 'GET', path: PATH, query: { ...window, maxResults: q.pageSize ?? 30, pageToken }, operation: 'meetings.list' });
        const meetings = arr(page.items).filter((e) => e.status !== 'cancelled' && conferenceOf(e)).map(eventToMeeting);
        pageToken = str(page.nextPageToken) ?? undefined;
        if (meetings.length > 0 || !pageToken || pages >= 9) return { meetings, nextPageToken: pageToken ?? null };
      }
    },

    listRecordings: () => Promise.reject(unsupported('recordings')),
    downloadRecording: () => Promise.reject(unsupported('recordings')),
    deleteRecording: () => Promise.reject(unsupported('recordings')),
    listParticipants: () => Promise.reject(unsupported('participants')),
  };
}

const unsupported = (capability: MeetingCapability) =>
  new HubError('capability_unsupported', `google-meet cannot do this (it lacks the meetings capability "${capability}": Meet's conference records are not read through the Calendar API)`, { provider: 'google-meet', details: { provider: 'google-meet', capability } });
