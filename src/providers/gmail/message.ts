/**
 * The RFC 822 message Gmail's `users.messages.send` takes as `raw`, built by nodemailer's
 * MailComposer: addresses, bodies, attachments (inline ones addressed by `cid:`), custom headers
 * and the `X-Switchboard-*` headers carrying the hub id, tags and metadata.
 *
 * Gmail reads the recipients from the To, Cc and Bcc headers of `raw` and strips Bcc before
 * delivery, so the Bcc header is kept here (MailComposer drops it by default).
 *
 * @see https://developers.google.com/gmail/api/guides/sending
 * @see https://nodemailer.com/extras/mailcomposer/
 */
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { EmailMessage } from '../../categories/email/contract.js';
import { toMailOptions } from '../../categories/email/mime.js';

/**
 * The RFC 822 bytes of `message`, Bcc header included.
 *
 * @example
 * const raw = (await buildGmailRaw(message)).toString('base64url'); // the body's `raw`
 */
export async function buildGmailRaw(message: EmailMessage): Promise<Buffer> {
  const node = new MailComposer(toMailOptions(message) as ConstructorParameters<typeof MailComposer>[0]).compile();
  node.keepBcc = true;
  return node.build();
}
