import { createDecipheriv } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { gcmOpen, parseEnvelope } from './envelope.js';
import { Vault } from './vault.js';

/** Key 00 01 02 … 1f, hex; kid 630dcd2966c43366 (checked with python3 hashlib). */
const GOLDEN_KEY = Buffer.from(Array.from({ length: 32 }, (_, i) => i));
const GOLDEN_CONTEXT = 'connection:conn_golden';
/** Sealed by the first version of this module; every later version must still open it. */
const GOLDEN_SEALED =
  'v1.630dcd2966c43366.rwKs-iG4DcKCwYyQnfFfGb-Sdc8EPTWCKN3WNLb57ZriWW8a-DgHBYa7NDTVJaZqrWBhhUkBZPRkCcjQ.' +
  'Hb5bt2cgGAcI25p7Q_Su21HUhPR-bLWwcHWIXOGZ1c-Hlm9NoweK_5oD2tn5BbTqaBE2xDwuw8rYY0-VSOfEv9gP23w3mDo';
const GOLDEN_VALUE = { apiKey: 'SG.golden-vector', region: 'eu' };

/** AES-256-GCM open of `iv | tag | ciphertext`, written from the format comment, not from the module. */
function decryptAsDocumented(key: Buffer, blob: Buffer, aad: string): Buffer {
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, 12));
  decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(blob.subarray(12, 28));
  return Buffer.concat([decipher.update(blob.subarray(28)), decipher.final()]);
}

describe('v1 envelope format', () => {
  it('still opens a value sealed by the first version', () => {
    const vault = Vault.fromConfig(GOLDEN_KEY.toString('hex'));
    expect(vault.currentKid).toBe('630dcd2966c43366');
    expect(vault.open(GOLDEN_SEALED, GOLDEN_CONTEXT)).toEqual(GOLDEN_VALUE);
  });

  it('is what the format comment in envelope.ts says (decrypted here with node:crypto alone)', () => {
    const vault = Vault.fromConfig(GOLDEN_KEY.toString('base64'));
    const context = 'connection:conn_42';
    const sealed = vault.seal({ token: 'abc', n: 7 }, context);
    const [version, kid, wrapped, data] = sealed.split('.');
    expect(version).toBe('v1');
    const dek = decryptAsDocumented(GOLDEN_KEY, Buffer.from(wrapped!, 'base64url'), `switchboard/v1/dek\0${kid}\0${context}`);
    expect(dek).toHaveLength(32);
    const json = decryptAsDocumented(dek, Buffer.from(data!, 'base64url'), `switchboard/v1/data\0${context}`);
    expect(JSON.parse(json.toString('utf8'))).toEqual({ token: 'abc', n: 7 });
  });

  it('rejects a non-canonical base64url encoding of the same bytes', () => {
    const [v, kid, wrapped, data] = GOLDEN_SEALED.split('.');
    // 80 characters encode the 60 wrapped bytes exactly, so alter the data part: its length
    // leaves spare low bits in the last character.
    expect(data!.length % 4).not.toBe(0);
    const last = data!.at(-1)!;
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const variant = data!.slice(0, -1) + alphabet[alphabet.indexOf(last) ^ 1];
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(data!, 'base64url'))).toBe(true);
    expect(() => parseEnvelope([v, kid, wrapped, variant].join('.'))).toThrow(HubError);
  });

  it('parses kid, wrapped key (60 bytes) and data', () => {
    const envelope = parseEnvelope(GOLDEN_SEALED);
    expect(envelope.kid).toBe('630dcd2966c43366');
    expect(envelope.wrapped).toHaveLength(60);
    expect(envelope.data.length).toBe(28 + JSON.stringify(GOLDEN_VALUE).length);
  });

  it('rejects an upper-case kid, a short wrapped key and a non-string', () => {
    const [v, kid, wrapped, data] = GOLDEN_SEALED.split('.');
    expect(() => parseEnvelope([v, kid!.toUpperCase(), wrapped, data].join('.'))).toThrow(/Not a sealed value/);
    expect(() => parseEnvelope([v, kid, wrapped!.slice(0, 76), data].join('.'))).toThrow(/Not a sealed value/);
    expect(() => parseEnvelope(null as unknown as string)).toThrow(/must be a string, got null/);
  });

  it('gcmOpen answers undefined, not an exception, for a blob shorter than IV and tag', () => {
    expect(gcmOpen(GOLDEN_KEY, Buffer.alloc(27), Buffer.alloc(0))).toBeUndefined();
  });
});
