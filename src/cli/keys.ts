/** `switchboard keys create|list|revoke|rotate-encryption|generate-encryption-key`. */
import { join } from 'node:path';
import { Command } from 'commander';
import { loadConfig } from '../core/config.js';
import { systemClock } from '../core/clock.js';
import { ApiKeyStore, CORE_SCOPES } from '../server/api-key-store.js';
import { openStore, type Store } from '../store/store.js';
import { Vault } from '../vault/vault.js';

async function withStore<T>(fn: (store: Store, config: ReturnType<typeof loadConfig>) => Promise<T>): Promise<T> {
  const config = loadConfig();
  const store = await openStore({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
  try {
    return await fn(store, config);
  } finally {
    await store.close();
  }
}

/** Re-wrap every connection secret (credentials and token sets) under the current key; answers how many moved. */
export async function rotateEncryption(store: Store, vault: Vault): Promise<{ rewrapped: number; total: number }> {
  const rows = await store.db.selectFrom('connections').select(['id', 'credentials']).execute();
  const states = await store.db.selectFrom('connection_state').select(['connection_id', 'tokens']).where('tokens', 'is not', null).execute();
  let rewrapped = 0;
  for (const row of rows) {
    if (!vault.needsRewrap(row.credentials)) continue;
    const sealed = vault.rewrap(row.credentials, row.id);
    await store.write((trx) => trx.updateTable('connections').set({ credentials: sealed, key_id: vault.currentKid, updated_at: Date.now() }).where('id', '=', row.id).execute());
    rewrapped++;
  }
  for (const row of states) {
    if (!row.tokens || !vault.needsRewrap(row.tokens)) continue;
    const sealed = vault.rewrap(row.tokens, `${row.connection_id}:tokens`);
    await store.write((trx) => trx.updateTable('connection_state').set({ tokens: sealed, key_id: vault.currentKid, updated_at: Date.now() }).where('connection_id', '=', row.connection_id).execute());
    rewrapped++;
  }
  return { rewrapped, total: rows.length + states.length };
}

/** Every scope the hub's routes check (as `createHub` gathers them): a typo is refused, not stored. */
async function knownScopes(): Promise<string[]> {
  const { CATEGORIES } = await import('../categories/registry.js'); // loaded only when a key is made
  return Object.keys(Object.assign({ ...CORE_SCOPES }, ...CATEGORIES.map((c) => c.scopes)) as Record<string, string>);
}

const SCOPES_EXAMPLE = "e.g. --scopes email:send,jobs:read, or --scopes '*' explicitly for a key that may do everything";

/** `a, b` → `['a', 'b']`; an empty list is an error saying what to pass. */
function parseScopes(list: string): string[] {
  const scopes = list.split(',').map((s) => s.trim()).filter(Boolean);
  if (scopes.length === 0) throw new Error(`no scopes given: name the scopes the key needs, ${SCOPES_EXAMPLE}`);
  return scopes;
}

/** On a terminal, ask for the scopes; elsewhere (scripts, CI) refuse to guess `*`. */
async function askScopes(): Promise<string> {
  if (!process.stdin.isTTY) throw new Error(`--scopes is required when not on a terminal: pass the scopes the key needs, ${SCOPES_EXAMPLE}`);
  const { createInterface } = await import('node:readline/promises');
  const rl = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return await rl.question("Scopes for this key, comma-separated (e.g. email:send,jobs:read; '*' for every scope): ");
  } finally {
    rl.close();
  }
}

export function keysCommand(): Command {
  const keys = new Command('keys').description('API keys and the encryption key');
  keys
    .command('create')
    .description('Create an API key (printed once)')
    .requiredOption('--name <name>', 'a label, e.g. the app using it')
    .option('--scopes <list>', "comma-separated scopes, e.g. email:send,jobs:read; '*' for every scope (asked on a terminal when absent)")
    .option('--tenant <id>', 'tenant the key acts for', 'default')
    .action(async (o: { name: string; scopes?: string; tenant: string }) => {
      const scopes = parseScopes(o.scopes ?? (await askScopes()));
      await withStore(async (store) => {
        const created = await new ApiKeyStore(store, systemClock, await knownScopes()).create({ name: o.name, scopes, tenantId: o.tenant });
        console.log(`${created.key}\n(id ${created.id}, scopes ${created.scopes.join(',')}; store it now, it is not shown again)`);
      });
    });
  keys
    .command('list')
    .description('List API keys (prefixes only)')
    .action(() =>
      withStore(async (store) => {
        for (const k of await new ApiKeyStore(store, systemClock).list()) {
          console.log(`${k.id}  ${k.prefix}…  ${k.name.padEnd(20)} tenant=${k.tenantId} scopes=${k.scopes.join(',')}${k.revokedAt ? ` REVOKED ${k.revokedAt}` : ''}`);
        }
      }),
    );
  keys
    .command('revoke <idOrPrefix>')
    .description('Revoke an API key')
    .action((id: string) =>
      withStore(async (store) => {
        await new ApiKeyStore(store, systemClock).revoke(id);
        console.log(`revoked ${id}`);
      }),
    );
  keys
    .command('rotate-encryption')
    .description('Re-encrypt stored secrets under the first key of SWITCHBOARD_ENCRYPTION_KEY (list the old key after it)')
    .action(() =>
      withStore(async (store, config) => {
        const vault = Vault.fromConfig(config.encryptionKey, { keyFile: join(config.dataDir, 'encryption.key') });
        const { rewrapped, total } = await rotateEncryption(store, vault);
        console.log(`re-encrypted ${rewrapped} of ${total} connection secret(s) under key ${vault.currentKid}; the old key can be removed once every hub process runs with the new one`);
      }),
    );
  keys
    .command('generate-encryption-key')
    .description('Print a new random encryption key for SWITCHBOARD_ENCRYPTION_KEY')
    .action(() => console.log(Vault.generateKey()));
  return keys;
}
