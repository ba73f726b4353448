/**
 * The `calendar` category: provider-agnostic types every calendar connector implements (Google
 * Calendar v3, Microsoft Graph for Outlook, CalDAV). An event lives at one provider (failover
 * `none`): its ids are the provider's, and every later call goes to the connection that holds it.
 *
 * Times: an event's `start`/`end` are ISO 8601 date-times with an offset (`2026-12-07T09:00:00+01:00`
 * or `…Z`) for timed events, or dates (`2026-12-24`) for all-day ones (`end` exclusive, as in
 * RFC 5545 and Google); `timeZone` is the IANA zone the event was written in (a recurring event
 * repeats in it, across daylight-saving changes).
 *
 * Recurrence is RFC 5545 text: `RRULE:…`, `EXDATE…`, `RDATE…` lines (Google's `recurrence`, CalDAV's
 * VEVENT; Graph's `patternedRecurrence` is converted by its connector). `instances()` answers the
 * occurrences with the provider's own ids, which `update` and `delete` take to change or cancel one
 * occurrence only (an exception).
 *
 * @see docs/calendar.md
 */

/** `YYYY-MM-DD` (all-day) or an ISO 8601 date-time with an offset. */
export type CalendarTime = string;

export type AccessRole = 'owner' | 'writer' | 'reader' | 'freeBusyReader';

export interface Calendar {
  provider: string;
  calendarId: string;
  name: string;
  description: string | null;
  /** IANA zone, e.g. `Europe/Berlin`. */
  timeZone: string | null;
  primary: boolean;
  /** What the connected account may do with it. */
  accessRole: AccessRole | null;
  raw: unknown;
}

export interface CreateCalendarRequest {
  name: string;
  description?: string;
  timeZone?: string;
}

export type ResponseStatus = 'needsAction' | 'accepted' | 'declined' | 'tentative';

export interface Attendee {
  email: string;
  name: string | null;
  responseStatus: ResponseStatus;
  optional: boolean;
  /** The organizer is listed among the attendees by some providers. */
  organizer: boolean;
  /** This attendee is the connected account (Google `self`); absent when the provider does not say. Availability skips events it declined. */
  self?: boolean;
}

export interface Reminder {
  /** `popup` (a notification) or `email`; providers without email reminders (Graph) keep one popup. */
  method: 'popup' | 'email';
  /** Minutes before the start. */
  minutes: number;
}

export interface CalendarEvent {
  provider: string;
  calendarId: string;
  eventId: string;
  summary: string;
  description: string | null;
  location: string | null;
  start: CalendarTime;
  end: CalendarTime;
  allDay: boolean;
  timeZone: string | null;
  attendees: Attendee[];
  organizer: { email: string; name: string | null } | null;
  /** `null`: the calendar's default reminders. */
  reminders: Reminder[] | null;
  /** RFC 5545 lines of a series' master; `null` for a single event or an instance. */
  recurrence: string[] | null;
  /** An instance's series (the master's `eventId`); `null` otherwise. */
  recurringEventId: string | null;
  /** An instance's start as the series first placed it (identifies the occurrence). */
  originalStart: CalendarTime | null;
  status: 'confirmed' | 'tentative' | 'cancelled';
  /** A link to the event in the provider's UI, if it has one. */
  htmlLink: string | null;
  /** An online meeting attached to the event (Google Meet, Teams). */
  conference: { provider: string; joinUrl: string; conferenceId: string | null } | null;
  /**
   * The event does not block time (Google `transparency: transparent`, Graph `showAs: free`,
   * CalDAV `TRANSP:TRANSPARENT`); absent or false: it does. Availability skips such events.
   */
  transparent?: boolean;
  /** The provider's version tag (Google and Graph etag, CalDAV ETag). */
  etag: string | null;
  /** When the provider last changed it (ISO 8601). */
  updated: string | null;
  raw: unknown;
}

export interface AttendeeInput {
  email: string;
  name?: string;
  optional?: boolean;
}

