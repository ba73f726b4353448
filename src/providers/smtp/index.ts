/**
 * The SMTP provider: send email through any RFC 5321 server with nodemailer, with a built-in
 * smtp-server emulator for sandbox mode.
 *
 * Lifecycle: `smtp.email(ctx)` returns an {@link SmtpEmailProvider} that keeps a small pool of
 * SMTP connections open between sends. Build it once per connection and call its `close()`
 * when the connection is removed and at shutdown (the hub calls `close()` on every provider
 * object that has one). A forgotten pool still frees its sockets after `timeoutMs` idle.
 *
 * @see https://nodemailer.com/smtp/
 * @see https://www.rfc-editor.org/rfc/rfc5321
 */
import { defineProvider } from '../../kit/connector.js';
import { createSmtpEmail, type SmtpEmailProvider } from './email.js';
import { smtpManifest } from './manifest.js';
import type * as Emulator from './emulator/index.js'; // types only: the code loads on first use

export { createSmtpEmail, type SmtpEmailOptions, type SmtpEmailProvider } from './email.js';
export { mapSmtpError } from './errors.js';
export type { SmtpAcceptedMessage, SmtpEmulator } from './emulator/index.js';
export { smtpBaseUrl, smtpCredentials, smtpManifest, type SmtpCredentials } from './manifest.js';
export { SWITCHBOARD_ID_HEADER, SWITCHBOARD_META_PREFIX, SWITCHBOARD_TAGS_HEADER } from '../../categories/email/mime.js';

/**
 * The SMTP connector, as the provider registry lists it.
 *
 * @example
 * const emulator = await smtp.startEmulator!();
 * const provider = smtp.email!(ctx); // ctx.connection.baseUrl = emulator.url
 * await provider.send(message);
 * await (provider as SmtpEmailProvider).close();
 */
export const smtp = defineProvider({
  manifest: smtpManifest,
  email: (ctx): SmtpEmailProvider => createSmtpEmail(ctx).provider,
  startEmulator,
});

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startEmulator(...args: Parameters<typeof Emulator.startEmulator>): ReturnType<typeof Emulator.startEmulator> {
  return (await import('./emulator/index.js')).startEmulator(...args);
}
