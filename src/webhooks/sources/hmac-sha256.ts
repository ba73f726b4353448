/**
 * Generic HMAC-SHA256: the signature of the raw body, keyed with the secret as UTF-8, in a header
 * the source names, written as hex (case-insensitive) or base64; a `sha256=` prefix is tolerated
 * (as GitHub, Shopify-like and many home-grown senders write it). No timestamp is signed, so no
 * tolerance applies; de-duplication is on the body hash.
 *
 * @see https://www.rfc-editor.org/rfc/rfc2104
 */
import { HubError } from '../../core/errors.js';
import { headerOf, hmacSha256, matchSecret, noSecretMatched, type VerifyInput } from '../../kit/webhook-verify.js';

/** A custom source's input: the common one plus where and how the signature is written. */
export interface SourceVerifyInput extends VerifyInput {
  /** The header carrying the signature. */
  header?: string;
  /** How the signature is written (default `hex`). */
  encoding?: 'hex' | 'base64';
}

const SCHEME = 'HMAC-SHA256';

/**
 * The signature of `rawBody` as the sender writes it.
 *
 * @example
 * hmacSha256Signature('s3cret', Buffer.from('{"a":1}'), 'base64') // 'Jd…='
 */
export function hmacSha256Signature(secret: string, rawBody: Buffer, encoding: 'hex' | 'base64' = 'hex'): string {
  return hmacSha256(secret, rawBody).toString(encoding);
}

/**
 * Throws unless the header `input.header` holds the HMAC of the raw body under one of the secrets.
 *
 * @example
 * verifyHmacSha256({ rawBody, headers, secrets: ['s3cret'], header: 'x-signature', encoding: 'hex', now: Date.now(), toleranceSec: 300 });
 */
export function verifyHmacSha256(input: SourceVerifyInput): void {
  if (!input.header) throw new HubError('webhook_signature_invalid', `${SCHEME} source has no signature header configured`);
  const encoding = input.encoding ?? 'hex';
  const value = headerOf(input.headers, input.header);
  if (value === undefined) throw new HubError('webhook_signature_missing', `${SCHEME} request lacks the signature header ${input.header}`);
  let given = value.replace(/^sha256=/i, '');
  if (encoding === 'hex') given = given.toLowerCase();
  if (matchSecret(input.secrets, (s) => hmacSha256Signature(s, input.rawBody, encoding), [given]) === undefined) {
    throw noSecretMatched(SCHEME, input, { check: `check the secret and that ${input.header} is written in ${encoding}` });
  }
}
