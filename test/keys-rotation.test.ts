/**
 * Rotating the encryption key (library path, on SQLite and PostgreSQL): connections sealed under
 * OLD; a hub on `NEW,OLD` reads them and `rotateEncryption` re-wraps every row under NEW (data
 * part unchanged); then a hub on NEW alone reads them all and a hub on OLD alone cannot
 * (`encryption_failed` naming the missing key, also over REST). The CLI command is in
 * `keys-cli.test.ts`.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it as baseIt } from 'vitest';
import { rotateEncryption } from '../src/cli/keys.js';
import { createHub, type Hub } from '../src/hub.js';
import { Vault } from '../src/vault/vault.js';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from './helpers/stores.js';

const hasPg = await postgresAvailable();
const OLD = Vault.generateKey();
const NEW = Vault.generateKey();
const OLD_KID = Vault.fromConfig(OLD).currentKid;
const NEW_KID = Vault.fromConfig(NEW).currentKid;

const CREDENTIALS = {
  'acme/sendgrid': { apiKey: 'SG.acme-secret', fromEmail: 'a@acme.test' },
  'acme/mailgun': { apiKey: 'key-acme-mailgun', domain: 'mg.acme.test' },
  'globex/sendgrid': { apiKey: 'SG.globex-secret' },
} as const;
const TOKENS = { accessToken: 'at-globex', refreshToken: 'rt-globex', expiresAt: 1_900_000_000_000 };

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('encryption key rotation on %s', (dialect, makeFixture) => {
  let fixture: StoreFixture;
  let dataDir: string;
  const ids = new Map<string, string>();
  const before = new Map<string, string>();
  const open = new Set<Hub>();

  async function hubWith(encryptionKey: string): Promise<Hub> {
    // A live hub (not sandboxed): a sandboxed one points tenant connections at the emulators, with
    // the emulators' credentials, and these tests read back the stored ones. Nothing here calls out.
    const hub = await createHub({
      env: { NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: dataDir, DATABASE_URL: fixture.options.databaseUrl!, SWITCHBOARD_ENCRYPTION_KEY: encryptionKey, EMAIL_PROVIDERS: 'sendgrid' },
      startWorkers: false,
    });
    open.add(hub);
    return hub;
  }
  const done = async (hub: Hub) => {
    open.delete(hub);
    await hub.close();
  };
  const rows = (hub: Hub) => hub.store.db.selectFrom('connections').select(['id', 'key_id', 'credentials']).orderBy('id').execute();

  beforeAll(async () => {
    if (dialect === 'postgres' && !hasPg) return;
    fixture = makeFixture();
    dataDir = mkdtempSync(join(tmpdir(), 'sb-rotate-'));
    await (await fixture.open()).close();
    const hub = await hubWith(OLD);
    for (const [key, creds] of Object.entries(CREDENTIALS)) {
      const [tenant, provider] = key.split('/') as [string, string];
      ids.set(key, (await hub.connections.create(tenant, provider, 'main', creds)).id);
    }
    // One connection also holds an OAuth token set, sealed the same way.
    await hub.connections.saveTokens((await hub.connections.byId(ids.get('globex/sendgrid')!))!, TOKENS);
    for (const r of await rows(hub)) before.set(r.id, r.credentials);
    await done(hub);
  });
  afterAll(async () => {
    for (const hub of open) await hub.close().catch(() => {});
    await fixture?.cleanup();
  });
  const it = dialect === 'postgres' && !hasPg ? baseIt.skip : baseIt;

  it('connections sealed under OLD carry its key id', () => {
    expect([...before.values()]).toHaveLength(3);
    for (const sealed of before.values()) expect(sealed.split('.')[1]).toBe(OLD_KID);
    expect(OLD_KID).not.toBe(NEW_KID);
  });

  it('a hub on NEW,OLD reads them; rotateEncryption re-wraps every row under NEW and leaves the data part as it was', async () => {
    const hub = await hubWith(`${NEW},${OLD}`);
    expect(hub.vault.currentKid).toBe(NEW_KID);
    expect((await hub.connections.list('acme')).filter((c) => c.tenantId === 'acme')).toHaveLength(2);

    expect(await rotateEncryption(hub.store, hub.vault)).toEqual({ rewrapped: 4, total: 4 });
    const state = await hub.store.db.selectFrom('connection_state').selectAll().executeTakeFirstOrThrow();
    expect(state.tokens!.split('.')[1]).toBe(NEW_KID);
    const after = await rows(hub);
    expect(after).toHaveLength(3);
    for (const r of after) {
      expect(r.key_id).toBe(NEW_KID);
      const [version, kid, wrapped, data] = r.credentials.split('.');
      const [, , oldWrapped, oldData] = before.get(r.id)!.split('.');
      expect([version, kid]).toEqual(['v1', NEW_KID]);
      expect(wrapped).not.toBe(oldWrapped);
      expect(data).toBe(oldData);
    }
    // Idempotent: a second run finds nothing left to do.
    expect(await rotateEncryption(hub.store, hub.vault)).toEqual({ rewrapped: 0, total: 4 });
    await done(hub);
  });

  it('a hub on NEW alone reads every connection (list and the credentials sends use)', async () => {
    const hub = await hubWith(NEW);
    const acme = (await hub.connections.list('acme')).filter((c) => c.tenantId === 'acme');
    expect(acme.map((c) => c.provider).sort()).toEqual(['mailgun', 'sendgrid']);
    expect(acme.find((c) => c.provider === 'sendgrid')!.fields.sort()).toEqual(['apiKey', 'fromEmail']);
    expect((await hub.connections.forTenant('acme', 'sendgrid'))!.credentials).toEqual(CREDENTIALS['acme/sendgrid']);
    expect((await hub.connections.forTenant('acme', 'mailgun'))!.credentials).toMatchObject(CREDENTIALS['acme/mailgun']);
    expect((await hub.connections.forTenant('globex', 'sendgrid'))!.credentials).toEqual(CREDENTIALS['globex/sendgrid']);
    expect((await hub.connections.forTenant('globex', 'sendgrid'))!.tokens).toEqual(TOKENS);
    await done(hub);
  });

  it('a hub on OLD alone cannot: encryption_failed naming the missing key id, as a library error and over REST', async () => {
    const hub = await hubWith(OLD);
    await expect(hub.connections.list('acme')).rejects.toMatchObject({ code: 'encryption_failed', message: expect.stringContaining(NEW_KID) });
    await expect(hub.connections.forTenant('globex', 'sendgrid')).rejects.toMatchObject({ code: 'encryption_failed' });
    const url = await hub.listen({ port: 0, host: '127.0.0.1' });
    const { key } = await hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    const res = await fetch(`${url}/api/v1/connections`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status).toBe(500);
    const problem = (await res.json()) as { code: string; detail: string };
    expect(problem.code).toBe('encryption_failed');
    expect(problem.detail).toContain(NEW_KID);
    expect(problem.detail).not.toContain(OLD); // never key material
    await done(hub);
  });
});
