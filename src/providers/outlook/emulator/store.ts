/**
 * The Graph emulator's mailbox: calendars, events (series masters expanded into occurrences with
 * `categories/calendar/recurrence.ts`, exceptions and cancelled occurrences kept on the master),
 * calendar permissions, Teams online meetings and the change sequence delta queries read. Every
 * answer is shaped as Graph's resource (typed with `@microsoft/microsoft-graph-types`) in UTC.
 */
import { randomBytes } from 'node:crypto';
import type { Attendee, Calendar, CalendarPermission, DateTimeTimeZone, Event, OnlineMeeting, PatternedRecurrence } from '@microsoft/microsoft-graph-types';
import { expandRecurrence, formatInZone, isTimeZone, occurrenceIdSuffix, zonedToInstant } from '../../../categories/calendar/recurrence.js';
import { fromPatternedRecurrence } from '../recurrence.js';

/** Graph's event as it answers one: the resource plus its OData etag (checked against the types at compile time). */
export type GraphEventAnswer = Event & { '@odata.etag': string };

/** A Graph error to answer: status, `error.code`, message. */
export class GraphFault extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}
export const notFound = () => new GraphFault(404, 'ErrorItemNotFound', 'The specified object was not found in the store.');

/** Graph-looking opaque ids (`AAMkAD…`). */
export const graphId = (prefix = 'AAMkAD') => `${prefix}${randomBytes(18).toString('base64url')}`;

export interface Exception {
  cancelled?: boolean;
  patch?: Event;
  start?: number;
  end?: number;
}

export interface StoredEvent {
  id: string;
  calendarId: string;
  data: Event;
  startMs: number;
  endMs: number;
  seq: number;
  created: string;
  modified: string;
  changeKey: string;
  /** Keyed by `occurrenceIdSuffix` of the occurrence's original start. */
  exceptions: Map<string, Exception>;
}

export interface StoredCalendar {
  data: Calendar;
  permissions: CalendarPermission[];
}

const ticks = (iso: string) => `${iso.slice(0, 19)}.0000000`;
const utcTime = (ms: number): DateTimeTimeZone => ({ dateTime: ticks(new Date(ms).toISOString()), timeZone: 'UTC' });
const DATE = /^\d{4}-\d{2}-\d{2}/;

/** The instant of Graph's `{dateTime, timeZone}` (IANA or UTC); 400 for a zone Graph would not know. */
export function instantOf(t: DateTimeTimeZone | null | undefined, field: string): number {
  const dt = t?.dateTime;
  if (!dt || !DATE.test(dt) || Number.isNaN(Date.parse(`${dt.slice(0, 19)}Z`))) throw new GraphFault(400, 'ErrorInvalidRequest', `${field}: DateTimeTimeZone.dateTime is missing or not a date-time.`);
  const zone = t.timeZone ?? 'UTC';
  const local = new Date(`${dt.slice(0, 19)}Z`);
  if (zone === 'UTC') return local.getTime();
  if (!isTimeZone(zone)) throw new GraphFault(400, 'TimeZoneNotSupportedException', `A valid TimeZone value must be specified. The following TimeZone value is not supported: '${zone}'.`);
  return zonedToInstant(local, zone);
}

/** The mailbox of one user. */
export class Mailbox {
  readonly calendars = new Map<string, StoredCalendar>();
  readonly events = new Map<string, StoredEvent>();
  /** Deleted events: the ids a delta reports as `@removed` (a series' occurrences, a single event's own). */
  readonly tombstones: { ids: string[]; calendarId: string; seq: number }[] = [];
  readonly onlineMeetings = new Map<string, OnlineMeeting>();
  readonly primaryId: string;
  /** Off: Teams is not licensed, events get no online meeting (as Graph leaves `isOnlineMeeting` false). */
  teamsLicensed = true;
  seq = 0;
  /** Bumped to invalidate every delta token (`syncStateNotFound`). */
  deltaEpoch = 1;
  /** Called with every change (subscriptions notify). */
  onChange: (e: StoredEvent, changeType: 'created' | 'updated' | 'deleted') => void = () => {};

  constructor(readonly user: { id: string; mail: string; displayName: string }) {
    this.primaryId = this.addCalendar('Calendar', true).id!;
  }

