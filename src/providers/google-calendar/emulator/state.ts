/**
 * The Google Calendar emulator's account: calendars, events (masters, exceptions, tombstones),
 * ACL rules, a change sequence for sync tokens, recurrence expansion (the hub's
 * `categories/calendar/recurrence.ts`) and free/busy. Pure state: the HTTP side is `server.ts`.
 *
 * Every change bumps one sequence and stamps the event with it; a sync token is a position in
 * that sequence under an epoch, and {@link CalendarAccount.resetSync} starts a new epoch so every
 * older token answers 410 `fullSyncRequired`. A deleted event stays as a `cancelled` tombstone so
 * incremental syncs report it.
 *
 * @see https://developers.google.com/calendar/api/v3/reference/events
 */
import { randomBytes } from 'node:crypto';
import { expandRecurrence, formatInZone, occurrenceIdSuffix } from '../../../categories/calendar/recurrence.js';

export type Json = Record<string, unknown>;
const obj = (v: unknown): Json => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : {});
const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/** Google's event ids: base32hex, lower case. */
const B32HEX = '0123456789abcdefghijklmnopqrstuv';
export const newEventId = (): string => [...randomBytes(20)].map((b) => B32HEX[b % 32]).join('');
/** RFC 3339 UTC with milliseconds, as Google writes `created`/`updated`. */
const stamp = (ms: number) => new Date(ms).toISOString();
/** The default window of `singleEvents` expansion when the caller gives none. */
const YEAR_MS = 366 * 86_400_000;

export interface EmuCalendar {
  id: string;
  summary: string;
  description?: string;
  timeZone: string;
  primary: boolean;
  acl: Map<string, Json>;
  events: Map<string, { json: Json; seq: number }>;
}

/** A 400/404/410 the server answers in Google's shape. */
export class GoogleFault extends Error {
  constructor(
    readonly status: number,
    readonly reason: string,
    message: string,
  ) {
    super(message);
  }
}

export const notFound = () => new GoogleFault(404, 'notFound', 'Not Found');
export const invalid = (message: string, reason = 'invalid') => new GoogleFault(400, reason, message);

/** Start (or end) of an event as an instant (all-day: midnight UTC of the date). */
export function instantOf(t: unknown): number {
  const o = obj(t);
  return str(o.date) ? Date.parse(`${o.date as string}T00:00:00Z`) : Date.parse(String(o.dateTime));
}

/** Applies a PATCH: objects merge, arrays and scalars replace, `null` removes. */
export function merge(target: Json, patch: Json): Json {
  const out: Json = { ...target };
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else if (typeof v === 'object' && !Array.isArray(v) && typeof out[k] === 'object' && out[k] !== null && !Array.isArray(out[k])) out[k] = merge(out[k] as Json, v as Json);
    else out[k] = v;
  }
  return out;
}

export class CalendarAccount {
  readonly calendars = new Map<string, EmuCalendar>();
  /** The change sequence and the sync epoch (a reset makes older tokens 410). */
  seq = 0;
  epoch = 1;
  /** Conference creations to fail (`createRequest.status.statusCode: failure`). */
  conferenceFailures = 0;
  /** Called after each change to a calendar's events (watch channels notify). */
  onChange: (calendarId: string) => void = () => {};

  constructor(readonly email: string) {
    this.addCalendar({ id: email, summary: email, timeZone: 'UTC', primary: true });
  }

  addCalendar(c: { id?: string; summary: string; description?: string; timeZone?: string; primary?: boolean }): EmuCalendar {
    const id = c.id ?? `${randomBytes(13).toString('hex')}@group.calendar.google.com`;
    const cal: EmuCalendar = { id, summary: c.summary, description: c.description, timeZone: c.timeZone ?? 'UTC', primary: c.primary ?? false, acl: new Map(), events: new Map() };
    cal.acl.set(`user:${this.email}`, { kind: 'calendar#aclRule', etag: `"${++this.seq}"`, id: `user:${this.email}`, scope: { type: 'user', value: this.email }, role: 'owner' });
    this.calendars.set(id, cal);
    return cal;
  }

