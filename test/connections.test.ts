/**
 * Tenant connections through the REST API, on SQLite and PostgreSQL: create, validate, list,
 * delete; credentials never come back and never reach the database in plaintext (checked on the
 * raw SQLite file and WAL, and on a pg_dump plus every row of every table); a tenant's own
 * connection carries that tenant's sends.
 *
 * The hub runs in live mode (NODE_ENV=development, no MOCK_EXTERNAL_APIS) with no SendGrid key in
 * its environment, so its default SendGrid connection is a sandbox one and tenant connections are
 * live. They point at a SendGrid emulator of this test process standing in for the real API
 * (`SENDGRID_API_BASE` applies to live connections), apart from the hub's own sandbox emulator, so
 * a test can tell which connection a send went through. (On a sandboxed hub tenant connections go
 * to the emulator: see connections-sandbox.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it as baseIt } from 'vitest';
import { getProvider } from '../src/providers/registry.js';
import { sendgrid } from '../src/providers/sendgrid/index.js';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { PG_URL, postgresAvailable, postgresFixture, runSchema, sqliteFixture, type StoreFixture } from './helpers/stores.js';

const hasPg = await postgresAvailable();
const SECRET = 'SG.super-secret-value-123';
const CONNECTIONS = '/api/v1/connections';
const SEND = '/api/v1/integrations/email/send';

let upstream: SendgridEmulator;
beforeAll(async () => {
  upstream = (await sendgrid.startEmulator!({ eventDelayMs: 5 })) as SendgridEmulator;
});
afterAll(async () => {
  await upstream?.close();
});

/** The schema a postgresFixture's URL selects with `search_path`. */
function schemaOf(fixture: StoreFixture): string {
  const m = /search_path=(\w+)/.exec(decodeURIComponent(fixture.options.databaseUrl!));
  if (!m) throw new Error(`no search_path in ${fixture.options.databaseUrl}`);
  return m[1]!;
}

