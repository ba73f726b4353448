/**
 * What the emulators that receive a MIME message (SMTP's DATA, Gmail's `raw`) share to decode it
 * into plain data with mailparser: the parser, loaded on the first message (not at start),
 * addresses, header values as text, attachments.
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

type SimpleParser = (source: Buffer, options: { keepCidLinks: boolean }) => Promise<ParsedMail>;
let parser: Promise<SimpleParser | undefined> | undefined;

/**
 * The message parsed with `cid:` links kept; undefined when it is not a message or mailparser
 * cannot be loaded.
 *
 * @example
 * const mail = await parseMail(Buffer.from('Subject: Hi\r\n\r\nHello\r\n')); // mail?.subject === 'Hi'
 */
export async function parseMail(source: Buffer): Promise<ParsedMail | undefined> {
  parser ??= import('mailparser').then(
    (m) => m.simpleParser as SimpleParser,
    () => undefined,
  );
  const simpleParser = await parser;
  return simpleParser?.(source, { keepCidLinks: true }).catch(() => undefined);
}

export const addresses = (value: AddressObject | AddressObject[] | undefined): ParsedAddress[] =>
  (Array.isArray(value) ? value : value ? [value] : []).flatMap((o) => o.value.map((a) => ({ address: a.address ?? '', name: a.name })));

export const attachmentsOf = (mail: ParsedMail): ParsedAttachment[] =>
  mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, disposition: a.contentDisposition, cid: a.cid, content: a.content }));

/** A header value as text (addresses as their text, dates as ISO strings); `decode` is applied to plain strings. */
export function headerText(value: HeaderValue, decode: (s: string) => string = (s) => s): string {
  if (typeof value === 'string') return decode(value);
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v: HeaderValue) => headerText(v, decode)).join(', ');
  if ('text' in value && typeof value.text === 'string') return value.text;
  if ('value' in value && typeof value.value === 'string') return decode(value.value);
  return JSON.stringify(value);
}
