/**
 * One token manager for every grant (refresh token, client credentials, Zoom's account
 * credentials). `accessToken()` answers a usable access token:
 *
 * - renewed BEFORE expiry (5 minutes ahead, or half the lifetime when shorter), never after a 401;
 * - by one process at a time: the refresh lease (`refresh-lease.ts`) is taken, the stored token
 *   read again (another process may just have refreshed), and the answer written in the same
 *   write that frees the lease; callers in one process share one refresh;
 * - a refresh answer without `refresh_token` keeps the old one;
 * - `invalid_grant`: the connection becomes `needs_reauth`, `onNeedsReauth` is called, and later
 *   calls fail at once (`connection_inactive`) without a token request;
 * - any other failure keeps the current token while it is still valid and tries again after the
 *   hub's backoff; an expired token with a failing endpoint is the endpoint's (retryable) error.
 *
 * Without a store (a connector outside a hub) tokens live on the connection object only.
 * See `docs/oauth-tokens.md` for the lease and the behaviour after a crash.
 *
 * @see https://www.rfc-editor.org/rfc/rfc6749#section-6
 * @see https://datatracker.ietf.org/doc/html/draft-ietf-oauth-security-topics#section-4.14
 */
import { hostname } from 'node:os';
import { backoff, retryAfterMs, type Backoff } from '../core/backoff.js';
import { systemClock, type Clock } from '../core/clock.js';
import { HubError, toHubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import type { ResolvedConnection, TokenSet, TokenSource } from '../kit/connection.js';
import type { Store } from '../store/store.js';
import type { ProviderHttp } from '../transport/types.js';
import type { Vault } from '../vault/vault.js';
import { markSent, releaseLease, takeLease, tokenHash, type Lease } from './refresh-lease.js';
import { accountCredentials, clientCredentials, refreshTokens, type TokenEndpoint } from './token-client.js';
import { abortable, fresh, inactiveError, reauth, refreshTokenOf, usable } from './token-rules.js';
import { readState, writeStatus, writeTokens } from './token-state.js';

/** How one connection gets new tokens. */
export interface TokenGrant {
  endpoint: TokenEndpoint;
  /** The transport bound to the connection (its breaker, rate limit and audit log). */
  http: ProviderHttp;
  /** Default `refresh_token`. */
  type?: 'refresh_token' | 'client_credentials' | 'account_credentials';
  scopes?: string[];
  /** Zoom Server-to-Server: `account_id`. */
  accountId?: string;
  /** Renew at most this long before expiry (default 5 minutes; never more than half the lifetime). */
  marginMs?: number;
  /**
   * After a refresh whose answer was lost (its process died), the refresh token may be spent.
   * `retry-once` (default): send it once more (Google keeps it, Microsoft and most rotating
   * providers accept it for a while); `never`: the provider revokes the grant when a spent token
   * comes back (OAuth 2.1 reuse detection): ask the user to connect again instead.
   */
  resendUnfinished?: 'retry-once' | 'never';
}

export interface TokenManagerOptions {
  /** With a vault: tokens sealed in `connection_state` and refreshes under a lease shared by processes. */
  store?: Store;
  vault?: Vault;
  clock?: Clock;
  logger?: Logger;
  /** The grant of a connection when a call names none (the hub resolves it from the catalog). */
  grantOf?: (connection: ResolvedConnection) => TokenGrant | undefined;
  /** Called once when a connection becomes `needs_reauth` (the hub emits `connection.needs_reauth`). */
  onNeedsReauth?: (connection: ResolvedConnection, reason: string) => void | Promise<void>;
  /** How long a refresh lease lasts (default 60 s); the token request is abandoned before it ends. */
  leaseMs?: number;
  /** Between failed refreshes (default 1 s doubling to 5 minutes, equal jitter). */
  backoff?: Backoff;
  /** Names this process on leases (default `host:pid`). */
  owner?: string;
  random?: () => number;
}

export interface AccessTokenOptions {
  grant?: TokenGrant;
  /** Refresh even if the token looks fresh (`POST /connections/:id/refresh`). */
  force?: boolean;
  /** The API refused this token (401): refresh unless the current token is already another one. */
  refused?: string;
  signal?: AbortSignal;
}


/**
 * The hub's token manager.
 *
 * @example
 * const tokens = new TokenManager({ store, vault, clock, logger, onNeedsReauth: (c, reason) => events.needsReauth(c, reason) });
 * const token = await tokens.accessToken(connection, { grant: { endpoint: google, http } });
 * connection.tokenSource = tokens.source(connection, grant); // the transport's `oauth2` auth uses it
 */
export class TokenManager {
  private readonly clock: Clock;
  private readonly owner: string;
  private readonly inflight = new Map<string, Promise<TokenSet>>();
  private readonly failures = new Map<string, { count: number; until: number; error: HubError }>();

  constructor(private readonly o: TokenManagerOptions = {}) {
    this.clock = o.clock ?? systemClock;
    this.owner = o.owner ?? `${hostname()}:${process.pid}`;
    if ((o.store === undefined) !== (o.vault === undefined)) throw new Error('TokenManager: pass both store and vault, or neither');
  }

  /**
   * A usable access token for `connection` (see the module comment).
   *
   * @example
   * const token = await tokens.accessToken(connection, { refused: tokenTheApiRefused });
   */
  async accessToken(connection: ResolvedConnection, options: AccessTokenOptions = {}): Promise<string> {
    if (connection.status && connection.status !== 'active') throw inactiveError(connection);
    const grant = options.grant ?? this.o.grantOf?.(connection);
    if (!grant) throw new HubError('not_configured', `Connection ${connection.id} (${connection.provider}) has no token grant to renew its access token with.`, { provider: connection.provider });
    const now = this.clock.now();
    const current = connection.tokens;
    const refused = options.refused !== undefined && current?.accessToken === options.refused;
    const force = options.force === true || refused;
    if (!force && current && fresh(current, grant, now)) return current.accessToken;
    const failure = this.failures.get(connection.id);
    if (failure && failure.until > now) {
      if (!force && current && usable(current, now)) return current.accessToken;
      throw failure.error;
    }
    let running = this.inflight.get(connection.id);
    if (!running) {
      running = this.renew(connection, grant, force ? current?.accessToken : undefined).finally(() => this.inflight.delete(connection.id));
      this.inflight.set(connection.id, running);
    }
    const tokens = await abortable(running, options.signal);
    connection.tokens = tokens;
    return tokens.accessToken;
  }

  /**
   * The connection's token source for the transport's `oauth2` auth and for connectors: `get()`
   * answers the access token, `invalidate(token)` after the API refused it (the next `get()`
   * refreshes once, shared by concurrent callers).
   *
   * @example
   * connection.tokenSource = tokens.source(connection, { endpoint, http });
   */
  source(connection: ResolvedConnection, grant?: TokenGrant): TokenSource {
    let refused: string | undefined;
    return {
      get: (options = {}) => {
        const r = refused;
        refused = undefined;
        return this.accessToken(connection, { grant, force: options.force, refused: r, signal: options.signal });
      },
      invalidate: (token) => {
        refused = token;
      },
    };
  }

  /** New tokens (or fresh ones another process just stored); failures classified by {@link failed}. */
  private async renew(connection: ResolvedConnection, grant: TokenGrant, refused: string | undefined): Promise<TokenSet> {
    try {
      const tokens = this.o.store ? await this.renewShared(connection, grant, refused) : await this.request(connection, grant, connection.tokens);
      this.failures.delete(connection.id);
      return tokens;
    } catch (err) {
      return this.failed(connection, toHubError(err), refused);
    }
  }

  /** Under the lease; while another process holds it, a still-valid token is used meanwhile. */
  private async renewShared(connection: ResolvedConnection, grant: TokenGrant, refused: string | undefined): Promise<TokenSet> {
    const { store, vault } = this.o as Required<Pick<TokenManagerOptions, 'store' | 'vault'>>;
    const leaseMs = this.o.leaseMs ?? 60_000;
    const giveUpAt = this.clock.now() + leaseMs + 5_000;
    for (let wait = 1; ; wait++) {
      const lease = await takeLease(store, connection.id, this.owner, this.clock.now(), leaseMs);
      if (lease) return this.underLease(connection, grant, lease, refused);
      const state = await readState(store.db, vault, connection);
      const now = this.clock.now();
      if (state.status !== 'active') throw inactiveError(Object.assign(connection, { status: state.status, statusReason: state.reason }));
      const stored = state.tokens;
      if (stored && stored.accessToken !== refused && fresh(stored, grant, now)) return stored;
      const current = connection.tokens;
      if (!refused && current && usable(current, now)) return current;
      if (now > giveUpAt) throw new HubError('provider_timeout', `Another process has been refreshing the token of connection ${connection.id} for over ${leaseMs} ms.`, { provider: connection.provider });
      await this.clock.sleep(Math.min(1000, 50 * wait) * (0.5 + (this.o.random ?? Math.random)() / 2));
    }
  }

  private async underLease(connection: ResolvedConnection, grant: TokenGrant, lease: Lease, refused: string | undefined): Promise<TokenSet> {
    const { store, vault, logger } = this.o as Required<Pick<TokenManagerOptions, 'store' | 'vault'>> & TokenManagerOptions;
    let keepSent = false;
    let resentNow = false;
    try {
      const state = await readState(store.db, vault, connection);
      const now = this.clock.now();
      if (state.status !== 'active') throw inactiveError(Object.assign(connection, { status: state.status, statusReason: state.reason }));
      const stored = state.tokens ?? connection.tokens;
      if (stored && stored.accessToken !== refused && fresh(stored, grant, now)) return stored;
      const rt = refreshTokenOf(stored, connection);
      const resent = (grant.type ?? 'refresh_token') === 'refresh_token' && rt !== undefined && lease.unfinished?.hash === tokenHash(rt);
      resentNow = resent;
      if (resent) {
        const when = lease.unfinished?.at ? new Date(lease.unfinished.at).toISOString() : 'earlier';
        const note = `a refresh sent by ${lease.unfinished?.by ?? 'another process'} at ${when} never finished (the process died or the answer was lost), so ${connection.provider} may already have spent this refresh token`;
        if (grant.resendUnfinished === 'never') throw reauth(connection, `${note}; it is not sent again (the provider revokes the grant on reuse): connect again.`);
        logger?.warn({ connectionId: connection.id, provider: connection.provider }, `${note}; sending it once more`);
      }
      if (rt !== undefined && (grant.type ?? 'refresh_token') === 'refresh_token') {
        if (!(await markSent(store, lease, this.owner, rt, now))) throw new HubError('provider_timeout', `The refresh lease of connection ${connection.id} expired before the request was sent.`, { provider: connection.provider });
      }
      keepSent = true;
      const tokens = await this.request(connection, grant, stored, AbortSignal.timeout(Math.max(1000, lease.until - now - 5_000)), resent);
      const written = await store.write(async (trx) => {
        if (!(await releaseLease(trx, lease, this.clock.now()))) return false;
        await writeTokens(trx, vault, connection, tokens, this.clock.now());
        return true;
      });
      keepSent = false;
      if (!written) logger?.error({ connectionId: connection.id }, 'the refresh lease expired before the new tokens were written: they are used by this call only');
      return tokens;
    } catch (err) {
      const e = toHubError(err);
      // The mark stays while the token's fate is unknown: no answer, or no clear one to a resend.
      const lost = e.code === 'provider_timeout' || e.details?.uncertain === true || (resentNow && e.code !== 'oauth_invalid_grant');
      const reason = e.code === 'oauth_invalid_grant' ? (e.details?.reason as string) : undefined;
      await store.write(async (trx) => {
        if ((await releaseLease(trx, lease, this.clock.now(), keepSent && lost)) && reason) await writeStatus(trx, connection.id, 'needs_reauth', reason, this.clock.now());
      });
      throw e;
    }
  }

  /** One token request for the grant; a refresh answer without `refresh_token` keeps the old one. */
  private async request(connection: ResolvedConnection, grant: TokenGrant, base: TokenSet | undefined, signal?: AbortSignal, resent = false): Promise<TokenSet> {
    const options = { signal, now: () => this.clock.now() };
    const type = grant.type ?? 'refresh_token';
    try {
      if (type === 'client_credentials') return await clientCredentials(grant.http, grant.endpoint, { scopes: grant.scopes }, options);
      if (type === 'account_credentials') return await accountCredentials(grant.http, grant.endpoint, { accountId: grant.accountId ?? '' }, options);
      const refreshToken = refreshTokenOf(base, connection);
      if (refreshToken === undefined) throw reauth(connection, `connection ${connection.id} holds no refresh token and its access token has expired: connect again.`);
      const answer = await refreshTokens(grant.http, grant.endpoint, { refreshToken, scopes: base?.scopes ?? grant.scopes }, options);
      return { ...answer, refreshToken: answer.refreshToken ?? refreshToken, scopes: answer.scopes ?? base?.scopes };
    } catch (err) {
      if (signal?.aborted && !(err instanceof HubError)) throw new HubError('provider_timeout', `${grant.endpoint.name ?? grant.endpoint.provider}'s token endpoint did not answer before the refresh lease ran out.`, { provider: connection.provider, details: { uncertain: true } });
      if (err instanceof HubError && err.code === 'oauth_invalid_grant' && !err.details?.reason) {
        const why = resent ? `${err.message} An earlier refresh with this token never finished (its process died after sending it), which likely spent it.` : err.message;
        throw reauth(connection, why, err);
      }
      throw err;
    }
  }

  /** After a failed renewal: needs_reauth is final; anything else keeps a still-valid token and backs off. */
  private async failed(connection: ResolvedConnection, err: HubError, refused: string | undefined): Promise<TokenSet> {
    if (err.code === 'oauth_invalid_grant') {
      const reason = String(err.details?.reason ?? err.message);
      Object.assign(connection, { status: 'needs_reauth', statusReason: reason });
      await Promise.resolve(this.o.onNeedsReauth?.(connection, reason)).catch((e: unknown) => this.o.logger?.error({ err: e, connectionId: connection.id }, 'onNeedsReauth failed'));
      throw err;
    }
    if (err.code === 'connection_inactive') throw err;
    const now = this.clock.now();
    const count = (this.failures.get(connection.id)?.count ?? 0) + 1;
    const wait = Math.max(backoff(count, this.o.backoff ?? { baseMs: 1000, maxMs: 5 * 60_000, floor: 0.5 }, this.o.random), retryAfterMs(err) ?? 0);
    const current = connection.tokens;
    if (current && current.accessToken !== refused && usable(current, now)) {
      this.failures.set(connection.id, { count, until: now + wait, error: err });
      this.o.logger?.warn({ connectionId: connection.id, code: err.code, retryInMs: wait }, `token renewal failed, the current token is kept until it expires: ${err.message}`);
      return current;
    }
    const state = !current ? 'is missing' : current.accessToken === refused ? 'was refused by the API' : 'has expired';
    const expired = err.with(`The access token of connection ${connection.id} ${state} and could not be renewed.`, { connectionId: connection.id });
    this.failures.set(connection.id, { count, until: now + wait, error: expired });
    throw expired;
  }
}
