/**
 * What the CalDAV connector can do (see calendar.ts): no sharing (not in RFC 4791), no free/busy
 * (computed from events by the category) and no push (polled with `sync-collection`). Its own file
 * so the lazy connector (lazy.ts) answers it without loading the implementation.
 */
import type { CalendarCapability } from '../../categories/calendar/contract.js';

export const CALDAV_CAPABILITIES: ReadonlySet<CalendarCapability> = new Set(['createCalendar', 'move', 'respond', 'search']);