  /** `primary` or an id; 404 otherwise. */
  calendar(id: string): EmuCalendar {
    const cal = this.calendars.get(id === 'primary' ? this.email : id);
    if (!cal) throw notFound();
    return cal;
  }

  /** Stores `json` under its id with a fresh sequence, etag and `updated`. */
  put(cal: EmuCalendar, json: Json): Json {
    const seq = ++this.seq;
    const stored: Json = { ...json, etag: `"${seq}"`, updated: stamp(Date.now()) };
    cal.events.set(String(stored.id), { json: stored, seq });
    this.onChange(cal.id);
    return stored;
  }

  /** A new event from an insert body (validated, times normalized, conference created when asked). */
  create(cal: EmuCalendar, body: Json, conferenceVersion: number): Json {
    const id = str(body.id) ?? newEventId();
    // A client may choose the id (retries then stay one event): base32hex, 5 to 1024 characters.
    if (!/^[a-v0-9]{5,1024}$/.test(id)) throw invalid('Invalid resource id value.');
    if (cal.events.has(id)) throw new GoogleFault(409, 'duplicate', 'The requested identifier already exists.');
    const now = stamp(Date.now());
    const json = this.normalize(cal, {
      kind: 'calendar#event',
      id,
      status: 'confirmed',
      htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${id} ${cal.id}`).toString('base64url')}`,
      created: now,
      creator: { email: this.email, self: true },
      organizer: { email: cal.id, ...(cal.primary && { self: true }), ...(!cal.primary && { displayName: cal.summary }) },
      iCalUID: `${id}@google.com`,
      sequence: 0,
      reminders: { useDefault: true },
      eventType: 'default',
      ...body,
    });
    this.conference(json, body, conferenceVersion, undefined);
    return this.put(cal, json);
  }

  /** A patch (or, with `replace`, a whole update) of an event, an instance of a series included. */
  update(cal: EmuCalendar, eventId: string, body: Json, conferenceVersion: number, replace = false): Json {
    const current = this.read(cal, eventId);
    if (current.status === 'cancelled' && !str(current.recurringEventId)) throw new GoogleFault(410, 'deleted', 'Resource has been deleted');
    const base = replace ? { kind: current.kind, id: current.id, created: current.created, creator: current.creator, organizer: current.organizer, iCalUID: current.iCalUID, htmlLink: current.htmlLink, recurringEventId: current.recurringEventId, originalStartTime: current.originalStartTime, status: 'confirmed' } : current;
    const { conferenceData: _ignored, ...rest } = body;
    const json = this.normalize(cal, merge(base, { ...rest, id: current.id, sequence: Number(current.sequence ?? 0) + (body.start || body.end ? 1 : 0) }));
    this.conference(json, body, conferenceVersion, current.conferenceData);
    return this.put(cal, json);
  }

  /** Deletes an event (a series with its exceptions) or cancels one instance. */
  remove(cal: EmuCalendar, eventId: string): void {
    const current = this.read(cal, eventId);
    if (current.status === 'cancelled') throw new GoogleFault(410, 'deleted', 'Resource has been deleted');
    for (const { json } of [...cal.events.values()]) if (json.recurringEventId === eventId && json.status !== 'cancelled') this.put(cal, { ...json, status: 'cancelled' });
    this.put(cal, { ...current, status: 'cancelled' });
  }

  /** A stored event, or a not yet modified instance of a series (`<master id>_<suffix>`). */
  read(cal: EmuCalendar, eventId: string): Json {
    const stored = cal.events.get(eventId)?.json;
    if (stored) return stored;
    const cut = eventId.lastIndexOf('_');
    const master = cut > 0 ? cal.events.get(eventId.slice(0, cut))?.json : undefined;
    if (!master || !Array.isArray(master.recurrence) || master.status === 'cancelled') throw notFound();
    const suffix = eventId.slice(cut + 1);
    const day = /^(\d{4})(\d{2})(\d{2})/.exec(suffix);
    if (!day) throw notFound();
    const at = Date.parse(`${day[1]}-${day[2]}-${day[3]}T00:00:00Z`);
    const found = this.expand(master, at - 86_400_000, at + 2 * 86_400_000).find((i) => i.id === eventId);
    if (!found) throw notFound();
    return found;
  }

