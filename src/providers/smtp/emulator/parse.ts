/**
 * Parses what the SMTP emulator received into plain data (no Maps, no streams) with mailparser,
 * so tests and the dashboard read subject, bodies, attachments and headers directly.
 *
 * mailparser loads with the first message (`emulator-mime.ts`); should it be missing, `parsed`
 * stays undefined and only the envelope and raw source are kept.
 *
 * @see https://nodemailer.com/extras/mailparser/
 * @see https://www.rfc-editor.org/rfc/rfc5322 (message format)
 */
import { addresses, attachmentsOf, headerText, parseMail, type ParsedAddress, type ParsedAttachment } from '../../emulator-mime.js';

export type { ParsedAddress, ParsedAttachment } from '../../emulator-mime.js';

/** A received message, decoded. */
export interface ParsedSmtpMessage {
  from: ParsedAddress[];
  to: ParsedAddress[];
  cc: ParsedAddress[];
  replyTo: ParsedAddress[];
  subject: string;
  text?: string;
  /** `cid:` links are kept as sent. */
  html?: string;
  messageId?: string;
  attachments: ParsedAttachment[];
  /** Lower-cased header names; address headers as their text, dates as ISO strings. */
  headers: Record<string, string>;
}

/**
 * Decode a raw RFC 5322 message; undefined when mailparser is not installed or the source
 * cannot be parsed.
 *
 * @example
 * const parsed = await parseMessage(Buffer.from('Subject: Hi\r\n\r\nHello\r\n'));
 * parsed?.subject // 'Hi'
 */
export async function parseMessage(source: Buffer): Promise<ParsedSmtpMessage | undefined> {
  const mail = await parseMail(source);
  if (!mail) return undefined;
  const headers: Record<string, string> = {};
  for (const [key, value] of mail.headers) headers[key] = headerText(value);
  return {
    from: addresses(mail.from),
    to: addresses(mail.to),
    cc: addresses(mail.cc),
    replyTo: addresses(mail.replyTo),
    subject: mail.subject ?? '',
    text: mail.text,
    html: mail.html === false ? undefined : mail.html,
    messageId: mail.messageId,
    attachments: attachmentsOf(mail),
    headers,
  };
}
