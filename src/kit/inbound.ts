/**
 * Inbound webhooks as a connector declares them: verify the raw bytes, parse them into normalized
 * {@link InboundEvent}s. Neutral ground shared by connectors, the inbound pipeline and categories.
 */
import type { ProviderContext } from './connector.js';

/** One normalized occurrence parsed from a verified webhook. */
export interface InboundEvent {
  /** The provider's own event id (de-duplicates). */
  providerEventId: string;
  /** Normalized type, e.g. `email.delivered`. */
  type: string;
  occurredAt: number;
  /** Correlates with a hub object: our id (custom args) and/or the provider's message id. */
  ref: { hubId?: string; providerObjectId?: string };
  data: Record<string, unknown>;
  raw: unknown;
}

export interface WebhookVerifyInput {
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Every secret or key accepted now (rotation, sandbox emulator key beside the real one). */
  secrets: string[];
  now: number;
  /** Seconds; a timestamp further away than this is stale. */
  toleranceSec: number;
  /**
   * Set only in sandbox mode, when this provider's emulator is running in the hub: what the
   * verifier may trust besides the vendor's own (PayPal: the emulator's self-signed certificate,
   * served from the emulator's origin). Absent in live mode.
   */
  emulator?: EmulatorTrust;
  /**
   * The provider's default connection with its transport, for schemes that can verify through
   * the provider's API (PayPal's verify-webhook-signature); absent when none is configured.
   */
  context?: ProviderContext;
}

/** What a running emulator lets the hub trust in sandbox mode (see {@link WebhookVerifyInput.emulator}). */
export interface EmulatorTrust {
  /** The emulator's base URL (its origin serves certificates). */
  url: string;
  /** PEM of the certificate the emulator signs webhooks with, if it signs with one. */
  certificatePem?: string;
}

/** A provider's inbound webhook scheme (`webhooks.ts`). */
export interface WebhookHandler {
  /** Credential fields holding verification secrets (`webhookPublicKey`). */
  secretFields: string[];
  /**
   * Throws (or rejects with) HubError `webhook_signature_missing|invalid`,
   * `webhook_timestamp_stale`. May be async (PayPal fetches its signing certificate).
   */
  verify(input: WebhookVerifyInput): void | Promise<void>;
  /** Turns a verified body into events (a SendGrid delivery carries a batch). */
  parse(rawBody: Buffer, headers: Record<string, string | undefined>): InboundEvent[];
  /**
   * For schemes whose signature does not cover the whole body (Mailgun signs only a token): what
   * identifies one signed delivery. The inbox de-duplicates on it instead of the body hash, and
   * refuses another body under the same key as a replay. Called on verified bodies only.
   */
  replayKey?(rawBody: Buffer, headers: Record<string, string | undefined>): string;
}

