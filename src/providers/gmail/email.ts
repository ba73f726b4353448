/**
 * The Gmail email connector: one `users.messages.send` per message, the whole RFC 822 message
 * base64url-encoded in `raw`.
 *
 * @see https://developers.google.com/gmail/api/reference/rest/v1/users.messages/send
 */
import { validationError } from '../../core/errors.js';
import type { EmailCapability, EmailProvider, EmailSendResult } from '../../categories/email/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { GmailCredentials } from './manifest.js';
import { buildGmailRaw } from './message.js';

/** The path of `users.messages.send` for the authenticated user. */
export const GMAIL_SEND_PATH = '/gmail/v1/users/me/messages/send';

/** The part of Gmail's `Message` resource a send answers. */
export interface GmailSentMessage {
  id: string;
  threadId: string;
  labelIds?: string[];
}

// No 'delivery-events': Gmail reports nothing back but through Pub/Sub push (out of scope).
const CAPABILITIES: ReadonlySet<EmailCapability> = new Set<EmailCapability>(['attachments', 'inline-images', 'custom-headers', 'tags', 'metadata']);

/**
 * The Gmail `EmailProvider` of one connection. The transport adds the Bearer token.
 *
 * @example
 * const email = createGmailEmail(ctx);
 * const { providerMessageId } = await email.send(message); // Gmail's message id
 */
export function createGmailEmail(ctx: ProviderContext<GmailCredentials>): EmailProvider {
  const { credentials } = ctx.connection;
  return {
    id: 'gmail',
    capabilities: CAPABILITIES,
    async send(message, options = {}): Promise<EmailSendResult> {
      const from = message.from?.email ? message.from : credentials.fromEmail ? { email: credentials.fromEmail } : undefined;
      if (!from) throw validationError('from', 'no from address: pass one or set GMAIL_FROM_EMAIL (the connected account or a "Send mail as" alias)');
      const raw = (await buildGmailRaw({ ...message, from })).toString('base64url');
      const res = await ctx.http.request({ method: 'POST', path: GMAIL_SEND_PATH, body: { raw }, operation: 'email.send', signal: options.signal });
      const sent = res.json<GmailSentMessage>();
      return { provider: 'gmail', providerMessageId: sent.id, status: 'sent', raw: { status: res.status, id: sent.id, threadId: sent.threadId, labelIds: sent.labelIds } };
    },
  };
}
