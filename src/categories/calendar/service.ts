/**
 * The calendar service (`hub.calendar`): calendars, events, instances, sharing and availability at
 * the providers of `CALENDAR_PROVIDERS` (Google Calendar, Outlook through Microsoft Graph, CalDAV),
 * and sync into the event stream (`hub.calendar.sync`). Failover `none`: an event lives at one
 * provider and calendar, so each call names its connection (`connectionId`) or provider
 * (`provider`: the tenant's connection of it), else goes to the first of the chain.
 *
 * @example
 * const e = await hub.calendar.createEvent('default', 'primary', { summary: 'Review', start: '2026-12-07T09:00:00+01:00', end: '2026-12-07T10:00:00+01:00', timeZone: 'Europe/Berlin' }, { provider: 'google-calendar' });
 * await hub.calendar.updateEvent('default', 'primary', e.eventId, { summary: 'Review (moved)' }, { provider: 'google-calendar' });
 */
import { HubError, validationError } from '../../core/errors.js';
import { requireCapability } from '../capability.js';
import { parseInput } from '../../core/validation.js';
import type { Clock } from '../../core/clock.js';
import type { ConnectionManager } from '../../connections/connections.js';
import type { Logger } from '../../core/logger.js';
import type { ResolvedConnection } from '../../kit/connection.js';
import { gatherBusy, mergeBusy, openSlots, type BusySource, type CalendarBusy } from './availability.js';
import type { AclRule, BusyInterval, Calendar, CalendarCapability, CalendarEvent, CalendarProvider, EventInput, EventPatch } from './contract.js';
import {
  aclInput,
  availabilityInput,
  createCalendarInput,
  eventInput,
  eventPatch,
  instancesQuery,
  listEventsQuery,
  moveInput,
  respondInput,
  target,
  trackInput,
  type AvailabilityInput,
  type EventInputBody,
  type EventPatchBody,
  type ListEventsQueryInput,
  type Target,
  type TrackInput,
} from './schemas.js';
import type { CalendarSync, TrackedCalendar } from './sync.js';

export interface CalendarServiceOptions {
  connections: ConnectionManager;
  chain: string[];
  clock: Clock;
  logger: Logger;
  sync: CalendarSync;
}

/** An event as the API answers it: `id` (= `eventId`, as the guide names it) and the connection it lives at. */
export type EventView = CalendarEvent & { id: string; connectionId: string };
export type CalendarView = Calendar & { connectionId: string };

export interface AvailabilityAnswer {
  /** Busy time of every calendar that answered, merged (UTC). */
  busy: BusyInterval[];
  /** Open slots of `duration` minutes. */
  slots: BusyInterval[];
  /** `<connectionId>/<calendarId>` → that calendar's busy time, or why it could not be read. */
  calendars: Record<string, CalendarBusy>;
}

interface Resolved {
  provider: string;
  connection: ResolvedConnection;
  connector: CalendarProvider;
}

const DAY = 86_400_000;

function toInput<T extends EventInputBody | EventPatchBody>(v: T): EventInput | EventPatch {
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) if (value !== undefined) out[k] = value;
  return out as unknown as EventInput;
}

export class CalendarService {
  /** Tracked calendars: baseline sync, push channels or polling, health. */
  readonly sync: {
    track(tenantId: string, input: TrackInput): Promise<TrackedCalendar>;
    list(tenantId: string): Promise<TrackedCalendar[]>;
    get(tenantId: string, id: string): Promise<TrackedCalendar>;
    untrack(tenantId: string, id: string): Promise<void>;
    /** Sync one tracked calendar now (what the queue job does). */
    run: CalendarSync['run'];
    /** The periodic work now (what the tick job does). */
    tick(): Promise<void>;
  };

  constructor(private readonly o: CalendarServiceOptions) {
    const engine = o.sync;
    this.sync = {
      track: async (tenantId, input) => {
        const v = parseInput(trackInput, input);
        const r = await this.resolve(tenantId, v);
        return engine.track(tenantId, { connectionId: r.connection.id, provider: r.provider, calendarId: v.calendarId, push: v.push });
      },
      list: (tenantId) => engine.list(tenantId),
      get: (tenantId, id) => engine.get(tenantId, id),
      untrack: (tenantId, id) => engine.untrack(tenantId, id),
      run: (syncId) => engine.run(syncId),
      tick: () => engine.tick(),
    };
  }

  /** The providers of the chain (CALENDAR_PROVIDERS). */
  providers(): string[] {
    return [...this.o.chain];
  }

  async calendars(tenantId: string, t: Target = {}): Promise<{ provider: string; connectionId: string; data: CalendarView[] }> {
    const r = await this.resolve(tenantId, t);
    return { provider: r.provider, connectionId: r.connection.id, data: (await r.connector.listCalendars()).map((c) => ({ ...c, connectionId: r.connection.id })) };
  }

