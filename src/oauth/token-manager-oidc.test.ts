/**
 * The token manager against a real authorization server (`oidc-provider`): tokens from a code
 * exchange with PKCE are renewed before they expire with the refresh token rotated and stored;
 * the spent refresh token, sent again, makes the server revoke the grant (reuse detection), and
 * the manager turns that into `needs_reauth`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import type { ResolvedConnection } from '../kit/connection.js';
import type { Store } from '../store/store.js';
import { acmeManifest, rejection } from '../transport/test-utils/server.js';
import { Transport } from '../transport/transport.js';
import { generateEncryptionKey } from '../vault/keys.js';
import { Vault } from '../vault/vault.js';
import { sqliteFixture } from '../../test/helpers/stores.js';
import { startOidcServer, type OidcServer } from './test-utils/oidc-server.js';
import { exchangeCode, refreshTokens } from './token-client.js';
import { TokenManager, type TokenGrant } from './token-manager.js';
import { readState, writeTokens } from './token-state.js';

let op: OidcServer;
let store: Store;
const vault = Vault.fromConfig(generateEncryptionKey());
beforeAll(async () => {
  op = await startOidcServer();
  store = await sqliteFixture().open();
});
afterAll(async () => {
  await op.close();
  await store.close();
});

it('renews before expiry with rotation, and a reused spent refresh token ends in needs_reauth', async () => {
  const connection: ResolvedConnection = { id: 'conn_oidc', tenantId: 't', provider: 'oidc', mode: 'live', baseUrl: op.issuer, credentials: {}, status: 'active' };
  const grant: TokenGrant = {
    endpoint: { provider: 'oidc', name: 'Test OP', url: op.tokenUrl, clientId: op.clientId, clientSecret: op.clientSecret, clientAuth: 'client_secret_basic' },
    http: new Transport().forConnection(acmeManifest({ id: 'oidc', auth: { type: 'oauth2' } }), connection),
  };
  const verifier = randomBytes(32).toString('base64url');
  const code = await op.issueCode({ accountId: 'dave', codeChallenge: createHash('sha256').update(verifier).digest('base64url') });
  const first = await exchangeCode(grant.http, grant.endpoint, { code, redirectUri: op.redirectUri, codeVerifier: verifier });
  await store.write((trx) => writeTokens(trx, vault, connection, first, Date.now()));
  connection.tokens = first;
  const reauth: string[] = [];
  const clock = fakeClock(Date.now());
  const manager = new TokenManager({ store, vault, clock, onNeedsReauth: (_c, reason) => void reauth.push(reason) });

  expect(await manager.accessToken(connection, { grant })).toBe(first.accessToken);
  const before = op.tokenRequests;
  clock.advance(56 * 60_000); // 4 minutes left of the hour
  const second = await manager.accessToken(connection, { grant });
  expect(second).not.toBe(first.accessToken);
  expect(op.tokenRequests).toBe(before + 1);
  const stored = (await readState(store.db, vault, connection)).tokens!;
  expect(stored.accessToken).toBe(second);
  expect(stored.refreshToken).toEqual(expect.any(String));
  expect(stored.refreshToken).not.toBe(first.refreshToken);

  // Someone replays the spent refresh token: the server revokes the whole grant.
  expect((await rejection(refreshTokens(grant.http, grant.endpoint, { refreshToken: first.refreshToken! }))).code).toBe('oauth_invalid_grant');
  const err = await rejection(manager.accessToken(connection, { grant, force: true }));
  expect(err.code).toBe('oauth_invalid_grant');
  expect(reauth).toHaveLength(1);
  expect(await readState(store.db, vault, connection)).toMatchObject({ status: 'needs_reauth' });
});
