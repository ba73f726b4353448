/**
 * The `calendar` category, declared once: calendars, events (all-day, time zones, attendees,
 * reminders, recurrence with instances and exceptions), sharing and availability at one provider
 * of `CALENDAR_PROVIDERS` (Google Calendar, Outlook through Microsoft Graph, CalDAV), and sync of
 * tracked calendars into `calendar.event.*` events (push channels where the provider has them,
 * polling otherwise). Failover `none`: an event lives at one provider.
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import { defineCategory } from '../category.js';
import { CALENDAR_ERROR_CODES } from './errors.js';
import { CALENDAR_EVENT_DESCRIPTIONS } from './events.js';
import { CALENDAR_MIGRATIONS } from './migrations.js';
import { calendarRoutes } from './routes.js';
import { CalendarService } from './service.js';
import { CalendarSync } from './sync.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());
const url = z.url({ protocol: /^https?$/, error: 'must be the http(s) URL the hub is reached at' });

const settings = z.object({
  /** How often calendars without push are polled, and push channels checked for renewal. */
  CALENDAR_SYNC_INTERVAL_SECONDS: z.coerce.number().int().min(10, 'must be at least 10 seconds').max(86_400, 'at most a day').default(300),
  SWITCHBOARD_PUBLIC_URL: optional(url),
  PUBLIC_URL: optional(url),
});

export const calendarCategory = defineCategory({
  name: 'calendar',
  title: 'Calendar',
  failover: 'none',
  settings,
  errorCodes: CALENDAR_ERROR_CODES,
  eventTypes: { calendar: CALENDAR_EVENT_DESCRIPTIONS },
  scopes: {
    'calendar:write': 'Create, change, move, answer and delete events; create and share calendars; track calendars for sync',
    'calendar:read': 'Read calendars, events, instances, sharing, availability and tracked calendars',
  },
  migrations: CALENDAR_MIGRATIONS,
  async create(ctx) {
    const sync = new CalendarSync({
      store: ctx.store,
      queue: ctx.queue,
      events: ctx.events,
      clock: ctx.clock,
      logger: ctx.logger,
      async connectorOf(connectionId) {
        const connection = await ctx.connections.byId(connectionId);
        if (!connection) throw new HubError('not_configured', `Connection ${connectionId} no longer exists: stop tracking its calendars (DELETE /api/v1/calendar/sync/:id)`);
        return ctx.connections.connectorFor(connection, 'calendar');
      },
      pushKey: (connectionId) => ctx.connections.pushKeys(connectionId)[0]!,
      publicUrl: ctx.settings.SWITCHBOARD_PUBLIC_URL ?? ctx.settings.PUBLIC_URL,
      // A sandbox connection's emulator runs in this process: it reaches the hub over loopback.
      localBase: async (connectionId) => ((await ctx.connections.byId(connectionId))?.mode === 'sandbox' ? ctx.connections.webhookBase() : undefined),
      intervalSeconds: ctx.settings.CALENDAR_SYNC_INTERVAL_SECONDS,
    });
    await sync.scheduleTick();
    const calendar = new CalendarService({ connections: ctx.connections, chain: ctx.chain, clock: ctx.clock, logger: ctx.logger, sync });
    return {
      service: calendar,
      routes: [calendarRoutes(calendar)],
      sinks: [sync.sink],
      health: () => sync.health(),
    };
  },
});

declare module '../category.js' {
  interface CategoryServices {
    /** Calendars, events, availability and sync (Google Calendar, Outlook, CalDAV). */
    calendar: CalendarService;
  }
}
