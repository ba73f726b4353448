/**
 * Processes sharing one store (PostgreSQL, and one SQLite file): two racing for one refresh make
 * ONE token request; a process killed with SIGKILL after the provider answered (its rotated
 * refresh token lost with it) leaves an unfinished lease, and the next process says so: it sends
 * the possibly spent token once more (a provider that still accepts it keeps the connection
 * alive), or asks the user to connect again, never silently.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { afterAll, describe, expect, it } from 'vitest';
import type { ResolvedConnection, TokenSet } from '../kit/connection.js';
import type { Store } from '../store/store.js';
import { generateEncryptionKey } from '../vault/keys.js';
import { Vault } from '../vault/vault.js';
import { allFixtures, sqliteFixture, type StoreFixture } from '../../test/helpers/stores.js';
import { tokenHash } from './refresh-lease.js';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './test-utils/token-server.js';
import { readState, writeTokens } from './token-state.js';

const KEY = generateEncryptionKey();
const vault = Vault.fromConfig(KEY);
const fixtures = await allFixtures();
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

interface Child {
  proc: ChildProcess;
  /** The next JSON line the child prints. */
  next(): Promise<Record<string, unknown>>;
  go(): void;
  exited: Promise<number | null>;
}

function child(fixture: StoreFixture, server: TokenServer, connectionId: string, env: Record<string, string> = {}): Child {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'src/oauth/test-utils/refresh-child.ts'], {
    env: { ...process.env, DATABASE_URL: fixture.options.databaseUrl, ENCRYPTION_KEY: KEY, TOKEN_URL: server.tokenUrl, CONNECTION_ID: connectionId, OWNER: `child-${Math.random().toString(36).slice(2, 6)}`, ...env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const queue: Record<string, unknown>[] = [];
  const waiting: ((line: Record<string, unknown>) => void)[] = [];
  createInterface({ input: proc.stdout! }).on('line', (line) => {
    const parsed = JSON.parse(line) as Record<string, unknown>;
    const w = waiting.shift();
    if (w) w(parsed);
    else queue.push(parsed);
  });
  return {
    proc,
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift()!) : new Promise((resolve) => waiting.push(resolve))),
    go: () => proc.stdin!.write('go\n'),
    exited: new Promise((resolve) => proc.on('exit', (code) => resolve(code))),
  };
}

async function prepare(fixture: StoreFixture, serverOptions: TokenServerOptions, tokens: TokenSet) {
  const store: Store = await fixture.open();
  const server = await startTokenServer(serverOptions);
  cleanups.push(() => server.close(), () => store.close(), () => fixture.cleanup());
  const connection = { id: `conn_${Math.random().toString(36).slice(2)}`, credentials: {}, status: 'active' } as ResolvedConnection;
  if (tokens.refreshToken) server.seed(tokens.refreshToken);
  await store.write((trx) => writeTokens(trx, vault, connection, tokens, Date.now()));
  return { store, server, connection };
}

const expired = (refreshToken = 'rt-0'): TokenSet => ({ accessToken: 'at-0', refreshToken, expiresAt: Date.now() - 1000, obtainedAt: Date.now() - 3_601_000 });

describe.each(fixtures.map((f) => [f.dialect, f] as const))('two processes on %s', (_dialect, fixture) => {
  it('racing one refresh make ONE token request and both use its token', { timeout: 60_000 }, async () => {
    const { store, server, connection } = await prepare(fixture, { rotation: 'always', delayMs: 300 }, expired());
    const [a, b] = [child(fixture, server, connection.id), child(fixture, server, connection.id)];
    expect([await a.next(), await b.next()]).toEqual([{ ready: true }, { ready: true }]);
    a.go();
    b.go();
    const answers = [await a.next(), await b.next()];
    expect(answers).toEqual([{ token: 'at-1' }, { token: 'at-1' }]);
    expect(server.requests).toEqual([{ grant_type: 'refresh_token', refresh_token: 'rt-0' }]);
    expect((await readState(store.db, vault, connection)).tokens).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1' });
    await Promise.all([a.exited, b.exited]);
  });
});

describe('a process killed after the provider answered a refresh (SQLite file and PostgreSQL)', () => {
  async function crash(rotation: TokenServerOptions['rotation'], fixture: StoreFixture = sqliteFixture()) {
    const { store, server, connection } = await prepare(fixture, { rotation }, expired());
    const a = child(fixture, server, connection.id, { LEASE_MS: '1500' });
    await a.next();
    server.onAnswered = () => a.proc.kill('SIGKILL');
    a.go();
    expect(await a.exited).toBe(null);
    server.onAnswered = undefined;
    // The provider rotated (rt-0 → rt-1) but the answer died with the process: the store still
    // holds rt-0, and the lease records that rt-0 was sent under a lease that never finished.
    expect((await readState(store.db, vault, connection)).tokens).toMatchObject({ refreshToken: 'rt-0' });
    const lease = await store.db.selectFrom('oauth_refresh_leases').selectAll().where('connection_id', '=', connection.id).executeTakeFirstOrThrow();
    expect(lease).toMatchObject({ sent_hash: tokenHash('rt-0'), lease_id: expect.any(String) });
    return { store, server, connection, fixture };
  }

  async function next(ctx: { server: TokenServer; connection: ResolvedConnection; fixture: StoreFixture }, env: Record<string, string> = {}) {
    const b = child(ctx.fixture, ctx.server, ctx.connection.id, env);
    await b.next();
    b.go();
    const lines = [await b.next()];
    if (lines[0]!.needsReauth) lines.push(await b.next());
    await b.exited;
    return lines;
  }

  it.each(fixtures.map((f) => [f.dialect, f] as const))('on %s: a provider that still accepts the spent token (grace): the next process sends it once more, the connection lives on', { timeout: 60_000 }, async (_d, fixture) => {
    const ctx = await crash('grace', fixture);
    expect(await next(ctx)).toEqual([{ token: 'at-2' }]);
    expect(ctx.server.requests.map((r) => r.refresh_token)).toEqual(['rt-0', 'rt-0']);
    expect((await readState(ctx.store.db, vault, ctx.connection)).tokens).toMatchObject({ accessToken: 'at-2', refreshToken: 'rt-2' });
    const lease = await ctx.store.db.selectFrom('oauth_refresh_leases').selectAll().where('connection_id', '=', ctx.connection.id).executeTakeFirstOrThrow();
    expect(lease).toMatchObject({ sent_hash: null, lease_id: null });
  });

  it('a provider that refuses it: needs_reauth, and the reason says the refresh was interrupted', { timeout: 60_000 }, async () => {
    const ctx = await crash('always');
    const [reauth, outcome] = await next(ctx);
    expect(reauth!.needsReauth).toMatch(/never finished \(its process died after sending it\)/);
    expect(outcome).toMatchObject({ error: 'oauth_invalid_grant' });
    expect(await readState(ctx.store.db, vault, ctx.connection)).toMatchObject({ status: 'needs_reauth' });
    expect(await next(ctx)).toEqual([expect.objectContaining({ error: 'connection_inactive' })]);
    expect(ctx.server.requests).toHaveLength(2);
  });

  it('a provider that revokes the grant on reuse (resendUnfinished: never): not sent again, needs_reauth at once', { timeout: 60_000 }, async () => {
    const ctx = await crash('always');
    const [reauth, outcome] = await next(ctx, { RESEND: 'never' });
    expect(reauth!.needsReauth).toMatch(/never finished.*not sent again.*connect again/);
    expect(outcome).toMatchObject({ error: 'oauth_invalid_grant' });
    expect(ctx.server.requests).toHaveLength(1);
  });
});
