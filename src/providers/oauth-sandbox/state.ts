/**
 * The authorization server's memory: pending consents, one-time codes, access and refresh tokens
 * grouped by the grant they came from (so a reused code can revoke everything issued from it,
 * RFC 6749 §4.1.2), token-request counters and the OAuth chaos knobs.
 */
import { randomId } from '../emulator-kit.js';
import type { OAuthGrant } from '../../oauth/types.js';
import type { SandboxUser } from './users.js';

/** What an approved authorization carries from `/authorize` to `/token`. */
export interface AuthorizationRequest {
  provider: string;
  /** The `{tenant}` path segment it came through (Microsoft), if any. */
  tenant?: string;
  clientId: string;
  redirectUri: string;
  scopes: string[];
  state: string;
  nonce?: string;
  codeChallenge?: string;
  /** Extra parameters as sent (`access_type`, `user_scope`, `response_mode`, …). */
  params: Record<string, string>;
}

export interface CodeRecord extends AuthorizationRequest {
  user: SandboxUser;
  expiresAt: number;
  used: boolean;
  /** The grant family: every token issued from this code (and its refreshes). */
  grantId: string;
}

export interface TokenRecord {
  provider: string;
  tenant?: string;
  clientId: string;
  user?: SandboxUser;
  scopes: string[];
  grantId: string;
  expiresAt: number;
  revoked: boolean;
  nonce?: string;
}

/**
 * Failures steered from tests. `invalidGrantNext`: the next N refreshes (of `provider`, or any
 * when unset) answer `invalid_grant` and kill the refresh token, as a user revoking access does.
 * `failNext`: the next N token requests answer `status` (with `Retry-After` on 429 and 503).
 */
export interface OAuthChaos {
  invalidGrantNext: number;
  invalidGrantProvider?: string;
  tokenLatencyMs: number;
  failNext: number;
  failStatus: 500 | 503 | 429;
  retryAfterSec: number;
}

export const NO_OAUTH_CHAOS: OAuthChaos = { invalidGrantNext: 0, tokenLatencyMs: 0, failNext: 0, failStatus: 503, retryAfterSec: 1 };

/** `{ [provider]: { [grant]: count } }` of token requests received. */
export type TokenRequestCounts = Record<string, Partial<Record<OAuthGrant | 'other', number>>>;

export class SandboxState {
  readonly pending = new Map<string, AuthorizationRequest & { expiresAt: number }>();
  readonly codes = new Map<string, CodeRecord>();
  readonly accessTokens = new Map<string, TokenRecord>();
  readonly refreshTokens = new Map<string, TokenRecord>();
  readonly counts: TokenRequestCounts = {};
  readonly chaos: OAuthChaos = { ...NO_OAUTH_CHAOS };

  constructor(readonly settings: { codeTtlSec: number; accessTokenTtlSec: number; now: () => number }) {}

  /** Park an authorization request behind the consent page; the form refers to it by id. */
  park(request: AuthorizationRequest): string {
    const id = randomId(18);
    this.pending.set(id, { ...request, expiresAt: this.settings.now() + 10 * 60_000 });
    return id;
  }

  takePending(id: string): AuthorizationRequest | undefined {
    const p = this.pending.get(id);
    this.pending.delete(id);
    return p && p.expiresAt > this.settings.now() ? p : undefined;
  }

  issueCode(request: AuthorizationRequest, user: SandboxUser): string {
    const code = `${request.provider.slice(0, 2)}c_${randomId(24)}`;
    this.codes.set(code, { ...request, user, expiresAt: this.settings.now() + this.settings.codeTtlSec * 1000, used: false, grantId: randomId(12) });
    return code;
  }

  issueAccess(record: Omit<TokenRecord, 'expiresAt' | 'revoked'>, prefix = 'sbx_at_'): { token: string; expiresIn: number } {
    const token = `${prefix}${randomId(30)}`;
    const expiresIn = this.settings.accessTokenTtlSec;
    this.accessTokens.set(token, { ...record, expiresAt: this.settings.now() + expiresIn * 1000, revoked: false });
    return { token, expiresIn };
  }

  issueRefresh(record: Omit<TokenRecord, 'expiresAt' | 'revoked'>, prefix = 'sbx_rt_'): string {
    const token = `${prefix}${randomId(30)}`;
    this.refreshTokens.set(token, { ...record, expiresAt: Number.POSITIVE_INFINITY, revoked: false });
    return token;
  }

  /** A live access token (not expired, not revoked), or undefined. */
  liveAccess(token: string): TokenRecord | undefined {
    const t = this.accessTokens.get(token);
    return t && !t.revoked && t.expiresAt > this.settings.now() ? t : undefined;
  }

  liveRefresh(token: string): TokenRecord | undefined {
    const t = this.refreshTokens.get(token);
    return t && !t.revoked ? t : undefined;
  }

  /** Revoke every access and refresh token of a grant family. */
  revokeGrant(grantId: string): void {
    for (const map of [this.accessTokens, this.refreshTokens]) for (const t of map.values()) if (t.grantId === grantId) t.revoked = true;
  }

  count(provider: string, grant: string): void {
    const key = (['authorization_code', 'refresh_token', 'client_credentials', 'account_credentials'].includes(grant) ? grant : 'other') as OAuthGrant | 'other';
    const per = (this.counts[provider] ??= {});
    per[key] = (per[key] ?? 0) + 1;
  }

  /** Consume one `invalid_grant` from chaos, if it applies to `provider`. */
  takeInvalidGrant(provider: string): boolean {
    const c = this.chaos;
    if (c.invalidGrantNext <= 0 || (c.invalidGrantProvider && c.invalidGrantProvider !== provider)) return false;
    c.invalidGrantNext--;
    return true;
  }
}
