/**
 * Zoom: the meetings connector (Server-to-Server OAuth through the hub's token manager, or an
 * account connected through the connect flow), its inbound handler (`x-zm-signature`,
 * `endpoint.url_validation`) and its emulator. Over the OAuth catalog's `zoom` entry
 * (`oauth: 'zoom'`): sign-in and the connect flow keep working; see manifest.ts.
 *
 * @see https://developers.zoom.us/docs/api/meetings/
 * @example
 * import { zoom } from './providers/zoom/index.js';
 * const emulator = await zoom.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { zoomManifest } from './manifest.js';
import { createZoomMeetings } from './meetings.js';
import { zoomWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const zoom = defineProvider({
  manifest: zoomManifest,
  meetings: (ctx) => createZoomMeetings(ctx),
  webhooks: zoomWebhooks,
  startEmulator: startZoomEmulator,
});

export { createZoomMeetings, toMeeting } from './meetings.js';
export { mapZoomError } from './errors.js';
export { zoomCredentials, zoomManifest, type ZoomCredentials } from './manifest.js';
export { zoomGrant, zoomTokenUrl } from './token.js';
export { parseZoomEvent, zoomWebhooks } from './webhooks.js';
export type { ZoomEmulator, ZoomApiRequest } from './emulator/server.js';
export { signZoomWebhook } from './emulator/sign.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startZoomEmulator(...args: Parameters<typeof Emulator.startZoomEmulator>): ReturnType<typeof Emulator.startZoomEmulator> {
  return (await import('./emulator/server.js')).startZoomEmulator(...args);
}
