/**
 * The three schemes a custom source can use, as data: the verifier, what identifies one delivery
 * (de-duplication), the event type the sender gives, and which headers are kept with the event.
 */
import { createHash } from 'node:crypto';
import { GITHUB_SIGNATURE_HEADER, verifyGithub } from './github.js';
import { headerOf } from '../../kit/webhook-verify.js';
import { standardWebhooksHeaders, verifyStandardWebhooks } from '../standard-webhooks.js';
import { verifyHmacSha256, type SourceVerifyInput } from './hmac-sha256.js';

export type { SourceVerifyInput } from './hmac-sha256.js';

/** Throws a HubError unless the request is signed by one of `input.secrets`. */
export type SourceVerifier = (input: SourceVerifyInput) => void;

export const SCHEME_IDS = ['standard-webhooks', 'github', 'hmac-sha256'] as const;
export type SchemeId = (typeof SCHEME_IDS)[number];

type Headers = Record<string, string | undefined>;

export interface SourceScheme {
  verify: SourceVerifier;
  /** The signature header and encoding, fixed by the scheme (hmac-sha256: chosen per source). */
  header?: string;
  encoding?: 'hex' | 'base64';
  /** What identifies one delivery; the same key twice is one event. */
  dedupeKey(rawBody: Buffer, headers: Headers): string;
  /** The sender's own event type, when it says one. */
  eventType(payload: unknown, headers: Headers): string | undefined;
  /** When the sender says it happened (ms), else undefined (the receipt time is used). */
  occurredAt(headers: Headers): number | undefined;
  /** Headers kept in the event's `raw` besides content-type and user-agent. */
  keepHeaders: string[];
}

const bodyHash = (rawBody: Buffer) => `sha256:${createHash('sha256').update(rawBody).digest('hex')}`;
const TYPE = /^[A-Za-z0-9][\w.:-]{0,127}$/;

/**
 * The scheme definitions.
 *
 * @example
 * SCHEMES.github.verify({ rawBody, headers, secrets, now: Date.now(), toleranceSec: 300 });
 */
export const SCHEMES: Record<SchemeId, SourceScheme> = {
  'standard-webhooks': {
    verify: verifyStandardWebhooks,
    header: 'webhook-signature',
    encoding: 'base64',
    // The spec makes webhook-id the idempotency key: the same message on every retry.
    dedupeKey: (rawBody, headers) => {
      const id = standardWebhooksHeaders(headers).id;
      return id === undefined ? bodyHash(rawBody) : `id:${id}`;
    },
    eventType: (payload) => {
      const type = typeof payload === 'object' && payload !== null ? (payload as Record<string, unknown>).type : undefined;
      return typeof type === 'string' && TYPE.test(type) ? type : undefined;
    },
    occurredAt: (headers) => {
      const ts = Number(standardWebhooksHeaders(headers).timestamp);
      return Number.isFinite(ts) && ts > 0 ? ts * 1000 : undefined;
    },
    keepHeaders: ['webhook-id', 'webhook-timestamp', 'svix-id', 'svix-timestamp'],
  },
  github: {
    verify: verifyGithub,
    header: GITHUB_SIGNATURE_HEADER,
    encoding: 'hex',
    // X-GitHub-Delivery is not signed; GitHub keeps it on a redelivery.
    dedupeKey: (rawBody, headers) => {
      const delivery = headerOf(headers, 'x-github-delivery');
      return delivery === undefined ? bodyHash(rawBody) : `delivery:${delivery}`;
    },
    eventType: (_payload, headers) => {
      const event = headerOf(headers, 'x-github-event');
      return event !== undefined && /^[a-z_]{1,64}$/.test(event) ? `github.${event}` : undefined;
    },
    occurredAt: () => undefined,
    keepHeaders: ['x-github-event', 'x-github-delivery', 'x-github-hook-id', 'x-github-hook-installation-target-id', 'x-github-hook-installation-target-type'],
  },
  'hmac-sha256': {
    verify: verifyHmacSha256,
    dedupeKey: (rawBody) => bodyHash(rawBody),
    eventType: () => undefined,
    occurredAt: () => undefined,
    keepHeaders: [],
  },
};

/** The headers worth keeping with an event: never signatures, cookies or authorization. */
export function keptHeaders(scheme: SchemeId, headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of ['content-type', 'user-agent', ...SCHEMES[scheme].keepHeaders]) {
    const v = headerOf(headers, name);
    if (v !== undefined) out[name] = v;
  }
  return out;
}
