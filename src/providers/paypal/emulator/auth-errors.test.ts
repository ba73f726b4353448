/**
 * OAuth2 and PayPal's error shapes: token issuance, 401s, validation (400 / 422), chaos answers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { orderBody, paypalSession, readAnswer, type PaypalSession } from './test-support.js';

let emulator: PaypalEmulator;
let pp: PaypalSession;
beforeAll(async () => {
  emulator = await startPaypalEmulator();
  pp = await paypalSession(emulator);
});
afterAll(() => emulator.close());

const token = (authorization: string, body = 'grant_type=client_credentials') =>
  fetch(`${emulator.url}/v1/oauth2/token`, { method: 'POST', headers: { authorization, 'content-type': 'application/x-www-form-urlencoded' }, body }).then(readAnswer);
const basic = (id: string, secret: string) => `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;

describe('OAuth2', () => {
  it('issues a bearer token for the client credentials', async () => {
    const res = await token(basic(emulator.credentials.clientId, emulator.credentials.clientSecret));
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ token_type: 'Bearer', expires_in: 32400 });
    expect(res.body.access_token).toMatch(/^A21AA/);
    expect(res.body.app_id).toMatch(/^APP-/);
    expect(res.body.scope).toContain('https://uri.paypal.com/services/payments/refund');
    expect(typeof res.body.nonce).toBe('string');
    expect(res.headers.get('paypal-debug-id')).toMatch(/^[0-9a-f]{13}$/);
    expect(emulator.credentials).toEqual({ clientId: expect.any(String), clientSecret: expect.any(String), mode: 'sandbox' });
  });

  it('refuses a wrong client as invalid_client', async () => {
    const res = await token(basic(emulator.credentials.clientId, 'wrong'));
    expect(res.status).toBe(401);
    expect(res.body).toEqual({ error: 'invalid_client', error_description: 'Client Authentication failed' });
    expect((await token('Bearer nope')).status).toBe(401);
  });

  it('refuses a missing grant_type', async () => {
    const res = await token(basic(emulator.credentials.clientId, emulator.credentials.clientSecret), '');
    expect(res.status).toBe(400);
    expect(res.body.error).toBe('unsupported_grant_type');
  });

  it('answers AUTHENTICATION_FAILURE without, with a foreign and with an expired token', async () => {
    for (const authorization of [undefined, 'Bearer A21AAforged', `Basic ${emulator.credentials.clientSecret}`]) {
      const res = await fetch(`${emulator.url}/v2/checkout/orders/X`, authorization ? { headers: { authorization } } : {}).then(readAnswer);
      expect(res.status).toBe(401);
      expect(res.body).toMatchObject({ name: 'AUTHENTICATION_FAILURE', message: 'Authentication failed due to invalid authentication credentials or a missing Authorization header.' });
      expect(res.body.links[0].rel).toBe('information_link');
      expect(res.headers.get('paypal-debug-id')).toBe(res.body.debug_id);
    }
    const other = await startPaypalEmulator();
    const foreign = await paypalSession(other);
    await other.close();
    expect((await pp.call('GET', '/v2/checkout/orders/X', undefined, { authorization: `Bearer ${foreign.token}` })).status).toBe(401);

    const fresh = await paypalSession(emulator);
    expect((await fresh.call('GET', '/v2/checkout/orders/X')).status).toBe(404);
    await fetch(`${emulator.url}/__emulator/expire-tokens`, { method: 'POST' });
    expect((await fresh.call('GET', '/v2/checkout/orders/X')).body.name).toBe('AUTHENTICATION_FAILURE');
    pp = await paypalSession(emulator);
  });
});

describe('error shapes', () => {
  it('404 RESOURCE_NOT_FOUND names the id', async () => {
    const res = await pp.call('GET', '/v2/checkout/orders/5O190127TN364715T');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.', details: [{ issue: 'INVALID_RESOURCE_ID', location: 'path', value: '5O190127TN364715T' }] });
    expect(res.body.debug_id).toMatch(/^[0-9a-f]{13}$/);
    expect(res.headers.get('paypal-debug-id')).toBe(res.body.debug_id);
  });

  it.each([
    ['no intent', { purchase_units: orderBody().purchase_units }, 400, 'MISSING_REQUIRED_PARAMETER', '/intent'],
    ['a bad intent', { ...orderBody(), intent: 'SALE' }, 400, 'INVALID_PARAMETER_VALUE', '/intent'],
    ['no purchase_units', { intent: 'CAPTURE' }, 400, 'MISSING_REQUIRED_PARAMETER', '/purchase_units'],
    ['no value', { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD' } }] }, 400, 'MISSING_REQUIRED_PARAMETER', '/purchase_units/0/amount/value'],
    ['a numeric value', { intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: 10 } }] }, 400, 'INVALID_PARAMETER_SYNTAX', '/purchase_units/0/amount/value'],
    ['three decimals in USD', orderBody('10.001'), 422, 'DECIMAL_PRECISION', '/purchase_units/0/amount/value'],
    ['decimals in JPY', orderBody('100.5', 'JPY'), 422, 'DECIMAL_PRECISION', '/purchase_units/0/amount/value'],
    ['decimals in HUF', orderBody('100.50', 'HUF'), 422, 'DECIMAL_PRECISION', '/purchase_units/0/amount/value'],
    ['an unsupported currency', orderBody('10.00', 'XYZ'), 422, 'INVALID_CURRENCY_CODE', '/purchase_units/0/amount/currency_code'],
    ['a zero amount', orderBody('0.00'), 422, 'CANNOT_BE_ZERO_OR_NEGATIVE', '/purchase_units/0/amount/value'],
    ['a breakdown that does not add up', orderBody('10.00', 'USD', { amount: { currency_code: 'USD', value: '10.00', breakdown: { item_total: { currency_code: 'USD', value: '9.00' } } } }), 422, 'AMOUNT_MISMATCH', '/purchase_units/0/amount/value'],
  ])('order create with %s: %i %s', async (_name, body, status, issue, field) => {
    const before = emulator.accepted.length;
    const res = await pp.call('POST', '/v2/checkout/orders', body);
    expect(res.status).toBe(status);
    expect(res.body.name).toBe(status === 400 ? 'INVALID_REQUEST' : 'UNPROCESSABLE_ENTITY');
    expect(res.body.details[0]).toMatchObject({ issue, field });
    expect(res.body.links[0].href).toContain(`#error-${issue}`);
    expect(emulator.accepted.length).toBe(before);
  });

  it('takes JPY and TWD without decimals', async () => {
    expect((await pp.call('POST', '/v2/checkout/orders', orderBody('1500', 'JPY'))).status).toBe(201);
    expect((await pp.call('POST', '/v2/checkout/orders', orderBody('300', 'TWD'))).status).toBe(201);
  });

  it('answers malformed JSON with MALFORMED_REQUEST_JSON', async () => {
    const res = await pp.call('POST', '/v2/checkout/orders', '{"intent":', { 'content-type': 'application/json' });
    expect(res.status).toBe(400);
    expect(res.body.details[0].issue).toBe('MALFORMED_REQUEST_JSON');
  });

  it('answers chaos as PayPal: 500 INTERNAL_SERVER_ERROR and 429 RATE_LIMIT_REACHED', async () => {
    emulator.chaos.errorRate = 1;
    const failed = await pp.call('GET', '/v2/checkout/orders/X');
    emulator.chaos.errorRate = 0;
    expect(failed.status).toBe(500);
    expect(failed.body).toMatchObject({ name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error has occurred.' });
    expect(failed.headers.get('paypal-debug-id')).toBe(failed.body.debug_id);
    Object.assign(emulator.chaos, { rateLimitNext: 1, retryAfterSec: 7 });
    const limited = await pp.call('GET', '/v2/checkout/orders/X');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.body).toMatchObject({ name: 'RATE_LIMIT_REACHED', message: 'Too many requests. Blocked due to rate limiting.' });
    expect((await pp.call('GET', '/v2/checkout/orders/X')).status).toBe(404);
  });
});
