/**
 * The `sms` category: provider-agnostic types every SMS / WhatsApp connector implements.
 *
 * @see docs/sms.md
 */

/** `sms` or `whatsapp`: the same contract, the channel decides the wire prefix (`whatsapp:+E164`). */
export type SmsChannel = 'sms' | 'whatsapp';

/** A message ready for a provider: numbers in E.164 (no `whatsapp:` prefix), `from` resolved or left to the provider's default. */
export interface SmsMessage {
  /** The hub's message id (correlates status callbacks). */
  id: string;
  channel: SmsChannel;
  /** E.164, e.g. `+14155552671`. */
  to: string;
  /** E.164 or an alphanumeric sender id; absent: the connection's default number. */
  from?: string;
  body?: string;
  mediaUrls?: string[];
  /** Where the provider posts status callbacks; absent: the connection's default (if any). */
  statusCallback?: string;
  /** WhatsApp approved template (Twilio Content API). */
  contentSid?: string;
  contentVariables?: Record<string, string>;
  /** Scheduled send (ISO 8601); providers that cannot schedule refuse it. */
  sendAt?: string;
}

/**
 * Statuses of a message: `pending` (in the hub's queue) and `sending` (handed to a provider, no
 * answer yet) are the hub's own; the rest are the provider's, normalized.
 */
export const SMS_STATUSES = ['pending', 'sending', 'accepted', 'scheduled', 'queued', 'sent', 'delivered', 'read', 'undelivered', 'failed', 'canceled', 'received'] as const;
export type SmsStatus = (typeof SMS_STATUSES)[number];

/** Rank of each status: a later event never moves a message to a lower rank. */
export const SMS_STATUS_RANK: Record<SmsStatus, number> = {
  pending: 0,
  sending: 0,
  accepted: 1,
  scheduled: 1,
  queued: 2,
  sent: 3,
  delivered: 4,
  read: 5,
  undelivered: 6,
  failed: 6,
  canceled: 6,
  received: 0,
};

/** Statuses after which nothing changes (`delivered` may still become `read` on WhatsApp). */
export const SMS_FINAL_STATUSES: ReadonlySet<SmsStatus> = new Set(['read', 'undelivered', 'failed', 'canceled', 'received']);

export interface SmsSendResult {
  provider: string;
  /** The provider's id (Twilio `SM…`). */
  providerMessageId: string;
  status: SmsStatus;
  /** Segments as the provider counted them, when it says. */
  segments?: number;
  raw: unknown;
}

/** A message as the provider reports it now. */
export interface SmsProviderStatus {
  providerMessageId: string;
  status: SmsStatus;
  errorCode?: number | null;
  errorMessage?: string | null;
  segments?: number;
  raw: unknown;
}

/** The provider's hosted verification (Twilio Verify). */
export interface SmsVerification {
  start(to: string, channel: SmsChannel, options?: { signal?: AbortSignal }): Promise<{ sid: string; status: string }>;
  check(to: string, code: string, options?: { signal?: AbortSignal }): Promise<{ approved: boolean; status: string }>;
}

export type SmsCapability = 'mms' | 'whatsapp' | 'templates' | 'schedule' | 'status-callbacks' | 'verify';

export interface SmsProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<SmsCapability>;
  /** Hand the message to the provider. Throws HubError (mapped) on failure. */
  send(message: SmsMessage, options?: { signal?: AbortSignal }): Promise<SmsSendResult>;
  /** The provider's current view of a message. */
  fetchStatus?(providerMessageId: string, options?: { signal?: AbortSignal }): Promise<SmsProviderStatus>;
  /**
   * The message the provider holds for this send, if any, created since `sinceMs`: after a crash
   * between the provider's answer and the hub's write, the send job asks instead of sending again.
   */
  findSent?(message: SmsMessage, sinceMs: number, options?: { signal?: AbortSignal }): Promise<SmsProviderStatus | undefined>;
  /** Present when the connection has a hosted verification service configured. */
  verification?: SmsVerification;
}

/** `data` of a normalized `sms.*` / `whatsapp.*` event. */
export interface SmsEventData {
  /** The other party (recipient of an outgoing message, sender of an incoming one), E.164. */
  phoneNumber: string;
  from?: string;
  to?: string;
  status?: SmsStatus;
  body?: string;
  mediaUrls?: string[];
  errorCode?: number;
  errorMessage?: string;
  segments?: number;
  [key: string]: unknown;
}

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    /** `providers/<id>/index.ts` sets `sms: (ctx) => SmsProvider` (WhatsApp goes through it too). */
    sms: SmsProvider;
  }
}

/** What a send answers (the guide's shape). */
export interface SmsSendAnswer {
  /** The hub's message id. */
  id: string;
  /** The provider's id (Twilio `SM…`); null until a provider took it. */
  messageSid: string | null;
  status: SmsStatus;
  provider: string | null;
  /** Segments the text is sent as (GSM-7 160/153, UCS-2 70/67 per segment). */
  segments: number;
}
