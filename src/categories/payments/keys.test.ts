import { describe, expect, it } from 'vitest';
import { checkCallerKey, providerKey, requestHash } from './keys.js';
import { shouldMove } from './records.js';

describe('provider idempotency keys', () => {
  it('are derived from the caller key: the same in every process, distinct per tenant, provider and operation', () => {
    const k = providerKey('default', 'order-42', 'stripe', 'payments.create');
    expect(k).toMatch(/^sb_[0-9a-f]{40}$/);
    expect(providerKey('default', 'order-42', 'stripe', 'payments.create')).toBe(k);
    expect(providerKey('other', 'order-42', 'stripe', 'payments.create')).not.toBe(k);
    expect(providerKey('default', 'order-42', 'paypal', 'payments.create')).not.toBe(k);
    expect(providerKey('default', 'order-42', 'stripe', 'payments.refund')).not.toBe(k);
    expect(k.length).toBeLessThanOrEqual(108); // PayPal-Request-Id limit
  });

  it('are random without a caller key', () => {
    expect(providerKey('default', undefined, 'stripe', 'x')).not.toBe(providerKey('default', undefined, 'stripe', 'x'));
  });

  it('hash requests regardless of key order and undefined fields', () => {
    expect(requestHash({ a: 1, b: { c: 'x', d: undefined } })).toBe(requestHash({ b: { c: 'x' }, a: 1 }));
    expect(requestHash({ a: 1 })).not.toBe(requestHash({ a: 2 }));
  });

  it('refuse empty, overlong or control-character caller keys with a 400 naming Idempotency-Key', () => {
    expect(checkCallerKey(undefined)).toBeUndefined();
    for (const bad of ['', 'x'.repeat(256), 'a\nb']) expect(() => checkCallerKey(bad)).toThrow(expect.objectContaining({ code: 'validation_failed', errors: [expect.objectContaining({ field: 'Idempotency-Key' })] }));
  });
});

describe('payment status moves only forward', () => {
  it('a late event never undoes a final status', () => {
    expect(shouldMove('succeeded', 2000, 'requires_action', 1000)).toBe(false);
    expect(shouldMove('succeeded', 2000, 'failed', 3000)).toBe(false);
    expect(shouldMove('canceled', 2000, 'succeeded', 3000)).toBe(false);
    expect(shouldMove('refunded', 2000, 'partially_refunded', 3000)).toBe(false);
  });
  it('refunds move a succeeded payment up', () => {
    expect(shouldMove('succeeded', 2000, 'partially_refunded', 1000)).toBe(true);
    expect(shouldMove('partially_refunded', 2000, 'refunded', 3000)).toBe(true);
  });
  it('among open statuses the later occurrence wins; a retry after a failure may succeed', () => {
    expect(shouldMove('requires_action', 2000, 'failed', 3000)).toBe(true);
    expect(shouldMove('failed', 3000, 'requires_action', 2000)).toBe(false);
    expect(shouldMove('failed', 1000, 'succeeded', 2000)).toBe(true);
    expect(shouldMove('creating', 5000, 'requires_payment_method', 1)).toBe(true);
  });
});
