/**
 * Input schemas of the calendar API (REST and library share them). A 400 names the field and what
 * to fix: times are ISO 8601 (`2026-12-07T09:00:00+01:00`, or `2026-12-07` for all-day), zones are
 * IANA names this runtime knows, RRULE lines must parse (`recurrence.ts` over `rrule`).
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import { expandRecurrence, isTimeZone } from './recurrence.js';

const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;
const isDate = (v: string) => DATE_RE.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)) && new Date(`${v}T00:00:00Z`).toISOString().startsWith(v);
const dateTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset, such as 2026-12-07T09:00:00Z' });

/** `YYYY-MM-DD` (all-day) or an ISO 8601 date-time with an offset. */
export const calendarTime = z.string({ error: 'is required: an ISO 8601 date-time (2026-12-07T09:00:00+01:00) or a date (2026-12-07) for all-day' }).refine((v) => isDate(v) || dateTime.safeParse(v).success, {
  error: 'must be an ISO 8601 date-time with an offset (2026-12-07T09:00:00+01:00 or …Z) or a date (2026-12-07) for an all-day event',
});
export const timeZone = z.string().trim().min(1).max(64).refine(isTimeZone, { error: 'must be an IANA time zone such as Europe/Berlin or America/New_York' });
const provider = z.string().trim().min(1).max(64).optional();
const connectionId = z.string().trim().min(1).max(100).optional();
const email = z.email({ error: 'must be an email address' }).max(320);

export const reminder = z.strictObject({
  method: z.enum(['popup', 'email'], { error: 'must be popup or email' }),
  minutes: z.number({ error: 'must be a number of minutes before the start' }).int('must be whole minutes').min(0, 'must be 0 or more').max(40320, 'at most 40320 (4 weeks), Google\'s limit'),
});

/** An attendee: an address, or `{email, name?, optional?}`. */
export const attendee = z.union([email.transform((e) => ({ email: e })), z.strictObject({ email, name: z.string().max(200).optional(), optional: z.boolean().optional() })], {
  error: 'must be an email address or {email, name?, optional?}',
});

const RECURRENCE_LINE = /^(RRULE|EXRULE|EXDATE|RDATE)[:;]/i;
const recurrenceLines = z.array(z.string().max(1000).regex(RECURRENCE_LINE, 'each line must be RFC 5545 text starting RRULE:, EXDATE: or RDATE: (e.g. RRULE:FREQ=WEEKLY;BYDAY=MO;COUNT=10)')).min(1, 'give at least one RRULE line, or leave recurrence out').max(20);

const eventFields = {
  summary: z.string({ error: 'is required: the event\'s title' }).trim().min(1, 'must not be empty').max(1024),
  description: z.string().max(8192).optional(),
  location: z.string().max(1024).optional(),
  start: calendarTime,
  end: calendarTime,
  allDay: z.boolean().optional(),
  timeZone: timeZone.optional(),
  attendees: z.array(attendee).max(300, 'at most 300 attendees').optional(),
  reminders: z.array(reminder).max(5, 'at most 5 reminders').optional(),
  recurrence: recurrenceLines.optional(),
  sendUpdates: z.enum(['all', 'externalOnly', 'none'], { error: 'must be all, externalOnly or none' }).optional(),
};

type TimeFields = { start?: string; end?: string; allDay?: boolean; timeZone?: string; recurrence?: string[] };

/** start < end, both dates or both date-times, `allDay` agreeing, and RRULE lines that expand. */
function checkTimes(v: TimeFields, ctx: z.RefinementCtx): void {
  const { start, end } = v;
  if (start !== undefined && end !== undefined) {
    if (isDate(start) !== isDate(end)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'start and end must both be dates (all-day) or both date-times' });
    else if (Date.parse(isDate(start) ? `${start}T00:00:00Z` : start) >= Date.parse(isDate(end) ? `${end}T00:00:00Z` : end)) ctx.addIssue({ code: 'custom', path: ['end'], message: 'must be after start (an all-day end is exclusive: a one-day event on 2026-12-24 ends 2026-12-25)' });
  }
  if (v.allDay !== undefined && start !== undefined && v.allDay !== isDate(start)) ctx.addIssue({ code: 'custom', path: ['allDay'], message: v.allDay ? 'an all-day event takes dates (2026-12-24), not date-times' : 'a date start means all-day: give a date-time or allDay true' });
  if (v.recurrence && start !== undefined && end !== undefined) {
    try {
      const from = isDate(start) ? `${start}T00:00:00Z` : start;
      expandRecurrence({ start, end, allDay: isDate(start), timeZone: v.timeZone ?? null, recurrence: v.recurrence }, { timeMin: from, timeMax: new Date(Date.parse(from) + 400 * 86_400_000).toISOString() }, { limit: 1 });
    } catch (err) {
      ctx.addIssue({ code: 'custom', path: ['recurrence'], message: err instanceof HubError ? err.message.replace(/^recurrence: /, '') : 'cannot be read as RFC 5545 recurrence' });
    }
  }
}

export const eventInput = z.strictObject(eventFields).superRefine(checkTimes);
export type EventInputBody = z.input<typeof eventInput>;

