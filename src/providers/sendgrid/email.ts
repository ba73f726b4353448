/**
 * The SendGrid email connector: one `POST /v3/mail/send` per message.
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
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
import type { SendgridCredentials } from './manifest.js';

/** An address as SendGrid spells it. */
export interface SendgridAddress {
  email: string;
  name?: string;
}

/** One envelope of a v3 mail send. */
export interface SendgridPersonalization {
  to: SendgridAddress[];
  cc?: SendgridAddress[];
  bcc?: SendgridAddress[];
  subject?: string;
  headers?: Record<string, string>;
  custom_args?: Record<string, string>;
  send_at?: number;
}

/** The part of the v3 mail send body the hub uses. */
export interface SendgridMail {
  personalizations: SendgridPersonalization[];
  from: SendgridAddress;
  reply_to?: SendgridAddress;
  subject?: string;
  content?: { type: string; value: string }[];
  attachments?: { content: string; filename: string; type?: string; disposition?: 'attachment' | 'inline'; content_id?: string }[];
  headers?: Record<string, string>;
  categories?: string[];
  custom_args?: Record<string, string>;
  template_id?: string;
}

/** SendGrid refuses more categories than this. */
export const SENDGRID_MAX_CATEGORIES = 10;

const CAPABILITIES: ReadonlySet<EmailCapability> = new Set<EmailCapability>([
  'attachments',
  'inline-images',
  'custom-headers',
  'tags',
  'metadata',
  'delivery-events',
]);

const address = (a: EmailAddress): SendgridAddress => (a.name ? { email: a.email, name: a.name } : { email: a.email });

/**
 * Builds the v3 body of a message. The hub id and metadata travel as personalization
 * `custom_args`, which SendGrid flattens onto every event of the message.
 *
 * @example
 * toSendgridMail({ id: 'msg_1', from: { email: 'a@x.io' }, to: [{ email: 'b@y.io' }], subject: 'Hi', text: 'Hello' })
 * // { personalizations: [{ to: [{ email: 'b@y.io' }], custom_args: { switchboard_id: 'msg_1' } }], from: …, content: [{ type: 'text/plain', value: 'Hello' }] }
 */
export function toSendgridMail(message: EmailMessage): SendgridMail {
  // SendGrid refuses an address that appears twice across to, cc and bcc of one personalization
  // (case-insensitively); keep its first occurrence.
  const seen = new Set<string>();
  const unique = (list: EmailAddress[] | undefined): SendgridAddress[] =>
    (list ?? []).filter((a) => !seen.has(a.email.toLowerCase()) && seen.add(a.email.toLowerCase())).map(address);
  const to = unique(message.to);
  const cc = unique(message.cc);
  const bcc = unique(message.bcc);

  const personalization: SendgridPersonalization = {
    to,
    ...(cc.length > 0 ? { cc } : {}),
    ...(bcc.length > 0 ? { bcc } : {}),
    // Only here, not at the top level: the published OpenAPI types top-level custom_args as a
    // string, while the API wants an object; with one personalization the two are the same.
    custom_args: { ...message.metadata, [HUB_ID_FIELD]: message.id },
  };
  const content: { type: string; value: string }[] = [];
  // SendGrid requires text/plain first, then text/html.
  if (message.text) content.push({ type: 'text/plain', value: message.text });
  if (message.html) content.push({ type: 'text/html', value: message.html });
  const categories = [...new Set(message.tags ?? [])];

  const mail: SendgridMail = { personalizations: [personalization], from: address(message.from), subject: message.subject };
  if (message.replyTo) mail.reply_to = address(message.replyTo);
  if (content.length > 0) mail.content = content;
  if (message.attachments?.length) {
    mail.attachments = message.attachments.map((a) => ({
      content: a.content,
      filename: a.filename,
      ...(a.contentType ? { type: a.contentType } : {}),
      ...(a.disposition ? { disposition: a.disposition } : {}),
      ...(a.contentId ? { content_id: a.contentId } : {}),
    }));
  }
  if (message.headers && Object.keys(message.headers).length > 0) mail.headers = { ...message.headers };
  if (categories.length > 0) mail.categories = categories;
  return mail;
}

/**
 * The SendGrid `EmailProvider` of one connection.
 *
 * @example
 * const email = createSendgridEmail(ctx);
 * const { providerMessageId } = await email.send(message); // the X-Message-Id
 */
export function createSendgridEmail(ctx: ProviderContext<SendgridCredentials>): EmailProvider {
  const { credentials } = ctx.connection;
  return {
    id: 'sendgrid',
    capabilities: CAPABILITIES,
    async send(message, options = {}): Promise<EmailSendResult> {
      const from = message.from?.email ? message.from : credentials.fromEmail ? { email: credentials.fromEmail } : undefined;
      if (!from) throw validationError('from', 'no from address: pass one or set SENDGRID_FROM_EMAIL');
      const tags = new Set(message.tags ?? []);
      if (tags.size > SENDGRID_MAX_CATEGORIES) {
        throw new HubError('provider_rejected', `SendGrid accepts at most ${SENDGRID_MAX_CATEGORIES} categories per message and this one has ${tags.size} tags: send fewer tags.`, {
          provider: 'sendgrid',
          providerCode: 'categories',
        });
      }
      const res = await ctx.http.request({
        method: 'POST',
        path: '/v3/mail/send',
        body: { ...toSendgridMail({ ...message, from }) },
        operation: 'email.send',
        signal: options.signal,
      });
      const messageId = res.headers['x-message-id'] ?? '';
      if (!messageId) ctx.logger.warn({ provider: 'sendgrid', messageId: message.id }, 'SendGrid accepted the message without an X-Message-Id');
      return { provider: 'sendgrid', providerMessageId: messageId, status: 'sent', raw: { status: res.status, messageId } };
    },
  };
}
