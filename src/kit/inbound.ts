/**
 * Inbound webhooks as a connector declares them: verify the raw bytes, parse them into normalized
 * {@link InboundEvent}s. Neutral ground shared by connectors, the inbound pipeline and categories.
 */
import type { ProviderContext } from './connection.js';
import type { VerifyInput } from './webhook-verify.js';

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

/**
 * What a verifier sees. `secrets` are those of the connection the request was posted for
 * (`/webhooks/:provider/:connectionId`), or the default connection's and the sandbox emulator's.
 */
export interface WebhookVerifyInput extends VerifyInput {
  /**
   * The URL the sender posted to, as the sender saw it (Twilio signs it; Graph puts its
   * `validationToken` in its query): `SWITCHBOARD_PUBLIC_URL` + path and query, else the
   * forwarded proto and host when `TRUST_PROXY=true`, else the Host header. Always set by the
   * hub's pipeline; optional for verifiers called on their own.
   */
  publicUrl?: string;
  /**
   * Set only in sandbox mode, when this provider's emulator is running in the hub: what the
   * verifier may trust besides the vendor's own (PayPal: the emulator's self-signed certificate,
   * served from the emulator's origin). Absent in live mode.
   */
  emulator?: EmulatorTrust;
  /**
   * The connection the request is for (its tenant's, or the provider's default) with its
   * transport, for schemes that verify through the provider's API (PayPal's
   * verify-webhook-signature); absent when none is configured.
   */
  context?: ProviderContext;
}

/**
 * An answer the sender expects instead of an acknowledgement: the endpoint check of Slack
 * (`url_verification`), Zoom (`endpoint.url_validation`) or Microsoft Graph (`validationToken`).
 * Nothing is stored. Helpers in `kit/webhook-handshakes.ts`.
 */
export interface HandshakeReply {
  status: number;
  contentType: string;
  body: string;
}

/** What `verify` may return: nothing (a verified event to store), or a handshake to answer. */
export type VerifyOutcome = void | { handshake: HandshakeReply };

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
   * `webhook_timestamp_stale`. May be async (PayPal fetches its signing certificate). Returns
   * `{ handshake }` when the request is the sender's endpoint check rather than an event; a
   * signed check (Slack, Zoom) is answered only after its signature verified.
   *
   * @example
   * verify: (input) => slackUrlVerification(input, verifySlackSignature(input)),
   */
  verify(input: WebhookVerifyInput): VerifyOutcome | Promise<VerifyOutcome>;
  /**
   * True for push channels the hub subscribes itself (Google Calendar watch channels, Graph
   * subscriptions): the connection's push keys (`ConnectionManager.pushKeys`, derived from the vault)
   * join `secrets`, and `verify` checks the channel token with `kit/push-token.ts`. Such a handler
   * needs no secret field of its own.
   */
  pushKeys?: boolean;
  /**
   * Headers carrying signatures or credentials (lower-case), dropped from the stored request
   * after verification besides the generic ones (`authorization`, `cookie`, …).
   */
  signatureHeaders?: string[];
  /**
   * The answer the sender expects once a delivery is verified and stored, when it is not the hub's
   * default `{received, id, duplicate}` JSON: Slack shows a non-empty answer to a slash command or
   * an interaction to the user, so those are acknowledged with an empty 200. Undefined: the default.
   */
  ack?(rawBody: Buffer, headers: Record<string, string | undefined>): HandshakeReply | undefined;
  /**
   * The body as the inbox keeps it, when the sender puts a credential in it that the hub must not
   * store (Zoom's `download_token`, a bearer token for a recording's files). Called on verified
   * bodies; `parse` then reads this one. Undefined: kept as received.
   */
  storedBody?(rawBody: Buffer): Buffer;
  /** Turns a verified body into events (a SendGrid delivery carries a batch). */
  parse(rawBody: Buffer, headers: Record<string, string | undefined>): InboundEvent[];
  /**
   * For schemes whose signature does not cover the whole body (Mailgun signs only a token): what
   * identifies one signed delivery. The inbox de-duplicates on it instead of the body hash, and
   * refuses another body under the same key as a replay. Called on verified bodies only.
   */
  replayKey?(rawBody: Buffer, headers: Record<string, string | undefined>): string;
}