export const eventPatch = z
  .strictObject(Object.fromEntries(Object.entries(eventFields).map(([k, s]) => [k, s.optional()])) as { [K in keyof typeof eventFields]: z.ZodOptional<(typeof eventFields)[K]> })
  .superRefine(checkTimes);
export type EventPatchBody = z.input<typeof eventPatch>;

/** Which connection a call goes to: `connectionId`, else the tenant's `provider` connection, else the first of CALENDAR_PROVIDERS. */
export const target = z.object({ provider, connectionId });
export type Target = z.infer<typeof target>;

export const listEventsQuery = target.extend({
  timeMin: dateTime.optional(),
  timeMax: dateTime.optional(),
  pageToken: z.string().max(4096).optional(),
  maxResults: z.coerce.number({ error: 'must be a number' }).int().min(1, 'must be at least 1').max(2500, 'at most 2500').optional(),
  singleEvents: z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean({ error: 'must be true or false' })).optional(),
  q: z.string().max(500).optional(),
});
export type ListEventsQueryInput = z.input<typeof listEventsQuery>;

export const instancesQuery = target.extend({ timeMin: dateTime.optional(), timeMax: dateTime.optional() });
export const createCalendarInput = z.strictObject({ name: z.string({ error: 'is required' }).trim().min(1).max(255), description: z.string().max(8192).optional(), timeZone: timeZone.optional() });
export const moveInput = z.strictObject({ destinationCalendarId: z.string({ error: 'is required: the calendar to move the event to' }).min(1).max(1024) });
export const respondInput = z.strictObject({ response: z.enum(['accepted', 'declined', 'tentative'], { error: 'must be accepted, declined or tentative' }), comment: z.string().max(1000).optional() });
export const aclInput = z.strictObject({ email, role: z.enum(['reader', 'writer', 'owner'], { error: 'must be reader, writer or owner' }) });

const HHMM = /^([01]\d|2[0-3]):[0-5]\d$|^24:00$/;
const period = z.tuple([z.string().regex(HHMM, 'must be HH:MM (00:00 to 24:00)'), z.string().regex(HHMM, 'must be HH:MM (00:00 to 24:00)')]).refine(([a, b]) => a < b, { error: 'a period must end after it starts' });
const day = z.array(period).max(10).optional();

export const workingHours = z.strictObject({
  timeZone,
  days: z.strictObject({ mon: day, tue: day, wed: day, thu: day, fri: day, sat: day, sun: day }),
});
export type WorkingHours = z.infer<typeof workingHours>;

const MAX_WINDOW_DAYS = 62;
export const availabilityInput = z
  .strictObject({
    calendars: z.array(z.strictObject({ provider, connectionId, calendarId: z.string({ error: 'is required (primary for the account\'s default calendar)' }).min(1).max(1024) })).min(1, 'name at least one calendar').max(50, 'at most 50 calendars'),
    timeMin: dateTime,
    timeMax: dateTime,
    duration: z.number({ error: 'is required: the slot length in minutes' }).int('must be whole minutes').min(5, 'must be at least 5 minutes').max(1440, 'at most 1440 minutes'),
    /** Slot starts every `stepMinutes` from each working period's start (default: `duration`). */
    stepMinutes: z.number().int().min(5).max(1440).optional(),
    workingHours: workingHours.optional(),
    bufferMinutes: z.number().int().min(0).max(240, 'at most 240 minutes').optional(),
    minimumNoticeMinutes: z.number().int().min(0).max(525_600).optional(),
  })
  .refine((v) => Date.parse(v.timeMin) < Date.parse(v.timeMax), { error: 'must be after timeMin', path: ['timeMax'] })
  .refine((v) => Date.parse(v.timeMax) - Date.parse(v.timeMin) <= MAX_WINDOW_DAYS * 86_400_000, { error: `the window may span at most ${MAX_WINDOW_DAYS} days`, path: ['timeMax'] });
export type AvailabilityInput = z.input<typeof availabilityInput>;

export const trackInput = z.strictObject({
  provider,
  connectionId,
  calendarId: z.string().min(1).max(1024).default('primary'),
  /** false: poll even when the provider can push. */
  push: z.boolean().optional(),
});
export type TrackInput = z.input<typeof trackInput>;

/** The integrations guide's event body (`startTime`/`endTime`), mapped onto {@link eventInput}. */
export const guideEvent = z
  .strictObject({
    summary: z.string().optional(),
    description: z.string().optional(),
    startTime: z.string().optional(),
    endTime: z.string().optional(),
    attendees: z.array(z.unknown()).optional(),
    reminders: z.array(z.unknown()).optional(),
    recurrence: z.array(z.string()).optional(),
    timeZone: z.string().optional(),
    location: z.string().optional(),
    connectionId,
    calendarId: z.string().min(1).max(1024).optional(),
    sendUpdates: z.string().optional(),
  });
export type GuideEventBody = z.infer<typeof guideEvent>;

/** The guide's body as an event input (or patch): `startTime` → `start`, `endTime` → `end`. */
export function fromGuide(body: GuideEventBody): Record<string, unknown> {
  const { startTime, endTime, connectionId: _c, calendarId: _k, ...rest } = body;
  const out: Record<string, unknown> = { ...rest };
  if (startTime !== undefined) out.start = startTime;
  if (endTime !== undefined) out.end = endTime;
  return out;
}
