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
import { startTeamsEmulator } from './emulator.js';
import { teamsManifest } from './manifest.js';

export const teamsWebhook = defineProvider({
  manifest: teamsManifest,
  chat: (ctx) => createTeamsChat(ctx),
  startEmulator: startTeamsEmulator,
});

export { createTeamsChat, teamsCard } from './chat.js';
export { startTeamsEmulator, type TeamsEmulator, type TeamsReceived } from './emulator.js';
export { teamsCredentials, teamsError, teamsManifest, type TeamsCredentials } from './manifest.js';
