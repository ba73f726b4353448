import { describe, expect, it } from 'vitest';
import type { HttpResponse } from '../../transport/types.js';
import { mapPaypalError, paypalErrorBody } from './errors.js';

function answer(status: number, body: unknown, headers: Record<string, string> = {}): HttpResponse {
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return { status, headers, text, json: <T>() => JSON.parse(text) as T };
}

const unprocessable = (issue: string, field?: string) => ({
  name: 'UNPROCESSABLE_ENTITY',
  message: 'The requested action could not be performed, semantically incorrect, or failed business validation.',
  debug_id: 'body-debug-id',
  details: [{ ...(field ? { field } : {}), issue, description: `about ${issue}` }],
});

describe('mapPaypalError', () => {
  it('maps INSTRUMENT_DECLINED to payment_declined with the issue as providerCode and the debug id as requestId', () => {
    const err = mapPaypalError(answer(422, unprocessable('INSTRUMENT_DECLINED'), { 'paypal-debug-id': 'f2c8b1a0d3e4' }));
    expect(err).toMatchObject({ code: 'payment_declined', status: 402, providerCode: 'INSTRUMENT_DECLINED', requestId: 'f2c8b1a0d3e4', providerStatus: 422, provider: 'paypal', retryable: false });
    expect(err.message).toContain('INSTRUMENT_DECLINED');
  });

  it('maps a declined capture (TRANSACTION_REFUSED) to payment_declined', () => {
    expect(mapPaypalError(answer(422, unprocessable('TRANSACTION_REFUSED')))).toMatchObject({ code: 'payment_declined', providerCode: 'TRANSACTION_REFUSED' });
  });

  it.each(['PAYER_ACTION_REQUIRED', 'ORDER_NOT_APPROVED'])('maps %s to payment_action_required with the approve next action', (issue) => {
    const err = mapPaypalError(answer(422, unprocessable(issue)));
    expect(err).toMatchObject({ code: 'payment_action_required', providerCode: issue, details: { nextAction: { type: 'approve' } } });
  });

  it('names the payer-action link as the next action url when PayPal gives one', () => {
    const body = { ...unprocessable('PAYER_ACTION_REQUIRED'), links: [{ href: 'https://www.sandbox.paypal.com/checkoutnow?token=5O19', rel: 'payer-action', method: 'GET' }] };
    expect(mapPaypalError(answer(422, body)).details?.nextAction).toEqual({ type: 'approve', url: 'https://www.sandbox.paypal.com/checkoutnow?token=5O19' });
  });

  it('falls back to the body debug_id for requestId', () => {
    expect(mapPaypalError(answer(422, unprocessable('ORDER_NOT_APPROVED'))).requestId).toBe('body-debug-id');
  });

  it('maps 400 INVALID_REQUEST to provider_rejected naming details[].field', () => {
    const err = mapPaypalError(
      answer(400, {
        name: 'INVALID_REQUEST',
        message: 'Request is not well-formed, syntactically incorrect, or violates schema.',
        details: [{ field: '/purchase_units/@reference_id==\'default\'/amount/value', issue: 'DECIMAL_PRECISION', description: 'too many decimals' }],
      }),
    );
    expect(err).toMatchObject({ code: 'provider_rejected', providerCode: 'DECIMAL_PRECISION', errors: [{ field: "/purchase_units/@reference_id=='default'/amount/value", message: 'too many decimals' }] });
    expect(err.message).toContain("/purchase_units/@reference_id=='default'/amount/value");
  });

  it('maps other 422 issues to provider_rejected', () => {
    expect(mapPaypalError(answer(422, unprocessable('MAX_CAPTURE_AMOUNT_EXCEEDED')))).toMatchObject({ code: 'provider_rejected', providerCode: 'MAX_CAPTURE_AMOUNT_EXCEEDED' });
  });

  it('maps the OAuth 401 answer to provider_auth_failed naming the env variables', () => {
    const err = mapPaypalError(answer(401, { error: 'invalid_client', error_description: 'Client Authentication failed' }));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerCode: 'invalid_client', failover: true });
    expect(err.message).toMatch(/Client Authentication failed.*PAYPAL_CLIENT_ID/);
  });

  it.each([
    [404, { name: 'RESOURCE_NOT_FOUND', message: 'The specified resource does not exist.', details: [{ issue: 'INVALID_RESOURCE_ID' }] }, 'not_found'],
    [403, { name: 'NOT_AUTHORIZED', message: 'Authorization failed due to insufficient permissions.' }, 'provider_auth_failed'],
    [429, { name: 'RATE_LIMIT_REACHED', message: 'Too many requests.' }, 'provider_rate_limited'],
    [500, { name: 'INTERNAL_SERVER_ERROR', message: 'An internal server error occurred.' }, 'provider_unavailable'],
    [503, '<html>upstream down</html>', 'provider_unavailable'],
    [418, { name: 'TEAPOT', message: 'no' }, 'provider_error'],
  ] as const)('maps HTTP %i to the right code', (status, body, code) => {
    const err = mapPaypalError(answer(status, body));
    expect(err.code).toBe(code);
    expect(err.retryable).toBe(code === 'provider_rate_limited' || code === 'provider_unavailable');
  });

  it('reads a non-JSON answer as its text', () => {
    expect(paypalErrorBody(answer(502, 'Bad gateway'))).toEqual({ name: 'HTTP_502', message: 'Bad gateway', details: [] });
  });
});