export interface EventInput {
  summary: string;
  description?: string;
  location?: string;
  start: CalendarTime;
  end: CalendarTime;
  /** Derived from `start` when absent (a date means all-day). */
  allDay?: boolean;
  timeZone?: string;
  attendees?: AttendeeInput[];
  /** Absent: the calendar's defaults; `[]`: none. */
  reminders?: Reminder[];
  recurrence?: string[];
  /** Whom the provider notifies of the change (Google's `sendUpdates`; default `none`). */
  sendUpdates?: 'all' | 'externalOnly' | 'none';
}

/** What an update changes; a field absent stays as it is. */
export type EventPatch = Partial<EventInput>;

export interface ListEventsQuery {
  /** ISO 8601: events ending after it. */
  timeMin?: string;
  /** ISO 8601: events starting before it. */
  timeMax?: string;
  pageToken?: string;
  maxResults?: number;
  /** `true`: recurring events expanded into instances, ordered by start (Google's `singleEvents`). */
  singleEvents?: boolean;
  /** Free-text search, where the provider has it. */
  q?: string;
}

export interface EventPage {
  events: CalendarEvent[];
  nextPageToken: string | null;
}

export interface AclRule {
  ruleId: string;
  /** The grantee (a user's address). */
  email: string;
  role: 'reader' | 'writer' | 'owner';
}

/** A busy interval (ISO 8601 UTC). */
export interface BusyInterval {
  start: string;
  end: string;
}

export interface FreeBusyQuery {
  calendarIds: string[];
  timeMin: string;
  timeMax: string;
}

/** Calendar id → its busy intervals; a calendar the provider could not read has an `error`. */
export type FreeBusyAnswer = Record<string, { busy: BusyInterval[]; error?: string }>;

/** One change an incremental sync found. */
export interface SyncChange {
  eventId: string;
  /** Deleted or cancelled at the provider; `event` may then be absent. */
  deleted: boolean;
  event?: CalendarEvent;
}

/**
 * One sync's result. `cursor` is the provider's opaque position (Google `nextSyncToken`, Graph
 * `@odata.deltaLink`, CalDAV `sync-token`): the next sync starts from it. `full` is true when the
 * sync started from no cursor: `changes` then hold every event, and deletions must be inferred by
 * the caller from what it knew (see the `calendar_sync_expired` error).
 */
export interface SyncResult {
  changes: SyncChange[];
  cursor: string;
  full: boolean;
}

/** A push subscription at the provider (a Google watch channel, a Graph subscription). */
export interface PushChannel {
  channelId: string;
  /** Google's `resourceId` (needed to stop the channel); `null` for Graph. */
  resourceId: string | null;
  /** ISO 8601. */
  expiresAt: string;
}

export interface WatchRequest {
  /** The hub's public URL the provider posts notifications to (`/webhooks/<provider>/<connectionId>`). */
  address: string;
  /**
   * The secret the provider repeats on every notification (Google's channel `token`, Graph's
   * `clientState`), issued by `kit/push-token.ts`; the inbound handler checks it.
   */
  token: string;
  /** Wanted expiry (ISO 8601); the provider may grant less (answered in `expiresAt`). */
  expiresAt: string;
  /** Graph: where lifecycle notifications go (the same URL by default). */
  lifecycleAddress?: string;
}

export type CalendarCapability = 'createCalendar' | 'sharing' | 'push' | 'move' | 'respond' | 'freeBusy' | 'search' | 'conference';