function hasPgDump(): boolean {
  try {
    execFileSync('which', ['pg_dump'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Every row of every table of the schema, each as PostgreSQL's text form of the whole row. */
async function selectEverything(schema: string): Promise<string> {
  const client = new pg.Client({ connectionString: PG_URL });
  await client.connect();
  try {
    const tables = await client.query<{ table_name: string }>("select table_name from information_schema.tables where table_schema = $1 and table_type = 'BASE TABLE'", [schema]);
    expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['connections', 'email_messages', 'idempotency_keys', 'audit_log']));
    const parts: string[] = [];
    for (const { table_name } of tables.rows) {
      const rows = await client.query<{ row: string }>(`select r::text as row from "${schema}"."${table_name}" r`);
      for (const r of rows.rows) parts.push(`${table_name}: ${r.row}`);
    }
    return parts.join('\n');
  } finally {
    await client.end();
  }
}

/** Raw bytes of the SQLite database file and its WAL (where recent commits live). */
function sqliteBytes(fixture: StoreFixture): Buffer {
  const file = fixture.options.databaseUrl!.replace(/^sqlite:/, '');
  const parts = [readFileSync(file)];
  if (existsSync(`${file}-wal`)) parts.push(readFileSync(`${file}-wal`));
  return Buffer.concat(parts);
}

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('connections on %s', (dialect, makeFixture) => {
  let t: TestHub;
  let fixture: StoreFixture;
  let acmeId: string;
  beforeAll(async () => {
    if (dialect === 'postgres' && !hasPg) return;
    fixture = makeFixture();
    await (await fixture.open()).close();
    t = await startTestHub({ NODE_ENV: 'development', DATABASE_URL: fixture.options.databaseUrl!, SENDGRID_API_BASE: upstream.url });
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.cleanup();
  });
  const it = dialect === 'postgres' && !hasPg ? baseIt.skip : baseIt;

  const as = (key: string, path: string, body?: unknown, method?: string) => t.as(key, path, body, method);


  it('POST answers 201 with the id and the credential field names, never their values', async () => {
    const res = await t.api(CONNECTIONS, {
      body: { provider: 'sendgrid', name: 'acme', credentials: { apiKey: SECRET, fromEmail: 'a@acme.test' } },
      headers: { 'idempotency-key': 'conn-acme' }, // the stored idempotent answer must not hold the secret either
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^conn_/), tenantId: 'default', provider: 'sendgrid', name: 'acme', mode: 'live' });
    expect([...res.body.fields].sort()).toEqual(['apiKey', 'fromEmail']);
    const text = JSON.stringify(res.body);
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('super-secret');
    expect(text).not.toContain('a@acme.test');
    acmeId = res.body.id;
    const row = await t.hub.store.db.selectFrom('connections').selectAll().where('id', '=', acmeId).executeTakeFirstOrThrow();
    expect(row.key_id).toBe(t.hub.vault.currentKid);
    expect(row.credentials).not.toContain(SECRET);
    // …and the vault opens what was stored to exactly what was given.
    expect(t.hub.vault.open(row.credentials, row.id)).toEqual({ apiKey: SECRET, fromEmail: 'a@acme.test' });
  });

  it('bad credentials: 400 naming each credentials.<field>', async () => {
    const res = await t.api(CONNECTIONS, { body: { provider: 'sendgrid', name: 'bad', credentials: { apiKey: '  ', fromEmail: 'not-an-email' } } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['credentials.apiKey', 'credentials.fromEmail']);
    expect(res.body.detail).toContain('credentials.apiKey');
    const missing = await t.api(CONNECTIONS, { body: { provider: 'sendgrid', name: 'bad', credentials: {} } });
    expect(missing.status).toBe(400);
    expect(missing.body.errors.map((e: { field: string }) => e.field)).toEqual(['credentials.apiKey']);
    const noCredentials = await t.api(CONNECTIONS, { body: { provider: 'sendgrid', name: 'bad' } });
    expect(noCredentials.status).toBe(400);
    expect(noCredentials.body.errors.map((e: { field: string }) => e.field)).toEqual(['credentials']);
    const list = await t.api(CONNECTIONS);
    expect(list.body.data.filter((c: { name: string }) => c.name === 'bad')).toEqual([]);
  });

  it('an unknown provider is a 400 naming it and the known ones', async () => {
    const res = await t.api(CONNECTIONS, { body: { provider: 'postmarkk', name: 'x', credentials: { apiKey: 'k' } } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors).toEqual([{ field: 'provider', message: expect.stringContaining('sendgrid') }]);
    expect(res.body.detail).toContain('"postmarkk"');
    expect(res.body.detail).toContain('sendgrid');
  });

  it('a duplicate name is a 409; the same name for another provider or tenant is fine', async () => {
    const dup = await t.api(CONNECTIONS, { body: { provider: 'sendgrid', name: 'acme', credentials: { apiKey: 'SG.other' } } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');
    expect(dup.body.detail).toContain('"acme"');
    const { key } = await t.hub.apiKeys.create({ name: 'other-tenant', tenantId: 'other' });
    const otherTenant = await as(key, CONNECTIONS, { provider: 'sendgrid', name: 'acme', credentials: { apiKey: 'SG.other' } });
    expect(otherTenant.status).toBe(201);
    expect(otherTenant.body.tenantId).toBe('other');
  });

  it('GET lists the env defaults (sandbox) and the tenant’s own, never a secret value, never another tenant’s', async () => {
    const res = await fetch(t.url + CONNECTIONS, { headers: { authorization: `Bearer ${t.key}` } });
    expect(res.status).toBe(200);
    const text = await res.text();
    const { data } = JSON.parse(text) as { data: { id: string; tenantId: string; provider: string; name: string; mode: string; fields: string[] }[] };
    const defaults = data.filter((c) => c.name === 'default');
    // (in the order their emulators came up)
    // (every vendor folder has one: the email and payments ones among them, and those later categories add)
    expect(defaults.map((c) => c.provider).sort()).toEqual(expect.arrayContaining(['gmail', 'mailgun', 'paypal', 'sendgrid', 'smtp', 'stripe', 'twilio']));
    for (const d of defaults) expect(d).toMatchObject({ id: `conn_default_${d.provider}`, tenantId: 'default', mode: 'sandbox' });
    expect(defaults.find((d) => d.provider === 'sendgrid')!.fields).toContain('apiKey');
    const own = data.filter((c) => c.name !== 'default');
    expect(own).toEqual([expect.objectContaining({ id: acmeId, tenantId: 'default', provider: 'sendgrid', name: 'acme', mode: 'live' })]);
    expect([...own[0]!.fields].sort()).toEqual(['apiKey', 'fromEmail']);
    // No secret of any connection, the tenant's or the sandbox emulators', is in the answer.
    const secrets = [SECRET, 'SG.other'];
    for (const p of ['sendgrid', 'mailgun', 'smtp', 'gmail']) {
      const conn = t.hub.connections.defaultConnection(p)!;
      const creds = conn.credentials as Record<string, unknown>;
      for (const field of getProvider(p).manifest.secretFields) if (typeof creds[field] === 'string') secrets.push(creds[field]);
    }
    expect(secrets.length).toBeGreaterThanOrEqual(4); // the sandbox keys were found, so the check below means something
    for (const s of secrets) expect(text).not.toContain(s);
    // The "other" tenant sees its own connection and the defaults, not default-tenant's "acme".
    const { key } = await t.hub.apiKeys.create({ name: 'other-reader', tenantId: 'other', scopes: ['connections:read'] });
    const other = await as(key, CONNECTIONS);
    expect(other.body.data.filter((c: { name: string }) => c.name !== 'default').map((c: { tenantId: string }) => c.tenantId)).toEqual(['other']);
  });

  it('DELETE answers 204, then 404; another tenant cannot delete it', async () => {
    const created = await t.api(CONNECTIONS, { body: { provider: 'mailgun', name: 'temp', credentials: { apiKey: 'key-temp', domain: 'mg.acme.test' } } });
    expect(created.status).toBe(201);
    const { key } = await t.hub.apiKeys.create({ name: 'intruder', tenantId: 'intruder' });
    const foreign = await as(key, `${CONNECTIONS}/${created.body.id}`, undefined, 'DELETE');
    expect(foreign.status).toBe(404);
    const del = await t.api(`${CONNECTIONS}/${created.body.id}`, { method: 'DELETE' });
    expect(del.status).toBe(204);
    const again = await t.api(`${CONNECTIONS}/${created.body.id}`, { method: 'DELETE' });
    expect(again.status).toBe(404);
    expect(again.body.code).toBe('not_found');
    const list = await t.api(CONNECTIONS);
    expect(list.body.data.map((c: { id: string }) => c.id)).not.toContain(created.body.id);
  });

  it('a connection of tenant acme carries acme’s sends; a tenant without one uses the env default (sandbox)', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'acme-app', tenantId: 'acme' });
    const conn = await as(key, CONNECTIONS, { provider: 'sendgrid', name: 'main', credentials: { apiKey: upstream.credentials.apiKey, fromEmail: 'billing@acme.test' } });
    expect(conn.status).toBe(201);
    expect(conn.body.tenantId).toBe('acme');
    const sandbox = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
    const [upBefore, sbBefore] = [upstream.accepted.length, sandbox.accepted.length];

    const sent = await as(key, SEND, { to: 'customer@example.com', subject: `acme ${dialect}`, text: 'hello from acme' });
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ provider: 'sendgrid', status: 'sent' });
    expect(upstream.accepted.length).toBe(upBefore + 1);
    expect(sandbox.accepted.length).toBe(sbBefore);
    const mail = upstream.accepted.at(-1)!.body;
    expect(mail.from.email).toBe('billing@acme.test'); // the connection's fromEmail
    expect(mail.subject).toBe(`acme ${dialect}`);
    expect(upstream.accepted.at(-1)!.messageId).toBe(sent.body.providerMessageId);
    const audit = await t.hub.store.db.selectFrom('audit_log').selectAll().where('connection_id', '=', conn.body.id).execute();
    expect(audit.map((a) => [a.url.startsWith(upstream.url), a.status])).toContainEqual([true, 202]);

    // A tenant without a connection of its own uses the env default (here the sandbox).
    const { key: otherKey } = await t.hub.apiKeys.create({ name: 'plain-app', tenantId: `plain-${dialect}` });
    const def = await as(otherKey, SEND, { to: 'someone@example.com', subject: 'other tenant', text: 'x' });
    expect(def.body).toMatchObject({ provider: 'sendgrid', status: 'sent' });
    expect(upstream.accepted.length).toBe(upBefore + 1);
    expect(sandbox.accepted.length).toBe(sbBefore + 1);
  });

  it('a tenant connection whose key the provider refuses fails over (provider_auth_failed recorded), and nothing reaches SendGrid', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'globex-app', tenantId: 'globex' });
    const conn = await as(key, CONNECTIONS, { provider: 'sendgrid', name: 'main', credentials: { apiKey: 'SG.revoked-key', fromEmail: 'ops@globex.test' } });
    expect(conn.status).toBe(201);
    const upBefore = upstream.accepted.length;
    const sent = await as(key, SEND, { to: 'customer@example.com', subject: 'globex', text: 'x' });
    // The chain is sendgrid → mailgun → smtp: refused credentials move to the next provider
    // (globex has no mailgun connection of its own, so the hub's default one takes it).
    expect(sent.status).toBe(200);
    expect(sent.body).toMatchObject({ provider: 'mailgun', status: 'sent' });
    expect(upstream.accepted.length).toBe(upBefore);
    // The audit entry is written beside the call, not before the answer: wait for it.
    const auditOf = () => t.hub.store.db.selectFrom('audit_log').selectAll().where('connection_id', '=', conn.body.id).execute();
    for (let i = 0; i < 50 && (await auditOf()).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    const audit = await auditOf();
    expect(audit).toHaveLength(1); // a 401 is not retried
    expect(audit[0]).toMatchObject({ provider: 'sendgrid', status: 401, error_code: 'provider_auth_failed' });
    const msg = await as(key, `/api/v1/integrations/email/${sent.body.id}`);
    expect(msg.body).toMatchObject({ provider: 'mailgun', status: expect.stringMatching(/sent|delivered|processed/) });
  });

  it('no dump of the database holds a secret in plaintext', async () => {
    const secrets = [SECRET, 'super-secret-value', upstream.credentials.apiKey, 'SG.revoked-key'];
    if (dialect === 'sqlite') {
      const bytes = sqliteBytes(fixture);
      // The scan reads what was written: the connection row's id and name are there.
      expect(bytes.includes(Buffer.from(acmeId))).toBe(true);
      for (const s of secrets) expect(bytes.includes(Buffer.from(s)), `"${s}" in the SQLite file`).toBe(false);
      return;
    }
    const schema = schemaOf(fixture);
    const rows = await selectEverything(schema);
    expect(rows).toContain(acmeId);
    expect(rows).toContain('idempotency_keys:'); // the replayable answer of the create is there…
    for (const s of secrets) expect(rows, `"${s}" in a row`).not.toContain(s); // …without the secret
    if (!hasPgDump()) {
      console.warn('pg_dump is not installed: checked every row with SELECT only');
      return;
    }
    const dump = execFileSync('pg_dump', ['--schema', schema, '--no-owner', PG_URL], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    expect(dump).toContain(acmeId);
    for (const s of secrets) expect(dump.includes(s), `"${s}" in pg_dump`).toBe(false);
  });

  if (dialect === 'postgres') {
    it('migrates a fresh schema although another schema of the database already holds Kysely’s tables', async () => {
      // Kysely looks for its migration tables in every schema unless told which: a decoy made a
      // new hub skip creating them and fail ("relation kysely_migration_lock does not exist").
      const decoy = runSchema('decoy_');
      const client = new pg.Client({ connectionString: PG_URL });
      await client.connect();
      const fresh = postgresFixture();
      try {
        await client.query(`create schema ${decoy}; create table ${decoy}.kysely_migration (name text); create table ${decoy}.kysely_migration_lock (id text, is_locked integer)`);
        const store = await fresh.open();
        await store.close();
        const tables = await client.query<{ table_name: string }>('select table_name from information_schema.tables where table_schema = $1', [schemaOf(fresh)]);
        expect(tables.rows.map((r) => r.table_name)).toEqual(expect.arrayContaining(['kysely_migration', 'kysely_migration_lock', 'connections']));
      } finally {
        await client.end();
        await fresh.cleanup();
      }
    });
  }
});
