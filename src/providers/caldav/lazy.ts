/**
 * The CalDAV connector as the hub builds it: a thin object whose methods load the implementation
 * (tsdav, ical.js: ~50–90 ms of imports) on first use, so importing the hub does not pay for a
 * provider no one calls.
 */
import type { CalendarProvider } from '../../categories/calendar/contract.js';
import type { ProviderContext } from '../../kit/connection.js';
import type { CaldavCredentials } from './manifest.js';
import { CALDAV_CAPABILITIES } from './capabilities.js';


const METHODS = ['listCalendars', 'createCalendar', 'createEvent', 'getEvent', 'updateEvent', 'deleteEvent', 'listEvents', 'instances', 'moveEvent', 'respond', 'sync'] as const;

/**
 * @example
 * const calendar = lazyCaldavCalendar(ctx); // nothing loaded yet
 * await calendar.listCalendars(); // loads calendar.ts, then asks the server
 */
export function lazyCaldavCalendar(ctx: ProviderContext<CaldavCredentials>): CalendarProvider {
  let impl: Promise<CalendarProvider> | undefined;
  const load = () => (impl ??= import('./calendar.js').then((m) => m.createCaldavCalendar(ctx)));
  const provider: Record<string, unknown> = { id: 'caldav', capabilities: CALDAV_CAPABILITIES };
  for (const name of METHODS) provider[name] = async (...args: unknown[]) => ((await load())[name] as (...a: unknown[]) => Promise<unknown>)(...args);
  return provider as unknown as CalendarProvider;
}
