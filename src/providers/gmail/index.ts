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
import { startGmailEmulator } from './emulator/server.js';
import { gmailManifest } from './manifest.js';

export const gmail = defineProvider({
  manifest: gmailManifest,
  email: (ctx) => createGmailEmail(ctx),
  startEmulator: startGmailEmulator,
});

export { createGmailEmail, GMAIL_SEND_PATH, type GmailSentMessage } from './email.js';
export { googleError, mapGmailError, type GoogleError } from './errors.js';
export { gmailCredentials, gmailManifest, type GmailCredentials } from './manifest.js';
export { buildGmailRaw } from './message.js';
export { startGmailEmulator, type GmailEmulator, type GmailEmulatorOptions, type GmailSentRecord } from './emulator/server.js';
