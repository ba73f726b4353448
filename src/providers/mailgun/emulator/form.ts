/**
 * The emulator's reading of a Messages API request: multipart or url-encoded fields into one
 * shape, then Mailgun's own validation with its own error texts.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages/post-v3--domain-name--messages
 */
import type { FastifyRequest } from 'fastify';

/** A file part (`attachment` or `inline`) as the emulator kept it. */
export interface MailgunStoredFile {
  field: 'attachment' | 'inline';
  filename: string;
  contentType: string;
  size: number;
  content: Buffer;
}

/** The raw fields of one request, in order, repeated names kept. */
export interface MailgunForm {
  encoding: 'multipart' | 'urlencoded' | 'none';
  fields: [string, string][];
  files: MailgunStoredFile[];
}

/** Reads `multipart/form-data` (via @fastify/multipart) or an already parsed url-encoded body. */
export async function readMailgunForm(req: FastifyRequest): Promise<MailgunForm> {
  if (req.isMultipart()) {
    const form: MailgunForm = { encoding: 'multipart', fields: [], files: [] };
    for await (const part of req.parts()) {
      if (part.type === 'file') {
        const content = await part.toBuffer();
        if (part.fieldname !== 'attachment' && part.fieldname !== 'inline') continue;
        form.files.push({ field: part.fieldname, filename: part.filename, contentType: part.mimetype, size: content.length, content });
      } else {
        form.fields.push([part.fieldname, String(part.value)]);
      }
    }
    return form;
  }
  if (req.body instanceof URLSearchParams) return { encoding: 'urlencoded', fields: [...req.body.entries()], files: [] };
  return { encoding: 'none', fields: [], files: [] };
}

/** Splits `"Doe, Jane" <jane@x.org>, bob@x.org` on the commas outside quotes and angle brackets. */
export function splitAddressList(value: string): string[] {
  const out: string[] = [];
  let current = '';
  let quoted = false;
  let angled = false;
  for (let i = 0; i < value.length; i++) {
    const ch = value[i]!;
    if (ch === '\\' && quoted) {
      current += ch + (value[++i] ?? '');
      continue;
    }
    if (ch === '"') quoted = !quoted;
    else if (ch === '<' && !quoted) angled = true;
    else if (ch === '>' && !quoted) angled = false;
    if (ch === ',' && !quoted && !angled) {
      out.push(current.trim());
      current = '';
    } else current += ch;
  }
  out.push(current.trim());
  return out.filter((s) => s !== '');
}

/** The bare address of `Name <a@b.c>` or `a@b.c`, or undefined when it is not a valid one. */
export function addressOf(item: string): string | undefined {
  const angled = /<([^<>]*)>\s*$/.exec(item);
  const candidate = (angled ? angled[1]! : item).trim();
  return /^[^\s@"<>(),;:]+@[^\s@"<>(),;:]+\.[^\s@"<>(),;:.]+$/.test(candidate) ? candidate.toLowerCase() : undefined;
}

/** A message that passed validation, as the emulator keeps it. */
export interface MailgunStoredMessage {
  /** As answered: `<20240101120000.ab12cd@domain>`. */
  id: string;
  /** As events carry it: without angle brackets. */
  messageId: string;
  domain: string;
  encoding: MailgunForm['encoding'];
  from: string;
  to: string[];
  cc: string[];
  bcc: string[];
  /** Bare addresses of to, cc and bcc, in that order. */
  recipients: string[];
  subject?: string;
  text?: string;
  html?: string;
  template?: string;
  /** Every `o:tag` sent (events carry the first 3, as Mailgun keeps). */
  tags: string[];
  /** `h:<Name>` fields. */
  headers: Record<string, string>;
  /** `v:<name>` fields (user variables). */
  variables: Record<string, string>;
  /** `o:<option>` fields other than `o:tag`. */
  options: Record<string, string>;
  attachments: MailgunStoredFile[];
  receivedAt: number;
}

const invalid = (field: string) => `'${field}' parameter is not a valid address. please check documentation`;

/**
 * Mailgun's checks, in its order, with its messages; returns the message or an error text.
 */
export function validateMailgunForm(
  form: MailgunForm,
  meta: { id: string; domain: string; now: number },
): { message: MailgunStoredMessage } | { error: string } {
  const all = (name: string) => form.fields.filter(([k]) => k === name).map(([, v]) => v);
  const one = (name: string) => all(name).at(-1);
  const list = (name: string) => all(name).flatMap(splitAddressList);
  const prefixed = (prefix: string) =>
    Object.fromEntries(form.fields.filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));

  const from = one('from')?.trim();
  const to = list('to');
  const cc = list('cc');
  const bcc = list('bcc');
  const { subject, text, html, template } = { subject: one('subject'), text: one('text'), html: one('html'), template: one('template') };
  if (!from) return { error: "'from' parameter is missing" };
  if (to.length === 0) return { error: "'to' parameter is missing" };
  if (subject === undefined && template === undefined) return { error: "'subject' parameter is missing" };
  if (!text && !html && !template) return { error: "Need at least one of 'text', 'html' or 'template' parameters specified" };
  if (addressOf(from) === undefined) return { error: invalid('from') };
  const recipients: string[] = [];
  for (const [field, items] of [['to', to], ['cc', cc], ['bcc', bcc]] as const) {
    for (const item of items) {
      const address = addressOf(item);
      if (address === undefined) return { error: invalid(field) };
      recipients.push(address);
    }
  }
  const options = prefixed('o:');
  delete options.tag;
  return {
    message: {
      id: meta.id,
      messageId: meta.id.replace(/^<|>$/g, ''),
      domain: meta.domain,
      encoding: form.encoding,
      from,
      to,
      cc,
      bcc,
      recipients,
      ...(subject !== undefined ? { subject } : {}),
      ...(text !== undefined ? { text } : {}),
      ...(html !== undefined ? { html } : {}),
      ...(template !== undefined ? { template } : {}),
      tags: all('o:tag'),
      headers: prefixed('h:'),
      variables: prefixed('v:'),
      options,
      attachments: form.files,
      receivedAt: meta.now,
    },
  };
}
