/**
 * Stripe's error answers, in the shapes Stripe documents and returns, mapped to HubErrors.
 */
import { describe, expect, it } from 'vitest';
import { errorCodes } from '../../core/errors.js';
import '../../categories/payments/errors.js';
import { toResponse } from '../../transport/transport.js';
import { mapStripeError } from './errors.js';
import { stripeCredentials, stripeManifest } from './manifest.js';

const answer = (status: number, body: unknown, headers: Record<string, string> = {}) =>
  toResponse({ status, headers: { 'request-id': 'req_abc123', ...headers }, text: typeof body === 'string' ? body : JSON.stringify(body) });
const NOW = Date.UTC(2025, 0, 1);

/** A 402 for a declined card as Stripe answers a `confirm=true` create (the intent rides along). */
const declined = (declineCode: string | undefined, code = 'card_declined') => ({
  error: {
    type: 'card_error',
    code,
    ...(declineCode ? { decline_code: declineCode } : {}),
    message: 'Your card was declined.',
    doc_url: `https://stripe.com/docs/error-codes/${code.replace(/_/g, '-')}`,
    charge: 'ch_3Q1',
    payment_method: { id: 'pm_1Q2', object: 'payment_method', type: 'card' },
    payment_intent: { id: 'pi_3Q1', object: 'payment_intent', status: 'requires_payment_method', next_action: null },
    request_log_url: 'https://dashboard.stripe.com/test/logs/req_abc123',
  },
});

