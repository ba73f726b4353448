/**
 * Emulators: local servers that speak a vendor's wire format, used in sandbox mode and tests.
 * Neutral ground shared by connectors, connections and the test kit.
 */
import type { TokenSet } from './connection.js';

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
  /**
   * OAuth tokens it issued (an `oauth2` provider such as Gmail): a sandbox connection without
   * tokens of its own gets these, as it gets `credentials`.
   */
  readonly tokens?: TokenSet;
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
  /** An emulator with a consent page approves at once (`SWITCHBOARD_OAUTH_AUTO_APPROVE=true`). */
  autoApprove?: boolean;
  port?: number;
}

export const NO_CHAOS: ChaosSettings = {
  errorRate: 0,
  latencyMs: 0,
  rateLimitNext: 0,
  retryAfterSec: 1,
  dropAfterAcceptNext: 0,
};
