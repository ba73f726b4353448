/**
 * Slack: the chat connector (bot token, Web API), its inbound handler (Events API, slash commands,
 * interactivity, signed `v0`) and its emulator. Over the OAuth catalog's `slack` entry
 * (`oauth: 'slack'`): sign-in and the connect flow keep working; see manifest.ts.
 *
 * @see https://api.slack.com/web
 * @example
 * import { slack } from './providers/slack/index.js';
 * const emulator = await slack.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { createSlackChat } from './chat.js';
import { slackManifest } from './manifest.js';
import { slackWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const slack = defineProvider({
  manifest: slackManifest,
  chat: (ctx) => createSlackChat(ctx),
  webhooks: slackWebhooks,
  startEmulator: startSlackEmulator,
});

export { createSlackChat } from './chat.js';
export { mapSlackError, slackApiError } from './errors.js';
export { slackCredentials, slackManifest, type SlackCredentials } from './manifest.js';
export { parseSlackRequest, slackReplayKey, slackWebhooks } from './webhooks.js';
export type { SlackEmulator } from './emulator/server.js';
export { signSlackRequest } from './emulator/sign.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startSlackEmulator(...args: Parameters<typeof Emulator.startSlackEmulator>): ReturnType<typeof Emulator.startSlackEmulator> {
  return (await import('./emulator/server.js')).startSlackEmulator(...args);
}
