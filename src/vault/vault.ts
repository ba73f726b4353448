/**
 * The vault: envelope encryption of secrets at rest (connection credentials, OAuth tokens,
 * webhook secrets) with key ids and rotation. See `envelope.ts` for the wire format.
 */
import { createHmac, randomBytes, type KeyObject } from 'node:crypto';
import { HubError } from '../core/errors.js';
import { DEK_BYTES, dataAad, formatEnvelope, gcmOpen, gcmSeal, parseEnvelope, wrapAad, type Envelope } from './envelope.js';
import {
  ENCRYPTION_KEY_ENV,
  generateEncryptionKey,
  loadOrCreateKeyFile,
  parseEncryptionKeys,
  type EncryptionKey,
} from './keys.js';

export interface VaultOptions {
  /** Where to load (or create, mode 0600) the key when `SWITCHBOARD_ENCRYPTION_KEY` is unset. */
  keyFile?: string;
}

const fail = (message: string, details?: Record<string, unknown>): HubError =>
  new HubError('encryption_failed', message, details ? { details } : {});

/**
 * Seals and opens secrets. The first configured key seals; every configured key opens, so keys
 * rotate by putting the new key first and keeping the old ones after it until
 * {@link Vault.rewrap} has moved every value over.
 *
 * The context passed to `seal` and `open` (e.g. `connection:<id>`) is bound into the ciphertext:
 * a value copied to another row fails to open. The context is not secret and appears in errors.
 *
 * @example
 * const vault = Vault.fromConfig(process.env.SWITCHBOARD_ENCRYPTION_KEY, { keyFile: './data/encryption.key' });
 * if (vault.generated) log.warn(`generated ${vault.keyFile}: back it up, secrets are lost without it`);
 * const sealed = vault.seal({ apiKey: 'SG.xxx' }, `connection:${id}`);
 * const creds = vault.open<{ apiKey: string }>(sealed, `connection:${id}`);
 */
export class Vault {
  readonly #keys: ReadonlyMap<string, KeyObject>;
  readonly #current: EncryptionKey;
  /** True when this process created the key file: the caller should warn loudly. */
  readonly generated: boolean;
  /** The key file the keys came from, when they did not come from the environment. */
  readonly keyFile: string | undefined;

  private constructor(keys: EncryptionKey[], source: { generated: boolean; keyFile?: string }) {
    const [current] = keys;
    if (!current) throw new HubError('config_invalid', `${ENCRYPTION_KEY_ENV} holds no key.`);
    this.#current = current;
    this.#keys = new Map(keys.map((k) => [k.kid, k.key]));
    this.generated = source.generated;
    this.keyFile = source.keyFile;
  }

  /**
   * Build the vault from the value of `SWITCHBOARD_ENCRYPTION_KEY` (comma-separated, current key
   * first). When the value is unset or blank and `keyFile` is given, the key comes from that file,
   * which is created with a fresh key on first start (`generated` is then true).
   *
   * @throws HubError `config_invalid` when a key is malformed, or no key and no key file is given
   * @example
   * Vault.fromConfig('NEWKEY…,OLDKEY…') // seals with NEWKEY, opens both
   */
  static fromConfig(value: string | undefined, opts: VaultOptions = {}): Vault {
    if (value !== undefined && value.trim() !== '') {
      return new Vault(parseEncryptionKeys(value, ENCRYPTION_KEY_ENV), { generated: false });
    }
    if (opts.keyFile === undefined) {
      throw new HubError(
        'config_invalid',
        `${ENCRYPTION_KEY_ENV} is not set. Generate a key with \`switchboard keys generate-encryption-key\` ` +
          'and set it; keep it safe, secrets stored by the hub cannot be read without it.',
      );
    }
    const { value: fileValue, generated } = loadOrCreateKeyFile(opts.keyFile);
    const source = `the key file ${opts.keyFile} (read because ${ENCRYPTION_KEY_ENV} is not set)`;
    return new Vault(parseEncryptionKeys(fileValue, source), { generated, keyFile: opts.keyFile });
  }

  /**
   * A fresh random 32-byte key, base64.
   *
   * @example
   * console.log(Vault.generateKey()) // paste into SWITCHBOARD_ENCRYPTION_KEY
   */
  static generateKey(): string {
    return generateEncryptionKey();
  }

  /** Id of the key that seals (16 hex characters). */
  get currentKid(): string {
    return this.#current.kid;
  }