describe('mapStripeError', () => {
  it('maps a card decline to payment_declined with the decline code, the intent and the Request-Id', () => {
    const err = mapStripeError(answer(402, declined('insufficient_funds')));
    expect(err).toMatchObject({ code: 'payment_declined', status: 402, provider: 'stripe', providerStatus: 402, providerCode: 'insufficient_funds', requestId: 'req_abc123', retryable: false });
    expect(err.details).toMatchObject({ declineCode: 'insufficient_funds', code: 'card_declined', paymentIntentId: 'pi_3Q1', paymentMethodId: 'pm_1Q2' });
    expect(err.message).toContain('Your card was declined.');
  });

  it('uses the error code when a card error has no decline code (expired_card, incorrect_cvc)', () => {
    const err = mapStripeError(answer(402, declined(undefined, 'expired_card')));
    expect(err).toMatchObject({ code: 'payment_declined', providerCode: 'expired_card' });
    expect(err.details).toMatchObject({ code: 'expired_card', paymentIntentId: 'pi_3Q1' });
  });

  it('maps authentication_required to payment_action_required with the next action', () => {
    const body = declined('authentication_required', 'authentication_required');
    body.error.payment_intent = {
      id: 'pi_3Q1',
      object: 'payment_intent',
      status: 'requires_action',
      next_action: { type: 'redirect_to_url', redirect_to_url: { url: 'https://hooks.stripe.com/3d_secure_2/x', return_url: 'https://shop.example/back' } },
    } as never;
    const err = mapStripeError(answer(402, body));
    expect(err).toMatchObject({ code: 'payment_action_required', status: 402, retryable: false });
    expect(err.details).toMatchObject({ paymentIntentId: 'pi_3Q1', nextAction: { type: 'redirect_to_url', url: 'https://hooks.stripe.com/3d_secure_2/x' } });
  });

  it('maps resource_missing to not_found', () => {
    const err = mapStripeError(
      answer(404, { error: { type: 'invalid_request_error', code: 'resource_missing', param: 'intent', message: "No such payment_intent: 'pi_nope'" } }),
    );
    expect(err).toMatchObject({ code: 'not_found', status: 404, providerCode: 'resource_missing', providerStatus: 404 });
    expect(err.message).toContain("No such payment_intent: 'pi_nope'");
  });

  it('maps other invalid requests to provider_rejected naming the parameter', () => {
    const err = mapStripeError(
      answer(400, { error: { type: 'invalid_request_error', code: 'parameter_invalid_integer', param: 'amount', message: 'Invalid integer: 12.5' } }),
    );
    expect(err).toMatchObject({ code: 'provider_rejected', providerCode: 'parameter_invalid_integer', retryable: false });
    expect(err.errors).toEqual([{ field: 'amount', message: 'Invalid integer: 12.5' }]);
    const state = mapStripeError(
      answer(400, { error: { type: 'invalid_request_error', code: 'payment_intent_unexpected_state', message: 'This PaymentIntent could not be captured because it has a status of succeeded.' } }),
    );
    expect(state).toMatchObject({ code: 'provider_rejected', providerCode: 'payment_intent_unexpected_state' });
    expect(state.errors).toBeUndefined();
  });

  it('maps idempotency errors: another request under the key (400) vs one still running (409)', () => {
    const mismatch = mapStripeError(
      answer(400, { error: { type: 'idempotency_error', message: 'Keys for idempotent requests can only be used with the same parameters they were first used with.' } }),
    );
    expect(mismatch).toMatchObject({ code: 'idempotency_conflict', retryable: false, providerCode: 'idempotency_error' });
    const running = mapStripeError(
      answer(409, { error: { type: 'invalid_request_error', code: 'idempotency_key_in_use', message: 'There is currently another in-progress request using this Idempotent Key.' } }),
    );
    expect(running).toMatchObject({ code: 'idempotency_in_progress', retryable: true });
  });

  it('maps 401 and 403 to provider_auth_failed saying which key to check', () => {
    const e401 = mapStripeError(answer(401, { error: { type: 'invalid_request_error', message: 'Invalid API Key provided: sk_test_********1234' } }));
    expect(e401).toMatchObject({ code: 'provider_auth_failed', providerStatus: 401, failover: true });
    expect(e401.message).toMatch(/STRIPE_SECRET_KEY/);
    const e403 = mapStripeError(answer(403, { error: { type: 'invalid_request_error', message: 'The provided key does not have the required permissions.' } }));
    expect(e403).toMatchObject({ code: 'provider_auth_failed', providerStatus: 403 });
    expect(e403.message).toMatch(/restricted key/);
  });

  it('maps 429 to provider_rate_limited keeping Retry-After', () => {
    const err = mapStripeError(
      answer(429, { error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Too many requests hit the API too quickly.' } }, { 'retry-after': '2' }),
      NOW,
    );
    expect(err).toMatchObject({ code: 'provider_rate_limited', retryAfter: 2, retryable: true, providerCode: 'rate_limit' });
  });

  it('maps 5xx and api_error to provider_unavailable; Stripe-Should-Retry overrides retryable', () => {
    const e500 = mapStripeError(answer(500, { error: { type: 'api_error', message: 'An unknown error occurred' } }));
    expect(e500).toMatchObject({ code: 'provider_unavailable', retryable: true, providerStatus: 500 });
    const html = mapStripeError(answer(502, '<html>Bad Gateway</html>'));
    expect(html).toMatchObject({ code: 'provider_unavailable' });
    expect(html.message).toContain('Bad Gateway');
    const noRetry = mapStripeError(answer(500, { error: { type: 'api_error', message: 'x' } }, { 'stripe-should-retry': 'false' }));
    expect(noRetry.retryable).toBe(false);
    const lock = mapStripeError(answer(409, { error: { type: 'invalid_request_error', code: 'lock_timeout', message: 'locked' } }, { 'stripe-should-retry': 'true' }));
    expect(lock.retryable).toBe(true);
  });

  it('is registered codes only', () => {
    for (const status of [400, 401, 402, 403, 404, 409, 429, 500, 418]) {
      expect([...errorCodes().keys()]).toContain(mapStripeError(answer(status, { error: { message: 'x' } })).code);
    }
  });
});

describe('stripeManifest', () => {
  it('accepts secret and restricted keys and names the problem otherwise', () => {
    expect(stripeCredentials.parse({ secretKey: 'sk_test_51Abc', publishableKey: '', webhookSecret: 'whsec_x' })).toEqual({ secretKey: 'sk_test_51Abc', webhookSecret: 'whsec_x' });
    expect(stripeCredentials.safeParse({ secretKey: 'rk_live_51Abc' }).success).toBe(true);
    const bad = stripeCredentials.safeParse({ secretKey: 'pk_test_51Abc', publishableKey: 'sk_test_1' });
    expect(bad.success).toBe(false);
    const messages = bad.error!.issues.map((i) => i.message).join('\n');
    expect(messages).toMatch(/sk_test_… \/ sk_live_…\) or a restricted key \(rk_…\)/);
    expect(messages).toMatch(/publishable key \(pk_test_…/);
  });

  it('is the data the hub expects', () => {
    expect(stripeManifest).toMatchObject({
      id: 'stripe',
      categories: ['payments'],
      auth: { type: 'bearer', token: '{secretKey}' },
      baseUrl: 'https://api.stripe.com',
      liveWhen: ['secretKey'],
      secretFields: ['secretKey', 'webhookSecret'],
      idempotencyHeader: 'Idempotency-Key',
      rateLimit: { limit: 100, intervalMs: 1000 },
    });
  });
});
