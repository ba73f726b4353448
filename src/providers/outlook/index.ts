/**
 * Microsoft Graph: the Outlook calendar connector (`outlook`, category `calendar`) and the Teams
 * meetings connector (`teams`, category `meetings`; not `teams-webhook`, the incoming-webhook chat
 * provider), over one Microsoft account linked to the OAuth catalog's `microsoft` entry, their
 * change notifications (`/webhooks/outlook/<connectionId>`, `clientState` checked) and one Graph
 * emulator for both.
 *
 * @see https://learn.microsoft.com/en-us/graph/api/resources/calendar-overview
 * @example
 * import { outlook } from './providers/outlook/index.js';
 * const graph = await outlook.startEmulator!(); // graph.url ends in /v1.0
 */
import { defineProvider } from '../../kit/connector.js';
import { createOutlookCalendar } from './calendar.js';
import { outlookManifest, teamsManifest } from './manifest.js';
import { createTeamsMeetings } from './meetings.js';
import { graphWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const outlook = defineProvider({
  manifest: outlookManifest,
  calendar: (ctx) => createOutlookCalendar(ctx),
  webhooks: graphWebhooks,
  startEmulator: startGraphEmulator,
});

export const teams = defineProvider({
  manifest: teamsManifest,
  meetings: (ctx) => createTeamsMeetings(ctx),
  startEmulator: startGraphEmulator,
});

export { createOutlookCalendar, MAX_EVENT_SUBSCRIPTION_MINUTES } from './calendar.js';
export { createTeamsMeetings } from './meetings.js';
export { graphError, mapGraphError, type GraphError } from './errors.js';
export { fromGraphTime, toCalendarEvent, toGraphEvent, toGraphTime } from './event-map.js';
export { GRAPH_BASE_URL, GRAPH_PREFER, graphCredentials, outlookManifest, teamsManifest, type GraphCredentials } from './manifest.js';
export { fromPatternedRecurrence, toPatternedRecurrence } from './recurrence.js';
export { graphWebhooks, parseGraphNotifications } from './webhooks.js';
export type { GraphEmulator, GraphEmulatorOptions } from './emulator/server.js';

/** Starts the Graph emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startGraphEmulator(...args: Parameters<typeof Emulator.startGraphEmulator>): ReturnType<typeof Emulator.startGraphEmulator> {
  return (await import('./emulator/server.js')).startGraphEmulator(...args);
}