  /** The instances of a series overlapping `[min, max)`, its exceptions applied (cancelled ones kept: callers filter). */
  expand(master: Json, min: number, max: number, limit = 2500): Json[] {
    const start = obj(master.start);
    const allDay = !!str(start.date);
    const zone = str(start.timeZone) ?? null;
    const occurrences = expandRecurrence(
      { start: String(start.date ?? start.dateTime), end: String(obj(master.end).date ?? obj(master.end).dateTime), allDay, timeZone: zone, recurrence: master.recurrence as string[] },
      { timeMin: new Date(min).toISOString(), timeMax: new Date(max).toISOString() },
      { limit },
    );
    const cal = [...this.calendars.values()].find((c) => c.events.get(String(master.id))?.json === master);
    const { recurrence: _r, ...rest } = master;
    return occurrences.map((o) => {
      const id = `${String(master.id)}_${occurrenceIdSuffix(o.originalStart)}`;
      const exception = cal?.events.get(id)?.json;
      if (exception) return exception;
      const t = (v: string) => (allDay ? { date: v } : { dateTime: v, ...(zone && { timeZone: zone }) });
      return { ...rest, id, start: t(o.start), end: t(o.end), recurringEventId: master.id, originalStartTime: t(o.originalStart) };
    });
  }

  /** The busy intervals of a calendar in `[min, max)`, merged, transparent and cancelled events skipped. */
  busy(cal: EmuCalendar, min: number, max: number): { start: string; end: string }[] {
    const spans: [number, number][] = [];
    for (const e of this.singleEvents(cal, min, max)) {
      if (e.status === 'cancelled' || e.transparency === 'transparent') continue;
      const s = Math.max(instantOf(e.start), min);
      const t = Math.min(instantOf(e.end), max);
      if (t > s) spans.push([s, t]);
    }
    spans.sort((a, b) => a[0] - b[0]);
    const merged: [number, number][] = [];
    for (const span of spans) {
      const last = merged.at(-1);
      if (last && span[0] <= last[1]) last[1] = Math.max(last[1], span[1]);
      else merged.push([...span]);
    }
    const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
    return merged.map(([s, t]) => ({ start: iso(s), end: iso(t) }));
  }

  /** Every event of the calendar as single events (series expanded) overlapping `[min, max)`. */
  singleEvents(cal: EmuCalendar, min = Date.now() - YEAR_MS, max = Date.now() + YEAR_MS): Json[] {
    const out: Json[] = [];
    for (const { json } of cal.events.values()) {
      if (str(json.recurringEventId)) continue; // exceptions come with their series
      if (Array.isArray(json.recurrence)) {
        if (json.status !== 'cancelled') out.push(...this.expand(json, min, max));
      } else if (instantOf(json.start) < max && instantOf(json.end) > min) out.push(json);
    }
    return out;
  }

  /** A sync token: this calendar at the current sequence and epoch. */
  syncToken(calendarId: string): string {
    return Buffer.from(JSON.stringify({ c: calendarId, e: this.epoch, s: this.seq })).toString('base64url');
  }

  /** The position a token names; 410 `fullSyncRequired` for an older epoch or another calendar's token. */
  position(token: string, calendarId: string): number {
    let t: { c?: string; e?: number; s?: number } = {};
    try {
      t = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as typeof t;
    } catch {
      // not one of ours
    }
    if (t.c !== calendarId || t.e !== this.epoch || typeof t.s !== 'number') throw new GoogleFault(410, 'fullSyncRequired', 'Sync token is no longer valid, a full sync is required.');
    return t.s;
  }

