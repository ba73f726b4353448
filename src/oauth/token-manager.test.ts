/**
 * The token manager in one process, on a SQLite store, against a local token server over HTTP:
 * renewal before expiry, rotation and the kept refresh token, one shared refresh, invalid_grant,
 * invalid_client, 5xx/429 with a still-valid token, client credentials, and the 401 retry of the
 * transport's `oauth2` auth.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import type { ResolvedConnection, TokenSet } from '../kit/connection.js';
import type { Store } from '../store/store.js';
import { acmeManifest, freePort, rejection } from '../transport/test-utils/server.js';
import { Transport } from '../transport/transport.js';
import { generateEncryptionKey } from '../vault/keys.js';
import { Vault } from '../vault/vault.js';
import { sqliteFixture } from '../../test/helpers/stores.js';
import { startTokenServer, type TokenServer, type TokenServerOptions } from './test-utils/token-server.js';
import { TokenManager, type TokenGrant, type TokenManagerOptions } from './token-manager.js';
import { readState, writeTokens } from './token-state.js';

const vault = Vault.fromConfig(generateEncryptionKey());
const MIN = 60_000;
let store: Store;
let server: TokenServer;
const clock = fakeClock(Date.now());

beforeAll(async () => {
  store = await sqliteFixture().open();
});
afterAll(() => store.close());
afterEach(() => server?.close());

async function setup(serverOptions: TokenServerOptions = {}, tokens?: TokenSet, options: TokenManagerOptions = {}, grantOver: Partial<TokenGrant> = {}) {
  server = await startTokenServer(serverOptions);
  const connection: ResolvedConnection = { id: `conn_${randomUUID()}`, tenantId: 't', provider: 'acme', mode: 'live', baseUrl: server.url, credentials: {}, status: 'active' };
  const http = new Transport({ clock, random: () => 0.5 }).forConnection(acmeManifest({ auth: { type: 'oauth2' } }), connection);
  const grant: TokenGrant = { endpoint: { provider: 'acme', name: 'Acme', url: server.tokenUrl, clientId: 'cid', clientSecret: 's3cret', clientAuth: 'client_secret_basic', env: { clientSecret: 'ACME_CLIENT_SECRET' } }, http, ...grantOver };
  if (tokens) {
    if (tokens.refreshToken) server.seed(tokens.refreshToken);
    await store.write((trx) => writeTokens(trx, vault, connection, tokens, clock.now()));
    connection.tokens = tokens;
  }
  const reauth: string[] = [];
  const manager = new TokenManager({ store, vault, clock, random: () => 0.5, onNeedsReauth: (_c, reason) => void reauth.push(reason), ...options });
  return { connection, grant, manager, reauth, http, stored: async () => (await readState(store.db, vault, connection)).tokens };
}

const expiringIn = (ms: number, refreshToken = 'rt-0'): TokenSet => ({ accessToken: 'at-0', refreshToken, expiresAt: clock.now() + ms, obtainedAt: clock.now() + ms - 60 * MIN });

describe('renewal before expiry', () => {
  it('uses a token with more than 5 minutes left, renews one with less, and saves the rotated refresh token sealed', async () => {
    const { manager, connection, grant, stored } = await setup({ rotation: 'always' }, expiringIn(6 * MIN));
    expect(await manager.accessToken(connection, { grant })).toBe('at-0');
    expect(server.requests).toHaveLength(0);
    clock.advance(2 * MIN);
    expect(await manager.accessToken(connection, { grant })).toBe('at-1');
    expect(server.requests).toEqual([{ grant_type: 'refresh_token', refresh_token: 'rt-0' }]);
    expect(await stored()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-1', expiresAt: clock.now() + 60 * MIN });
    const row = await store.db.selectFrom('connection_state').select('tokens').where('connection_id', '=', connection.id).executeTakeFirstOrThrow();
    expect(row.tokens).not.toContain('rt-1');
  });

  it('keeps the old refresh token when the answer has none', async () => {
    const { manager, connection, grant, stored } = await setup({ rotation: 'never' }, expiringIn(MIN, 'rt-keep'));
    expect(await manager.accessToken(connection, { grant })).toBe('at-1');
    expect(await stored()).toMatchObject({ accessToken: 'at-1', refreshToken: 'rt-keep' });
    expect(connection.tokens?.refreshToken).toBe('rt-keep');
  });

  it('makes one token request for many concurrent callers', async () => {
    const { manager, connection, grant } = await setup({ delayMs: 30 }, expiringIn(MIN));
    const tokens = await Promise.all(Array.from({ length: 8 }, () => manager.accessToken(connection, { grant })));
    expect(new Set(tokens)).toEqual(new Set(['at-1']));
    expect(server.requests).toHaveLength(1);
    const lease = await store.db.selectFrom('oauth_refresh_leases').selectAll().where('connection_id', '=', connection.id).executeTakeFirstOrThrow();
    expect(lease).toMatchObject({ lease_id: null, sent_hash: null });
  });

  it('renews client credentials and Zoom account credentials before they expire (no refresh token)', async () => {
    const cc = await setup({ expiresIn: 3600 }, undefined, {}, { type: 'client_credentials' });
    expect(await cc.manager.accessToken(cc.connection, { grant: cc.grant })).toBe('at-1');
    clock.advance(50 * MIN);
    expect(await cc.manager.accessToken(cc.connection, { grant: cc.grant })).toBe('at-1');
    clock.advance(6 * MIN);
    expect(await cc.manager.accessToken(cc.connection, { grant: cc.grant })).toBe('at-2');
    expect(server.requests.map((r) => r.grant_type)).toEqual(['client_credentials', 'client_credentials']);
    await server.close();
    const zoom = await setup({ expiresIn: 3600 }, undefined, {}, { type: 'account_credentials', accountId: 'acc_9' });
    await zoom.manager.accessToken(zoom.connection, { grant: zoom.grant });
    clock.advance(56 * MIN);
    await zoom.manager.accessToken(zoom.connection, { grant: zoom.grant });
    expect(server.requests).toEqual([{ grant_type: 'account_credentials', account_id: 'acc_9' }, { grant_type: 'account_credentials', account_id: 'acc_9' }]);
  });
});

describe('failures', () => {
  it('invalid_grant: needs_reauth with a reason, the hook once, then no more token requests', async () => {
    const { manager, connection, grant, reauth } = await setup({}, expiringIn(MIN, 'rt-revoked'));
    server.live.clear();
    const errors = await Promise.all([1, 2, 3].map(() => rejection(manager.accessToken(connection, { grant }))));
    expect(errors.map((e) => e.code)).toEqual(['oauth_invalid_grant', 'oauth_invalid_grant', 'oauth_invalid_grant']);
    expect(reauth).toHaveLength(1);
    expect(reauth[0]).toMatch(/refused the grant .*invalid_grant.*connect again/);
    expect(await readState(store.db, vault, connection)).toMatchObject({ status: 'needs_reauth', reason: reauth[0] });
    expect(connection.status).toBe('needs_reauth');
    const later = await rejection(manager.accessToken(connection, { grant }));
    expect(later).toMatchObject({ code: 'connection_inactive', details: { status: 'needs_reauth' } });
    const elsewhere = { ...connection, status: 'active' as const, tokens: expiringIn(MIN, 'rt-revoked') };
    expect((await rejection(manager.accessToken(elsewhere, { grant }))).code).toBe('connection_inactive');
    expect(server.requests).toHaveLength(1);
    expect(reauth).toHaveLength(1);
  });

  it('invalid_client is a configuration error naming the variable', async () => {
    const { manager, connection, grant } = await setup({ clientSecret: 'rotated-by-someone' }, expiringIn(-MIN));
    const err = await rejection(manager.accessToken(connection, { grant }));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerCode: 'invalid_client', retryable: false });
    expect(err.message).toMatch(/check ACME_CLIENT_SECRET/);
    expect(connection.status).toBe('active');
  });

  it('a 503 keeps a still-valid token and tries again after the backoff; an expired token with a failing endpoint is retryable', async () => {
    const { manager, connection, grant } = await setup({}, expiringIn(3 * MIN));
    server.fail({ status: 503, body: { error: 'temporarily_unavailable' } });
    expect(await manager.accessToken(connection, { grant })).toBe('at-0');
    expect(await manager.accessToken(connection, { grant })).toBe('at-0');
    expect(server.requests).toHaveLength(1);
    clock.advance(1_000);
    expect(await manager.accessToken(connection, { grant })).toBe('at-1');
    expect(server.requests).toHaveLength(2);

    const expired = await setup({}, expiringIn(-MIN));
    server.fail({ status: 503, body: {} }, { status: 429, body: {}, headers: { 'retry-after': '120' } });
    const err = await rejection(expired.manager.accessToken(expired.connection, { grant: expired.grant }));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true });
    expect(err.message).toMatch(/has expired and could not be renewed/);
    clock.advance(1_000);
    const limited = await rejection(expired.manager.accessToken(expired.connection, { grant: expired.grant }));
    expect(limited).toMatchObject({ code: 'provider_rate_limited', retryable: true, retryAfter: 120 });
    clock.advance(60_000);
    expect((await rejection(expired.manager.accessToken(expired.connection, { grant: expired.grant }))).code).toBe('provider_rate_limited');
    expect(server.requests).toHaveLength(2);
    clock.advance(61_000);
    expect(await expired.manager.accessToken(expired.connection, { grant: expired.grant })).toBe('at-1');
  });

  it('a token endpoint that cannot be reached: a still-valid token is kept, an expired one is a retryable error', async () => {
    const { manager, connection, grant } = await setup({}, expiringIn(2 * MIN));
    const down = { ...grant, endpoint: { ...grant.endpoint, url: `http://127.0.0.1:${await freePort()}/oauth/token` } };
    expect(await manager.accessToken(connection, { grant: down })).toBe('at-0');
    clock.advance(2 * MIN);
    const err = await rejection(manager.accessToken(connection, { grant: down }));
    // Connection refused, retried by the transport; by now the connection's circuit may be open too.
    expect(['provider_unavailable', 'circuit_open']).toContain(err.code);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/has expired and could not be renewed/);
    expect(server.requests).toHaveLength(0);
  });

  it('works without a store: tokens live on the connection object', async () => {
    const { connection, grant } = await setup({ rotation: 'always' });
    server.seed('rt-mem');
    connection.tokens = expiringIn(MIN, 'rt-mem');
    const memory = new TokenManager({ clock });
    expect(await memory.accessToken(connection, { grant })).toBe('at-1');
    expect(connection.tokens).toMatchObject({ refreshToken: 'rt-1' });
  });
});

describe('a 401 from the API', () => {
  it('forces exactly one refresh and one retry through the transport’s oauth2 auth', async () => {
    const { manager, connection, grant, http } = await setup({}, expiringIn(30 * MIN));
    connection.tokenSource = manager.source(connection, grant);
    server.access.clear(); // the provider revoked at-0 early
    const res = await http.request({ method: 'GET', path: '/api/me', operation: 'me.get' });
    expect(res.json()).toEqual({ me: 'ok' });
    expect(server.requests).toHaveLength(1);
    expect(await http.request({ method: 'GET', path: '/api/me', operation: 'me.get' })).toMatchObject({ status: 200 });
    expect(server.requests).toHaveLength(1);
  });

  it('fails clearly when the refreshed token is refused too', async () => {
    const { manager, connection, grant, http } = await setup({}, expiringIn(30 * MIN));
    connection.tokenSource = manager.source(connection, grant);
    server.refuseApi = true;
    const err = await rejection(http.request({ method: 'GET', path: '/api/me', operation: 'me.get' }));
    expect(err.providerStatus).toBe(401);
    expect(err.message).toMatch(/refused a freshly refreshed access token/);
    expect(server.requests).toHaveLength(1);
  });
});
