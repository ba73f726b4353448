/**
 * The building blocks on their own: Stripe's nested form keys, parameter reading and the
 * idempotency key store's lifetime.
 */
import Stripe from 'stripe';
import { describe, expect, it } from 'vitest';
import { StripeApiError } from './errors.js';
import { parseStripeForm } from './form.js';
import { IDEMPOTENCY_TTL_MS, IdempotencyStore } from './idempotency.js';
import { canonicalParams, mergeMetadata, readParams } from './params.js';

const errorOf = (fn: () => unknown): StripeApiError => {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(StripeApiError);
    return err as StripeApiError;
  }
  throw new Error('expected a StripeApiError');
};

describe('parseStripeForm', () => {
  it('reads nested keys, indexed and pushed arrays', () => {
    expect(parseStripeForm('amount=2000&metadata[order]=42&payment_method_types[]=card&expand[0]=customer&items[0][price]=p1&items[1][price]=p2&items[1][quantity]=3&shipping[address][city]=Paris')).toEqual({
      amount: '2000',
      metadata: { order: '42' },
      payment_method_types: ['card'],
      expand: ['customer'],
      items: [{ price: 'p1' }, { price: 'p2', quantity: '3' }],
      shipping: { address: { city: 'Paris' } },
    });
  });

  it('drops prototype keys and unbalanced brackets', () => {
    const parsed = parseStripeForm('__proto__[x]=1&a[constructor][y]=2&b[=3&ok=1');
    expect(parsed).toEqual({ ok: '1' });
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  it('reads what the official client encodes (its own stringifier is the oracle)', async () => {
    const captured: string[] = [];
    const client = new Stripe('sk_test_x', {
      httpClient: Stripe.createFetchHttpClient(async (_url, init) => {
        captured.push(String(init?.body));
        return new Response('{"id":"cus_1","object":"customer"}', { status: 200, headers: { 'content-type': 'application/json', 'request-id': 'req_1' } });
      }),
      maxNetworkRetries: 0,
    });
    const params = { email: 'a b+c@example.com', metadata: { 'key with space': 'ü€', empty: '' }, preferred_locales: ['fr', 'en'], invoice_settings: { default_payment_method: 'pm_1' }, expand: ['default_source'] };
    await client.customers.create(params);
    expect(parseStripeForm(captured[0]!)).toEqual(params);
  });
});

describe('readParams', () => {
  const spec = { params: { amount: 'integer', confirm: 'boolean', metadata: 'metadata', currency: 'string' }, required: ['amount', 'currency'] } as const;

  it('coerces integers and booleans, keeps expand', () => {
    expect(readParams(parseStripeForm('amount=2000&currency=usd&confirm=true&expand[]=customer'), { ...spec, required: [...spec.required] })).toEqual({ amount: 2000, currency: 'usd', confirm: true, expand: ['customer'] });
  });

  it.each([
    ['amount=1&currency=usd&colour=red', 'parameter_unknown', 'colour'],
    ['currency=usd', 'parameter_missing', 'amount'],
    ['amount=1.5&currency=usd', 'parameter_invalid_integer', 'amount'],
    ['amount=1&currency=', 'parameter_invalid_empty', 'currency'],
  ])('%s → %s', (body, code, param) => {
    const err = errorOf(() => readParams(parseStripeForm(body), { ...spec, required: [...spec.required] }));
    expect(err.body).toMatchObject({ type: 'invalid_request_error', code, param });
    expect(err.replayable).toBe(false);
  });

  it('merges metadata as Stripe does and compares parameters regardless of key order', () => {
    expect(mergeMetadata({ a: '1', b: '2' }, { b: '', c: '3' })).toEqual({ a: '1', c: '3' });
    expect(mergeMetadata({ a: '1' }, {})).toEqual({});
    expect(canonicalParams(parseStripeForm('b=1&a[y]=2&a[x]=3'))).toBe(canonicalParams(parseStripeForm('a[x]=3&a[y]=2&b=1')));
  });
});

describe('IdempotencyStore', () => {
  const fp = { endpoint: 'POST /v1/customers', params: '{}' };

  it('replays for 24 hours, then forgets the key', () => {
    let now = 1_000_000;
    const store = new IdempotencyStore(() => now);
    expect(store.begin('k', fp)).toBeUndefined();
    store.finish('k', { status: 200, body: { id: 'cus_1' }, requestId: 'req_1' });
    now += IDEMPOTENCY_TTL_MS - 1;
    expect(store.begin('k', fp)).toEqual({ status: 200, body: { id: 'cus_1' }, requestId: 'req_1' });
    now += 2;
    expect(store.begin('k', fp)).toBeUndefined();
  });

  it('refuses another request under a running or used key, and frees an aborted one', () => {
    const store = new IdempotencyStore();
    store.begin('k', fp);
    expect(errorOf(() => store.begin('k', fp)).status).toBe(409);
    store.abort('k');
    expect(store.begin('k', fp)).toBeUndefined();
    store.finish('k', { status: 200, body: {}, requestId: 'req_1' });
    expect(errorOf(() => store.begin('k', { ...fp, params: '{"a":"1"}' })).body.type).toBe('idempotency_error');
    expect(errorOf(() => store.begin('k', { endpoint: 'POST /v1/refunds', params: '{}' })).body.message).toContain("'/v1/customers' vs '/v1/refunds'");
  });
});
