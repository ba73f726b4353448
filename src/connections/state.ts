/**
 * The changing part of a connection, one `connection_state` row per connection id: the OAuth
 * token set (sealed by the vault like credentials) and the status. Written back whenever a
 * connector refreshes a token or finds the connection unusable; read when a connection resolves.
 */
import type { Clock } from '../core/clock.js';
import type { ConnectionStatus, ResolvedConnection, TokenSet } from '../kit/connector.js';
import { openTokens, writeStatus, writeTokens } from '../oauth/token-state.js';
import type { ConnectionStateTable } from '../store/schema.js';
import type { Store } from '../store/store.js';
import type { Vault } from '../vault/vault.js';

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
    const tokens = openTokens(this.o.vault, connection, row);
    if (tokens) connection.tokens = tokens;
    return connection;
  }

  /** Seal and store `tokens`, and use them at once on `connection` (the transport reads them there). */
  async saveTokens(connection: ResolvedConnection, tokens: TokenSet): Promise<void> {
    await this.o.store.write((trx) => writeTokens(trx, this.o.vault, connection, tokens, this.o.clock.now()));
    connection.tokens = tokens;
  }

  async setStatus(connection: ResolvedConnection, status: ConnectionStatus, reason?: string): Promise<void> {
    await this.o.store.write((trx) => writeStatus(trx, connection.id, status, reason, this.o.clock.now()));
    connection.status = status;
    connection.statusReason = reason;
  }

  async remove(connectionId: string): Promise<void> {
    await this.o.store.write(async (trx) => {
      await trx.deleteFrom('connection_state').where('connection_id', '=', connectionId).execute();
      await trx.deleteFrom('oauth_refresh_leases').where('connection_id', '=', connectionId).execute();
    });
  }
}
