import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { sqliteFixture } from '../../../test/helpers/stores.js';
import { fakeClock } from '../../core/clock.js';
import { Vault } from '../../vault/vault.js';
import { SOURCE_CACHE_MS, SourceStore } from './source-store.js';

const secret = () => `whsec_${randomBytes(32).toString('base64')}`;

describe('SourceStore.forReceive keeps opened sources briefly', async () => {
  const fixture = sqliteFixture();
  const store = await fixture.open();
  const vault = Vault.fromConfig(Vault.generateKey());
  const clock = fakeClock(Date.UTC(2026, 0, 1));
  const sources = new SourceStore(store, vault, clock);
  afterAll(() => store.close());

  it('serves repeated receives without reading again; a change by another process shows after SOURCE_CACHE_MS', async () => {
    const [a, b] = [secret(), secret()];
    const src = await sources.create('default', { name: 'x', scheme: 'standard-webhooks', secrets: [a] });
    expect((await sources.forReceive(src.id))!.secrets).toEqual([a]);
    // another process rotates the secrets (same database, not through this SourceStore)
    const other = new SourceStore(store, vault, clock);
    await other.update('default', src.id, { secrets: [b] });
    expect((await sources.forReceive(src.id))!.secrets).toEqual([a]);
    clock.advance(SOURCE_CACHE_MS);
    expect((await sources.forReceive(src.id))!.secrets).toEqual([b]);
  });

  it('a change through this process applies at once: update and delete', async () => {
    const [a, b] = [secret(), secret()];
    const src = await sources.create('default', { name: 'y', scheme: 'standard-webhooks', secrets: [a] });
    expect((await sources.forReceive(src.id))!.secrets).toEqual([a]);
    await sources.update('default', src.id, { secrets: [b, a] });
    expect((await sources.forReceive(src.id))!.secrets).toEqual([b, a]);
    await sources.remove('default', src.id);
    expect(await sources.forReceive(src.id)).toBeUndefined();
  });

  it('unknown ids are not kept', async () => {
    expect(await sources.forReceive('src_nope')).toBeUndefined();
    expect((sources as unknown as { opened: Map<string, unknown> }).opened.has('src_nope')).toBe(false);
  });
});