export interface CalendarProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<CalendarCapability>;
  listCalendars(): Promise<Calendar[]>;
  /** Capability `createCalendar`. */
  createCalendar?(input: CreateCalendarRequest): Promise<Calendar>;
  /** `primary` names the account's default calendar at every provider. */
  createEvent(calendarId: string, input: EventInput): Promise<CalendarEvent>;
  getEvent(calendarId: string, eventId: string): Promise<CalendarEvent>;
  /** A master's id changes the whole series; an instance's id (from `instances`) that occurrence only. */
  updateEvent(calendarId: string, eventId: string, patch: EventPatch): Promise<CalendarEvent>;
  /** A master's id deletes the series; an instance's id cancels that occurrence only. */
  deleteEvent(calendarId: string, eventId: string, options?: { sendUpdates?: EventInput['sendUpdates'] }): Promise<void>;
  listEvents(calendarId: string, query: ListEventsQuery): Promise<EventPage>;
  /** The occurrences of a recurring event between `timeMin` and `timeMax`, exceptions applied. */
  instances(calendarId: string, eventId: string, query: { timeMin: string; timeMax: string }): Promise<CalendarEvent[]>;
  /** Capability `move`: answers the event in its new calendar. */
  moveEvent?(calendarId: string, eventId: string, destinationCalendarId: string): Promise<CalendarEvent>;
  /** Capability `respond`: the connected account answers an invitation. */
  respond?(calendarId: string, eventId: string, response: Exclude<ResponseStatus, 'needsAction'>, comment?: string): Promise<CalendarEvent>;
  /** Capability `sharing`. */
  listAcl?(calendarId: string): Promise<AclRule[]>;
  share?(calendarId: string, input: { email: string; role: AclRule['role'] }): Promise<AclRule>;
  unshare?(calendarId: string, ruleId: string): Promise<void>;
  /** Capability `freeBusy`; without it the category computes busy time from `listEvents`. */
  freeBusy?(query: FreeBusyQuery): Promise<FreeBusyAnswer>;
  /**
   * Changes since `cursor` (`null`: everything, a full sync). Rejects with HubError
   * `calendar_sync_expired` when the provider no longer honours the cursor (Google 410 `fullSyncRequired`,
   * Graph `syncStateNotFound`, CalDAV `valid-sync-token`): the caller syncs again from `null`.
   */
  sync(calendarId: string, cursor: string | null): Promise<SyncResult>;
  /** Capability `push`. */
  watch?(calendarId: string, request: WatchRequest): Promise<PushChannel>;
  /** Extend a channel where the provider can (Graph PATCH); absent: the caller watches anew, then stops the old one. */
  renewWatch?(channel: PushChannel, expiresAt: string): Promise<PushChannel>;
  stopWatch?(channel: PushChannel): Promise<void>;
}

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    calendar: CalendarProvider;
  }
}

/** Normalized types the event stream carries for calendars. */
export const CALENDAR_EVENT_TYPES = ['calendar.event.created', 'calendar.event.updated', 'calendar.event.deleted', 'calendar.sync.failed'] as const;
export type CalendarEventType = (typeof CALENDAR_EVENT_TYPES)[number];

/**
 * The inbound type a provider's push handler parses a notification into: "something changed in
 * this calendar (or subscription)". The calendar sink turns it into a sync job; it is not recorded
 * as a unified event itself.
 */
export const CALENDAR_PUSH_TYPE = 'calendar.push';

/** `data` of a {@link CALENDAR_PUSH_TYPE} inbound event. */
export interface CalendarPushData {
  /** The provider's channel or subscription id. */
  channelId: string;
  /** Google `X-Goog-Resource-State` (`sync`, `exists`, `not_exists`); Graph `changeType` or `lifecycleEvent`. */
  state: string;
  /** Graph lifecycle notifications: `reauthorizationRequired`, `subscriptionRemoved`, `missed`. */
  lifecycle?: string;
  /** Graph: the changed event's id, when the notification names it. */
  eventId?: string;
}

/** `data` of `calendar.event.created|updated`. */
export interface CalendarEventData {
  calendarId: string;
  eventId: string;
  event: Omit<CalendarEvent, 'raw'>;
}

/** `data` of `calendar.event.deleted`. */
export interface CalendarEventDeletedData {
  calendarId: string;
  eventId: string;
}

/** `data` of `calendar.sync.failed`: a provider that stops answering, a revoked connection. */
export interface CalendarSyncFailedData {
  calendarId: string;
  code: string;
  message: string;
  /** Consecutive failures so far. */
  failures: number;
}

export interface CalendarEventDataMap {
  'calendar.event.created': CalendarEventData;
  'calendar.event.updated': CalendarEventData;
  'calendar.event.deleted': CalendarEventDeletedData;
  'calendar.sync.failed': CalendarSyncFailedData;
}
