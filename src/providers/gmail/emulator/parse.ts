/**
 * Decodes the `raw` of a `users.messages.send` as the Gmail emulator keeps it: plain data (no
 * Maps, no streams) read by tests, with mailparser (`emulator-mime.ts`, loaded with the first message).
 *
 * @see https://nodemailer.com/extras/mailparser/
 * @see https://www.rfc-editor.org/rfc/rfc5322 (message format)
 */
import { addresses, attachmentsOf, headerText, parseMail, type ParsedAddress as GmailParsedAddress, type ParsedAttachment as GmailParsedAttachment } from '../../emulator-mime.js';

/** A sent message, decoded. */
export interface GmailParsedMessage {
  from: GmailParsedAddress[];
  to: GmailParsedAddress[];
  cc: GmailParsedAddress[];
  /** From the Bcc header, which Gmail strips before delivery (not in `headers`). */
  bcc: GmailParsedAddress[];
  replyTo: GmailParsedAddress[];
  subject: string;
  text?: string;
  /** `cid:` links are kept as sent. */
  html?: string;
  messageId?: string;
  /** Message-IDs of In-Reply-To and References: what Gmail threads on. */
  references: string[];
  attachments: GmailParsedAttachment[];
  /** Lower-cased names → decoded text, as recipients see them (no Bcc). */
  headers: Record<string, string>;
  /** Every header field as sent, in order (Bcc included), for `format=metadata`. */
  headerLines: { name: string; value: string }[];
}

/** RFC 2047 encoded-words (`=?UTF-8?Q?Zo=C3=AB?=`), which mailparser leaves in headers it does not know. */
const decodeWords = (value: string): string =>
  value
    .replace(/(=\?[^?]+\?[bq]\?[^?]*\?=)\s+(?==\?)/gi, '$1')
    .replace(/=\?([^?*]+)[^?]*\?([bq])\?([^?]*)\?=/gi, (_, charset: string, encoding: string, text: string) => {
      const qp = () => Buffer.from(text.replace(/_/g, ' ').replace(/=([0-9a-f]{2})/gi, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16))), 'latin1');
      return new TextDecoder(charset).decode(encoding.toUpperCase() === 'B' ? Buffer.from(text, 'base64') : qp());
    });

const ids = (value: string | string[] | undefined): string[] => (Array.isArray(value) ? value : value ? value.split(/\s+/) : []).filter(Boolean);

/**
 * Decodes RFC 822 bytes; undefined when they are not a message (no header section).
 *
 * @example
 * const parsed = await parseGmailRaw(Buffer.from('To: a@example.com\r\nSubject: Hi\r\n\r\nHello\r\n'));
 * parsed?.to // [{ address: 'a@example.com', name: '' }]
 */
export async function parseGmailRaw(source: Buffer): Promise<GmailParsedMessage | undefined> {
  const mail = await parseMail(source);
  if (!mail || mail.headerLines.length === 0) return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of mail.headers) if (key !== 'bcc') headers[key] = headerText(value, decodeWords);
  return {
    from: addresses(mail.from),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    bcc: addresses(mail.bcc),
    replyTo: addresses(mail.replyTo),
    subject: mail.subject ?? '',
    text: mail.text,
    html: mail.html === false ? undefined : mail.html,
    messageId: mail.messageId,
    references: [...ids(mail.inReplyTo), ...ids(mail.references)],
    attachments: attachmentsOf(mail),
    headers,
    headerLines: mail.headerLines.map(({ line }) => {
      const at = line.indexOf(':');
      return { name: line.slice(0, at).trim(), value: line.slice(at + 1).replace(/\r?\n[ \t]+/g, ' ').trim() };
    }),
  };
}
