/**
 * The one way a connection's tokens and status are written: a `connection_state` row per
 * connection, the token set sealed by the vault under `<connection id>:tokens`. The token manager
 * writes here inside its lease's final write; `connections/state.ts` uses the same functions.
 */
import { createHash } from 'node:crypto';
import type { ConnectionStatus, ResolvedConnection, TokenSet } from '../kit/connection.js';
import type { ConnectionStateTable } from '../store/schema.js';
import type { Db, Trx } from '../store/store.js';
import type { Vault } from '../vault/vault.js';

/** The vault context tokens are sealed under (a sealed value copied to another row fails to open). */
export const tokensContext = (connectionId: string): string => `${connectionId}:tokens`;

/**
 * sha256 of a refresh token the environment seeded (`credentials.refreshToken`), never stored in
 * plaintext: stored tokens grown from another seed are ignored (the operator connected again).
 *
 * @example
 * seedOf({ refreshToken: '1//0g…' }) // 'c0ffee…'
 */
export function seedOf(credentials: unknown): string | null {
  const token = (credentials as { refreshToken?: unknown } | null)?.refreshToken;
  return typeof token === 'string' && token ? createHash('sha256').update(token).digest('hex') : null;
}

/**
 * The stored token set of a row, unless the environment now seeds another refresh token.
 *
 * @example
 * connection.tokens = openTokens(vault, connection, row);
 */
export function openTokens(vault: Vault, connection: Pick<ResolvedConnection, 'id' | 'credentials'>, row: Pick<ConnectionStateTable, 'tokens' | 'seed'> | undefined): TokenSet | undefined {
  if (!row?.tokens) return undefined;
  const envSeed = seedOf(connection.credentials);
  return envSeed === null || envSeed === row.seed ? vault.open<TokenSet>(row.tokens, tokensContext(connection.id)) : undefined;
}

/**
 * Seals and upserts `tokens` for `connection` (status untouched, `active` for a new row).
 *
 * @example
 * await store.write((trx) => writeTokens(trx, vault, connection, tokens, clock.now()));
 */
export async function writeTokens(trx: Trx, vault: Vault, connection: Pick<ResolvedConnection, 'id' | 'credentials' | 'status' | 'statusReason'>, tokens: TokenSet, now: number): Promise<void> {
  const values = { tokens: vault.seal(tokens, tokensContext(connection.id)), key_id: vault.currentKid, seed: seedOf(connection.credentials), updated_at: now };
  await trx
    .insertInto('connection_state')
    .values({ connection_id: connection.id, status: connection.status ?? 'active', status_reason: connection.statusReason ?? null, ...values })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
    .execute();
}

/**
 * Upserts a connection's status (tokens untouched).
 *
 * @example
 * await store.write((trx) => writeStatus(trx, connection.id, 'needs_reauth', 'Google refused the refresh token', now));
 */
export async function writeStatus(trx: Trx, connectionId: string, status: ConnectionStatus, reason: string | undefined, now: number): Promise<void> {
  const values = { status, status_reason: reason ?? null, updated_at: now };
  await trx
    .insertInto('connection_state')
    .values({ connection_id: connectionId, tokens: null, key_id: null, seed: null, ...values })
    .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
    .execute();
}

/**
 * A connection's stored state as this process must see it before refreshing: status and tokens.
 *
 * @example
 * const { status, tokens } = await readState(store.db, vault, connection);
 */
export async function readState(db: Db, vault: Vault, connection: Pick<ResolvedConnection, 'id' | 'credentials'>): Promise<{ status: ConnectionStatus; reason?: string; tokens?: TokenSet }> {
  const row = await db.selectFrom('connection_state').select(['status', 'status_reason', 'tokens', 'seed']).where('connection_id', '=', connection.id).executeTakeFirst();
  return { status: (row?.status ?? 'active') as ConnectionStatus, reason: row?.status_reason ?? undefined, tokens: openTokens(vault, connection, row) };
}
