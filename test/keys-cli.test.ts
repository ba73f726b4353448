/**
 * The `switchboard keys` CLI as real child processes (`tsx src/cli/main.ts keys …`) against a temp
 * DATA_DIR, checked through a hub opened on the same DATA_DIR: create prints a key that
 * authenticates with exactly its scopes, list shows the prefix only, revoke makes the key a 401;
 * generate-encryption-key prints a usable key; bad input exits non-zero with a message;
 * rotate-encryption re-wraps the stored secrets. The tests run concurrently (each child costs ~2 s).
 */
import { execFile } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { openStore } from '../src/store/store.js';
import { Vault } from '../src/vault/vault.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const SLOW = { timeout: 60_000 };

interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** `switchboard <args>` from source in a clean environment; cwd is the data dir (no stray .env). */
function cli(args: string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve) => {
    execFile(
      `${ROOT}node_modules/.bin/tsx`,
      [`${ROOT}src/cli/main.ts`, ...args],
      { cwd: env.DATA_DIR ?? tmpdir(), env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', LOG_LEVEL: 'warn', ...env }, timeout: 30_000 },
      (err, stdout, stderr) => resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }),
    );
  });
}

const tempDir = () => mkdtempSync(join(tmpdir(), 'sb-keys-cli-'));

async function hubOn(dataDir: string, env: Record<string, string> = {}): Promise<{ hub: Hub; url: string }> {
  const hub = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMAIL_PROVIDERS: 'sendgrid', QUEUE_POLL_MS: '50', ...env } });
  return { hub, url: await hub.listen({ port: 0, host: '127.0.0.1' }) };
}

