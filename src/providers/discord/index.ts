/**
 * Discord through an incoming webhook (`DISCORD_WEBHOOK_URL`): notification-only chat, under the
 * id `discord-webhook` (the catalog's `discord` is the OAuth sign-in entry; see manifest.ts).
 *
 * @example
 * import { discordWebhook } from './providers/discord/index.js';
 */
import { defineProvider } from '../../kit/connector.js';
import { createDiscordChat } from './chat.js';
import { discordManifest } from './manifest.js';
import type * as Emulator from './emulator.js'; // types only: the code loads on first use

export const discordWebhook = defineProvider({
  manifest: discordManifest,
  chat: (ctx) => createDiscordChat(ctx),
  startEmulator: startDiscordEmulator,
});

export { createDiscordChat, DISCORD_MAX_CONTENT } from './chat.js';
export type { DiscordEmulator, DiscordReceived } from './emulator.js';
export { discordCredentials, discordManifest, mapDiscordError, type DiscordCredentials } from './manifest.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startDiscordEmulator(...args: Parameters<typeof Emulator.startDiscordEmulator>): ReturnType<typeof Emulator.startDiscordEmulator> {
  return (await import('./emulator.js')).startDiscordEmulator(...args);
}