  addCalendar(name: string, isDefaultCalendar = false): Calendar {
    const id = graphId('AAMkADcal');
    const data: Calendar = { id, name, color: 'auto', hexColor: '', isDefaultCalendar, changeKey: randomBytes(6).toString('base64'), canShare: true, canViewPrivateItems: true, canEdit: true, allowedOnlineMeetingProviders: ['teamsForBusiness'], defaultOnlineMeetingProvider: 'teamsForBusiness', isTallyingResponses: true, isRemovable: !isDefaultCalendar, owner: { name: this.user.displayName, address: this.user.mail } };
    this.calendars.set(id, { data, permissions: [{ id: 'RGVmYXVsdA==', isRemovable: false, isInsideOrganization: true, role: 'freeBusyRead', allowedRoles: ['none', 'freeBusyRead', 'limitedRead', 'read'], emailAddress: { name: 'My Organization' } }] });
    return data;
  }

  calendar(id: string | undefined): StoredCalendar {
    const c = this.calendars.get(id ?? this.primaryId);
    if (!c) throw notFound();
    return c;
  }

  private touch(e: StoredEvent): void {
    e.seq = ++this.seq;
    e.modified = new Date().toISOString();
    e.changeKey = randomBytes(9).toString('base64');
  }

  /** Creates an event from a Graph body (validated as Graph does). */
  create(calendarId: string, body: Event): StoredEvent {
    this.calendar(calendarId);
    if (!body.start || !body.end) throw new GraphFault(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. An event needs start and end.');
    const now = new Date().toISOString();
    const e: StoredEvent = { id: graphId(), calendarId, data: {}, startMs: 0, endMs: 0, seq: 0, created: now, modified: now, changeKey: '', exceptions: new Map() };
    e.data = { subject: '', isAllDay: false, isReminderOn: true, reminderMinutesBeforeStart: 15, showAs: 'busy', attendees: [], isOnlineMeeting: false, onlineMeetingProvider: 'unknown', recurrence: null };
    this.apply(e, body, true);
    this.events.set(e.id, e);
    this.touch(e);
    this.onChange(e, 'created');
    return e;
  }

  private apply(e: StoredEvent, body: Event, creating: boolean): void {
    const next: Event = { ...e.data, ...body };
    // An all-day event is floating: its dates, whatever zone it was written in.
    const at = (t: DateTimeTimeZone | null | undefined, field: string) => (next.isAllDay ? Date.parse(`${(t?.dateTime ?? '').slice(0, 10)}T00:00:00Z`) : instantOf(t, field));
    const startMs = at(next.start, 'start');
    const endMs = at(next.end, 'end');
    if (Number.isNaN(startMs) || Number.isNaN(endMs)) throw new GraphFault(400, 'ErrorInvalidRequest', 'start and end must be dates.');
    if (endMs < startMs) throw new GraphFault(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. The end of the event is before its start.');
    if (next.isAllDay && (!/T00:00:00/.test(next.start!.dateTime!) || !/T00:00:00/.test(next.end!.dateTime!))) throw new GraphFault(400, 'ErrorInvalidRequest', 'Your request can\'t be completed. An all-day event must start and end at midnight.');
    if (body.start) next.originalStartTimeZone = body.start.timeZone ?? 'UTC';
    if (body.end) next.originalEndTimeZone = body.end.timeZone ?? 'UTC';
    next.attendees = (next.attendees ?? []).map((a): Attendee => {
      const before = (e.data.attendees ?? []).find((b) => b.emailAddress?.address?.toLowerCase() === a.emailAddress?.address?.toLowerCase());
      return { type: a.type ?? 'required', emailAddress: { name: a.emailAddress?.name ?? a.emailAddress?.address, address: a.emailAddress?.address }, status: before?.status ?? { response: 'none', time: '0001-01-01T00:00:00Z' } };
    });
    if (next.isOnlineMeeting && (creating || !e.data.onlineMeeting)) {
      if (this.teamsLicensed && (next.onlineMeetingProvider ?? 'teamsForBusiness') === 'teamsForBusiness') {
        const meeting = this.newOnlineMeeting(next.subject ?? '', startMs, endMs);
        next.onlineMeetingProvider = 'teamsForBusiness';
        next.onlineMeeting = { joinUrl: meeting.joinWebUrl, conferenceId: String(randomBytes(4).readUInt32BE()), tollNumber: null };
      } else next.isOnlineMeeting = false;
    }
    if (next.onlineMeeting?.joinUrl) {
      const m = [...this.onlineMeetings.values()].find((o) => o.joinWebUrl === next.onlineMeeting!.joinUrl);
      if (m) Object.assign(m, { subject: next.subject, startDateTime: new Date(startMs).toISOString(), endDateTime: new Date(endMs).toISOString() });
    }
    if (next.recurrence) this.rules(next); // a rule Graph would refuse fails here, before anything is kept
    e.data = next;
    e.startMs = startMs;
    e.endMs = endMs;
  }

  newOnlineMeeting(subject: string, startMs: number, endMs: number): OnlineMeeting {
    const id = `MSo${randomBytes(24).toString('base64url')}`;
    const thread = randomBytes(20).toString('hex');
    const m: OnlineMeeting = {
      id,
      subject,
      creationDateTime: new Date().toISOString(),
      startDateTime: new Date(startMs).toISOString(),
      endDateTime: new Date(endMs).toISOString(),
      joinWebUrl: `https://teams.microsoft.com/l/meetup-join/19%3ameeting_${thread}%40thread.v2/0?context=%7b%22Tid%22%3a%22${this.user.id}%22%7d`,
      lobbyBypassSettings: { scope: 'organization', isDialInBypassEnabled: false },
      recordAutomatically: false,
      allowedPresenters: 'everyone',
      participants: { organizer: { upn: this.user.mail, role: 'presenter', identity: { user: { id: this.user.id, displayName: this.user.displayName } } }, attendees: [] },
    };
    this.onlineMeetings.set(id, m);
    return m;
  }

  private rules(data: Event): string[] {
    return fromPatternedRecurrence(data.recurrence as PatternedRecurrence, { allDay: !!data.isAllDay, timeZone: data.recurrence?.range?.recurrenceTimeZone ?? data.originalStartTimeZone ?? 'UTC' });
  }

  /** An event or an occurrence (`<masterId>_<suffix>`) by id. */
  find(id: string): { master: StoredEvent; suffix?: string } {
    const e = this.events.get(id);
    if (e) return { master: e };
    const cut = id.lastIndexOf('_');
    const master = cut > 0 ? this.events.get(id.slice(0, cut)) : undefined;
    const suffix = id.slice(cut + 1);
    if (!master?.data.recurrence || !this.occurrences(master, FAR).some((o) => o.suffix === suffix) || master.exceptions.get(suffix)?.cancelled) throw notFound();
    return { master, suffix };
  }

  update(id: string, body: Event): Event {
    const { master, suffix } = this.find(id);
    if (suffix === undefined) {
      this.apply(master, body, false);
      this.touch(master);
      this.onChange(master, 'updated');
      return this.render(master);
    }
    const ex = master.exceptions.get(suffix) ?? {};
    ex.patch = { ...ex.patch, ...body };
    if (body.start) ex.start = instantOf(body.start, 'start');
    if (body.end) ex.end = instantOf(body.end, 'end');
    master.exceptions.set(suffix, ex);
    this.touch(master);
    this.onChange(master, 'updated');
    return this.instance(master, this.occurrences(master, FAR).find((o) => o.suffix === suffix)!);
  }

  delete(id: string): void {
    const { master, suffix } = this.find(id);
    if (suffix !== undefined) {
      master.exceptions.set(suffix, { ...master.exceptions.get(suffix), cancelled: true });
      this.touch(master);
      this.onChange(master, 'updated');
      return;
    }
    this.events.delete(master.id);
    const joinUrl = master.data.onlineMeeting?.joinUrl;
    for (const [k, m] of this.onlineMeetings) if (m.joinWebUrl === joinUrl) this.onlineMeetings.delete(k);
    const ids = master.data.recurrence ? this.occurrences(master, FAR).map((o) => `${master.id}_${o.suffix}`) : [master.id];
    this.tombstones.push({ ids, calendarId: master.calendarId, seq: ++this.seq });
    this.onChange(master, 'deleted');
  }

  /** The master's occurrences in a window (original placement, before exceptions). */
  occurrences(master: StoredEvent, window: { timeMin: string; timeMax: string }): { suffix: string; originalStart: string; start: number; end: number }[] {
    const d = master.data;
    const allDay = !!d.isAllDay;
    const zone = d.originalStartTimeZone && d.originalStartTimeZone !== 'UTC' ? d.originalStartTimeZone : null;
    const iso = (ms: number) => (allDay ? new Date(ms).toISOString().slice(0, 10) : formatInZone(ms, zone));
    const occ = expandRecurrence({ start: iso(master.startMs), end: iso(master.endMs), allDay, timeZone: zone, recurrence: this.rules(d) }, window);
    return occ.map((o) => ({ suffix: occurrenceIdSuffix(o.originalStart), originalStart: o.originalStart, start: Date.parse(o.start.length === 10 ? `${o.start}T00:00:00Z` : o.start), end: Date.parse(o.end.length === 10 ? `${o.end}T00:00:00Z` : o.end) }));
  }

  /** Graph's answer for a stored event (a single instance or a series master). */
  render(e: StoredEvent, text = true): GraphEventAnswer {
    const d = e.data;
    const body = d.body?.content ? (text || d.body.contentType === 'html' ? d.body : { contentType: 'html' as const, content: `<html><body>${escapeHtml(d.body.content)}</body></html>` }) : { contentType: 'text' as const, content: '' };
    const cancelled = [...e.exceptions.entries()].filter(([, x]) => x.cancelled).map(([s]) => s);
    const answer: GraphEventAnswer = {
      '@odata.etag': `W/"${e.changeKey}"`,
      id: e.id,
      createdDateTime: e.created,
      lastModifiedDateTime: e.modified,
      changeKey: e.changeKey,
      categories: [],
      originalStartTimeZone: d.originalStartTimeZone,
      originalEndTimeZone: d.originalEndTimeZone,
      iCalUId: `040000008200E00074C5B7101A82E008${e.id.slice(-16)}`,
      reminderMinutesBeforeStart: d.reminderMinutesBeforeStart,
      isReminderOn: d.isReminderOn,
      hasAttachments: false,
      subject: d.subject,
      bodyPreview: (d.body?.content ?? '').slice(0, 255),
      importance: 'normal',
      sensitivity: 'normal',
      isAllDay: d.isAllDay,
      isCancelled: false,
      isOrganizer: true,
      responseRequested: true,
      seriesMasterId: null,
      showAs: d.showAs,
      type: d.recurrence ? 'seriesMaster' : 'singleInstance',
      webLink: `https://outlook.office365.com/owa/?itemid=${encodeURIComponent(e.id)}&exvsurl=1&path=/calendar/item`,
      onlineMeetingUrl: null,
      isOnlineMeeting: d.isOnlineMeeting,
      onlineMeetingProvider: d.onlineMeetingProvider,
      responseStatus: { response: 'organizer', time: '0001-01-01T00:00:00Z' },
      body,
      start: this.time(e.startMs, !!d.isAllDay),
      end: this.time(e.endMs, !!d.isAllDay),
      location: { displayName: d.location?.displayName ?? '', locationType: 'default', uniqueIdType: 'unknown' },
      recurrence: d.recurrence ?? null,
      attendees: d.attendees,
      organizer: { emailAddress: { name: this.user.displayName, address: this.user.mail } },
      onlineMeeting: d.onlineMeeting ?? null,
      ...(cancelled.length > 0 && { cancelledOccurrences: cancelled.map((s) => `OID.${e.id}.${s}`) }),
    };
    return answer;
  }

  /** One occurrence of a master, its exception applied. */
  instance(master: StoredEvent, o: { suffix: string; originalStart: string; start: number; end: number }, text = true): GraphEventAnswer {
    const base = this.render(master, text);
    const ex = master.exceptions.get(o.suffix);
    const allDay = !!master.data.isAllDay;
    const patch = ex?.patch ?? {};
    const answer: GraphEventAnswer = {
      ...base,
      ...patch,
      '@odata.etag': base['@odata.etag'],
      id: `${master.id}_${o.suffix}`,
      type: ex?.patch ? 'exception' : 'occurrence',
      seriesMasterId: master.id,
      recurrence: null,
      originalStart: allDay ? `${o.originalStart}T00:00:00Z` : new Date(Date.parse(o.originalStart)).toISOString().replace('.000Z', 'Z'),
      start: this.time(ex?.start ?? o.start, allDay),
      end: this.time(ex?.end ?? o.end, allDay),
      attendees: patch.attendees ?? base.attendees,
      location: patch.location ?? base.location,
    };
    return answer;
  }

  /** The live occurrences of a master overlapping a window, by start. */
  instances(master: StoredEvent, window: { timeMin: string; timeMax: string }, text = true): GraphEventAnswer[] {
    const min = Date.parse(window.timeMin);
    const max = Date.parse(window.timeMax);
    const wide = { timeMin: new Date(min - 30 * 86_400_000).toISOString(), timeMax: new Date(max + 30 * 86_400_000).toISOString() };
    return this.occurrences(master, wide)
      .filter((o) => !master.exceptions.get(o.suffix)?.cancelled)
      .map((o) => ({ o, s: master.exceptions.get(o.suffix)?.start ?? o.start, e: master.exceptions.get(o.suffix)?.end ?? o.end }))
      .filter(({ s, e }) => s < max && e > min)
      .sort((a, b) => a.s - b.s)
      .map(({ o }) => this.instance(master, o, text));
  }

  /** `calendarView`: single events and occurrences overlapping the window, by start. */
  view(calendarId: string, window: { timeMin: string; timeMax: string }, text = true): Event[] {
    const min = Date.parse(window.timeMin);
    const max = Date.parse(window.timeMax);
    const out: { at: number; e: Event }[] = [];
    for (const e of this.events.values()) {
      if (e.calendarId !== calendarId) continue;
      if (e.data.recurrence) for (const i of this.instances(e, window, text)) out.push({ at: Date.parse(`${i.start!.dateTime!.slice(0, 19)}Z`), e: i });
      else if (e.startMs < max && (e.endMs > min || (e.endMs === e.startMs && e.startMs >= min))) out.push({ at: e.startMs, e: this.render(e, text) });
    }
    return out.sort((a, b) => a.at - b.at).map((x) => x.e);
  }

  /**
   * What a `calendarView/delta` reports since `since` (0: everything) up to `upto`: single events
   * and occurrences in the window, cancelled occurrences and deleted events as `@removed`.
   */
  deltaItems(calendarId: string, window: { timeMin: string; timeMax: string }, since: number, upto: number, text = true): GraphEventAnswer[] {
    const min = Date.parse(window.timeMin);
    const max = Date.parse(window.timeMax);
    const removed = (id: string) => ({ '@odata.type': '#microsoft.graph.event', '@odata.etag': '', id, '@removed': { reason: 'deleted' } }) as GraphEventAnswer;
    const out: GraphEventAnswer[] = [];
    for (const e of [...this.events.values()].sort((a, b) => a.seq - b.seq)) {
      if (e.calendarId !== calendarId || e.seq <= since || e.seq > upto) continue;
      if (!e.data.recurrence) {
        if (e.startMs < max && e.endMs > min) out.push(this.render(e, text));
        continue;
      }
      out.push(...(this.instances(e, window, text) as GraphEventAnswer[]));
      if (since > 0) for (const o of this.occurrences(e, window)) if (e.exceptions.get(o.suffix)?.cancelled) out.push(removed(`${e.id}_${o.suffix}`));
    }
    if (since > 0) for (const t of this.tombstones) if (t.calendarId === calendarId && t.seq > since && t.seq <= upto) out.push(...t.ids.map(removed));
    return out;
  }

  /** Whether a stored event (a master: any occurrence) overlaps a window. */
  overlaps(e: StoredEvent, min: number | undefined, max: number | undefined): boolean {
    if (!e.data.recurrence) return (min === undefined || e.endMs > min) && (max === undefined || e.startMs < max);
    return this.instances(e, { timeMin: new Date(min ?? 0).toISOString(), timeMax: new Date(max ?? FAR_MS).toISOString() }).length > 0;
  }

  time(ms: number, allDay: boolean): DateTimeTimeZone {
    return allDay ? { dateTime: `${new Date(ms).toISOString().slice(0, 10)}T00:00:00.0000000`, timeZone: 'UTC' } : utcTime(ms);
  }
}

const FAR_MS = Date.UTC(2100, 0, 1);
const FAR = { timeMin: '1970-01-01T00:00:00Z', timeMax: '2100-01-01T00:00:00Z' };

function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
