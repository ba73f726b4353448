/**
 * The form encoding against stripe-node's own: the same parameters sent through the `stripe`
 * library (to a local server that records the body) and through `toStripeForm` decode to the same
 * ordered key/value pairs.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toStripeForm, toStripeQuery, type StripeParams } from './form.js';

describe('toStripeForm', () => {
  it('brackets nested keys, indexes arrays, writes booleans and skips undefined', () => {
    const form = toStripeForm({
      amount: 2000,
      currency: 'usd',
      confirm: true,
      off_session: false,
      description: undefined,
      metadata: { switchboard_id: 'pay_1', 'order id': 'a&b=c' },
      items: [{ price: 'price_1', quantity: 2 }, { id: 'si_1', price: undefined }],
      expand: ['latest_charge', 'customer'],
    });
    expect([...form]).toEqual([
      ['amount', '2000'],
      ['currency', 'usd'],
      ['confirm', 'true'],
      ['off_session', 'false'],
      ['metadata[switchboard_id]', 'pay_1'],
      ['metadata[order id]', 'a&b=c'],
      ['items[0][price]', 'price_1'],
      ['items[0][quantity]', '2'],
      ['items[1][id]', 'si_1'],
      ['expand[0]', 'latest_charge'],
      ['expand[1]', 'customer'],
    ]);
    // The reserved characters of values are escaped on the wire.
    expect(form.toString()).toContain('metadata%5Border+id%5D=a%26b%3Dc');
  });

  it('sends null as an empty value (Stripe unsets the field) and dates as Unix seconds', () => {
    expect([...toStripeForm({ description: null, trial_end: new Date('2030-01-01T00:00:00Z') })]).toEqual([
      ['description', ''],
      ['trial_end', '1893456000'],
    ]);
  });

  it('refuses non-finite numbers', () => {
    expect(() => toStripeForm({ amount: Number.NaN })).toThrow(/finite/);
  });

  it('flattens GET parameters into a query record', () => {
    expect(toStripeQuery({ customer: 'cus_1', limit: 10, starting_after: undefined, expand: ['data.customer'] })).toEqual({
      customer: 'cus_1',
      limit: '10',
      'expand[0]': 'data.customer',
    });
  });
});

describe('toStripeForm agrees with stripe-node', () => {
  let server: Server;
  const bodies: string[] = [];
  let stripe: Stripe;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        bodies.push(Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"id":"x","object":"payment_intent"}');
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    stripe = new Stripe('sk_test_oracle', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0, telemetry: false });
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const cases: StripeParams[] = [
    { amount: 1999, currency: 'eur', confirm: true, payment_method: 'pm_card_visa', metadata: { switchboard_id: 'pay_1', note: 'ünïcødé & more' } },
    { amount: 500, currency: 'jpy', automatic_payment_methods: { enabled: true }, capture_method: 'manual', description: undefined },
    { amount: 10, currency: 'usd', expand: ['latest_charge', 'customer'], metadata: { 'a[b]': 'x' }, payment_method_types: ['card'] },
  ];

  it.each(cases.map((c, i) => [i, c] as const))('case %i encodes to the same pairs', async (_i, params) => {
    bodies.length = 0;
    await stripe.paymentIntents.create(params as unknown as Stripe.PaymentIntentCreateParams);
    expect(bodies).toHaveLength(1);
    expect([...toStripeForm(params)]).toEqual([...new URLSearchParams(bodies[0])]);
  });
});
