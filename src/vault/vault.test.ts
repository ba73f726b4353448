import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { Vault } from './vault.js';

const SECRET = 'SG.pl41nt3xt-SENTINEL-7f3a9c';
const CTX = 'connection:conn_1';
const keyA = Vault.generateKey();
const keyB = Vault.generateKey();
const vaultA = Vault.fromConfig(keyA);

/** Run fn, expect a HubError, return it. */
function thrown(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('expected a HubError');
}

/** Flip one byte of part 2 (wrapped) or 3 (data) and re-encode canonically. */
function tamper(sealed: string, part: 2 | 3, byte: number): string {
  const parts = sealed.split('.');
  const bytes = Buffer.from(parts[part]!, 'base64url');
  bytes[byte] = bytes[byte]! ^ 0x01;
  parts[part] = bytes.toString('base64url');
  return parts.join('.');
}

/** Everything an error would show in a log line or an API answer. */
const shown = (err: HubError): string => `${err.message}\n${JSON.stringify(err)}\n${String(err.stack)}`;

describe('Vault seal/open', () => {
  it('round-trips an object through a compact v1 string', () => {
    const value = { apiKey: SECRET, nested: { n: 1, list: [true, null, 'é✓'] } };
    const sealed = vaultA.seal(value, CTX);
    expect(sealed).toMatch(/^v1\.[0-9a-f]{16}\.[A-Za-z0-9_-]{80}\.[A-Za-z0-9_-]+$/);
    expect(sealed.split('.')[1]).toBe(vaultA.currentKid);
    expect(vaultA.open(sealed, CTX)).toEqual(value);
  });

  it('makes a different string each time for the same value (fresh data key and IVs)', () => {
    const one = vaultA.seal({ apiKey: SECRET }, CTX).split('.');
    const two = vaultA.seal({ apiKey: SECRET }, CTX).split('.');
    expect(one[2]).not.toBe(two[2]);
    expect(one[3]).not.toBe(two[3]);
  });

  it('fails to open under another context (a value copied to another row)', () => {
    const sealed = vaultA.seal({ apiKey: SECRET }, CTX);
    const err = thrown(() => vaultA.open(sealed, 'connection:conn_2'));
    expect(err.code).toBe('encryption_failed');
    expect(err.message).toContain('connection:conn_2');
    expect(err.message).toMatch(/another context/);
  });

  it.each([
    ['wrapped IV', 2, 0],
    ['wrapped tag', 2, 12],
    ['wrapped data key', 2, 40],
    ['data IV', 3, 5],
    ['data tag', 3, 20],
    ['data ciphertext', 3, 30],
  ] as const)('rejects a modified %s with encryption_failed', (_name, part, byte) => {
    const sealed = vaultA.seal({ apiKey: SECRET }, CTX);
    const err = thrown(() => vaultA.open(tamper(sealed, part, byte), CTX));
    expect(err.code).toBe('encryption_failed');
    expect(err.message).toMatch(/failed authentication/);
  });

  it('rejects a wrapped key moved from another value sealed for the same context', () => {
    const one = vaultA.seal({ apiKey: SECRET }, CTX).split('.');
    const two = vaultA.seal({ apiKey: 'other' }, CTX).split('.');
    const spliced = [one[0], one[1], two[2], one[3]].join('.');
    expect(thrown(() => vaultA.open(spliced, CTX)).code).toBe('encryption_failed');
  });

  it('rejects malformed and future-version strings with a message saying what is wrong', () => {
    for (const bad of ['', 'hello', 'v1.abc.def.ghi', `${vaultA.seal({}, CTX)}.extra`]) {
      const err = thrown(() => vaultA.open(bad, CTX));
      expect(err.code).toBe('encryption_failed');
      expect(err.message).toMatch(/Not a sealed value/);
    }
    const future = vaultA.seal({}, CTX).replace(/^v1/, 'v2');
    expect(thrown(() => vaultA.open(future, CTX)).message).toMatch(/format v2.*upgrade/);
  });

  it('requires a context and an object', () => {
    expect(thrown(() => vaultA.seal({ a: 1 }, '')).message).toMatch(/context/);
    expect(thrown(() => vaultA.seal('text' as unknown as object, CTX)).message).toMatch(/Only objects/);
    expect(thrown(() => vaultA.seal(null as unknown as object, CTX)).message).toMatch(/null/);
  });
});

