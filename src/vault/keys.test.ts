import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { parseEncryptionKeys } from './keys.js';
import { Vault } from './vault.js';

const tmp = mkdtempSync(join(tmpdir(), 'sb-vault-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function configError(fn: () => unknown): HubError {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('config_invalid');
    return err as HubError;
  }
  throw new Error('expected config_invalid');
}

describe('encryption key formats', () => {
  const raw = randomBytes(32);
  const kid = createHash('sha256').update(raw).digest().subarray(0, 8).toString('hex');

  it.each([
    ['base64', raw.toString('base64')],
    ['base64 without padding', raw.toString('base64').replace(/=$/, '')],
    ['base64url', raw.toString('base64url')],
    ['hex', raw.toString('hex')],
    ['upper-case hex', raw.toString('hex').toUpperCase()],
    ['hex with surrounding spaces', `  ${raw.toString('hex')}\n`],
  ])('accepts %s, with kid = first 8 bytes of SHA-256 of the key', (_name, text) => {
    expect(Vault.fromConfig(text).currentKid).toBe(kid);
  });

  it('gives the published kid for a known key', () => {
    const known = Buffer.from(Array.from({ length: 32 }, (_, i) => i)).toString('hex');
    expect(Vault.fromConfig(known).currentKid).toBe('630dcd2966c43366'); // python3 hashlib
  });

  const distinctive = 'Zq9-MISTYPED-KEY-Zq9';
  it.each([
    ['a passphrase', distinctive],
    ['31 bytes of base64', randomBytes(31).toString('base64')],
    ['31 bytes of base64url', randomBytes(31).toString('base64url')],
    ['33 bytes of base64', randomBytes(33).toString('base64')],
    ['63 hex characters', randomBytes(32).toString('hex').slice(1)],
    ['64 non-hex characters', 'z'.repeat(64)],
    ['a base64 key with a character outside the alphabet', `${raw.toString('base64url').slice(0, 42)}!`],
  ])('rejects %s with a message naming the variable, the formats and how to generate one', (_name, text) => {
    const err = configError(() => Vault.fromConfig(text));
    expect(err.message).toContain('SWITCHBOARD_ENCRYPTION_KEY');
    expect(err.message).toMatch(/base64/);
    expect(err.message).toMatch(/64 hex/);
    expect(err.message).toContain('switchboard keys generate-encryption-key');
    expect(err.message).toContain("randomBytes(32).toString('base64')");
    expect(err.message).not.toContain(text);
  });

  it('names the bad entry of a list and rejects empty entries', () => {
    const good = raw.toString('base64');
    expect(configError(() => Vault.fromConfig(`${good},${distinctive}`)).message).toMatch(
      /^entry 2 of 2 in SWITCHBOARD_ENCRYPTION_KEY is not a valid encryption key/,
    );
    expect(configError(() => Vault.fromConfig(`${good},,${good}`)).message).toMatch(/entry 2 of 3 .* is empty/);
  });

  it('trims entries and drops duplicates, keeping the first as current', () => {
    const other = randomBytes(32).toString('hex');
    const keys = parseEncryptionKeys(` ${raw.toString('hex')} , ${other} ,${raw.toString('base64')}`, 'TEST');
    expect(keys.map((k) => k.kid)).toEqual([kid, Vault.fromConfig(other).currentKid]);
  });

  it('asks for a key when none is configured and no key file is given', () => {
    for (const value of [undefined, '', '   ']) {
      expect(configError(() => Vault.fromConfig(value)).message).toMatch(/SWITCHBOARD_ENCRYPTION_KEY is not set/);
    }
  });
});

describe('key file', () => {
  it('is generated with mode 0600 in a new 0700 directory, then reused', () => {
    const keyFile = join(tmp, 'gen', 'data', 'encryption.key');
    const first = Vault.fromConfig(undefined, { keyFile });
    expect(first.generated).toBe(true);
    expect(first.keyFile).toBe(keyFile);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(keyFile)).mode & 0o777).toBe(0o700);
    expect(readdirSync(dirname(keyFile))).toEqual(['encryption.key']); // no temporary file left
    const text = readFileSync(keyFile, 'utf8').trim();
    expect(Buffer.from(text, 'base64')).toHaveLength(32);

    const sealed = first.seal({ token: 'x' }, 'ctx');
    const second = Vault.fromConfig('', { keyFile });
    expect(second.generated).toBe(false);
    expect(second.currentKid).toBe(first.currentKid);
    expect(second.open(sealed, 'ctx')).toEqual({ token: 'x' });
  });

  it('is ignored when the variable is set', () => {
    const keyFile = join(tmp, 'unused', 'encryption.key');
    const vault = Vault.fromConfig(Vault.generateKey(), { keyFile });
    expect(vault.generated).toBe(false);
    expect(vault.keyFile).toBeUndefined();
    expect(() => statSync(keyFile)).toThrow();
  });

  it('holds a key list too, and a bad one is reported with its path and never its content', () => {
    const keyFile = join(tmp, 'bad.key');
    writeFileSync(keyFile, 'Zq9-NOT-A-KEY-Zq9\n', { mode: 0o600 });
    const err = configError(() => Vault.fromConfig(undefined, { keyFile }));
    expect(err.message).toContain(keyFile);
    expect(err.message).toContain('SWITCHBOARD_ENCRYPTION_KEY');
    expect(err.message).not.toContain('NOT-A-KEY');

    const listFile = join(tmp, 'list.key');
    const [a, b] = [Vault.generateKey(), Vault.generateKey()];
    writeFileSync(listFile, `${a},${b}\n`, { mode: 0o600 });
    expect(Vault.fromConfig(undefined, { keyFile: listFile }).kids).toEqual(Vault.fromConfig(`${a},${b}`).kids);
  });

  it('reports a key file path that cannot be used, with the reason', () => {
    const blocker = join(tmp, 'a-file');
    writeFileSync(blocker, '');
    const keyFile = join(blocker, 'encryption.key');
    const err = configError(() => Vault.fromConfig(undefined, { keyFile }));
    expect(err.message).toContain(`The key file ${keyFile} cannot be`);
    expect(err.message).toContain('ENOTDIR');
  });
});
