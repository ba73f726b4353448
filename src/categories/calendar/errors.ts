/**
 * The error codes of the `calendar` category, registered with the hub's one registry when this
 * module loads (`docs/errors.md` lists them). Each connector maps its vendor's answers to these:
 * Google 404/410 on an event, Graph `ErrorItemNotFound`, CalDAV 404 → `calendar_event_not_found`;
 * Google 410 `fullSyncRequired`, Graph `syncStateNotFound`, CalDAV `valid-sync-token` →
 * `calendar_sync_expired`; a failed `If-Match` (412) → `calendar_conflict`.
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const CALENDAR_ERROR_CODES = registerErrorCodes({
  calendar_event_not_found: errorCode(404, false, false, 'The calendar holds no such event, or it was deleted; an event lives at the provider and calendar that created it: pass `provider` (or `connectionId`) and `calendarId`.'),
  calendar_not_found: errorCode(404, false, false, 'The connected account has no such calendar (or may not see it): `GET /api/v1/calendar/calendars` lists the ids; `primary` is the account\'s default calendar.'),
  calendar_sync_expired: errorCode(410, false, false, 'The provider no longer honours the sync cursor (Google 410, Graph syncStateNotFound, CalDAV valid-sync-token); the hub syncs again from scratch and emits deletions for events that vanished.'),
  calendar_conflict: errorCode(412, false, false, 'The event changed at the provider since it was read (etag mismatch): read it again and retry the change.'),
  calendar_sync_not_found: errorCode(404, false, false, 'No tracked calendar with this id for this tenant: `GET /api/v1/calendar/sync` lists them.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof CALENDAR_ERROR_CODES, ErrorCodeInfo> {}
}
