import { afterAll, describe, expect, it } from 'vitest';
import { generateEncryptionKey } from '../vault/keys.js';
import { Vault } from '../vault/vault.js';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from '../../test/helpers/stores.js';
import type { Store } from '../store/store.js';
import { OneTimeTokens } from './one-time.js';

const hasPg = await postgresAvailable();
const vault = Vault.fromConfig(generateEncryptionKey());

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('one-time tokens on %s', (dialect, make) => {
  const skip = dialect === 'postgres' && !hasPg;
  let fixture: StoreFixture;
  let store: Store;
  let second: Store | undefined;
  let now = 1_000_000;
  const clock = { now: () => now, sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, ms)) };

  afterAll(async () => {
    await second?.close();
    await store?.close();
    await fixture?.cleanup();
  });

  it.skipIf(skip)('answers the payload once, keeps no usable token or payload in the database, and tells unknown, used and expired apart', async () => {
    fixture = make();
    store = await fixture.open();
    const tokens = new OneTimeTokens({ store, vault, clock });
    const { token, expiresAt } = await tokens.issue('oauth.connect', { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', tenantId: 't1' }, 600_000);
    expect(expiresAt).toBe(now + 600_000);
    expect(token).toMatch(/^[A-Za-z0-9_-]{32}$/);
    const rows = await store.db.selectFrom('one_time_tokens').selectAll().execute();
    expect(JSON.stringify(rows)).not.toContain(token);
    expect(JSON.stringify(rows)).not.toContain('dBjftJeZ4CVP');

    expect(await tokens.take('oauth.signin', token)).toEqual({ ok: false, reason: 'unknown' }); // another kind
    expect(await tokens.take('oauth.connect', token)).toEqual({ ok: true, payload: { verifier: 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk', tenantId: 't1' } });
    expect(await tokens.take('oauth.connect', token)).toEqual({ ok: false, reason: 'used' });
    expect(await tokens.take('oauth.connect', `${token.slice(0, -1)}x`)).toEqual({ ok: false, reason: 'unknown' });
    expect(await tokens.take('oauth.connect', 'short')).toEqual({ ok: false, reason: 'unknown' });

    const late = await tokens.issue('oauth.connect', { a: 1 }, 1000);
    now += 1001;
    expect(await tokens.take('oauth.connect', late.token)).toEqual({ ok: false, reason: 'expired', payload: { a: 1 } });
    expect(await tokens.take('oauth.connect', late.token)).toEqual({ ok: false, reason: 'used' });
  });

  it.skipIf(skip)('of many concurrent takes of one token (a double click, two processes), exactly one gets the payload', async () => {
    const tokens = new OneTimeTokens({ store, vault, clock });
    // PostgreSQL: a second pool, as another hub process has. SQLite serves one hub process per file:
    // its concurrent takes share the one connection (and may share a group transaction).
    if (dialect === 'postgres') second = await fixture.open();
    const other = second ? new OneTimeTokens({ store: second, vault, clock }) : tokens;
    const { token } = await tokens.issue('oauth.connect', { n: 1 }, 600_000);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => (i % 2 ? other : tokens).take('oauth.connect', token)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'used')).toHaveLength(9);
  });
});
