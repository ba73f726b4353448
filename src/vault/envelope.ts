/**
 * The sealed-value format and its AES-256-GCM primitives.
 *
 * A sealed value is one compact, URL- and SQL-safe string:
 *
 * ```
 * v1.<kid>.<wrapped>.<data>
 *   kid      16 hex chars: id of the key-encryption key (KEK) that wrapped the data key
 *   wrapped  base64url( iv(12) | tag(16) | AES-256-GCM_KEK(dek(32)) )     aad = "switchboard/v1/dek\0" kid "\0" context
 *   data     base64url( iv(12) | tag(16) | AES-256-GCM_DEK(utf8 json) )   aad = "switchboard/v1/data\0" context
 * ```
 *
 * The data part does not depend on the KEK, so rotation re-wraps the 60-byte `wrapped` part and
 * leaves `data` byte-for-byte unchanged. Both parts bind the caller's context through the AAD.
 */
import { createCipheriv, createDecipheriv, randomBytes, type KeyObject } from 'node:crypto';
import { HubError } from '../core/errors.js';

/** Version tag of the format this module writes and reads. */
export const ENVELOPE_VERSION = 'v1';
/** Bytes of a data key (AES-256). */
export const DEK_BYTES = 32;

const IV_BYTES = 12;
const TAG_BYTES = 16;
const WRAPPED_BYTES = IV_BYTES + TAG_BYTES + DEK_BYTES;
const KID = /^[0-9a-f]{16}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

/** The three parts of a sealed value after parsing; the version is implied (`v1`). */
export interface Envelope {
  kid: string;
  /** iv | tag | wrapped data key. */
  wrapped: Buffer;
  /** iv | tag | ciphertext. */
  data: Buffer;
}

/** AAD of the data part: binds the ciphertext to the format version and the caller's context. */
export function dataAad(context: string): Buffer {
  return Buffer.from(`switchboard/${ENVELOPE_VERSION}/data\0${context}`, 'utf8');
}

/** AAD of the wrapped data key: binds it to the version, the KEK id and the caller's context. */
export function wrapAad(kid: string, context: string): Buffer {
  return Buffer.from(`switchboard/${ENVELOPE_VERSION}/dek\0${kid}\0${context}`, 'utf8');
}

/**
 * AES-256-GCM with a fresh 12-byte random IV; returns `iv | tag | ciphertext`.
 *
 * @example
 * const blob = gcmSeal(randomBytes(32), Buffer.from('{"a":1}'), dataAad('conn_1'));
 */
export function gcmSeal(key: KeyObject | Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(aad);
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), ciphertext]);
}

/**
 * Open `iv | tag | ciphertext`; `undefined` when authentication fails (wrong key, wrong AAD or
 * modified bytes), so callers can say which part failed without leaking crypto internals.
 *
 * @example
 * const plaintext = gcmOpen(dek, blob, dataAad('conn_1')) ?? fail();
 */
export function gcmOpen(key: KeyObject | Buffer, blob: Buffer, aad: Buffer): Buffer | undefined {
  if (blob.length < IV_BYTES + TAG_BYTES) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, blob.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(aad);
  decipher.setAuthTag(blob.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(blob.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
  } catch {
    return undefined;
  }
}

/**
 * Serialize an envelope to `v1.<kid>.<wrapped>.<data>`.
 *
 * @example
 * formatEnvelope({ kid, wrapped, data }) // 'v1.66687aadf862bd77.q1….Zx…'
 */
export function formatEnvelope(envelope: Envelope): string {
  return [ENVELOPE_VERSION, envelope.kid, envelope.wrapped.toString('base64url'), envelope.data.toString('base64url')].join('.');
}

/** Strict base64url: canonical encodings only, so no two strings decode to the same bytes. */
function decodeB64url(text: string | undefined): Buffer | undefined {
  if (text === undefined || !B64URL.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64url');
  return bytes.toString('base64url') === text ? bytes : undefined;
}

/**
 * Parse a sealed string. Checks shape only; authenticity is checked when opening.
 *
 * @throws HubError `encryption_failed` when the value is not a sealed value of a known version
 * @example
 * parseEnvelope(row.credentials).kid // '66687aadf862bd77'
 */
export function parseEnvelope(sealed: string): Envelope {
  if (typeof sealed !== 'string') {
    throw new HubError('encryption_failed', `A sealed value must be a string, got ${sealed === null ? 'null' : typeof sealed}.`);
  }
  const parts = sealed.split('.');
  if (parts[0] !== ENVELOPE_VERSION && /^v\d+$/.test(parts[0] ?? '')) {
    throw new HubError(
      'encryption_failed',
      `This value was sealed in format ${parts[0]}, but this version of Switchboard reads ${ENVELOPE_VERSION} only; upgrade Switchboard.`,
    );
  }
  const [, kid, wrappedText, dataText] = parts;
  const wrapped = decodeB64url(wrappedText);
  const data = decodeB64url(dataText);
  if (parts.length !== 4 || parts[0] !== ENVELOPE_VERSION || !kid || !KID.test(kid) || !wrapped || !data
    || wrapped.length !== WRAPPED_BYTES || data.length < IV_BYTES + TAG_BYTES) {
    throw new HubError(
      'encryption_failed',
      `Not a sealed value: expected "${ENVELOPE_VERSION}.<kid>.<wrapped key>.<data>" (${sealed.length} characters given). ` +
        'Was the column written without the vault, or truncated?',
    );
  }
  return { kid, wrapped, data };
}
