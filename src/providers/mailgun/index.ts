/**
 * The Mailgun connector: manifest, email, webhooks and emulator.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/
 */
import { defineProvider } from '../../kit/connector.js';
import { createMailgunEmail } from './email.js';
import { mailgunManifest } from './manifest.js';
import { mailgunWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/index.js'; // types only: the code loads on first use

export { mailgunManifest, mailgunCredentials, MAILGUN_BASE_URLS, type MailgunCredentials, type MailgunRegion } from './manifest.js';
export { mapMailgunError, mailgunErrorText } from './errors.js';
export { createMailgunEmail, buildMailgunForm, formatAddress, MAILGUN_MAX_TAGS } from './email.js';
export { mailgunWebhooks, mailgunSignature, parseMailgunEvent } from './webhooks.js';
export {
  type MailgunEmulator,
  type MailgunEmulatorOptions,
  type MailgunStoredMessage,
  type MailgunStoredFile,
  type MailgunEventData,
} from './emulator/index.js';

/**
 * The whole Mailgun connector, as the provider registry takes it.
 *
 * @example
 * import { mailgun } from './providers/mailgun/index.js';
 * const email = mailgun.email!(ctx);
 * await email.send(message);
 */
export const mailgun = defineProvider({
  manifest: mailgunManifest,
  email: (ctx) => createMailgunEmail(ctx),
  webhooks: mailgunWebhooks,
  startEmulator: (options) => startMailgunEmulator(options),
});

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startMailgunEmulator(...args: Parameters<typeof Emulator.startMailgunEmulator>): ReturnType<typeof Emulator.startMailgunEmulator> {
  return (await import('./emulator/index.js')).startMailgunEmulator(...args);
}
