/**
 * The `email` category: provider-agnostic types every email connector implements.
 *
 * @see docs/providers.md
 */

export interface EmailAddress {
  email: string;
  name?: string;
}

export interface EmailAttachment {
  filename: string;
  /** Base64 of the file's bytes. */
  content: string;
  contentType?: string;
  disposition?: 'attachment' | 'inline';
  /** For inline images referenced as `cid:<contentId>`. */
  contentId?: string;
}

/** A message ready for a provider: addresses parsed, template rendered, `from` resolved. */
export interface EmailMessage {
  /** The hub's message id; connectors pass it along (custom args, user variables, a header) so
   * delivery events correlate back. */
  id: string;
  from: EmailAddress;
  to: EmailAddress[];
  cc?: EmailAddress[];
  bcc?: EmailAddress[];
  replyTo?: EmailAddress;
  subject: string;
  html?: string;
  text?: string;
  attachments?: EmailAttachment[];
  headers?: Record<string, string>;
  tags?: string[];
  metadata?: Record<string, string>;
}

export interface EmailSendResult {
  provider: string;
  /** The provider's id for the message (SendGrid `X-Message-Id`, Mailgun `id`, SMTP Message-ID). */
  providerMessageId: string;
  /** `sent`: the provider accepted it. */
  status: 'sent';
  raw: unknown;
}

export type EmailCapability = 'attachments' | 'inline-images' | 'custom-headers' | 'tags' | 'metadata' | 'delivery-events';

export interface EmailProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<EmailCapability>;
  /** Hand the message to the provider. Throws HubError (mapped) on failure. */
  send(message: EmailMessage, options?: { signal?: AbortSignal }): Promise<EmailSendResult>;
}

/** Statuses of a message, in the order they may advance. */
export const EMAIL_STATUSES = [
  'queued',
  'sending',
  'sent',
  'processed',
  'deferred',
  'delivered',
  'opened',
  'clicked',
  'bounced',
  'dropped',
  'failed',
  'spam_report',
  'unsubscribed',
] as const;
export type EmailStatus = (typeof EMAIL_STATUSES)[number];

/** Rank of each status: a later event never moves a message to a lower rank. */
export const EMAIL_STATUS_RANK: Record<EmailStatus, number> = {
  queued: 0,
  sending: 1,
  sent: 2,
  processed: 3,
  deferred: 4,
  delivered: 5,
  opened: 6,
  clicked: 7,
  bounced: 8,
  dropped: 8,
  failed: 8,
  spam_report: 9,
  unsubscribed: 9,
};

/** Normalized delivery event types (the `type` of an InboundEvent). */
export const EMAIL_EVENT_TYPES = {
  'email.processed': 'processed',
  'email.deferred': 'deferred',
  'email.delivered': 'delivered',
  'email.bounced': 'bounced',
  'email.dropped': 'dropped',
  'email.opened': 'opened',
  'email.clicked': 'clicked',
  'email.spam_report': 'spam_report',
  'email.unsubscribed': 'unsubscribed',
} as const satisfies Record<string, EmailStatus>;
export type EmailEventType = keyof typeof EMAIL_EVENT_TYPES;

/**
 * `data` of a normalized email event. `bounceType: 'hard'` (and every spam report and
 * unsubscribe) puts the recipient on the suppression list.
 */
export interface EmailEventData {
  recipient: string;
  bounceType?: 'hard' | 'soft';
  reason?: string;
  url?: string;
  [key: string]: unknown;
}

/** Custom-arg / user-variable / header name that carries the hub's message id. */
export const HUB_ID_FIELD = 'switchboard_id';

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    /** `providers/<id>/index.ts` sets `email: (ctx) => EmailProvider`. */
    email: EmailProvider;
  }
}
