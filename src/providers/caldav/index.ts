/**
 * CalDAV: the calendar connector for any RFC 4791 server (tsdav for the WebDAV requests, ical.js
 * for the events, every request through the hub's transport), and the sandbox: a real Radicale
 * started on a loopback port when sandbox mode first needs it.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4791
 * @example
 * import { caldav } from './providers/caldav/index.js';
 * const radicale = await caldav.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { lazyCaldavCalendar } from './lazy.js';
import { caldavManifest } from './manifest.js';
import type * as Emulator from './emulator/radicale.js'; // types only: the code loads on first use

export const caldav = defineProvider({
  manifest: caldavManifest,
  calendar: (ctx) => lazyCaldavCalendar(ctx), // tsdav and ical.js load on the first call
  startEmulator: startRadicaleEmulator,
});

export { lazyCaldavCalendar } from './lazy.js';
export { CALDAV_CAPABILITIES } from './capabilities.js';
export { mapCaldavError } from './errors.js';
export { caldavCredentials, caldavManifest, type CaldavCredentials } from './manifest.js';
export type { RadicaleEmulator } from './emulator/radicale.js';

/** Starts Radicale; its code loads when sandbox mode first needs it, not with the hub. */
export async function startRadicaleEmulator(...args: Parameters<typeof Emulator.startRadicaleEmulator>): ReturnType<typeof Emulator.startRadicaleEmulator> {
  return (await import('./emulator/radicale.js')).startRadicaleEmulator(...args);
}
