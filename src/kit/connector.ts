/**
 * What a provider connector is, as categories, connections and the hub see it: a manifest (data)
 * plus one factory per category it serves, a webhook handler and an emulator. Neutral ground:
 * this module imports no vendor, no category and no server code.
 *
 * A category adds its contract to {@link CategoryContracts} by declaration merging, so a provider
 * definition gets a typed `<category>:` factory without this file changing:
 *
 * @example
 * declare module '../../kit/connector.js' {
 *   interface CategoryContracts { email: EmailProvider }
 * }
 */
import type { z } from 'zod';
import type { ErrorMapper } from '../transport/types.js';
import type { ProviderContext } from './connection.js';
import type { AuthSpec } from './auth.js';
import type { Emulator, EmulatorOptions } from './emulator.js';
import type { WebhookHandler } from './inbound.js';

/**
 * Category name → the interface a connector implements for it. Empty here; every category
 * augments it from its own folder (`categories/email/contract.ts`).
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- filled by declaration merging
export interface CategoryContracts {}

/** A category name: `email`, `payments`, `sms`, … (the keys of {@link CategoryContracts}). */
export type Category = keyof CategoryContracts & string;

/** Manifest: everything about a vendor that is data, validated at load time. */
export interface ProviderManifest<Creds extends Record<string, unknown> = Record<string, unknown>> {
  /** Lower-case id used in URLs, env names (`<ID>_API_BASE`) and configs: `sendgrid`. */
  id: string;
  name: string;
  categories: string[];
  /** The vendor's API reference. */
  docsUrl: string;
  /**
   * How requests authenticate, as data the transport applies to every request:
   * `{ type: 'bearer', token: '{apiKey}' }`, `basic`, `header`, `query`, `oauth2`, `none`,
   * `smtp`, or `custom` (the connector or a `sign` hook does it). See `kit/auth.ts`.
   */
  auth: AuthSpec<Creds>;
  /** Default API base URL; `baseUrlFor` may pick a regional one from the credentials. */
  baseUrl: string;
  baseUrlFor?: (credentials: Creds) => string;
  /** Credential fields (camelCase) → env var names: `{ apiKey: 'SENDGRID_API_KEY' }`. */
  env: { [K in keyof Creds & string]: string };
  /**
   * Variables a field is read from, in order, when its own `env` variable is unset or empty: a
   * vendor-specific name that falls back to a shared one (Google Calendar's
   * `{ clientId: ['GOOGLE_CLIENT_ID'] }` behind `GOOGLE_CALENDAR_CLIENT_ID`).
   */
  envFallback?: { [K in keyof Creds & string]?: string[] };
  /** zod schema of the credentials (env values are strings; coerce where needed). */
  credentials: z.ZodType<Creds>;
  /** Fields that must be set for live mode; without them the provider runs in sandbox mode. */
  liveWhen: (keyof Creds & string)[];
  /** Credential fields that are secrets (encrypted at rest, never logged). */
  secretFields: (keyof Creds & string)[];
  /** Published rate limit, per credential: `{ limit: 600, intervalMs: 60_000 }`. */
  rateLimit?: { limit: number; intervalMs: number };
  /**
   * The vendor's own name for the pace variable (`TWILIO_RATE_LIMIT`), read like
   * `RATE_LIMIT_<ID>` (which wins when both are set).
   */
  rateLimitVar?: string;
  /** Per-attempt timeout (default 10 s). */
  timeoutMs?: number;
  /** Retry policy (defaults: 3 attempts, 200 ms base, 10 s cap). */
  retry?: { maxAttempts?: number; baseDelayMs?: number; maxDelayMs?: number };
  /** Header carrying idempotency keys (`Idempotency-Key`, `PayPal-Request-Id`); absent: none. */
  idempotencyHeader?: string;
  /** Maps the vendor's error answers to hub errors. */
  mapError: ErrorMapper;
  /**
   * The OAuth catalog entry (`oauth/providers.ts`) whose authorization server issues this
   * provider's tokens: `'google'` for Gmail. Catalog entries without a vendor folder get a
   * definition of their own (`providers/catalog-providers.ts`) and link to themselves.
   */
  oauth?: string;
  /** The scopes this provider's connectors need when an account connects (default: the catalog entry's). */
  oauthScopes?: string[];
  /**
   * `false`: the environment configures an OAuth application, not a connection: no env default
   * connection; tenants connect accounts through `/api/v1/connections/oauth/start`. Absent: the
   * env variables make the default connection (or a sandbox one).
   */
  defaultConnection?: false;
  /**
   * Another provider whose emulator this one runs against in sandbox mode: one server and one
   * sandbox account for both (Google Meet's meetings are events of Google Calendar's emulator).
   */
  emulatorOf?: string;
}

export type { ConnectionStatus, ProviderContext, ResolvedConnection, TokenSet } from './connection.js';

/** Builds a category's connector for one connection (`email: (ctx) => createSendgridEmail(ctx)`). */
export type ConnectorFactory<T, Creds = Record<string, unknown>> = (ctx: ProviderContext<Creds>) => T;

/** The whole connector, as `providers/<id>/index.ts` exports it. */
export type ProviderDefinition<Creds extends Record<string, unknown> = Record<string, unknown>> = {
  manifest: ProviderManifest<Creds>;
  webhooks?: WebhookHandler;
  startEmulator?: (options?: EmulatorOptions) => Promise<Emulator>;
} & { [K in Category]?: ConnectorFactory<CategoryContracts[K], Creds> };

/**
 * Identity helper that keeps the credential type.
 *
 * @example
 * export const sendgrid = defineProvider({ manifest, email: (ctx) => createSendgridEmail(ctx), webhooks, startEmulator });
 */
export function defineProvider<Creds extends Record<string, unknown>>(def: ProviderDefinition<Creds>): ProviderDefinition<Creds> {
  return def;
}
