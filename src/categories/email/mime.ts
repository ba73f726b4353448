/**
 * Turns the hub's {@link EmailMessage} into nodemailer's mail options, for the connectors that
 * send a MIME message (SMTP, Gmail's `raw`): addresses, bodies, base64 attachments (inline ones
 * addressed by `cid:`), custom headers and the `X-Switchboard-*` headers that carry the hub id,
 * tags and metadata through the relay.
 *
 * @see https://nodemailer.com/message/
 * @see https://www.rfc-editor.org/rfc/rfc5322#section-3.6 (header fields)
 */
import type { SendMailOptions } from 'nodemailer';
import { validationError } from '../../core/errors.js';
import type { EmailAddress, EmailMessage } from './contract.js';

/** Header carrying the hub's message id (read back by bounces and the emulator). */
export const SWITCHBOARD_ID_HEADER = 'X-Switchboard-Id';
/** Header carrying `tags`, comma separated. */
export const SWITCHBOARD_TAGS_HEADER = 'X-Switchboard-Tags';
/** Prefix of the headers carrying `metadata`: `X-Switchboard-Meta-<key>: <value>`. */
export const SWITCHBOARD_META_PREFIX = 'X-Switchboard-Meta-';

/** RFC 5322 field names: printable ASCII except the colon. */
const FIELD_NAME = /^[!-9;-~]+$/;
/** Characters allowed on the left of a Message-ID (RFC 5322 `dot-atom-text`). */
const NOT_ATEXT = /[^A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]/g;

const toAddress = (a: EmailAddress) => (a.name ? { name: a.name, address: a.email } : a.email);

/**
 * A Message-ID derived from the hub id, so a resend after an uncertain failure carries the
 * same Message-ID (receivers such as Gmail collapse such duplicates).
 *
 * @example
 * messageIdFor({ id: 'msg_1', from: { email: 'a@example.com' } }) // '<msg_1@example.com>'
 */
export function messageIdFor(message: Pick<EmailMessage, 'id' | 'from'>): string {
  const domain = message.from.email.split('@').pop()?.replace(/[^A-Za-z0-9.-]/g, '') || 'switchboard.invalid';
  const left = message.id.replace(NOT_ATEXT, '-').replace(/^\.+|\.+$/g, '') || 'switchboard';
  return `<${left}@${domain}>`;
}

function buildHeaders(message: EmailMessage): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    if (!FIELD_NAME.test(name)) throw validationError(`headers.${name}`, 'a header name must be printable ASCII without spaces or ":"');
    if (name.toLowerCase().startsWith('x-switchboard-')) {
      throw validationError(`headers.${name}`, 'X-Switchboard-* headers are set by the hub; use `tags` and `metadata` instead');
    }
    headers[name] = value;
  }
  headers[SWITCHBOARD_ID_HEADER] = message.id;
  if (message.tags?.length) headers[SWITCHBOARD_TAGS_HEADER] = [...new Set(message.tags)].join(', ');
  for (const [key, value] of Object.entries(message.metadata ?? {})) {
    if (!FIELD_NAME.test(key)) throw validationError(`metadata.${key}`, 'metadata travels in message headers: a key must be printable ASCII without spaces or ":"');
    headers[SWITCHBOARD_META_PREFIX + key] = value;
  }
  return headers;
}

/**
 * nodemailer options for one message. Header values are single-lined and non-ASCII encoded by
 * nodemailer; header names (so metadata keys) are case-insensitive on the wire.
 *
 * @example
 * await transporter.sendMail(toMailOptions(message));
 */
export function toMailOptions(message: EmailMessage): SendMailOptions {
  const hasOwnMessageId = Object.keys(message.headers ?? {}).some((k) => k.toLowerCase() === 'message-id');
  return {
    from: toAddress(message.from),
    to: message.to.map(toAddress),
    cc: message.cc?.map(toAddress),
    bcc: message.bcc?.map(toAddress),
    replyTo: message.replyTo && toAddress(message.replyTo),
    subject: message.subject,
    text: message.text,
    html: message.html,
    messageId: hasOwnMessageId ? undefined : messageIdFor(message),
    headers: buildHeaders(message),
    attachments: message.attachments?.map((a) => ({
      filename: a.filename,
      content: a.content,
      encoding: 'base64',
      contentType: a.contentType,
      contentDisposition: a.disposition ?? (a.contentId ? 'inline' : 'attachment'),
      cid: a.contentId,
    })),
  };
}