  async createCalendar(tenantId: string, input: unknown, t: Target = {}): Promise<CalendarView> {
    const v = parseInput(createCalendarInput, input);
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'createCalendar', 'create calendars');
    return { ...(await r.connector.createCalendar!(v)), connectionId: r.connection.id };
  }

  async listEvents(tenantId: string, calendarId: string, query: ListEventsQueryInput = {}): Promise<{ provider: string; connectionId: string; data: EventView[]; nextPageToken: string | null }> {
    const q = parseInput(listEventsQuery, query);
    if (q.timeMin && q.timeMax && Date.parse(q.timeMin) >= Date.parse(q.timeMax)) throw validationError('timeMax', 'must be after timeMin');
    const r = await this.resolve(tenantId, q);
    const page = await r.connector.listEvents(calendarId, { timeMin: q.timeMin, timeMax: q.timeMax, pageToken: q.pageToken, maxResults: q.maxResults, singleEvents: q.singleEvents, q: q.q });
    return { provider: r.provider, connectionId: r.connection.id, data: page.events.map((e) => this.view(e, r)), nextPageToken: page.nextPageToken };
  }

  async createEvent(tenantId: string, calendarId: string, input: EventInputBody, t: Target = {}): Promise<EventView> {
    const v = parseInput(eventInput, input);
    const r = await this.resolve(tenantId, t);
    const e = await r.connector.createEvent(calendarId, toInput(v) as EventInput);
    this.o.logger.info({ provider: r.provider, eventId: e.eventId, tenantId }, 'calendar: event created');
    return this.view(e, r);
  }

  async getEvent(tenantId: string, calendarId: string, eventId: string, t: Target = {}): Promise<EventView> {
    const r = await this.resolve(tenantId, t);
    return this.view(await r.connector.getEvent(calendarId, eventId), r);
  }

  /** Change the fields given; an instance's id (from `instances`) changes that occurrence only. */
  async updateEvent(tenantId: string, calendarId: string, eventId: string, patch: EventPatchBody, t: Target = {}): Promise<EventView> {
    const v = parseInput(eventPatch, patch);
    if (Object.keys(toInput(v)).length === 0) throw validationError('(body)', 'give at least one field to change');
    const r = await this.resolve(tenantId, t);
    return this.view(await r.connector.updateEvent(calendarId, eventId, toInput(v)), r);
  }

  async deleteEvent(tenantId: string, calendarId: string, eventId: string, t: Target & { sendUpdates?: EventInput['sendUpdates'] } = {}): Promise<void> {
    if (t.sendUpdates !== undefined && !['all', 'externalOnly', 'none'].includes(t.sendUpdates)) throw validationError('sendUpdates', 'must be all, externalOnly or none');
    const r = await this.resolve(tenantId, t);
    await r.connector.deleteEvent(calendarId, eventId, t.sendUpdates ? { sendUpdates: t.sendUpdates } : undefined);
  }

  /** The occurrences of a recurring event (default window: from now, one year). */
  async instances(tenantId: string, calendarId: string, eventId: string, query: Target & { timeMin?: string; timeMax?: string } = {}): Promise<{ provider: string; connectionId: string; data: EventView[] }> {
    const q = parseInput(instancesQuery, query);
    const timeMin = q.timeMin ?? new Date(this.o.clock.now()).toISOString();
    const timeMax = q.timeMax ?? new Date(Date.parse(timeMin) + 365 * DAY).toISOString();
    if (Date.parse(timeMin) >= Date.parse(timeMax)) throw validationError('timeMax', 'must be after timeMin');
    const r = await this.resolve(tenantId, q);
    return { provider: r.provider, connectionId: r.connection.id, data: (await r.connector.instances(calendarId, eventId, { timeMin, timeMax })).map((e) => this.view(e, r)) };
  }

  async moveEvent(tenantId: string, calendarId: string, eventId: string, input: unknown, t: Target = {}): Promise<EventView> {
    const v = parseInput(moveInput, input);
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'move', 'move events between calendars');
    return this.view(await r.connector.moveEvent!(calendarId, eventId, v.destinationCalendarId), r);
  }

  async respond(tenantId: string, calendarId: string, eventId: string, input: unknown, t: Target = {}): Promise<EventView> {
    const v = parseInput(respondInput, input);
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'respond', 'answer invitations');
    return this.view(await r.connector.respond!(calendarId, eventId, v.response, v.comment), r);
  }

  async acl(tenantId: string, calendarId: string, t: Target = {}): Promise<{ provider: string; connectionId: string; data: AclRule[] }> {
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'sharing', 'share calendars');
    return { provider: r.provider, connectionId: r.connection.id, data: await r.connector.listAcl!(calendarId) };
  }

  async share(tenantId: string, calendarId: string, input: unknown, t: Target = {}): Promise<AclRule> {
    const v = parseInput(aclInput, input);
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'sharing', 'share calendars');
    return r.connector.share!(calendarId, v);
  }

  async unshare(tenantId: string, calendarId: string, ruleId: string, t: Target = {}): Promise<void> {
    const r = await this.resolve(tenantId, t);
    this.require(r.connector, 'sharing', 'share calendars');
    await r.connector.unshare!(calendarId, ruleId);
  }

  /**
   * Free/busy over several calendars at several connections, merged, and the open slots of
   * `duration` minutes inside the working hours, keeping `bufferMinutes` around busy time and
   * `minimumNoticeMinutes` from now. A calendar that cannot be read answers its `error` and is
   * left out of the merge.
   *
   * @example
   * await hub.calendar.availability('default', { calendars: [{ provider: 'google-calendar', calendarId: 'primary' }, { provider: 'caldav', calendarId: 'work' }], timeMin: '2026-12-07T00:00:00Z', timeMax: '2026-12-12T00:00:00Z', duration: 30, workingHours: { timeZone: 'Europe/Berlin', days: { mon: [['09:00', '17:00']] } } });
   */
  async availability(tenantId: string, input: AvailabilityInput): Promise<AvailabilityAnswer> {
    const v = parseInput(availabilityInput, input);
    const groups = new Map<string, { connector: CalendarProvider; sources: BusySource[] }>();
    const calendars: Record<string, CalendarBusy> = {};
    for (const [i, c] of v.calendars.entries()) {
      let r: Resolved;
      try {
        r = await this.resolve(tenantId, c);
      } catch (err) {
        if (err instanceof HubError && err.code === 'validation_failed') throw validationError(`calendars.${i}.${err.errors?.[0]?.field ?? 'provider'}`, err.errors?.[0]?.message ?? err.message);
        calendars[`${c.connectionId ?? c.provider ?? this.o.chain[0]}/${c.calendarId}`] = { provider: c.provider ?? '', connectionId: c.connectionId ?? '', calendarId: c.calendarId, busy: [], error: err instanceof HubError ? `${err.code}: ${err.message}` : 'internal_error' };
        continue;
      }
      const group = groups.get(r.connection.id) ?? { connector: r.connector, sources: [] };
      group.sources.push({ ref: `${r.connection.id}/${c.calendarId}`, provider: r.provider, connectionId: r.connection.id, calendarId: c.calendarId });
      groups.set(r.connection.id, group);
    }
    const window = { timeMin: v.timeMin, timeMax: v.timeMax };
    Object.assign(calendars, await gatherBusy([...groups.values()], window, v.workingHours?.timeZone));
    const busy = mergeBusy(Object.values(calendars).flatMap((c) => c.busy));
    const slots = openSlots(busy, { ...window, duration: v.duration, stepMinutes: v.stepMinutes, workingHours: v.workingHours, bufferMinutes: v.bufferMinutes, minimumNoticeMinutes: v.minimumNoticeMinutes, now: this.o.clock.now() });
    return { busy, slots, calendars };
  }

  private view(e: CalendarEvent, r: Resolved): EventView {
    return { id: e.eventId, connectionId: r.connection.id, ...e };
  }

  private require(connector: CalendarProvider, capability: CalendarCapability, what: string): void {
    requireCapability(connector, 'calendar', capability, what);
  }

  /** `connectionId` (a default `conn_default_<provider>` or the tenant's own), else the tenant's connection of `provider`, else of the first of the chain. */
  private async resolve(tenantId: string, t: Target): Promise<Resolved> {
    const v = parseInput(target, t);
    if (v.provider !== undefined && !this.o.chain.includes(v.provider)) throw validationError('provider', `must be one of CALENDAR_PROVIDERS: ${this.o.chain.join(', ') || '(none)'}`);
    let connection: ResolvedConnection | undefined;
    if (v.connectionId) {
      connection = await this.o.connections.byId(v.connectionId);
      const visible = connection && (connection.tenantId === tenantId || this.o.connections.defaultConnection(connection.provider)?.id === connection.id);
      if (!connection || !visible) throw new HubError('not_found', `No connection ${v.connectionId}: GET /api/v1/connections lists yours`);
      if (!this.o.chain.includes(connection.provider)) throw validationError('connectionId', `is a ${connection.provider} connection, which is not a calendar provider of CALENDAR_PROVIDERS (${this.o.chain.join(', ')})`);
      if (v.provider && v.provider !== connection.provider) throw validationError('provider', `the connection is ${connection.provider}'s, not ${v.provider}'s`);
    } else {
      const provider = v.provider ?? this.o.chain[0];
      if (!provider) throw new HubError('not_configured', 'No calendar provider: set CALENDAR_PROVIDERS (google-calendar, outlook, caldav) and the provider\'s credentials');
      connection = await this.o.connections.forTenant(tenantId, provider);
      if (!connection) throw new HubError('not_configured', `${provider} is not configured for calendars: connect an account (POST /api/v1/connections) or set its environment variables`, { provider });
    }
    return { provider: connection.provider, connection, connector: this.o.connections.connectorFor(connection, 'calendar') };
  }
}
