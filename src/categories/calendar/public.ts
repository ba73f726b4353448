/** What the library entry (`src/index.ts`) publishes of the calendar category: what `hub.calendar` takes and answers, its events, and the connector contract. */
export { calendarCategory } from './index.js';
export { CALENDAR_ERROR_CODES } from './errors.js';
export { CALENDAR_EVENT_DESCRIPTIONS } from './events.js';
export { CALENDAR_EVENT_TYPES, CALENDAR_PUSH_TYPE } from './contract.js';
export { expandRecurrence, occurrenceIdSuffix } from './recurrence.js';
export { mergeBusy, openSlots } from './availability.js';
export type { Occurrence, RecurringMaster } from './recurrence.js';
export type { CalendarBusy, SlotOptions } from './availability.js';
export type { AvailabilityAnswer, CalendarService, CalendarView, EventView } from './service.js';
export type { SyncOutcome, TrackedCalendar } from './sync.js';
export type { AvailabilityInput, EventInputBody, EventPatchBody, ListEventsQueryInput, TrackInput, WorkingHours } from './schemas.js';
export type {
  AccessRole,
  AclRule,
  Attendee,
  AttendeeInput,
  BusyInterval,
  Calendar,
  CalendarCapability,
  CalendarEvent,
  CalendarEventData,
  CalendarEventDataMap,
  CalendarEventDeletedData,
  CalendarEventType,
  CalendarProvider,
  CalendarPushData,
  CalendarSyncFailedData,
  CalendarTime,
  CreateCalendarRequest,
  EventInput,
  EventPage,
  EventPatch,
  FreeBusyAnswer,
  FreeBusyQuery,
  ListEventsQuery,
  PushChannel,
  Reminder,
  ResponseStatus,
  SyncChange,
  SyncResult,
  WatchRequest,
} from './contract.js';
