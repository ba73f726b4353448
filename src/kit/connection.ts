/**
 * A connection as a connector sees it: the provider, credentials and tokens of one tenant,
 * resolved for use, and the context a connector factory receives. Neutral ground (`kit/`).
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { TokenSource } from '../transport/auth-spec.js';
import type { ProviderHttp } from '../transport/types.js';

export type { TokenSource } from '../transport/auth-spec.js';

/** OAuth tokens a connection holds (sealed at rest like credentials). */
export interface TokenSet {
  accessToken: string;
  refreshToken?: string;
  /** Epoch ms when `accessToken` expires; absent: unknown. */
  expiresAt?: number;
  /** Scopes granted (may be fewer than asked). */
  scopes?: string[];
  /** `Bearer` unless the provider says otherwise. */
  tokenType?: string;
  /** Epoch ms when the provider issued `accessToken` (the last exchange or refresh). */
  obtainedAt?: number;
  /** Anything else the provider returned worth keeping (`id_token`, an instance URL, …). */
  extra?: Record<string, unknown>;
}

/**
 * `active`: usable. `needs_reauth`: the provider refused the refresh token (revoked, expired,
 * `invalid_grant`): a user must connect again. `disabled`: switched off by an operator.
 */
export type ConnectionStatus = 'active' | 'needs_reauth' | 'disabled';

/** A provider plus credentials for one tenant, resolved and decrypted for use. */
export interface ResolvedConnection<Creds = Record<string, unknown>> {
  id: string;
  tenantId: string;
  provider: string;
  mode: 'sandbox' | 'live';
  baseUrl: string;
  credentials: Creds;
  /** The current OAuth tokens, if the connection has any (updated in place by `saveTokens`). */
  tokens?: TokenSet;
  /**
   * Usable access tokens, kept by the hub's token manager (refreshed before expiry, shared by
   * processes): the transport's `oauth2` auth draws on it and retries a 401 once after a refresh.
   */
  tokenSource?: TokenSource;
  /** Absent means `active` (a connection built outside a hub, in a unit test). */
  status?: ConnectionStatus;
  /** Why the status is not `active`. */
  statusReason?: string;
  /**
   * A tenant's own webhook verification keys that sandbox mode took out of `credentials` because
   * the API's auth reads them too (Twilio's Auth Token): the emulator's answer the API calls, and
   * its webhook URL still verifies with these.
   */
  ownWebhookSecrets?: string[];
}

/** What a connector's factories receive. */
export interface ProviderContext<Creds = Record<string, unknown>> {
  connection: ResolvedConnection<Creds>;
  http: ProviderHttp;
  clock: Clock;
  logger: Logger;
  /**
   * Store a new token set for this connection (sealed), used at once by this process and read by
   * others; call it whenever a refresh answers new tokens (Microsoft rotates the refresh token on
   * every use). Absent outside a hub (a unit test builds the context): keep tokens in memory.
   */
  saveTokens?(tokens: TokenSet): Promise<void>;
  /**
   * The hub's token manager for this connection: the token source of a grant the connector
   * describes (an `oauth/token-manager.ts` `TokenGrant`, e.g. PayPal's client credentials).
   * Absent outside a hub: the connector keeps tokens in memory (a storeless `TokenManager`).
   */
  tokens?: { source(grant: unknown): TokenSource };
  /** Mark the connection `needs_reauth` (or `disabled`) with the reason a user will see. */
  setStatus?(status: ConnectionStatus, reason?: string): Promise<void>;
}

