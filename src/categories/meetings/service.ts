/**
 * The meetings service (`hub.meetings`): meetings, recordings, participants and webinars at one
 * provider of `MEETINGS_PROVIDERS`. Failover policy `none`: a meeting lives at the provider that
 * created it, so a create goes to the asked provider (or the first of the chain) and a failure
 * there is the answer, never a silent move to another provider. Later calls name the meeting by
 * the `id` create answered (`zoom:85746065432`) or by the provider's meeting id (with `provider`,
 * default the first of the chain).
 *
 * @example
 * const m = await hub.meetings.create('default', { topic: 'Standup', startTime: '2026-12-24T09:00:00Z', duration: 15 });
 * await hub.meetings.update('default', m.id, { startTime: '2026-12-24T10:00:00Z' }); // same joinUrl
 */
import { HubError, validationError } from '../../core/errors.js';
import { requireCapability } from '../capability.js';
import { parseInput } from '../../core/validation.js';
import type { ConnectionManager } from '../../connections/connections.js';
import type { Logger } from '../../core/logger.js';
import type { CreateMeetingRequest, Meeting, MeetingCapability, MeetingsProvider, RecordingMedia } from './contract.js';
import {
  createMeetingInput,
  createWebinarInput,
  listMeetingsQuery,
  pageQuery,
  participantAction,
  registrantInput,
  updateMeetingInput,
  type CreateMeetingInput,
  type CreateWebinarInput,
  type RegistrantInputBody,
  type UpdateMeetingInput,
} from './schemas.js';

export interface MeetingsServiceOptions {
  connections: ConnectionManager;
  chain: string[];
  logger: Logger;
}

/** A meeting as the API answers it: the hub's `id` (`<provider>:<meetingId>`) beside the provider's. */
export type MeetingView = Omit<Meeting, 'raw'> & { id: string; raw: unknown };

/** True when a request sets any meeting setting (an empty `settings: {}` sets none). */
const setsAny = (settings: object | undefined): boolean => settings !== undefined && Object.values(settings).some((v) => v !== undefined);

const view = (m: Meeting): MeetingView => ({ id: `${m.provider}:${m.meetingId}`, ...m });

type Page = { pageSize?: number; pageToken?: string; provider?: string };

export class MeetingsService {
  constructor(private readonly o: MeetingsServiceOptions) {}

  /**
   * Create a meeting: scheduled (a start time), instant (none) or recurring (a `recurrence`).
   *
   * @example
   * await hub.meetings.create('default', { topic: 'Weekly', startTime: '2026-12-07T09:00:00Z', duration: 30, recurrence: { frequency: 'weekly', weekdays: [1], count: 10 } });
   */
  async create(tenantId: string, input: CreateMeetingInput): Promise<MeetingView> {
    const v = parseInput(createMeetingInput, input);
    const kind = v.kind ?? (v.recurrence ? 'recurring' : v.startTime ? 'scheduled' : 'instant');
    const { provider, connector } = await this.provider(tenantId, v.provider);
    if (kind !== 'scheduled') this.require(connector, kind, `create ${kind} meetings`);
    if (setsAny(v.settings)) this.require(connector, 'settings', 'apply meeting settings (waiting room, auto-recording, …)');
    const request: CreateMeetingRequest = { topic: v.topic, kind, startTime: v.startTime, duration: v.duration, timezone: v.timezone, agenda: v.agenda, password: v.password, recurrence: v.recurrence, settings: v.settings };
    const meeting = await connector.create(request);
    this.o.logger.info({ provider, meetingId: meeting.meetingId, tenantId }, 'meetings: created');
    return view(meeting);
  }

  async get(tenantId: string, id: string, provider?: string): Promise<MeetingView> {
    const ref = await this.ref(tenantId, id, provider);
    return view(await ref.connector.get(ref.meetingId));
  }

  /** Reschedule or edit: the same meeting is patched, its join link kept. */
  async update(tenantId: string, id: string, input: UpdateMeetingInput, provider?: string): Promise<MeetingView> {
    const v = parseInput(updateMeetingInput, input);
    const ref = await this.ref(tenantId, id, provider);
    if (setsAny(v.settings)) this.require(ref.connector, 'settings', 'apply meeting settings (waiting room, auto-recording, …)');
    return view(await ref.connector.update(ref.meetingId, v));
  }

  async delete(tenantId: string, id: string, provider?: string): Promise<void> {
    const ref = await this.ref(tenantId, id, provider);
    await ref.connector.delete(ref.meetingId);
  }

  async list(tenantId: string, query: Page & { type?: string } = {}) {
    const q = parseInput(listMeetingsQuery, query);
    const { provider, connector } = await this.provider(tenantId, q.provider);
    const page = await connector.list({ pageSize: q.pageSize, pageToken: q.pageToken, type: q.type });
    return { provider, data: page.meetings.map(view), nextPageToken: page.nextPageToken };
  }

  async recordings(tenantId: string, id: string, provider?: string) {
    const ref = await this.ref(tenantId, id, provider);
    this.require(ref.connector, 'recordings', 'list recordings');
    return ref.connector.listRecordings(ref.meetingId);
  }

