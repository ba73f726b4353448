/**
 * What a provider connector is: a manifest (data) plus a little code per category, a webhook
 * handler and an emulator. Adding a provider is one folder plus one line in `registry.ts`.
 */
import type { z } from 'zod';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { EmailProvider } from '../categories/email/contract.js';
import type { PaymentsProvider } from '../categories/payments/contract.js';
import type { ErrorMapper, ProviderHttp } from '../transport/types.js';

export type Category = 'email' | 'sms' | 'payments' | 'calendar' | 'meetings' | 'storage' | 'chat' | 'identity';

/** Manifest: everything about a vendor that is data, validated at load time. */
export interface ProviderManifest<Creds extends Record<string, unknown> = Record<string, unknown>> {
  /** Lower-case id used in URLs, env names (`<ID>_API_BASE`) and configs: `sendgrid`. */
  id: string;
  name: string;
  categories: Category[];
  /** The vendor's API reference. */
  docsUrl: string;
  /** How requests authenticate (informational; the connector sets the header). */
  auth: 'bearer' | 'basic' | 'smtp' | 'oauth2' | 'hmac';
  /** Default API base URL; `baseUrlFor` may pick a regional one from the credentials. */
  baseUrl: string;
  baseUrlFor?: (credentials: Creds) => string;
  /** Credential fields (camelCase) → env var names: `{ apiKey: 'SENDGRID_API_KEY' }`. */
  env: { [K in keyof Creds & string]: string };
  /** zod schema of the credentials (env values are strings; coerce where needed). */
  credentials: z.ZodType<Creds>;
  /** Fields that must be set for live mode; without them the provider runs in sandbox mode. */
  liveWhen: (keyof Creds & string)[];
  /** Credential fields that are secrets (encrypted at rest, never logged). */
  secretFields: (keyof Creds & string)[];
  /** Published rate limit, per credential: `{ limit: 600, intervalMs: 60_000 }`. */
  rateLimit?: { limit: number; intervalMs: number };
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Retry policy (defaults: 3 attempts, 200 ms base, 10 s cap). */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Header carrying idempotency keys (`Idempotency-Key`, `PayPal-Request-Id`); absent: none. */
  idempotencyHeader?: string;
  /** Maps the vendor's error answers to hub errors. */
  mapError: ErrorMapper;
}

/** A provider plus credentials for one tenant, resolved and decrypted for use. */
export interface ResolvedConnection<Creds = Record<string, unknown>> {
  id: string;
  tenantId: string;
  provider: string;
  mode: 'sandbox' | 'live';
  baseUrl: string;
  credentials: Creds;
}

/** What a connector's factories receive. */
export interface ProviderContext<Creds = Record<string, unknown>> {
  connection: ResolvedConnection<Creds>;
  http: ProviderHttp;
  clock: Clock;
  logger: Logger;
}

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

/** Chaos knobs every emulator takes. */
export interface ChaosSettings {
  /** 0..1: share of requests answered with a 500-class error. */
  errorRate: number;
  /** Added to every answer. */
  latencyMs: number;
  /** Answer the next N requests with 429 and `Retry-After: retryAfterSec`. */
  rateLimitNext: number;
  retryAfterSec: number;
  /**
   * Accept (and keep) the next N messages, then destroy the socket without answering. Emulators
   * that replay idempotent requests drop a replayed answer too (the work stays done once).
   */
  dropAfterAcceptNext: number;
}

/** A running sandbox server that speaks the vendor's wire format. */
export interface Emulator {
  /** Base URL the connector uses in sandbox mode. */
  readonly url: string;
  /** Credentials the connector uses against it. */
  readonly credentials: Record<string, string>;
  /** What the hub must accept on its webhook route for this emulator (a key, secret or webhook id). */
  readonly webhookSecret?: string;
  /** PEM of the certificate it signs webhooks with (PayPal): trusted in sandbox mode only. */
  readonly certificatePem?: string;
  /** Where signed events are posted (the hub's `/webhooks/<id>`); unset: none are sent. */
  setWebhookTarget(url: string | undefined): void;
  chaos: ChaosSettings;
  /** Resolves once every scheduled webhook post was delivered or given up (tests, benchmarks). */
  drainWebhooks?(): Promise<void>;
  /** Messages (or other objects) the emulator accepted, newest last. */
  readonly accepted: unknown[];
  close(): Promise<void>;
}

export interface EmulatorOptions {
  /** Delay before delivery events are posted (default 50 ms). */
  eventDelayMs?: number;
  port?: number;
}

/** The whole connector, as `providers/<id>/index.ts` exports it. */
export interface ProviderDefinition<Creds extends Record<string, unknown> = Record<string, unknown>> {
  manifest: ProviderManifest<Creds>;
  email?: (ctx: ProviderContext<Creds>) => EmailProvider;
  payments?: (ctx: ProviderContext<Creds>) => PaymentsProvider;
  webhooks?: WebhookHandler;
  startEmulator?: (options?: EmulatorOptions) => Promise<Emulator>;
}

/** Identity helper that keeps the credential type. */
export function defineProvider<Creds extends Record<string, unknown>>(
  def: ProviderDefinition<Creds>,
): ProviderDefinition<Creds> {
  return def;
}

export const NO_CHAOS: ChaosSettings = {
  errorRate: 0,
  latencyMs: 0,
  rateLimitNext: 0,
  retryAfterSec: 1,
  dropAfterAcceptNext: 0,
};
