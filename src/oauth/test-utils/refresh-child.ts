/**
 * A hub process as far as tokens go, for the multi-process tests: its own Store on the shared
 * database, its own TokenManager and transport. Prints `{"ready":true}`, waits for a line on
 * stdin, asks for the connection's access token once, prints `{"token"}` or `{"error"}`.
 *
 * Env: DATABASE_URL, ENCRYPTION_KEY, TOKEN_URL, CONNECTION_ID, OWNER, LEASE_MS, RESEND.
 */
import { createInterface } from 'node:readline';
import type { ResolvedConnection } from '../../kit/connection.js';
import { openStore } from '../../store/store.js';
import { acmeManifest } from '../../transport/test-utils/server.js';
import { Transport } from '../../transport/transport.js';
import { Vault } from '../../vault/vault.js';
import { TokenManager, type TokenGrant } from '../token-manager.js';
import { readState } from '../token-state.js';

const env = (name: string) => process.env[name] ?? '';
const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const store = await openStore({ databaseUrl: env('DATABASE_URL') });
const vault = Vault.fromConfig(env('ENCRYPTION_KEY'));
const connection: ResolvedConnection = { id: env('CONNECTION_ID'), tenantId: 't', provider: 'acme', mode: 'live', baseUrl: new URL(env('TOKEN_URL')).origin, credentials: {}, status: 'active' };
const state = await readState(store.db, vault, connection);
Object.assign(connection, { tokens: state.tokens, status: state.status, statusReason: state.reason });
const grant: TokenGrant = {
  endpoint: { provider: 'acme', name: 'Acme', url: env('TOKEN_URL'), clientId: 'cid', clientSecret: 's3cret', clientAuth: 'client_secret_basic' },
  http: new Transport().forConnection(acmeManifest(), connection),
  resendUnfinished: env('RESEND') === 'never' ? 'never' : 'retry-once',
};
const manager = new TokenManager({ store, vault, owner: env('OWNER'), leaseMs: Number(env('LEASE_MS') || 60_000), onNeedsReauth: (_c, reason) => void say({ needsReauth: reason }) });

say({ ready: true });
const lines = createInterface({ input: process.stdin });
for await (const _ of lines) break;
try {
  say({ token: await manager.accessToken(connection, { grant }) });
} catch (err) {
  const e = err as { code?: string; message?: string };
  say({ error: e.code, message: e.message });
}
await store.close();
process.exit(0);
