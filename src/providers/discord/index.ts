/**
 * Discord through an incoming webhook (`DISCORD_WEBHOOK_URL`): notification-only chat, under the
 * id `discord-webhook` (the catalog's `discord` is the OAuth sign-in entry; see manifest.ts).
 *
 * @example
 * import { discordWebhook } from './providers/discord/index.js';
 */
import { defineProvider } from '../../kit/connector.js';
import { createDiscordChat } from './chat.js';
import { startDiscordEmulator } from './emulator.js';
import { discordManifest } from './manifest.js';

export const discordWebhook = defineProvider({
  manifest: discordManifest,
  chat: (ctx) => createDiscordChat(ctx),
  startEmulator: startDiscordEmulator,
});

export { createDiscordChat, DISCORD_MAX_CONTENT } from './chat.js';
export { startDiscordEmulator, type DiscordEmulator, type DiscordReceived } from './emulator.js';
export { discordCredentials, discordManifest, mapDiscordError, type DiscordCredentials } from './manifest.js';
