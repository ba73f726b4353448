/**
 * Gmail: the email connector over a Google OAuth connection, and its emulator. No webhooks:
 * Gmail's push notifications go through Google Cloud Pub/Sub (out of scope).
 *
 * @see https://developers.google.com/gmail/api/guides/sending
 * @example
 * import { gmail } from './providers/gmail/index.js';
 * const emulator = await gmail.startEmulator!(); // emulator.tokens.accessToken
 */
import { defineProvider } from '../../kit/connector.js';
import { createGmailEmail } from './email.js';
import { gmailManifest } from './manifest.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const gmail = defineProvider({
  manifest: gmailManifest,
  email: (ctx) => createGmailEmail(ctx),
  startEmulator: startGmailEmulator,
});

export { createGmailEmail, GMAIL_SEND_PATH, type GmailSentMessage } from './email.js';
export { googleError, mapGmailError, type GoogleError } from './errors.js';
export { gmailCredentials, gmailManifest, type GmailCredentials } from './manifest.js';
export { buildGmailRaw } from './message.js';
export type { GmailEmulator, GmailEmulatorOptions, GmailSentRecord } from './emulator/server.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startGmailEmulator(...args: Parameters<typeof Emulator.startGmailEmulator>): ReturnType<typeof Emulator.startGmailEmulator> {
  return (await import('./emulator/server.js')).startGmailEmulator(...args);
}
