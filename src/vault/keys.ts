/**
 * Key-encryption keys (KEKs) of the vault: parsing `SWITCHBOARD_ENCRYPTION_KEY`, key ids, and the
 * generated key file used when no key is configured (single-machine setups).
 *
 * No function here puts key material in an error message: a mistyped key is still a key.
 */
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { HubError } from '../core/errors.js';

/** The environment variable that holds the vault's keys, current key first. */
export const ENCRYPTION_KEY_ENV = 'SWITCHBOARD_ENCRYPTION_KEY';

const KEY_BYTES = 32;
const HEX_KEY = /^[0-9a-fA-F]{64}$/;
/** 32 bytes in base64 or base64url: 43 characters plus optional `=` padding. */
const BASE64_KEY = /^[A-Za-z0-9+/_-]{43}=?$/;
const FORMATS = 'a 32-byte key written as base64 or base64url (43 or 44 characters) or as 64 hex characters';
const HOW_TO_GENERATE =
  'Generate one with `switchboard keys generate-encryption-key` or ' +
  '`node -e "console.log(require(\'crypto\').randomBytes(32).toString(\'base64\'))"`.';

/** One key-encryption key: its public id and the key as a non-printing KeyObject. */
export interface EncryptionKey {
  /** First 8 bytes of SHA-256 of the raw key, hex (16 characters). */
  readonly kid: string;
  readonly key: KeyObject;
}

/**
 * The key id: first 8 bytes of SHA-256 of the raw key, hex. Stable across restarts and reveals
 * nothing useful about a 256-bit random key.
 *
 * @example
 * keyId(Buffer.alloc(32)) // '66687aadf862bd77'
 */
export function keyId(raw: Buffer): string {
  return createHash('sha256').update(raw).digest('hex').slice(0, 16);
}

/**
 * A fresh random 32-byte key, base64: a valid value for `SWITCHBOARD_ENCRYPTION_KEY`.
 *
 * @example
 * process.env.SWITCHBOARD_ENCRYPTION_KEY = generateEncryptionKey();
 */
export function generateEncryptionKey(): string {
  return randomBytes(KEY_BYTES).toString('base64');
}

/** Decode one key written as 64 hex characters or base64/base64url; `undefined` when invalid. */
function decodeKey(text: string): Buffer | undefined {
  if (HEX_KEY.test(text)) return Buffer.from(text, 'hex');
  if (!BASE64_KEY.test(text)) return undefined;
  const raw = Buffer.from(text, 'base64'); // Node's base64 decoder also reads the url alphabet
  return raw.length === KEY_BYTES ? raw : undefined;
}

/**
 * Parse a comma-separated key list (current key first). Duplicates are dropped.
 *
 * @param value - the list, e.g. the value of `SWITCHBOARD_ENCRYPTION_KEY`
 * @param source - where it came from, for error messages (never the value itself)
 * @throws HubError `config_invalid` naming the source, the entry, the accepted formats and how to
 *   generate a key
 * @example
 * const [current, ...older] = parseEncryptionKeys(process.env.SWITCHBOARD_ENCRYPTION_KEY!, ENCRYPTION_KEY_ENV);
 */
export function parseEncryptionKeys(value: string, source: string): EncryptionKey[] {
  const entries = value.split(',').map((entry) => entry.trim());
  const keys = new Map<string, EncryptionKey>();
  entries.forEach((entry, i) => {
    const which = entries.length === 1 ? source : `entry ${i + 1} of ${entries.length} in ${source}`;
    if (entry === '') {
      throw new HubError('config_invalid', `${which} is empty. Expected ${FORMATS}, comma-separated, current key first.`);
    }
    const raw = decodeKey(entry);
    if (!raw) {
      throw new HubError(
        'config_invalid',
        `${which} is not a valid encryption key (${entry.length} characters). ` +
          `Expected ${FORMATS}. ${HOW_TO_GENERATE}`,
      );
    }
    const kid = keyId(raw);
    if (!keys.has(kid)) keys.set(kid, { kid, key: createSecretKey(raw) });
    raw.fill(0);
  });
  return [...keys.values()];
}

/** Read a file, or `undefined` when it does not exist. */
function readIfExists(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw keyFileError(path, 'cannot be read', err);
  }
}

function keyFileError(path: string, what: string, cause: unknown): HubError {
  const reason = (cause as NodeJS.ErrnoException).code ?? 'error';
  const message = `The key file ${path} ${what} (${reason}). Fix the path or its permissions, or set ${ENCRYPTION_KEY_ENV}.`;
  return new HubError('config_invalid', message, { cause });
}

/** Write, flush to disk and close a new file (mode 0600); fails if it exists. */
function writeDurably(path: string, text: string): void {
  const fd = openSync(path, 'wx', 0o600);
  try {
    writeSync(fd, text);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Load the key file, or create it with a fresh key (mode 0600, parent directory 0700).
 *
 * Creation is atomic: the key is written and flushed to a temporary file that is then hard-linked
 * into place, so a second process starting at the same moment reads either nothing or the whole
 * key, never half of it, and both end up with the same key.
 *
 * @returns the file's text and whether this call generated it
 * @example
 * const { value, generated } = loadOrCreateKeyFile('./data/encryption.key');
 */
export function loadOrCreateKeyFile(path: string): { value: string; generated: boolean } {
  const existing = readIfExists(path);
  if (existing !== undefined) return { value: existing, generated: false };
  const value = generateEncryptionKey();
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeDurably(tmp, `${value}\n`);
  } catch (err) {
    throw keyFileError(path, 'cannot be created', err);
  }
  try {
    linkSync(tmp, path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return { value: readIfExists(path) ?? '', generated: false }; // lost the race
    try {
      writeDurably(path, `${value}\n`); // filesystems without hard links
    } catch (err2) {
      if ((err2 as NodeJS.ErrnoException).code === 'EEXIST') return { value: readIfExists(path) ?? '', generated: false };
      throw keyFileError(path, 'cannot be created', err2);
    }
  } finally {
    try {
      unlinkSync(tmp);
    } catch {
      // already gone
    }
  }
  syncDirectory(dirname(path));
  return { value, generated: true };
}

/** Flush the directory entry so the new key file survives a power cut (best effort off Linux). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // not supported on this platform
  }
}