  /** A recording file's bytes, streamed from the provider through the hub. */
  async downloadRecording(tenantId: string, id: string, fileId: string, provider?: string): Promise<RecordingMedia> {
    const ref = await this.ref(tenantId, id, provider);
    this.require(ref.connector, 'recordings', 'download recordings');
    return ref.connector.downloadRecording(ref.meetingId, fileId);
  }

  async deleteRecording(tenantId: string, id: string, fileId?: string, provider?: string): Promise<void> {
    const ref = await this.ref(tenantId, id, provider);
    this.require(ref.connector, 'recordings', 'delete recordings');
    await ref.connector.deleteRecording(ref.meetingId, fileId);
  }

  /** The participants of a past meeting (or of its last occurrence). */
  async participants(tenantId: string, id: string, query: Page = {}) {
    const q = parseInput(pageQuery, query);
    const ref = await this.ref(tenantId, id, q.provider);
    this.require(ref.connector, 'participants', 'list participants');
    const page = await ref.connector.listParticipants(ref.meetingId, { pageSize: q.pageSize, pageToken: q.pageToken });
    return { provider: ref.provider, meetingId: ref.meetingId, data: page.participants, nextPageToken: page.nextPageToken };
  }

  /** Mute, unmute or remove someone in a live meeting, where the provider's API can. */
  async controlParticipant(tenantId: string, id: string, participantId: string, input: { action: string; provider?: string }): Promise<{ provider: string; meetingId: string; participantId: string; action: string }> {
    const v = parseInput(participantAction, input);
    const ref = await this.ref(tenantId, id, v.provider);
    this.require(ref.connector, 'participantControls', `${v.action} participants`);
    await ref.connector.controlParticipant!(ref.meetingId, participantId, v.action);
    return { provider: ref.provider, meetingId: ref.meetingId, participantId, action: v.action };
  }

  async createWebinar(tenantId: string, input: CreateWebinarInput) {
    const v = parseInput(createWebinarInput, input);
    const { connector } = await this.provider(tenantId, v.provider);
    this.require(connector, 'webinars', 'create webinars');
    const w = await connector.createWebinar!({ topic: v.topic, startTime: v.startTime, duration: v.duration, timezone: v.timezone, agenda: v.agenda, registration: v.registration });
    return { id: `${w.provider}:${w.webinarId}`, ...w };
  }

  async addRegistrant(tenantId: string, webinarId: string, input: RegistrantInputBody) {
    const v = parseInput(registrantInput, input);
    const ref = await this.ref(tenantId, webinarId, v.provider);
    this.require(ref.connector, 'webinars', 'register webinar attendees');
    return { provider: ref.provider, ...(await ref.connector.addRegistrant!(ref.meetingId, { email: v.email, firstName: v.firstName, lastName: v.lastName })) };
  }

  async registrants(tenantId: string, webinarId: string, query: Page = {}) {
    const q = parseInput(pageQuery, query);
    const ref = await this.ref(tenantId, webinarId, q.provider);
    this.require(ref.connector, 'webinars', 'list webinar registrants');
    const page = await ref.connector.listRegistrants!(ref.meetingId, { pageSize: q.pageSize, pageToken: q.pageToken });
    return { provider: ref.provider, webinarId: ref.meetingId, data: page.registrants, nextPageToken: page.nextPageToken };
  }

  /** The providers of the chain (MEETINGS_PROVIDERS). */
  providers(): string[] {
    return [...this.o.chain];
  }

  private require(connector: MeetingsProvider, capability: MeetingCapability, what: string): void {
    requireCapability(connector, 'meetings', capability, what);
  }

  /** `zoom:123` names its provider; a bare id goes to `provider`, else the first of the chain. */
  private async ref(tenantId: string, id: string, asked?: string): Promise<{ provider: string; meetingId: string; connector: MeetingsProvider }> {
    const at = id.indexOf(':');
    const named = at > 0 ? id.slice(0, at) : undefined;
    const meetingId = at > 0 ? id.slice(at + 1) : id;
    if (named && asked && named !== asked) throw validationError('provider', `the id names ${named}, but provider is ${asked}`);
    if (!/^[A-Za-z0-9_\-=+/.]{1,200}$/.test(meetingId)) throw validationError('meetingId', 'must be a meeting id such as 85746065432 (or the id create answered, zoom:85746065432)');
    const { provider, connector } = await this.provider(tenantId, named ?? asked);
    return { provider, meetingId, connector };
  }

  private async provider(tenantId: string, asked?: string): Promise<{ provider: string; connector: MeetingsProvider }> {
    if (asked !== undefined && !this.o.chain.includes(asked)) throw validationError('provider', `must be one of MEETINGS_PROVIDERS: ${this.o.chain.join(', ') || '(none)'}`);
    const provider = asked ?? this.o.chain[0];
    if (!provider) throw new HubError('not_configured', 'No meetings provider: set MEETINGS_PROVIDERS (zoom) and ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET, ZOOM_ACCOUNT_ID');
    const conn = await this.o.connections.forTenant(tenantId, provider);
    if (!conn) throw new HubError('not_configured', `${provider} is not configured for meetings`, { provider });
    return { provider, connector: this.o.connections.connectorFor(conn, 'meetings') };
  }
}
