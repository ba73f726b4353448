/**
 * Google Calendar (the `calendar` category) and Google Meet (`meetings`: a Calendar event with a
 * Meet conference) over one kind of Google OAuth connection, the push handler of Calendar's watch
 * channels, and the one emulator both run against in sandbox mode.
 *
 * @see https://developers.google.com/calendar/api/v3/reference
 * @example
 * import { googleCalendar } from './providers/google-calendar/index.js';
 * const emulator = await googleCalendar.startEmulator!(); // emulator.tokens.accessToken
 */
import { defineProvider } from '../../kit/connector.js';
import { createGoogleCalendar } from './calendar.js';
import { googleCalendarManifest, googleMeetManifest } from './manifest.js';
import { createGoogleMeet } from './meet.js';
import { googleCalendarWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const googleCalendar = defineProvider({
  manifest: googleCalendarManifest,
  calendar: (ctx) => createGoogleCalendar(ctx),
  webhooks: googleCalendarWebhooks,
  startEmulator: startGoogleCalendarEmulator,
});

/** Its own default connection (same variables); in a hub's sandbox, Google Calendar's emulator (`emulatorOf`). */
export const googleMeet = defineProvider({
  manifest: googleMeetManifest,
  meetings: (ctx) => createGoogleMeet(ctx),
  startEmulator: startGoogleCalendarEmulator,
});

export { createGoogleCalendar, toCalendar } from './calendar.js';
export { createGoogleMeet, eventToMeeting, fromRrule, toRrule } from './meet.js';
export { calendarErrorMapper, mapGoogleCalendarError, meetErrorMapper, type GoogleResource } from './errors.js';
export { fromGoogleEvent, toGoogleEvent } from './event-mapping.js';
export { GOOGLE_CALENDAR_SCOPES, googleCalendarCredentials, googleCalendarManifest, googleMeetManifest, type GoogleCalendarCredentials } from './manifest.js';
export { googleCalendarWebhooks, parseGoogleCalendarPush } from './webhooks.js';
export type { GoogleCalendarEmulator, GoogleCalendarEmulatorOptions } from './emulator/server.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startGoogleCalendarEmulator(...args: Parameters<typeof Emulator.startGoogleCalendarEmulator>): ReturnType<typeof Emulator.startGoogleCalendarEmulator> {
  return (await import('./emulator/server.js')).startGoogleCalendarEmulator(...args);
}