describe('Vault rotation', () => {
  const oldSealed = vaultA.seal({ apiKey: SECRET }, CTX);
  const both = Vault.fromConfig(`${keyB},${keyA}`);
  const onlyB = Vault.fromConfig(keyB);

  it('seals with the first key and opens with any', () => {
    expect(both.currentKid).toBe(onlyB.currentKid);
    expect(both.kids).toEqual([onlyB.currentKid, vaultA.currentKid]);
    expect(both.open(oldSealed, CTX)).toEqual({ apiKey: SECRET });
    expect(both.seal({}, CTX).split('.')[1]).toBe(onlyB.currentKid);
  });

  it('re-wraps only the data key: the data part is unchanged and the old key is no longer needed', () => {
    expect(both.needsRewrap(oldSealed)).toBe(true);
    expect(vaultA.needsRewrap(oldSealed)).toBe(false);
    const rewrapped = both.rewrap(oldSealed, CTX);
    expect(both.needsRewrap(rewrapped)).toBe(false);
    const [, oldKid, oldWrapped, oldData] = oldSealed.split('.');
    const [, newKid, newWrapped, newData] = rewrapped.split('.');
    expect(newData).toBe(oldData);
    expect(newKid).toBe(onlyB.currentKid);
    expect(newKid).not.toBe(oldKid);
    expect(newWrapped).not.toBe(oldWrapped);
    expect(onlyB.open(rewrapped, CTX)).toEqual({ apiKey: SECRET });
    expect(thrown(() => onlyB.open(oldSealed, CTX)).code).toBe('encryption_failed');
  });

  it('returns a value already under the current key unchanged, and checks it first', () => {
    const current = both.seal({ apiKey: SECRET }, CTX);
    expect(both.rewrap(current, CTX)).toBe(current);
    expect(thrown(() => both.rewrap(current, 'connection:other')).code).toBe('encryption_failed');
    expect(thrown(() => both.rewrap(tamper(oldSealed, 3, 30), CTX)).code).toBe('encryption_failed');
  });

  it('names the missing key id when the sealing key is not configured', () => {
    const err = thrown(() => onlyB.open(oldSealed, CTX));
    expect(err.code).toBe('encryption_failed');
    expect(err.message).toContain(`sealed with key ${vaultA.currentKid}`);
    expect(err.message).toContain('not configured');
    expect(err.message).toContain('SWITCHBOARD_ENCRYPTION_KEY');
    expect(err.details).toEqual({ kid: vaultA.currentKid, configuredKids: [onlyB.currentKid] });
  });
});

describe('Vault never shows secrets', () => {
  it('keeps the plaintext out of the sealed string and of every error', () => {
    const sealed = vaultA.seal({ apiKey: SECRET }, CTX);
    for (const encoding of ['utf8', 'base64', 'base64url', 'hex'] as const) {
      expect(sealed).not.toContain(Buffer.from(SECRET).toString(encoding));
    }
    const errors = [
      thrown(() => vaultA.open(sealed, 'connection:other')),
      thrown(() => vaultA.open(tamper(sealed, 3, 30), CTX)),
      thrown(() => Vault.fromConfig(keyB).open(sealed, CTX)),
      thrown(() => vaultA.seal({ apiKey: SECRET, n: 1n }, CTX)),
    ];
    for (const err of errors) expect(shown(err)).not.toContain(SECRET);
  });

  it('shows only key ids in inspect and JSON', () => {
    const vault = Vault.fromConfig(`${keyB},${keyA}`);
    const views = [inspect(vault, { showHidden: true, depth: 10 }), JSON.stringify(vault), String(vault)];
    expect(views[0]).toContain(vault.currentKid);
    expect(JSON.parse(views[1]!)).toEqual({ currentKid: vault.currentKid, kids: vault.kids, generated: false });
    for (const view of views) {
      for (const key of [keyA, keyB]) {
        const raw = Buffer.from(key, 'base64');
        for (const text of [key, raw.toString('hex'), raw.toString('base64url')]) expect(view).not.toContain(text);
      }
    }
  });
});
