/**
 * SendGrid: the email connector, its Event Webhook handler and its emulator.
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference
 * @example
 * import { sendgrid } from './providers/sendgrid/index.js';
 * const emulator = await sendgrid.startEmulator!();
 */
import { defineProvider } from '../../kit/connector.js';
import { createSendgridEmail } from './email.js';
import { sendgridManifest } from './manifest.js';
import { sendgridWebhooks } from './webhooks.js';
import type * as Emulator from './emulator/server.js'; // types only: the code loads on first use

export const sendgrid = defineProvider({
  manifest: sendgridManifest,
  email: (ctx) => createSendgridEmail(ctx),
  webhooks: sendgridWebhooks,
  startEmulator: startSendgridEmulator,
});

export { createSendgridEmail, toSendgridMail, type SendgridMail } from './email.js';
export { mapSendgridError } from './errors.js';
export { sendgridCredentials, sendgridManifest, type SendgridCredentials } from './manifest.js';
export { parseSendgridEvents, parseSendgridPublicKey, sendgridWebhooks, verifySendgridWebhook } from './webhooks.js';
export type { SendgridEmulator } from './emulator/server.js';

/** Starts the emulator; its code loads when sandbox mode first needs it, not with the hub. */
export async function startSendgridEmulator(...args: Parameters<typeof Emulator.startSendgridEmulator>): ReturnType<typeof Emulator.startSendgridEmulator> {
  return (await import('./emulator/server.js')).startSendgridEmulator(...args);
}
