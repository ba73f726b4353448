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
import type Mail from 'nodemailer/lib/mailer/index.js';
import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import { validationError } from '../../core/errors.js';
import type { EmailAddress, EmailMessage } from '../../categories/email/contract.js';

/** Header carrying the hub's message id. */
export const GMAIL_ID_HEADER = 'X-Switchboard-Id';
/** Header carrying `tags`, comma separated. */
export const GMAIL_TAGS_HEADER = 'X-Switchboard-Tags';
/** Prefix of the headers carrying `metadata`: `X-Switchboard-Meta-<key>: <value>`. */
export const GMAIL_META_PREFIX = 'X-Switchboard-Meta-';

/** RFC 5322 field names: printable ASCII except the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
/** Characters allowed on the left of a Message-ID (RFC 5322 `dot-atom-text`). */
const NOT_ATEXT = /[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g;

const toAddress = (a: EmailAddress): Mail.Address | string => (a.name ? { name: a.name, address: a.email } : a.email);

function headersOf(message: EmailMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw validationError(`headers.${name}`, 'a header name must be printable ASCII without spaces or ":"');
    if (name.toLowerCase().startsWith('x-switchboard-')) throw validationError(`headers.${name}`, 'X-Switchboard-* headers are set by the hub; use `tags` and `metadata` instead');
    headers[name] = value;
  }
  headers[GMAIL_ID_HEADER] = message.id;
  if (message.tags?.length) headers[GMAIL_TAGS_HEADER] = [...new Set(message.tags)].join(', ');
  for (const [key, value] of Object.entries(message.metadata ?? {})) {
    if (!FIELD_NAME.test(key)) throw validationError(`metadata.${key}`, 'Gmail carries metadata in headers: a key must be printable ASCII without spaces or ":"');
    headers[GMAIL_META_PREFIX + key] = value;
  }
  return headers;
}

/**
 * The Message-ID of a message, derived from the hub id: a resend after an uncertain failure
 * carries the same one, and receivers collapse the duplicate.
 *
 * @example
 * gmailMessageId({ id: 'msg_1', from: { email: 'a@example.com' } }) // '<msg_1@example.com>'
 */
export function gmailMessageId(message: Pick<EmailMessage, 'id' | 'from'>): string {
  const domain = message.from.email.split('@').pop()?.replace(/[^A-Za-z0-9.-]/g, '') || 'switchboard.invalid';
  const left = message.id.replace(NOT_ATEXT, '-').replace(/^\.+|\.+$/g, '') || 'switchboard';
  return `<${left}@${domain}>`;
}

/**
 * The RFC 822 bytes of `message`, Bcc header included.
 *
 * @example
 * const raw = (await buildGmailRaw(message)).toString('base64url'); // the body's `raw`
 */
export async function buildGmailRaw(message: EmailMessage): Promise<Buffer> {
  const hasOwnId = Object.keys(message.headers ?? {}).some((k) => k.toLowerCase() === 'message-id');
  const node = new MailComposer({
    from: toAddress(message.from),
    to: message.to.map(toAddress),
    cc: message.cc?.map(toAddress),
    bcc: message.bcc?.map(toAddress),
    replyTo: message.replyTo && toAddress(message.replyTo),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: hasOwnId ? undefined : gmailMessageId(message),
    headers: headersOf(message),
    attachments: message.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      encoding: 'base64',
      contentType: a.contentType,
      contentDisposition: a.disposition ?? (a.contentId ? 'inline' : 'attachment'),
      cid: a.contentId,
    })),
  }).compile();
  node.keepBcc = true;
  return node.build();
}
