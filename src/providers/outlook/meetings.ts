/**
 * The Teams meetings connector over Microsoft Graph. A Teams meeting here is what Outlook and Teams
 * themselves schedule: an Outlook event with `isOnlineMeeting: true` and `onlineMeetingProvider:
 * 'teamsForBusiness'`, for which Graph makes the Teams meeting and its join link. Its id is the
 * event's. Why not a bare `POST /me/onlineMeetings`: such a meeting cannot be listed (Graph has no
 * list of online meetings, only a lookup by id or join URL), shows in nobody's calendar and cannot
 * recur; the event can (list: `/me/calendar/events?$filter=isOnlineMeeting eq true`).
 *
 * The waiting room and automatic recording live on the Teams meeting itself: it is found by its
 * join URL (`/me/onlineMeetings?$filter=JoinWebUrl eq '…'`) and PATCHed (`lobbyBypassSettings.scope`
 * `organizer` with a waiting room, `everyone` without; `recordAutomatically` for `cloud`; Teams has
 * no local recording). A reschedule PATCHes the event: the join link stays.
 *
 * Not declared: `instant` (an event needs a time), `recordings` and `participants` (Graph serves
 * recordings and attendance reports of `onlineMeeting`s under application permissions and a
 * tenant policy; not emulated honestly here), participant controls, webinars. A create whose
 * answer carries no join link (Teams not licensed for the mailbox) is an error, and the event is
 * removed again.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/onlinemeeting
 * @see https://learn.microsoft.com/en-us/graph/outlook-calendar-online-meetings
 */
import type { Event as GraphEvent, OnlineMeeting, PatternedRecurrence } from '@microsoft/microsoft-graph-types';
import { HubError } from '../../core/errors.js';
import type { CreateMeetingRequest, Meeting, MeetingCapability, MeetingRecurrence, MeetingSettings, MeetingsProvider } from '../../categories/meetings/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { HttpRequest } from '../../transport/types.js';
import { fromGraphTime, toGraphTime } from './event-map.js';
import { GRAPH_PREFER, type GraphCredentials } from './manifest.js';
import { toPatternedRecurrence } from './recurrence.js';

