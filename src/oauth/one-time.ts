/**
 * One-time, expiring tokens: the `state` of an OAuth connect or sign-in and the code an
 * application exchanges for a signed-in user's profile. The token is 192 random bits; the row is
 * keyed by its SHA-256 and holds the payload sealed by the vault (PKCE verifier, nonce, redirect,
 * tenant), so neither a database dump nor a log line yields a usable token or verifier. Taking a
 * token back is one conditional UPDATE: of two concurrent callbacks with the same state (two hub
 * processes, a double click), exactly one gets the payload.
 *
 * A server-side one-time state is stronger than a signed stateless one: it cannot be replayed,
 * and expiry and use are decided by the database every process shares.
 *
 * @example
 * const { token } = await tokens.issue('oauth.connect', { tenantId, provider, verifier }, 10 * 60_000);
 * const taken = await tokens.take<{ tenantId: string }>('oauth.connect', token);
 * if (!taken.ok) throw new Error(taken.reason); // 'unknown' | 'used' | 'expired' (with its payload)
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { Store } from '../store/store.js';
import type { Vault } from '../vault/vault.js';

export type TakeFailure = 'unknown' | 'expired' | 'used';
/** An expired token still tells its payload (an OAuth callback redirects back with the error). */
export type Taken<T> = { ok: true; payload: T } | { ok: false; reason: 'unknown' | 'used' } | { ok: false; reason: 'expired'; payload: T };

/** Rows this long past their expiry are deleted when new ones are issued. */
const KEEP_EXPIRED_MS = 24 * 3600_000;

const idOf = (token: string) => createHash('sha256').update(token).digest('hex');

export class OneTimeTokens {
  private lastPurge = 0;

  constructor(private readonly o: { store: Store; vault: Vault; clock: Clock }) {}

  /** A new token of `kind` carrying `payload` (sealed) for `ttlMs`. */
  async issue<T extends object>(kind: string, payload: T, ttlMs: number): Promise<{ token: string; expiresAt: number }> {
    const token = randomBytes(24).toString('base64url');
    const id = idOf(token);
    const now = this.o.clock.now();
    const expiresAt = now + ttlMs;
    const sealed = this.o.vault.seal(payload, `one-time:${kind}:${id}`);
    const purge = now - this.lastPurge > 60_000;
    if (purge) this.lastPurge = now;
    await this.o.store.write(async (trx) => {
      await trx.insertInto('one_time_tokens').values({ id, kind, payload: sealed, key_id: this.o.vault.currentKid, created_at: now, expires_at: expiresAt, used_at: null }).execute();
      if (purge) await trx.deleteFrom('one_time_tokens').where('expires_at', '<', now - KEEP_EXPIRED_MS).execute();
    });
    return { token, expiresAt };
  }

  /** The payload of `token` once: later calls answer `used`; a token past its expiry answers `expired` with its payload (and is used up). */
  async take<T>(kind: string, token: string): Promise<Taken<T>> {
    if (typeof token !== 'string' || token.length < 16 || token.length > 200) return { ok: false, reason: 'unknown' };
    const id = idOf(token);
    const now = this.o.clock.now();
    const row = await this.o.store.write(async (trx) => {
      const taken = await trx.updateTable('one_time_tokens').set({ used_at: now }).where('id', '=', id).where('kind', '=', kind).where('used_at', 'is', null).returning(['payload', 'expires_at']).executeTakeFirst();
      if (taken) return { ...taken, state: 'taken' as const };
      const seen = await trx.selectFrom('one_time_tokens').select('id').where('id', '=', id).where('kind', '=', kind).executeTakeFirst();
      return { state: seen ? ('used' as const) : ('unknown' as const) };
    });
    if (row.state !== 'taken') return { ok: false, reason: row.state };
    const payload = this.o.vault.open<T & object>(row.payload, `one-time:${kind}:${id}`) as T;
    return row.expires_at <= now ? { ok: false, reason: 'expired', payload } : { ok: true, payload };
  }
}