/** The HTTP status as `http`, then the JSON answer's fields. */
async function call(url: string, key: string, path: string, body?: unknown): Promise<{ http: number; code?: string; detail?: string; id?: string; status?: string }> {
  const res = await fetch(url + path, {
    method: body === undefined ? 'GET' : 'POST',
    headers: { authorization: `Bearer ${key}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { ...((await res.json()) as object), http: res.status };
}

const SEND = '/api/v1/integrations/email/send';
const message = { to: 'ci@example.com', subject: 'from ci', text: 'hello' };

describe.concurrent('switchboard keys', () => {
  it('create prints a key with exactly its scopes; list shows the prefix only; revoke makes it a 401', SLOW, async ({ expect }) => {
    const dataDir = tempDir();
    const created = await cli(['keys', 'create', '--name', 'ci', '--scopes', 'email:send'], { DATA_DIR: dataDir });
    expect(created.code, created.stderr).toBe(0);
    const [key, info] = created.stdout.trim().split('\n');
    expect(key).toMatch(/^sb_live_[A-Za-z0-9_-]{43}$/);
    expect(info).toContain('scopes email:send');
    const id = /\(id (key_\w+)/.exec(info!)![1]!;

    const listing = cli(['keys', 'list'], { DATA_DIR: dataDir }); // runs while the hub checks the key
    const first = await hubOn(dataDir);
    try {
      const sent = await call(first.url, key!, SEND, message);
      expect(sent).toMatchObject({ http: 200, status: 'sent', provider: 'sendgrid' });
      expect(sent.id).toMatch(/^msg_/);
      const read = await call(first.url, key!, `/api/v1/integrations/email/${sent.id}`);
      expect(read).toMatchObject({ http: 403, code: 'forbidden', detail: expect.stringContaining('email:read') });
      expect((await call(first.url, key!, '/api/v1/connections')).http).toBe(403);
      expect((await call(first.url, `${key!.slice(0, -2)}${key!.endsWith('xx') ? 'yy' : 'xx'}`, SEND, message)).http).toBe(401);

      const list = await listing;
      expect(list.code, list.stderr).toBe(0);
      const lines = list.stdout.trim().split('\n');
      expect(lines).toHaveLength(1);
      expect(lines[0]).toContain(id);
      expect(lines[0]).toContain(`${key!.slice(0, 12)}…`);
      expect(lines[0]).toMatch(/\bci\b.*tenant=default scopes=email:send$/);
      expect(list.stdout).not.toContain(key!.slice(12, 20)); // nothing of the key past its prefix

      const revoked = await cli(['keys', 'revoke', id], { DATA_DIR: dataDir });
      expect(revoked.code, revoked.stderr).toBe(0);
      expect(revoked.stdout).toContain(`revoked ${id}`);
      // A hub started now refuses it at once; the running one within its 5 s cache.
      const fresh = await hubOn(dataDir);
      try {
        expect(await call(fresh.url, key!, SEND, message)).toMatchObject({ http: 401, code: 'unauthorized' });
      } finally {
        await fresh.hub.close();
      }
      await expect.poll(async () => (await call(first.url, key!, SEND, message)).http, { timeout: 7_000, interval: 250 }).toBe(401);
    } finally {
      await first.hub.close();
    }
  });

  it('generate-encryption-key prints a fresh 32-byte key the vault accepts', SLOW, async ({ expect }) => {
    const r = await cli(['keys', 'generate-encryption-key'], { DATA_DIR: tempDir() });
    expect(r.code, r.stderr).toBe(0);
    const key = r.stdout.trim();
    expect(key).toMatch(/^[A-Za-z0-9+/]{43}=$/);
    expect(Buffer.from(key, 'base64')).toHaveLength(32);
    const vault = Vault.fromConfig(key);
    expect(vault.open(vault.seal({ ok: true }, 'ctx'), 'ctx')).toEqual({ ok: true });
    expect(key).not.toBe(Vault.generateKey());
  });

  it('an unknown scope or key id: non-zero exit with a message, nothing stored', SLOW, async ({ expect }) => {
    const dataDir = tempDir();
    // Three processes open the fresh database at once: each must migrate it or see it migrated.
    const [badScope, badRevoke, list] = await Promise.all([
      cli(['keys', 'create', '--name', 'ci', '--scopes', 'email:send,email:bogus'], { DATA_DIR: dataDir }),
      cli(['keys', 'revoke', 'key_doesnotexist'], { DATA_DIR: dataDir }),
      cli(['keys', 'list'], { DATA_DIR: dataDir }),
    ]);
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toBe('');
    expect(badScope.code).toBe(1);
    expect(badScope.stderr).toContain('unknown scope "email:bogus"');
    expect(badScope.stderr).toContain('email:read'); // lists the known ones
    expect(badScope.stdout).not.toMatch(/sb_(live|test)_/);
    expect(badRevoke.code).toBe(1);
    expect(badRevoke.stderr).toContain('No active API key key_doesnotexist');
    const store = await openStore({ dataDir });
    try {
      expect(await store.db.selectFrom('api_keys').selectAll().execute()).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('rotate-encryption re-wraps every connection under the first key; then the old key alone fails', SLOW, async ({ expect }) => {
    const dataDir = tempDir();
    const [OLD, NEW] = [Vault.generateKey(), Vault.generateKey()];
    const [OLD_KID, NEW_KID] = [Vault.fromConfig(OLD).currentKid, Vault.fromConfig(NEW).currentKid];
    const seed = await createHub({ env: { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SWITCHBOARD_ENCRYPTION_KEY: OLD, EMAIL_PROVIDERS: 'sendgrid' }, startWorkers: false });
    await seed.connections.create('acme', 'sendgrid', 'main', { apiKey: 'SG.acme-rotate' });
    await seed.connections.create('globex', 'mailgun', 'main', { apiKey: 'key-globex', domain: 'mg.globex.test' });
    await seed.close();

    const rotated = await cli(['keys', 'rotate-encryption'], { DATA_DIR: dataDir, SWITCHBOARD_ENCRYPTION_KEY: `${NEW},${OLD}` });
    expect(rotated.code, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain(`re-encrypted 2 of 2 connection secret(s) under key ${NEW_KID}`);
    const kids = async () => {
      const store = await openStore({ dataDir });
      try {
        return (await store.db.selectFrom('connections').select(['key_id', 'credentials']).execute()).map((r) => [r.key_id, r.credentials.split('.')[1]]);
      } finally {
        await store.close();
      }
    };
    expect(await kids()).toEqual([
      [NEW_KID, NEW_KID],
      [NEW_KID, NEW_KID],
    ]);

    const [again, oldOnly] = await Promise.all([
      cli(['keys', 'rotate-encryption'], { DATA_DIR: dataDir, SWITCHBOARD_ENCRYPTION_KEY: `${NEW},${OLD}` }),
      cli(['keys', 'rotate-encryption'], { DATA_DIR: dataDir, SWITCHBOARD_ENCRYPTION_KEY: OLD }),
    ]);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stdout).toContain('re-encrypted 0 of 2');
    expect(oldOnly.code).toBe(1);
    expect(oldOnly.stderr).toContain(`key ${NEW_KID}: that key is not configured (configured: ${OLD_KID})`);
    expect(oldOnly.stderr + oldOnly.stdout).not.toContain(OLD);
    expect((await kids()).every(([a, b]) => a === NEW_KID && b === NEW_KID)).toBe(true);

    // A live hub (not sandboxed, which would point tenant connections at the emulators): it reads the stored credentials back; nothing calls out.
    const hub = await createHub({ env: { NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: dataDir, SWITCHBOARD_ENCRYPTION_KEY: NEW, EMAIL_PROVIDERS: 'sendgrid' }, startWorkers: false });
    try {
      expect((await hub.connections.forTenant('acme', 'sendgrid'))!.credentials).toEqual({ apiKey: 'SG.acme-rotate' });
      expect((await hub.connections.list('globex')).find((c) => c.tenantId === 'globex')!.fields).toEqual(expect.arrayContaining(['apiKey', 'domain']));
    } finally {
      await hub.close();
    }
  });
});
