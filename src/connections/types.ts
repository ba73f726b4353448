/**
 * What the connection manager answers and takes: a connection's summary (credential names, never
 * values), its view (never a token), and the manager's options.
 */
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import type { ConnectionStatus, ResolvedConnection } from '../kit/connector.js';
import type { EmulatorOptions } from '../kit/emulator.js';
import type { TokenGrant, TokenManager } from '../oauth/token-manager.js';
import type { Store } from '../store/store.js';
import type { Transport } from '../transport/transport.js';
import type { ProviderHttp } from '../transport/types.js';
import type { Vault } from '../vault/vault.js';
import type { OAuthSandbox } from './oauth-apps.js';

export interface ConnectionSummary {
  id: string;
  tenantId: string;
  provider: string;
  name: string;
  mode: 'sandbox' | 'live';
  status: ConnectionStatus;
  statusReason?: string;
  /** Credential field names (never values). */
  fields: string[];
  /** The connection holds OAuth tokens (never shown). */
  hasTokens: boolean;
  createdAt?: number;
}

export interface ConnectionManagerOptions {
  store: Store;
  vault: Vault;
  transport: Transport;
  clock: Clock;
  logger: Logger;
  env: Record<string, string | undefined>;
  forceSandbox: boolean;
  /** The providers this hub knows. */
  catalog: ProviderCatalog;
  /** Only these providers get a default connection (and an emulator). Default: all. */
  providers?: string[];
  /** The token manager (default: one on this store and vault). */
  tokens?: TokenManager;
  /** The grant an `oauth2` connection renews its tokens with (the hub resolves it from the OAuth catalog). */
  tokenGrant?: (connection: ResolvedConnection, http: ProviderHttp) => TokenGrant | undefined;
  /** A connection became `needs_reauth` (the hub emits `connection.needs_reauth`). */
  onNeedsReauth?: (connection: ResolvedConnection, reason: string) => void | Promise<void>;
  /** The sandbox authorization server of OAuth providers without a configured client. */
  oauthSandbox?: () => Promise<OAuthSandbox>;
  /** What emulators start with (`autoApprove`: `SWITCHBOARD_OAUTH_AUTO_APPROVE`). */
  emulatorOptions?: EmulatorOptions;
}

/** What `GET /api/v1/connections/:id` shows: never a token. */
export interface ConnectionView {
  id: string;
  tenantId: string;
  provider: string;
  mode: 'sandbox' | 'live';
  status: ConnectionStatus;
  scopes: string[];
  /** When the access token expires (ISO 8601), if known. */
  expiresAt: string | null;
  /** When the tokens were last written (a connect or a refresh). */
  lastRefreshedAt: string | null;
  /** Why the connection is not active (`needs_reauth`: the provider refused the refresh token). */
  lastError: string | null;
}