  /** Every older sync token answers 410 from now on. */
  resetSync(): void {
    this.epoch++;
  }

  private normalize(cal: EmuCalendar, json: Json): Json {
    for (const k of ['start', 'end'] as const) {
      const t = obj(json[k]);
      if (!str(t.date) && !str(t.dateTime)) throw invalid(k === 'start' ? 'Missing start time.' : 'Missing end time.', 'required');
      if (str(t.date) && !/^\d{4}-\d{2}-\d{2}$/.test(t.date as string)) throw invalid(`Invalid value for: ${k}.date`);
      if (str(t.dateTime)) {
        const ms = Date.parse(t.dateTime as string);
        if (Number.isNaN(ms) || !/(Z|[+-]\d{2}:\d{2})$/.test(t.dateTime as string)) throw invalid(`Invalid value for: ${k}.dateTime`);
        const zone = str(t.timeZone);
        json[k] = { ...t, dateTime: formatInZone(ms, zone ?? cal.timeZone) };
      }
    }
    if (!!str(obj(json.start).date) !== !!str(obj(json.end).date)) throw invalid('Start and end times must either both be date or both be dateTime.');
    if (instantOf(json.end) <= instantOf(json.start) && !(instantOf(json.end) === instantOf(json.start) && !str(obj(json.start).date))) throw invalid('The specified time range is empty.', 'timeRangeEmpty');
    if (json.attendees !== undefined) {
      if (!Array.isArray(json.attendees)) throw invalid('Invalid value for: attendees');
      json.attendees = json.attendees.map((a) => {
        const at = obj(a);
        if (!str(at.email) || !/^[^\s@]+@[^\s@]+$/.test(at.email as string)) throw invalid('Invalid attendee email.');
        const self = (at.email as string).toLowerCase() === this.email.toLowerCase();
        return { ...at, responseStatus: str(at.responseStatus) ?? 'needsAction', ...(self && { self: true }) };
      });
    }
    return json;
  }

  /** `conferenceData.createRequest` with `conferenceDataVersion=1`: a Meet conference, or a failure when told. */
  private conference(json: Json, body: Json, version: number, previous: unknown): void {
    const asked = obj(obj(body.conferenceData).createRequest);
    if (version < 1 || Object.keys(asked).length === 0) {
      // Without conferenceDataVersion=1 Google ignores conference data; a patch keeps what was there.
      if (previous !== undefined) json.conferenceData = previous;
      else delete json.conferenceData;
      if (previous === undefined) delete json.hangoutLink;
      return;
    }
    const type = str(obj(asked.conferenceSolutionKey).type);
    if (type !== 'hangoutsMeet') throw invalid(`Invalid conference type value.`);
    if (!str(asked.requestId)) throw invalid('Invalid conference create request: requestId is required.');
    const createRequest = { requestId: asked.requestId, conferenceSolutionKey: { type }, status: { statusCode: 'success' } };
    if (this.conferenceFailures > 0) {
      this.conferenceFailures--;
      json.conferenceData = { createRequest: { ...createRequest, status: { statusCode: 'failure' } } };
      delete json.hangoutLink;
      return;
    }
    const letters = (n: number) => [...randomBytes(n)].map((b) => 'abcdefghijklmnopqrstuvwxyz'[b % 26]).join('');
    const code = `${letters(3)}-${letters(4)}-${letters(3)}`;
    const link = `https://meet.google.com/${code}`;
    json.hangoutLink = link;
    json.conferenceData = {
      createRequest,
      entryPoints: [{ entryPointType: 'video', uri: link, label: `meet.google.com/${code}` }],
      conferenceSolution: { key: { type: 'hangoutsMeet' }, name: 'Google Meet', iconUri: 'https://fonts.gstatic.com/s/i/productlogos/meet_2020q4/v6/web-512dp/logo_meet_2020q4_color_2x_web_512dp.png' },
      conferenceId: code,
    };
  }
}
