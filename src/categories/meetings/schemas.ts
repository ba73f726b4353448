/**
 * Input schemas of the meetings API (REST and library share them). Field names follow the
 * integrations guide: `topic`, `startTime`, `duration`, `settings`, `provider`.
 */
import { z } from 'zod';

const provider = z.string().trim().min(1).max(64).optional();
const isoTime = z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time such as 2026-12-24T15:00:00Z' });
const duration = z.number({ error: 'must be a number of minutes' }).int('must be whole minutes').min(1, 'must be at least 1 minute').max(1440, 'at most 1440 minutes (24 h)');
const topic = z.string({ error: 'is required: the meeting\'s title' }).trim().min(1, 'must not be empty').max(200, 'Zoom takes at most 200 characters');

export const meetingSettings = z.strictObject({
  waitingRoom: z.boolean().optional(),
  autoRecording: z.enum(['none', 'local', 'cloud'], { error: 'must be none, local or cloud' }).optional(),
  joinBeforeHost: z.boolean().optional(),
  muteUponEntry: z.boolean().optional(),
  hostVideo: z.boolean().optional(),
  participantVideo: z.boolean().optional(),
});

export const recurrence = z
  .strictObject({
    frequency: z.enum(['daily', 'weekly', 'monthly'], { error: 'must be daily, weekly or monthly' }),
    interval: z.number().int().min(1).max(90, 'at most 90 (Zoom: 90 days, 12 weeks, 3 months)').optional(),
    weekdays: z.array(z.number().int().min(1).max(7, 'ISO weekdays: 1 (Monday) … 7 (Sunday)')).min(1).max(7).optional(),
    monthDay: z.number().int().min(1).max(31).optional(),
    count: z.number().int().min(1).max(60, 'Zoom takes at most 60 occurrences').optional(),
    endDateTime: isoTime.optional(),
  })
  .refine((r) => r.count === undefined || r.endDateTime === undefined, { error: 'give count or endDateTime, not both', path: ['count'] })
  .refine((r) => r.frequency !== 'weekly' || r.weekdays !== undefined, { error: 'a weekly recurrence needs weekdays', path: ['weekdays'] })
  .refine((r) => r.frequency !== 'monthly' || r.monthDay !== undefined, { error: 'a monthly recurrence needs monthDay', path: ['monthDay'] });

export const createMeetingInput = z
  .strictObject({
    topic,
    /** Absent: `recurring` with a recurrence, `scheduled` with a start time, else `instant`. */
    kind: z.enum(['scheduled', 'instant', 'recurring'], { error: 'must be scheduled, instant or recurring' }).optional(),
    startTime: isoTime.optional(),
    duration: duration.optional(),
    timezone: z.string().trim().min(1).max(64).optional(),
    agenda: z.string().max(2000, 'Zoom takes at most 2000 characters').optional(),
    password: z.string().regex(/^[A-Za-z0-9@\-_*]{1,10}$/, 'at most 10 characters: letters, digits, @ - _ *').optional(),
    recurrence: recurrence.optional(),
    settings: meetingSettings.optional(),
    /** The provider to create it at; absent: the first of MEETINGS_PROVIDERS. */
    provider,
  })
  .refine((m) => (m.kind ?? (m.recurrence ? 'recurring' : m.startTime ? 'scheduled' : 'instant')) === 'instant' || m.startTime !== undefined, { error: 'is required for a scheduled or recurring meeting', path: ['startTime'] })
  .refine((m) => (m.kind === 'recurring') === (m.recurrence !== undefined) || m.kind === undefined, { error: 'a recurring meeting needs a recurrence, and only it takes one', path: ['recurrence'] });
export type CreateMeetingInput = z.input<typeof createMeetingInput>;

export const updateMeetingInput = z
  .strictObject({
    topic: topic.optional(),
    startTime: isoTime.optional(),
    duration: duration.optional(),
    timezone: z.string().trim().min(1).max(64).optional(),
    agenda: z.string().max(2000).optional(),
    password: z.string().regex(/^[A-Za-z0-9@\-_*]{1,10}$/, 'at most 10 characters: letters, digits, @ - _ *').optional(),
    recurrence: recurrence.optional(),
    settings: meetingSettings.optional(),
  })
  .refine((u) => Object.keys(u).length > 0, { error: 'change at least one field (topic, startTime, duration, timezone, agenda, password, recurrence, settings)', path: ['(body)'] });
export type UpdateMeetingInput = z.input<typeof updateMeetingInput>;

export const pageQuery = z.object({
  pageSize: z.coerce.number().int().min(1, 'must be at least 1').max(300, 'at most 300').optional(),
  pageToken: z.string().max(500).optional(),
  provider,
});

export const listMeetingsQuery = pageQuery.extend({ type: z.enum(['scheduled', 'upcoming', 'live']).optional() });

export const participantAction = z.strictObject({ action: z.enum(['mute', 'unmute', 'remove'], { error: 'must be mute, unmute or remove' }), provider });

export const createWebinarInput = z.strictObject({
  topic,
  startTime: isoTime,
  duration,
  timezone: z.string().trim().min(1).max(64).optional(),
  agenda: z.string().max(2000).optional(),
  registration: z.boolean().optional(),
  provider,
});
export type CreateWebinarInput = z.input<typeof createWebinarInput>;

export const registrantInput = z.strictObject({
  email: z.email({ error: 'must be an email address' }),
  firstName: z.string({ error: 'is required' }).trim().min(1).max(64),
  lastName: z.string().trim().max(64).optional(),
  provider,
});
export type RegistrantInputBody = z.input<typeof registrantInput>;
