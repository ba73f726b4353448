/**
 * The unified event types of the `calendar` category (group `calendar`): descriptions registered
 * with the event registry when this module loads, `data` types added to `EventDataMap`. They come
 * from the sync engine (`sync.ts`), not straight from webhooks: a push notification only says
 * "something changed", and the sync that follows says what.
 */
import { registerEventTypes } from '../../events/types.js';
import { CALENDAR_EVENT_TYPES, type CalendarEventDataMap, type CalendarEventType } from './contract.js';

export const CALENDAR_EVENT_DESCRIPTIONS: Record<CalendarEventType, string> = {
  'calendar.event.created': 'An event appeared in a tracked calendar (found by an incremental sync after a push notification or a poll).',
  'calendar.event.updated': 'An event of a tracked calendar changed (a new etag or `updated` time); an exception of a recurring event is its own event.',
  'calendar.event.deleted': 'An event of a tracked calendar was deleted or cancelled, or vanished in a full resync after the provider expired the sync cursor.',
  'calendar.sync.failed': 'Syncing a tracked calendar failed: the provider stopped answering (status `failing`) or the connection was revoked (`revoked`); sent on the first failure and on each status change.',
};

registerEventTypes({ calendar: CALENDAR_EVENT_DESCRIPTIONS });

for (const t of CALENDAR_EVENT_TYPES) if (!(t in CALENDAR_EVENT_DESCRIPTIONS)) throw new Error(`categories/calendar/events.ts: describe ${t}`);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends CalendarEventDataMap {}
}