const CAPABILITIES: ReadonlySet<MeetingCapability> = new Set<MeetingCapability>(['recurring', 'settings']);
const ISO_DAYS = ['', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA', 'SU'];
const GRAPH_DAYS: Record<string, number> = { monday: 1, tuesday: 2, wednesday: 3, thursday: 4, friday: 5, saturday: 6, sunday: 7 };

type Page<T> = { value?: T[]; '@odata.nextLink'?: string };
const bad = (field: string, message: string) => new HubError('validation_failed', `${field}: ${message}`, { errors: [{ field, message }] });
const unsupported = (what: string) => new HubError('capability_unsupported', `Teams meetings through Microsoft Graph do not offer ${what} here (see docs/providers.md)`, { provider: 'teams' });

/** The hub's recurrence as an RRULE line (weekdays ISO 1..7). */
function toRrule(r: MeetingRecurrence): string {
  const parts = [`FREQ=${r.frequency.toUpperCase()}`];
  if (r.interval && r.interval > 1) parts.push(`INTERVAL=${r.interval}`);
  if (r.weekdays?.length) parts.push(`BYDAY=${r.weekdays.map((d) => ISO_DAYS[d] ?? (() => { throw bad('recurrence.weekdays', 'ISO days 1 (Monday) … 7 (Sunday)'); })()).join(',')}`);
  if (r.monthDay !== undefined) parts.push(`BYMONTHDAY=${r.monthDay}`);
  if (r.count !== undefined) parts.push(`COUNT=${r.count}`);
  if (r.endDateTime !== undefined) parts.push(`UNTIL=${new Date(r.endDateTime).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '')}`);
  return `RRULE:${parts.join(';')}`;
}

function fromPattern(p: PatternedRecurrence): MeetingRecurrence | null {
  const type = p.pattern?.type;
  const frequency = type === 'daily' ? 'daily' : type === 'weekly' ? 'weekly' : type === 'absoluteMonthly' ? 'monthly' : null;
  if (!frequency) return null;
  return {
    frequency,
    interval: p.pattern?.interval ?? 1,
    ...(type === 'weekly' && { weekdays: (p.pattern?.daysOfWeek ?? []).map((d) => GRAPH_DAYS[d]!) }),
    ...(type === 'absoluteMonthly' && { monthDay: p.pattern?.dayOfMonth ?? 1 }),
    ...(p.range?.type === 'numbered' && { count: p.range.numberOfOccurrences ?? 1 }),
    ...(p.range?.type === 'endDate' && p.range.endDate && { endDateTime: `${p.range.endDate}T23:59:59Z` }),
  };
}

/**
 * The Teams `MeetingsProvider` of one connection.
 *
 * @example
 * const teams = createTeamsMeetings(ctx);
 * const m = await teams.create({ topic: 'Sync', kind: 'scheduled', startTime: '2027-03-01T15:00:00Z', duration: 30, settings: { waitingRoom: true } });
 * m.joinUrl // https://teams.microsoft.com/l/meetup-join/…
 */
export function createTeamsMeetings(ctx: ProviderContext<GraphCredentials>): MeetingsProvider {
  const call = async <T>(req: Omit<HttpRequest, 'headers'>): Promise<T> => {
    const res = await ctx.http.request({ ...req, headers: { prefer: GRAPH_PREFER } });
    return (res.status === 204 || res.text === '' ? undefined : res.json<T>()) as T;
  };
  const eventPath = (id: string) => `/me/events/${encodeURIComponent(id)}`;
  const onlineMeetingOf = async (joinUrl: string): Promise<OnlineMeeting | undefined> => {
    const page = await call<Page<OnlineMeeting>>({ method: 'GET', path: '/me/onlineMeetings', query: { $filter: `JoinWebUrl eq '${joinUrl.replace(/'/g, "''")}'` }, operation: 'meetings.online.find' });
    return page.value?.[0];
  };
  const applySettings = async (joinUrl: string, s: MeetingSettings | undefined): Promise<OnlineMeeting | undefined> => {
    const online = await onlineMeetingOf(joinUrl);
    if (!s || (s.waitingRoom === undefined && s.autoRecording === undefined) || !online?.id) return online;
    if (s.autoRecording === 'local') throw bad('settings.autoRecording', "Teams records to the cloud only: use 'cloud' or 'none'");
    const body: Record<string, unknown> = {};
    if (s.waitingRoom !== undefined) body.lobbyBypassSettings = { scope: s.waitingRoom ? 'organizer' : 'everyone', isDialInBypassEnabled: false };
    if (s.autoRecording !== undefined) body.recordAutomatically = s.autoRecording === 'cloud';
    return call<OnlineMeeting>({ method: 'PATCH', path: `/me/onlineMeetings/${encodeURIComponent(online.id)}`, body, operation: 'meetings.online.update' });
  };
  const toMeeting = (e: GraphEvent, online: OnlineMeeting | undefined): Meeting => {
    const start = fromGraphTime(e.start, false);
    const end = fromGraphTime(e.end, false);
    const recurrence = e.recurrence ? fromPattern(e.recurrence) : null;
    return {
      provider: 'teams',
      meetingId: e.id ?? '',
      topic: e.subject ?? '',
      kind: e.type === 'seriesMaster' ? 'recurring' : 'scheduled',
      startTime: start,
      duration: Math.round((Date.parse(end) - Date.parse(start)) / 60_000),
      timezone: e.originalStartTimeZone ?? null,
      joinUrl: e.onlineMeeting?.joinUrl ?? '',
      startUrl: null,
      password: null,
      status: e.isCancelled ? 'cancelled' : null,
      settings: online ? { waitingRoom: online.lobbyBypassSettings?.scope !== 'everyone', autoRecording: online.recordAutomatically ? 'cloud' : 'none' } : {},
      recurrence,
      raw: { event: e, onlineMeeting: online ?? null },
    };
  };
  const read = async (id: string): Promise<GraphEvent> => {
    const e = await call<GraphEvent>({ method: 'GET', path: eventPath(id), operation: 'meetings.get' });
    if (!e.isOnlineMeeting || !e.onlineMeeting?.joinUrl) throw new HubError('meeting_not_found', `Outlook event ${id} is not a Teams meeting`, { provider: 'teams' });
    return e;
  };
  const times = (input: { startTime?: string; duration?: number; timezone?: string }, current?: GraphEvent) => {
    const start = input.startTime ?? (current ? fromGraphTime(current.start, false) : undefined);
    if (!start || Number.isNaN(Date.parse(start))) throw bad('startTime', 'an ISO 8601 date-time: a Teams meeting here is a calendar event and needs one');
    const minutes = input.duration ?? (current ? Math.round((Date.parse(fromGraphTime(current.end, false)) - Date.parse(fromGraphTime(current.start, false))) / 60_000) : 60);
    if (!Number.isInteger(minutes) || minutes < 1) throw bad('duration', 'whole minutes, at least 1');
    const zone = input.timezone ?? current?.originalStartTimeZone ?? undefined;
    return { start: toGraphTime(start, false, zone, 'startTime'), end: toGraphTime(new Date(Date.parse(start) + minutes * 60_000).toISOString(), false, zone, 'duration'), startIso: start, zone };
  };

  return {
    id: 'teams',
    capabilities: CAPABILITIES,
    async create(input: CreateMeetingRequest) {
      if (input.kind === 'instant') throw unsupported("instant meetings (schedule one starting now: kind 'scheduled')");
      if (input.kind === 'recurring' && !input.recurrence) throw bad('recurrence', 'a recurring meeting needs its recurrence');
      const t = times(input);
      const body: GraphEvent = { subject: input.topic, start: t.start, end: t.end, isOnlineMeeting: true, onlineMeetingProvider: 'teamsForBusiness', ...(input.agenda && { body: { contentType: 'text', content: input.agenda } }) };
      if (input.kind === 'recurring') body.recurrence = toPatternedRecurrence([toRrule(input.recurrence!)], { startDate: t.start.dateTime!.slice(0, 10), timeZone: t.zone ?? 'UTC', allDay: false });
      const made = await call<GraphEvent>({ method: 'POST', path: '/me/calendar/events', body: body as Record<string, unknown>, operation: 'meetings.create' });
      if (!made.onlineMeeting?.joinUrl) {
        await call({ method: 'DELETE', path: eventPath(made.id ?? ''), operation: 'meetings.delete' }).catch(() => undefined);
        throw new HubError('provider_error', 'Microsoft Graph made the event but no Teams meeting (no join link): is Teams licensed for this mailbox and teamsForBusiness allowed on its calendar?', { provider: 'teams' });
      }
      return toMeeting(made, await applySettings(made.onlineMeeting.joinUrl, input.settings));
    },
    async get(meetingId) {
      const e = await read(meetingId);
      return toMeeting(e, await onlineMeetingOf(e.onlineMeeting!.joinUrl!));
    },
    async update(meetingId, input) {
      const current = await read(meetingId);
      const body: GraphEvent = {};
      if (input.topic !== undefined) body.subject = input.topic;
      if (input.agenda !== undefined) body.body = { contentType: 'text', content: input.agenda };
      if (input.startTime !== undefined || input.duration !== undefined || input.timezone !== undefined) Object.assign(body, (({ start, end }) => ({ start, end }))(times(input, current)));
      if (input.recurrence !== undefined) body.recurrence = toPatternedRecurrence([toRrule(input.recurrence)], { startDate: (body.start ?? current.start)!.dateTime!.slice(0, 10), timeZone: input.timezone ?? current.originalStartTimeZone ?? 'UTC', allDay: false });
      const e = Object.keys(body).length > 0 ? await call<GraphEvent>({ method: 'PATCH', path: eventPath(meetingId), body: body as Record<string, unknown>, operation: 'meetings.update' }) : current;
      return toMeeting(e, await applySettings(current.onlineMeeting!.joinUrl!, input.settings));
    },
    async delete(meetingId) {
      await read(meetingId);
      await call({ method: 'DELETE', path: eventPath(meetingId), operation: 'meetings.delete' });
    },
    async list(input) {
      let page: Page<GraphEvent>;
      if (input.pageToken) {
        const url = new URL(input.pageToken, ctx.connection.baseUrl);
        if (url.origin !== new URL(ctx.connection.baseUrl).origin) throw bad('pageToken', "not a page token of this connection's Microsoft Graph");
        page = await call<Page<GraphEvent>>({ method: 'GET', path: url.toString(), operation: 'meetings.list' });
      } else {
        const upcoming = input.type === 'upcoming' ? ` and end/dateTime ge '${new Date().toISOString().slice(0, 19)}'` : '';
        page = await call<Page<GraphEvent>>({ method: 'GET', path: '/me/calendar/events', query: { $filter: `isOnlineMeeting eq true${upcoming}`, $top: input.pageSize ?? 30 }, operation: 'meetings.list' });
      }
      return { meetings: (page.value ?? []).map((e) => toMeeting(e, undefined)), nextPageToken: page['@odata.nextLink'] ?? null };
    },
    listRecordings: () => Promise.reject(unsupported('recordings')),
    downloadRecording: () => Promise.reject(unsupported('recordings')),
    deleteRecording: () => Promise.reject(unsupported('recordings')),
    listParticipants: () => Promise.reject(unsupported('participant lists')),
  };
}
