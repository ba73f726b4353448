/**
 * Idempotency keys the providers receive. With the caller's `Idempotency-Key`, the provider key
 * is derived from it (tenant, operation, target and provider included), so every hub process —
 * and the same process after a restart — sends the same key for the same request. Without one, a
 * random key is generated and stored with the payment before the provider is called.
 */
import { createHash, randomBytes } from 'node:crypto';
import { HubError } from '../../core/errors.js';

/**
 * `sb_` + 40 hex digits: fits Stripe (255) and PayPal-Request-Id (108).
 *
 * @example
 * providerKey('default', 'order-42', 'stripe', 'payments.create') // 'sb_5f…' (stable)
 * providerKey('default', undefined, 'stripe', 'payments.create') // 'sb_…' (random)
 */
export function providerKey(tenantId: string, callerKey: string | undefined, provider: string, operation: string): string {
  if (callerKey === undefined) return `sb_${randomBytes(20).toString('hex')}`;
  return `sb_${createHash('sha256').update(`${tenantId}\n${callerKey}\n${provider}\n${operation}`).digest('hex').slice(0, 40)}`;
}

/** A stable hash of a request body (key order ignored), to refuse one key reused for another request. */
export function requestHash(value: unknown): string {
  return createHash('sha256').update(canonical(value)).digest('hex');
}

function canonical(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  const o = value as Record<string, unknown>;
  return `{${Object.keys(o)
    .filter((k) => o[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonical(o[k])}`)
    .join(',')}}`;
}

/** Checks a caller's key: 1..255 printable characters. */
export function checkCallerKey(key: string | undefined): string | undefined {
  if (key === undefined) return undefined;
  if (key.length < 1 || key.length > 255 || [...key].some((c) => c.charCodeAt(0) < 0x20)) {
    throw new HubError('validation_failed', 'Idempotency-Key: must be 1 to 255 printable characters', { errors: [{ field: 'Idempotency-Key', message: 'must be 1 to 255 printable characters' }] });
  }
  return key;
}

/** The caller reused a key for another request. */
export function keyConflict(key: string): HubError {
  return new HubError('idempotency_conflict', `Idempotency-Key "${key}" was already used with a different request; use a new key for a new request`);
}

/** Per call: the caller's `Idempotency-Key`. */
export interface PaymentCallOptions {
  idempotencyKey?: string;
}
