/**
 * The `meetings` category, declared once: meetings (scheduled, instant, recurring), recordings,
 * participants and webinars at one provider of `MEETINGS_PROVIDERS` (Zoom, Google Meet, Microsoft
 * Teams). Failover `none`: a meeting lives at one provider.
 */
import { defineCategory } from '../category.js';
import { MEETINGS_ERROR_CODES } from './errors.js';
import { MEETING_EVENT_DESCRIPTIONS } from './events.js';
import { meetingsRoutes } from './routes.js';
import { MeetingsService } from './service.js';
import { recordEventsSink } from '../event-sink.js';
import { MEETING_EVENT_TYPES } from './contract.js';

export const meetingsCategory = defineCategory({
  name: 'meetings',
  title: 'Meetings',
  failover: 'none',
  errorCodes: MEETINGS_ERROR_CODES,
  eventTypes: { meeting: MEETING_EVENT_DESCRIPTIONS },
  scopes: {
    'meetings:write': 'Create, reschedule and delete meetings and webinars, delete recordings, control participants',
    'meetings:read': 'Read meetings, recordings (and their bytes), participants and registrants',
  },
  create(ctx) {
    const meetings = new MeetingsService({ connections: ctx.connections, chain: ctx.chain, logger: ctx.logger });
    return {
      service: meetings,
      routes: [meetingsRoutes(meetings)],
      sinks: [recordEventsSink(ctx.store, ctx.events, MEETING_EVENT_TYPES)],
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Meetings, recordings, participants and webinars (Zoom, Google Meet, Microsoft Teams). */
    meetings: MeetingsService;
  }
}
