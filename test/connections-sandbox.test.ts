/**
 * Sandbox means sandbox everywhere, and emulators start when first used:
 * - on a sandboxed hub (NODE_ENV=test), a tenant connection made with a real-looking key goes to
 *   the provider's emulator, never to `SENDGRID_API_BASE` (here a second emulator standing in for
 *   the real API, which must see nothing);
 * - a hub starts no emulator until a send needs one;
 * - token sets written back by a connector are sealed at rest, survive a restart, and a status
 *   other than `active` stops the connection (409 connection_inactive) until an operator enables it.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub } from '../src/hub.js';
import { sendgrid } from '../src/providers/sendgrid/index.js';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const KEY = 'SG.a-real-looking-key-that-must-not-leave';

describe('a sandboxed hub keeps tenant connections in the sandbox', () => {
  let upstream: SendgridEmulator;
  let t: TestHub;
  beforeAll(async () => {
    upstream = (await sendgrid.startEmulator!({ eventDelayMs: 5 })) as SendgridEmulator;
    t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid', SENDGRID_API_BASE: upstream.url });
  });
  afterAll(async () => {
    await t?.close();
    await upstream?.close();
  });

  it('creates the connection as sandbox and sends through the emulator, never to the configured API base', async () => {
    const created = await t.api('/api/v1/connections', { body: { provider: 'sendgrid', name: 'acme', credentials: { apiKey: KEY } } });
    expect(created.status).toBe(201);
    expect(created.body.mode).toBe('sandbox');
    const sandbox = t.hub.connections.emulator('sendgrid') as SendgridEmulator;
    const before = sandbox.accepted.length;
    const sent = await t.api('/api/v1/integrations/email/send', { body: { to: 'ann@example.com', subject: 'Hi', text: 'Hello' } });
    expect(sent.status).toBe(200);
    expect(sent.body.provider).toBe('sendgrid');
    expect(sandbox.accepted.length).toBe(before + 1);
    expect(upstream.accepted).toHaveLength(0);
    const audit = await t.hub.store.db.selectFrom('audit_log').select(['url', 'connection_id']).where('connection_id', '=', created.body.id).execute();
    expect(audit.length).toBeGreaterThan(0);
    for (const a of audit) expect(a.url.startsWith(sandbox.url)).toBe(true);
    const listed = await t.api('/api/v1/connections');
    expect(listed.body.data.find((c: { id: string }) => c.id === created.body.id)).toMatchObject({ mode: 'sandbox', status: 'active' });
  });

  it("keeps a tenant's own webhook secret in the sandbox (its webhook URL verifies with it), but not its API key", async () => {
    const created = await t.hub.connections.create('globex', 'stripe', 'main', { secretKey: 'sk_live_tenant_key', webhookSecret: 'whsec_tenant_own' });
    const resolved = (await t.hub.connections.byId(created.id))!;
    expect(resolved.credentials).toMatchObject({ webhookSecret: 'whsec_tenant_own' });
    expect(resolved.credentials.secretKey).not.toBe('sk_live_tenant_key');
    expect(resolved.baseUrl).toBe(t.hub.connections.emulator('stripe')!.url);
  });
});

describe('lazy emulators, token sets and status', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sb-conn-state-'));
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATA_DIR: dataDir, EMAIL_PROVIDERS: 'sendgrid,smtp', PAYMENT_PROVIDERS: 'stripe' };

  it('starts no emulator until a send needs one, then only that one', async () => {
    const hub = await createHub({ env });
    try {
      expect(['sendgrid', 'smtp', 'stripe'].map((p) => hub.connections.emulator(p))).toEqual([undefined, undefined, undefined]);
      expect(hub.connections.defaultConnection('sendgrid')).toMatchObject({ mode: 'sandbox', baseUrl: '' });
      const r = await hub.email.send('default', { to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
      expect(r).toMatchObject({ status: 'sent', provider: 'sendgrid' });
      expect(hub.connections.emulator('sendgrid')?.accepted).toHaveLength(1);
      expect(hub.connections.defaultConnection('sendgrid')!.baseUrl).toBe(hub.connections.emulator('sendgrid')!.url);
      expect(hub.connections.emulator('smtp')).toBeUndefined();
      expect(hub.connections.emulator('stripe')).toBeUndefined();
    } finally {
      await hub.close();
    }
  });

  it('writes a token set back sealed, reads it after a restart, and stops a connection that needs re-authorization', async () => {
    const first = await createHub({ env, startWorkers: false });
    const conn = await first.connections.create('acme', 'sendgrid', 'main', { apiKey: KEY });
    const resolved = (await first.connections.byId(conn.id))!;
    const tokens = { accessToken: 'at-secret-1', refreshToken: 'rt-secret-1', expiresAt: Date.now() + 3_600_000, scopes: ['mail.send'] };
    await first.connections.saveTokens(resolved, tokens); // what a connector's ctx.saveTokens does
    expect(resolved.tokens).toEqual(tokens); // used at once by this process
    const row = await first.store.db.selectFrom('connection_state').selectAll().where('connection_id', '=', conn.id).executeTakeFirstOrThrow();
    expect(row.tokens).not.toContain('rt-secret-1');
    expect(row.tokens).not.toContain('at-secret-1');
    await first.connections.setStatus(resolved, 'needs_reauth', 'invalid_grant: the refresh token was revoked');
    await first.close();

    const second = await createHub({ env, startWorkers: false });
    try {
      const again = (await second.connections.byId(conn.id))!;
      expect(again.tokens).toEqual(tokens);
      expect(again).toMatchObject({ status: 'needs_reauth', statusReason: 'invalid_grant: the refresh token was revoked' });
      await expect(second.connections.connector('acme', 'sendgrid', 'email')).rejects.toMatchObject({ code: 'connection_inactive', status: 409, details: { status: 'needs_reauth' } });
      const listed = await second.connections.list('acme');
      expect(listed.find((c) => c.id === conn.id)).toMatchObject({ status: 'needs_reauth', hasTokens: true });
      expect(JSON.stringify(listed)).not.toContain('rt-secret-1');
      await second.connections.setStatusById('acme', conn.id, 'active');
      await expect(second.connections.connector('acme', 'sendgrid', 'email')).resolves.toBeDefined();
    } finally {
      await second.close();
    }
  });
});
