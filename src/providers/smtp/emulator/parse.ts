/**
 * Parses what the SMTP emulator received into plain data (no Maps, no streams) with mailparser,
 * so tests and the dashboard read subject, bodies, attachments and headers directly.
 *
 * mailparser is a devDependency: without it (a production install) `parsed` stays undefined and
 * only the envelope and raw source are kept.
 *
 * @see https://nodemailer.com/extras/mailparser/
 * @see https://www.rfc-editor.org/rfc/rfc5322 (message format)
 */
import type { AddressObject, HeaderValue, ParsedMail } from 'mailparser';

export interface ParsedAddress {
  address: string;
  name: string;
}

export interface ParsedAttachment {
  filename?: string;
  contentType: string;
  /** `attachment` or `inline`. */
  disposition?: string;
  /** Content-ID without angle brackets (`cid:` links). */
  cid?: string;
  content: Buffer;
}

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

type SimpleParser = (source: Buffer, options: { keepCidLinks: boolean }) => Promise<ParsedMail>;
let parser: Promise<SimpleParser | undefined> | undefined;

function loadParser(): Promise<SimpleParser | undefined> {
  parser ??= import('mailparser').then(
    (m) => m.simpleParser as SimpleParser,
    () => undefined,
  );
  return parser;
}

const addresses = (value: AddressObject | AddressObject[] | undefined): ParsedAddress[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((o) => o.value.map((a) => ({ address: a.address ?? '', name: a.name })));

function headerText(value: HeaderValue): string {
  if (typeof value === 'string') return value;
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v: HeaderValue) => headerText(v)).join(', ');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('value' in value && typeof value.value === 'string') return value.value;
  return JSON.stringify(value);
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
  const simpleParser = await loadParser();
  if (!simpleParser) return undefined;
  let mail: ParsedMail;
  try {
    mail = await simpleParser(source, { keepCidLinks: true });
  } catch {
    return undefined;
  }
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
    attachments: mail.attachments.map((a) => ({
      filename: a.filename,
      contentType: a.contentType,
      disposition: a.contentDisposition,
      cid: a.cid,
      content: a.content,
    })),
    headers,
  };
}
