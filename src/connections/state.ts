/**
 * The changing part of a connection, one `connection_state` row per connection id: the OAuth
 * token set (sealed by the vault like credentials) and the status. Written back whenever a
 * connector refreshes a token or finds the connection unusable; read when a connection resolves.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../core/clock.js';
import type { ConnectionStatus, ResolvedConnection, TokenSet } from '../kit/connector.js';
import type { ConnectionStateTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Vault } from '../vault/vault.js';

/** sha256 of a refresh token the environment seeded (never stored in plaintext). */
const seedOf = (credentials: unknown): string | null => {
  const token = (credentials as { refreshToken?: unknown }).refreshToken;
  return typeof token === 'string' && token ? createHash('sha256').update(token).digest('hex') : null;
};

export class ConnectionStates {
  constructor(private readonly o: { store: Store; vault: Vault; clock: Clock }) {}

  /** Rows for these connection ids. */
  async load(ids: string[]): Promise<Map<string, ConnectionStateTable>> {
    if (ids.length === 0) return new Map();
    const rows = await this.o.store.db.selectFrom('connection_state').selectAll().where('connection_id', 'in', ids).execute();
    return new Map(rows.map((r) => [r.connection_id, r]));
  }

  /**
   * Put a stored state on a resolved connection: status always; tokens unless the environment now
   * seeds another refresh token than the one they grew from (the operator connected again).
   */
  apply(connection: ResolvedConnection, row: ConnectionStateTable | undefined): ResolvedConnection {
    if (!row) return connection;
    connection.status = row.status as ConnectionStatus;
    connection.statusReason = row.status_reason ?? undefined;
    const envSeed = seedOf(connection.credentials);
    if (row.tokens && (envSeed === null || envSeed === row.seed)) connection.tokens = this.o.vault.open<TokenSet>(row.tokens, `${connection.id}:tokens`);
    return connection;
  }

  /** Seal and store `tokens`, and use them at once on `connection` (the transport reads them there). */
  async saveTokens(connection: ResolvedConnection, tokens: TokenSet): Promise<void> {
    const sealed = this.o.vault.seal(tokens, `${connection.id}:tokens`);
    const now = this.o.clock.now();
    const values = { tokens: sealed, key_id: this.o.vault.currentKid, seed: seedOf(connection.credentials), updated_at: now };
    await this.o.store.write((trx) =>
      trx
        .insertInto('connection_state')
        .values({ connection_id: connection.id, status: connection.status ?? 'active', status_reason: connection.statusReason ?? null, ...values })
        .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
        .execute(),
    );
    connection.tokens = tokens;
  }

  async setStatus(connection: ResolvedConnection, status: ConnectionStatus, reason?: string): Promise<void> {
    const now = this.o.clock.now();
    const values = { status, status_reason: reason ?? null, updated_at: now };
    await this.o.store.write((trx) =>
      trx
        .insertInto('connection_state')
        .values({ connection_id: connection.id, tokens: null, key_id: null, seed: null, ...values })
        .onConflict((oc) => oc.column('connection_id').doUpdateSet(values))
        .execute(),
    );
    connection.status = status;
    connection.statusReason = reason;
  }

  async remove(connectionId: string): Promise<void> {
    await this.o.store.write((trx) => trx.deleteFrom('connection_state').where('connection_id', '=', connectionId).execute());
  }
}
