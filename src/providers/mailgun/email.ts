/**
 * The Mailgun email connector: one multipart POST to the Messages API per message.
 *
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages/post-v3--domain-name--messages
 */
import { HubError, validationError } from '../../core/errors.js';
import {
  HUB_ID_FIELD,
  type EmailAddress,
  type EmailCapability,
  type EmailMessage,
  type EmailProvider,
  type EmailSendResult,
} from '../../categories/email/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { MailgunCredentials } from './manifest.js';

/** Mailgun keeps at most 3 tags (`o:tag`) per message. */
export const MAILGUN_MAX_TAGS = 3;

const CAPABILITIES: ReadonlySet<EmailCapability> = new Set<EmailCapability>([
  'attachments',
  'inline-images',
  'custom-headers',
  'tags',
  'metadata',
  'delivery-events',
]);

/**
 * `"Name" <email>` (name quoted and escaped), or the bare address.
 *
 * @example
 * formatAddress({ email: 'ann@example.com', name: 'Ann "A" B' }) // '"Ann \"A\" B" <ann@example.com>'
 */
export function formatAddress(address: EmailAddress): string {
  if (!address.name) return address.email;
  return `"${address.name.replace(/["\\]/g, '\\$&')}" <${address.email}>`;
}

/**
 * The Messages API form for one message. Tags beyond the third are left out (Mailgun would not
 * keep them); the hub's id travels as the user variable `v:switchboard_id`, which Mailgun echoes in
 * every event's `user-variables`.
 *
 * @example
 * const { form, droppedTags } = buildMailgunForm(message);
 */
export function buildMailgunForm(message: EmailMessage): { form: FormData; droppedTags: string[] } {
  const form = new FormData();
  form.append('from', formatAddress(message.from));
  for (const to of message.to) form.append('to', formatAddress(to));
  for (const cc of message.cc ?? []) form.append('cc', formatAddress(cc));
  for (const bcc of message.bcc ?? []) form.append('bcc', formatAddress(bcc));
  form.append('subject', message.subject);
  if (message.text !== undefined) form.append('text', message.text);
  if (message.html !== undefined) form.append('html', message.html);

  for (const attachment of message.attachments ?? []) {
    const bytes = Buffer.from(attachment.content, 'base64');
    const blob = new Blob([bytes], { type: attachment.contentType ?? 'application/octet-stream' });
    if (attachment.disposition === 'inline') {
      // Mailgun sets an inline part's Content-ID from its file name: `cid:<filename>` is the only
      // way to reference it, so the content id has to travel as the file name.
      form.append('inline', blob, attachment.contentId ?? attachment.filename);
    } else {
      form.append('attachment', blob, attachment.filename);
    }
  }

  if (message.replyTo) form.append('h:Reply-To', formatAddress(message.replyTo));
  for (const [name, value] of Object.entries(message.headers ?? {})) form.append(`h:${name}`, value);

  const tags = message.tags ?? [];
  for (const tag of tags.slice(0, MAILGUN_MAX_TAGS)) form.append('o:tag', tag);

  for (const [key, value] of Object.entries(message.metadata ?? {})) {
    if (key !== HUB_ID_FIELD) form.append(`v:${key}`, value);
  }
  form.append(`v:${HUB_ID_FIELD}`, message.id);
  return { form, droppedTags: tags.slice(MAILGUN_MAX_TAGS) };
}

/**
 * Serializes a FormData to multipart bytes and its `content-type` (with boundary).
 *
 * The transport's undici 7 cannot send Node 20's global FormData (it comes from Node's bundled
 * undici 6 and fails with "action is not a function"), so the connector hands over bytes.
 */
async function encodeMultipart(form: FormData): Promise<{ body: Buffer; contentType: string }> {
  const encoded = new Response(form);
  const body = Buffer.from(await encoded.arrayBuffer());
  return { body, contentType: encoded.headers.get('content-type') ?? 'multipart/form-data' };
}

/** `<20240101120000.abc@mg.example.com>` → `20240101120000.abc@mg.example.com`, as events carry it. */
function stripAngles(id: string): string {
  return id.trim().replace(/^<(.*)>$/, '$1');
}

/**
 * The Mailgun {@link EmailProvider} of one connection.
 *
 * @example
 * const email = createMailgunEmail(ctx);
 * const { providerMessageId } = await email.send(message);
 * @see https://documentation.mailgun.com/docs/mailgun/user-manual/sending-messages/send-http
 */
export function createMailgunEmail(ctx: ProviderContext<MailgunCredentials>): EmailProvider {
  const { domain, fromEmail } = ctx.connection.credentials;
  return {
    id: 'mailgun',
    capabilities: CAPABILITIES,
    async send(message, options = {}): Promise<EmailSendResult> {
      const from = message.from?.email ? message.from : fromEmail ? { email: fromEmail } : undefined;
      if (!from) throw validationError('from', 'no from address: pass one or set MAILGUN_FROM_EMAIL');
      const { form, droppedTags } = buildMailgunForm({ ...message, from });
      if (droppedTags.length > 0) {
        ctx.logger.warn(
          { messageId: message.id, droppedTags },
          `Mailgun keeps at most ${MAILGUN_MAX_TAGS} tags per message; the others were not sent`,
        );
      }
      const { body: multipart, contentType } = await encodeMultipart(form);
      const res = await ctx.http.request({
        method: 'POST',
        path: `/v3/${encodeURIComponent(domain)}/messages`,
        headers: { 'content-type': contentType },
        body: multipart,
        operation: 'email.send',
        ...(options.signal ? { signal: options.signal } : {}),
      });
      let body: { id?: unknown; message?: unknown };
      try {
        body = res.json();
      } catch (err) {
        throw new HubError('provider_error', `Mailgun accepted the message but answered non-JSON: "${res.text.slice(0, 200)}"`, {
          provider: 'mailgun',
          providerStatus: res.status,
          cause: err,
        });
      }
      if (typeof body?.id !== 'string' || body.id.trim() === '') {
        throw new HubError('provider_error', 'Mailgun answered 2xx without a message id; the message may have been queued', {
          provider: 'mailgun',
          providerStatus: res.status,
          details: { body },
        });
      }
      return { provider: 'mailgun', providerMessageId: stripAngles(body.id), status: 'sent', raw: body };
    },
  };
}