  /** Ids of every key that opens, current first. */
  get kids(): string[] {
    return [...this.#keys.keys()];
  }

  /**
   * Encrypt an object (as UTF-8 JSON) under a fresh data key, wrapped by the current key.
   *
   * @example
   * db.update({ credentials: vault.seal({ apiKey }, `connection:${id}`) })
   */
  seal(value: object, context: string): string {
    checkContext(context);
    if (typeof value !== 'object' || value === null) {
      throw fail(`Only objects can be sealed, got ${value === null ? 'null' : typeof value}.`);
    }
    let json: string | undefined;
    try {
      json = JSON.stringify(value);
    } catch (cause) {
      throw new HubError('encryption_failed', 'The value to seal cannot be serialized as JSON.', { cause });
    }
    if (json === undefined) throw fail('The value to seal serializes to nothing (its toJSON returned undefined).');
    const plaintext = Buffer.from(json, 'utf8');
    const dek = randomBytes(DEK_BYTES);
    try {
      const data = gcmSeal(dek, plaintext, dataAad(context));
      const { kid, key } = this.#current;
      return formatEnvelope({ kid, wrapped: gcmSeal(key, dek, wrapAad(kid, context)), data });
    } finally {
      dek.fill(0);
      plaintext.fill(0);
    }
  }

  /**
   * Decrypt a sealed value for the same context it was sealed with.
   *
   * @throws HubError `encryption_failed` when the value is malformed, its key is not configured
   *   (the message names the missing key id), it was modified, or the context differs
   * @example
   * const { apiKey } = vault.open<{ apiKey: string }>(row.credentials, `connection:${row.id}`);
   */
  open<T = Record<string, unknown>>(sealed: string, context: string): T {
    checkContext(context);
    const envelope = parseEnvelope(sealed);
    const plaintext = this.#decryptData(envelope, context);
    try {
      return JSON.parse(plaintext.toString('utf8')) as T;
    } catch {
      throw fail(`The secret sealed with key ${envelope.kid} decrypted to something that is not JSON.`);
    } finally {
      plaintext.fill(0);
    }
  }

  /**
   * True when the value was sealed under a key other than the current one.
   *
   * @example
   * for (const row of rows) if (vault.needsRewrap(row.secret)) update(row.id, vault.rewrap(row.secret, ctx(row)));
   */
  needsRewrap(sealed: string): boolean {
    return parseEnvelope(sealed).kid !== this.#current.kid;
  }

  /**
   * Re-wrap the data key under the current key; the data part stays byte-for-byte the same. The
   * value is fully authenticated first, so a rotation job finds broken rows while the old key is
   * still configured. A value already under the current key is returned unchanged.
   *
   * @throws HubError `encryption_failed` as {@link Vault.open} does
   * @example
   * row.credentials = vault.rewrap(row.credentials, `connection:${row.id}`);
   */
  rewrap(sealed: string, context: string): string {
    checkContext(context);
    const envelope = parseEnvelope(sealed);
    const dek = this.#unwrap(envelope, context);
    try {
      this.#decryptData(envelope, context, dek).fill(0);
      if (envelope.kid === this.#current.kid) return sealed;
      const { kid, key } = this.#current;
      return formatEnvelope({ kid, wrapped: gcmSeal(key, dek, wrapAad(kid, context)), data: envelope.data });
    } finally {
      dek.fill(0);
    }
  }

  /** Key ids and origin only: never key material. */
  /**
   * Keys derived from the vault's keys for `label` (HMAC-SHA256, base64url), current key first: a
   * secret the hub can recompute rather than store, such as a connection's push-channel key
   * (`push:<connectionId>`). After a rotation the old keys still derive theirs, so what was issued
   * before keeps verifying until the old key is dropped.
   *
   * @example
   * const [current] = vault.derive(`push:${connectionId}`);
   */
  derive(label: string): string[] {
    const current = this.#current.kid;
    const kids = [current, ...[...this.#keys.keys()].filter((k) => k !== current)];
    return kids.map((kid) => createHmac('sha256', this.#keys.get(kid)!).update(`switchboard-derive:${label}`).digest('base64url'));
  }

  toJSON(): { currentKid: string; kids: string[]; generated: boolean; keyFile?: string } {
    return { currentKid: this.currentKid, kids: this.kids, generated: this.generated, keyFile: this.keyFile };
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return `Vault ${JSON.stringify(this.toJSON())}`;
  }

  #unwrap(envelope: Envelope, context: string): Buffer {
    const { kid } = envelope;
    const key = this.#keys.get(kid);
    if (!key) {
      throw fail(
        `Cannot open a secret sealed with key ${kid}: that key is not configured (configured: ${this.kids.join(', ')}). ` +
          `Add the key whose id is ${kid} to ${ENCRYPTION_KEY_ENV} after the current key ("<current>,<old>").`,
        { kid, configuredKids: this.kids },
      );
    }
    const dek = gcmOpen(key, envelope.wrapped, wrapAad(kid, context));
    if (!dek) throw tampered(kid, context, 'wrapped data key');
    return dek;
  }

  #decryptData(envelope: Envelope, context: string, dek?: Buffer): Buffer {
    const key = dek ?? this.#unwrap(envelope, context);
    try {
      const plaintext = gcmOpen(key, envelope.data, dataAad(context));
      if (!plaintext) throw tampered(envelope.kid, context, 'data');
      return plaintext;
    } finally {
      if (!dek) key.fill(0);
    }
  }
}

function checkContext(context: string): void {
  if (typeof context !== 'string' || context === '') {
    throw fail('A context string is required (e.g. `connection:<id>`); it binds the sealed value to its row.');
  }
}

function tampered(kid: string, context: string, part: string): HubError {
  return fail(
    `Cannot open the secret sealed with key ${kid} for context ${JSON.stringify(context)}: its ${part} failed ` +
      'authentication. The value was modified, or it was sealed for another context (e.g. copied from another row).',
    { kid },
  );
}
