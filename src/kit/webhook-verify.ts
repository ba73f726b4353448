/**
 * What every webhook verifier shares, connectors' and custom sources' alike: header lookup,
 * HMAC, constant-time comparison against several secrets (rotation), the timestamp tolerance,
 * the refusals with their "did you pass parsed JSON instead of the raw body?" hints, and which
 * headers may be stored once a request is verified. Verifiers throw nothing but {@link HubError}
 * (`webhook_signature_missing`, `webhook_signature_invalid`, `webhook_timestamp_stale`).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { HubError } from '../core/errors.js';

type Headers = Record<string, string | undefined>;

/** The inputs every verifier reads. */
export interface VerifyInput {
  /** The request body exactly as received: signatures cover bytes, not parsed JSON. */
  rawBody: Buffer;
  /** Request headers; names are matched case-insensitively by {@link headerOf}. */
  headers: Headers;
  /** Every secret or key accepted now: several during a rotation. */
  secrets: string[];
  /** Milliseconds since the epoch. */
  now: number;
  /** Seconds; a signed timestamp further away than this (either way) is refused; 0 turns it off. */
  toleranceSec: number;
}

/** Headers never stored with a request, whatever the provider. */
export const SENSITIVE_HEADERS = ['authorization', 'proxy-authorization', 'cookie', 'set-cookie', 'x-api-key'];

/**
 * A header's value by case-insensitive name; undefined when absent or blank.
 *
 * @example
 * headerOf({ 'X-Hub-Signature-256': 'sha256=ab' }, 'x-hub-signature-256') // 'sha256=ab'
 */
export function headerOf(headers: Headers, name: string): string | undefined {
  const direct = headers[name.toLowerCase()];
  if (typeof direct === 'string' && direct.trim() !== '') return direct.trim();
  const wanted = name.toLowerCase();
  for (const [k, v] of Object.entries(headers)) {
    if (k.toLowerCase() === wanted && typeof v === 'string' && v.trim() !== '') return v.trim();
  }
  return undefined;
}

/**
 * HMAC-SHA256 of the concatenated parts (bytes as they are, strings as UTF-8).
 *
 * @example
 * hmacSha256('secret', '1700000000.', rawBody).toString('hex')
 */
export function hmacSha256(key: string | Buffer, ...parts: (string | Buffer)[]): Buffer {
  const mac = createHmac('sha256', key);
  for (const p of parts) mac.update(p);
  return mac.digest();
}

/**
 * Constant-time equality (false at once when the lengths differ: a signature's length is no secret).
 *
 * @example
 * safeEqual(expectedHex, givenHex.toLowerCase())
 */
export function safeEqual(expected: string | Buffer, given: string | Buffer): boolean {
  const a = typeof expected === 'string' ? Buffer.from(expected, 'utf8') : expected;
  const b = typeof given === 'string' ? Buffer.from(given, 'utf8') : given;
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The first secret whose expected signature equals one of the given ones, or undefined. Every
 * candidate is compared, so the time taken does not tell which one matched.
 *
 * @example
 * const secret = matchSecret(input.secrets, (s) => hmacSha256(s, input.rawBody).toString('hex'), [given]);
 */
export function matchSecret(secrets: string[], expectedFor: (secret: string) => string | Buffer, given: (string | Buffer)[]): string | undefined {
  for (const secret of secrets) {
    const expected = expectedFor(secret);
    let ok = false;
    for (const g of given) ok = safeEqual(expected, g) || ok;
    if (ok) return secret;
  }
  return undefined;
}

/**
 * Refuses a signed Unix timestamp (seconds) that is not a number or is more than `toleranceSec`
 * away from `nowMs`, in either direction.
 *
 * @example
 * checkTimestamp('1614265330', Date.now(), 300, 'Standard Webhooks')
 */
export function checkTimestamp(value: string | number, nowMs: number, toleranceSec: number, scheme: string, provider?: string): void {
  const text = String(value);
  if (!/^\d{1,12}(\.\d+)?$/.test(text)) {
    throw new HubError('webhook_signature_invalid', `${scheme} timestamp "${text.slice(0, 40)}" is not a Unix time in seconds`, { provider });
  }
  const skew = nowMs / 1000 - Number(text);
  if (toleranceSec > 0 && Math.abs(skew) > toleranceSec) {
    const where = skew > 0 ? 'old' : 'in the future';
    throw new HubError('webhook_timestamp_stale', `${scheme} timestamp is ${Math.round(Math.abs(skew))} s ${where} (tolerance ${toleranceSec} s): a replay, or a clock is wrong`, { provider });
  }
}

/**
 * What is visibly wrong with a body that fails verification, when something is: an object
 * turned into `[object Object]`, or an empty body (a parser consumed it). Undefined otherwise.
 *
 * @example
 * bodyProblem(Buffer.from('[object Object]')) // 'the body is "[object Object]": a parsed object was turned into a string'
 */
export function bodyProblem(rawBody: Buffer): string | undefined {
  const text = rawBody.subarray(0, 64).toString('utf8');
  if (text.startsWith('[object ')) return `the body is "${text}": a parsed object was turned into a string`;
  if (rawBody.length === 0) return 'the body is empty: did a body parser consume it before verification?';
  return undefined;
}

/**
 * The hint for a signature that matches no secret: the visible problem of the body, else the
 * question stripe-node asks.
 *
 * @example
 * rawBodyHint(Buffer.from('{"a":1}')) // 'did you pass parsed JSON instead of the raw body? …'
 */
export function rawBodyHint(rawBody: Buffer): string {
  const problem = bodyProblem(rawBody);
  if (problem) return `${problem}; pass the raw request bytes`;
  return 'did you pass parsed JSON instead of the raw body? Verify the exact bytes received (no re-encoded JSON, no changed line endings)';
}

/**
 * The refusal when no secret matched.
 *
 * @example
 * throw noSecretMatched('GitHub', input);
 */
export function noSecretMatched(scheme: string, input: Pick<VerifyInput, 'rawBody' | 'secrets'>, options: { provider?: string; check?: string } = {}): HubError {
  if (input.secrets.length === 0) return noSecrets(scheme, options);
  const check = options.check ?? 'check the secret';
  return new HubError(
    'webhook_signature_invalid',
    `${scheme} signature matches none of the ${input.secrets.length} configured secret(s): ${rawBodyHint(input.rawBody)}; and ${check}`,
    { provider: options.provider },
  );
}

/**
 * The refusal when nothing is configured to verify with.
 *
 * @example
 * if (input.secrets.length === 0) throw noSecrets('Stripe', { check: 'set STRIPE_WEBHOOK_SECRET' });
 */
export function noSecrets(scheme: string, options: { provider?: string; check?: string } = {}): HubError {
  return new HubError('webhook_signature_invalid', `No ${scheme} verification secret is configured${options.check ? `: ${options.check}` : ''}`, { provider: options.provider });
}

/**
 * The headers worth storing with a verified request: without credentials, cookies and the
 * signature headers `drop` names (a captured signature must not be replayable from the store).
 *
 * @example
 * storableHeaders({ authorization: 'Bearer x', 'stripe-signature': 't=…', 'content-type': 'application/json' }, ['stripe-signature'])
 * // { 'content-type': 'application/json' }
 */
export function storableHeaders(headers: Headers, drop: readonly string[] = []): Record<string, string> {
  const gone = new Set([...SENSITIVE_HEADERS, ...drop].map((h) => h.toLowerCase()));
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(headers)) if (v !== undefined && !gone.has(k.toLowerCase())) out[k.toLowerCase()] = v;
  return out;
}
