/**
 * The Mailgun connector: manifest, email, webhooks and emulator.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/
 */
import { defineProvider } from '../../kit/connector.js';
import { createMailgunEmail } from './email.js';
import { startMailgunEmulator } from './emulator/index.js';
import { mailgunManifest } from './manifest.js';
import { mailgunWebhooks } from './webhooks.js';

export { mailgunManifest, mailgunCredentials, MAILGUN_BASE_URLS, type MailgunCredentials, type MailgunRegion } from './manifest.js';
export { mapMailgunError, mailgunErrorText } from './errors.js';
export { createMailgunEmail, buildMailgunForm, formatAddress, MAILGUN_MAX_TAGS } from './email.js';
export { mailgunWebhooks, mailgunSignature, parseMailgunEvent } from './webhooks.js';
export {
  startMailgunEmulator,
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
