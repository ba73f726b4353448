/**
 * ConnectionManager wires the token manager: an `oauth2` connection gets a token source from
 * `tokenGrant`, so its API calls carry a token renewed before expiry (and after a 401); an
 * `invalid_grant` makes the connection `needs_reauth`, calls `onNeedsReauth` once, and its
 * connectors refuse with `connection_inactive`. A local token server over HTTP, a SQLite store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { systemClock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import { createLogger } from '../core/logger.js';
import { ProviderCatalog } from '../kit/catalog.js';
import { defineProvider, type ResolvedConnection } from '../kit/connector.js';
import { startTokenServer, type TokenServer } from '../oauth/test-utils/token-server.js';
import type { Store } from '../store/store.js';
import { rejection } from '../transport/test-utils/server.js';
import { Transport } from '../transport/transport.js';
import { generateEncryptionKey } from '../vault/keys.js';
import { Vault } from '../vault/vault.js';
import { sqliteFixture } from '../../test/helpers/stores.js';
import { ConnectionManager } from './connections.js';

type Creds = { clientId: string; clientSecret: string };
const toyauth = defineProvider<Creds>({
  manifest: {
    id: 'toyauth',
    name: 'Toy OAuth',
    categories: ['toy'],
    docsUrl: 'https://example.com/docs',
    auth: { type: 'oauth2' },
    baseUrl: 'https://example.com',
    env: { clientId: 'TOYAUTH_CLIENT_ID', clientSecret: 'TOYAUTH_CLIENT_SECRET' },
    credentials: z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) }),
    liveWhen: ['clientId', 'clientSecret'],
    secretFields: ['clientSecret'],
    mapError: (res) => new HubError(res.status === 401 ? 'provider_auth_failed' : 'provider_error', `toyauth answered ${res.status}`),
  },
});

let server: TokenServer;
const stores: Store[] = [];
const vault = Vault.fromConfig(generateEncryptionKey());
beforeAll(async () => {
  server = await startTokenServer({ rotation: 'always' });
});
afterAll(async () => {
  await server.close();
  await Promise.all(stores.map((s) => s.close()));
});

/** A ConnectionManager on a store of its own, with the toy provider's default connection live. */
async function manager(reauth: string[]) {
  const store = await sqliteFixture().open();
  stores.push(store);
  const connections = new ConnectionManager({
    store, vault, transport: new Transport(), clock: systemClock, logger: createLogger('silent'), forceSandbox: false,
    env: { TOYAUTH_CLIENT_ID: 'cid', TOYAUTH_CLIENT_SECRET: 's3cret', TOYAUTH_API_BASE: server.url },
    catalog: new ProviderCatalog([toyauth]),
    tokenGrant: (connection, http) => {
      const creds = connection.credentials as Creds;
      return { http, endpoint: { provider: 'toyauth', url: server.tokenUrl, clientId: creds.clientId, clientSecret: creds.clientSecret, clientAuth: 'client_secret_basic', env: toyauth.manifest.env } };
    },
    onNeedsReauth: (_c, reason) => void reauth.push(reason),
  });
  await connections.start();
  const connection = connections.defaultConnection('toyauth') as ResolvedConnection;
  return { connections, connection };
}

describe('ConnectionManager and the token manager', () => {
  it('renews an oauth2 connection’s expiring token before its API call, and stores it sealed', async () => {
    const { connections, connection } = await manager([]);
    server.seed('rt-a');
    await connections.saveTokens(connection, { accessToken: 'at-old', refreshToken: 'rt-a', expiresAt: Date.now() + 60_000 });
    const res = await connections.http(connection).request({ method: 'GET', path: '/api/me', operation: 'me.get' });
    expect(res.json()).toEqual({ me: 'ok' });
    expect(server.requests.at(-1)).toEqual({ grant_type: 'refresh_token', refresh_token: 'rt-a' });
    const reopened = (await connections.list('default')).find((c) => c.id === connection.id);
    expect(reopened).toMatchObject({ status: 'active', hasTokens: true });
    expect(connection.tokens).toMatchObject({ refreshToken: expect.stringMatching(/^rt-\d+$/) });
    expect(connection.tokens?.refreshToken).not.toBe('rt-a');
    // POST /connections/:id/refresh: a forced renewal through the grant ConnectionManager resolves.
    const [count, was] = [server.requests.length, connection.tokens?.accessToken];
    expect(await connections.tokens.accessToken(connection, { force: true })).not.toBe(was);
    expect(server.requests.length).toBe(count + 1);
  });

  it('invalid_grant: needs_reauth, the hook once, connectors refuse without a token request', async () => {
    const reauth: string[] = [];
    const { connections, connection } = await manager(reauth);
    await connections.saveTokens(connection, { accessToken: 'at-x', refreshToken: 'rt-revoked', expiresAt: Date.now() - 1000 });
    const before = server.requests.length;
    expect((await rejection(connections.http(connection).request({ method: 'GET', path: '/api/me', operation: 'me.get' }))).code).toBe('oauth_invalid_grant');
    expect(reauth).toHaveLength(1);
    expect((await connections.list('default')).find((c) => c.id === connection.id)).toMatchObject({ status: 'needs_reauth', statusReason: reauth[0] });
    expect((await rejection(connections.http(connection).request({ method: 'GET', path: '/api/me', operation: 'me.get' }))).code).toBe('connection_inactive');
    expect(() => connections.connectorFor(connection, 'toy' as never)).toThrow(/needs_reauth/);
    expect(server.requests.length - before).toBe(1);
  });
});
