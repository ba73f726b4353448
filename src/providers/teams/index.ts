/**
 * Microsoft Teams through an incoming webhook (`TEAMS_WEBHOOK_URL`): notification-only chat.
 * The id is `teams-webhook`: it is a webhook, not a Teams bot (a Graph-based `teams` provider may
 * come later under its own id).
 *
 * @example
 * import { teamsWebhook } from './providers/teams/index.js';
 */
import { defineProvider } from '../../kit/connector.js';
import { createTeamsChat } from './chat.js';
import { teamsManifest } from './manifest.js';
import type * as Emulator from './emulator.js'; // types only: the code loads on first use

export const teamsWebhook = defineProvider({
  manifest: teamsManifest,
  chat: (ctx) => createTeamsChat(ctx),
  startEmulator: startTeamsEmulator,
});

export { createTeamsChat, teamsCard } from './chat.js';
export type { TeamsEmulator, TeamsReceived } from './emulator.js';
export { teamsCredentials, teamsError, teamsManifest, type TeamsCredentials } from './manifest.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startTeamsEmulator(...args: Parameters<typeof Emulator.startTeamsEmulator>): ReturnType<typeof Emulator.startTeamsEmulator> {
  return (await import('./emulator.js')).startTeamsEmulator(...args);
}
