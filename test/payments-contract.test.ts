/**
 * The payments contract suite against every payments provider — Stripe and PayPal — each through
 * a real Transport to its emulator.
 */
import { randomUUID } from 'node:crypto';
import { paymentsContractSuite } from '../src/categories/payments/contract-suite.js';
import type { PaymentsProvider } from '../src/categories/payments/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import { startPaypalEmulator } from '../src/providers/paypal/emulator/index.js';
import { approveAt, connectPaypal } from '../src/providers/paypal/test-utils.js';
import { stripe } from '../src/providers/stripe/index.js';
import type { StripeCredentials } from '../src/providers/stripe/manifest.js';
import type { Emulator } from '../src/kit/emulator.js';
import { Transport } from '../src/transport/transport.js';

function stripeConnector(emu: Emulator): PaymentsProvider {
  const connection = { id: `conn_${randomUUID()}`, tenantId: 'ten_contract', provider: 'stripe', mode: 'sandbox' as const, baseUrl: emu.url, credentials: emu.credentials as StripeCredentials };
  return stripe.payments!({ connection, http: new Transport().forConnection(stripe.manifest, connection), clock: systemClock, logger: createLogger('silent') });
}

/** `provider` whose payments are made with a card that is always declined. */
function withCard(provider: PaymentsProvider, paymentMethodId: string): PaymentsProvider {
  return Object.assign(Object.create(provider) as PaymentsProvider, {
    createPayment: (input: Parameters<PaymentsProvider['createPayment']>[0], o: Parameters<PaymentsProvider['createPayment']>[1]) => provider.createPayment({ ...input, paymentMethodId }, o),
  });
}

async function stripeForm(emu: Emulator, path: string, form: Record<string, string>): Promise<{ id: string }> {
  const res = await fetch(`${emu.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${emu.credentials.secretKey}` }, body: new URLSearchParams(form) });
  if (res.status !== 200) throw new Error(`${path}: ${res.status} ${await res.text()}`);
  return (await res.json()) as { id: string };
}

paymentsContractSuite('stripe', async () => {
  const emu = await stripe.startEmulator!();
  const provider = stripeConnector(emu);
  return {
    provider,
    declining: withCard(provider, 'pm_card_chargeDeclined'),
    paymentCount: () => emu.accepted.length,
    chaos: emu.chaos,
    payerCompletes: async (p) => {
      await provider.confirmPayment(p.id, { paymentMethodId: 'pm_card_visa', returnUrl: 'https://shop.example/return' }, { idempotencyKey: randomUUID() });
    },
    price: async (unitAmount, currency) => (await stripeForm(emu, '/v1/prices', { unit_amount: String(unitAmount), currency: currency.toLowerCase(), 'recurring[interval]': 'month', 'product_data[name]': `Plan ${unitAmount}` })).id,
    customer: async () => {
      const email = `c${randomUUID().slice(0, 8)}@example.com`;
      const c = await provider.createCustomer({ email }, { idempotencyKey: randomUUID() });
      const pm = await provider.attachPaymentMethod(c.id, 'pm_card_visa', { idempotencyKey: randomUUID() });
      await provider.updateCustomer(c.id, { defaultPaymentMethodId: pm.id }, { idempotencyKey: randomUUID() });
      return { customerId: c.id, email };
    },
    teardown: () => emu.close(),
  };
});

paymentsContractSuite('paypal', async () => {
  const emu = await startPaypalEmulator({ eventDelayMs: 1 });
  const provider = connectPaypal(emu);
  let product: string | undefined;
  return {
    provider,
    declining: connectPaypal(emu, { mockResponse: '{"mock_application_codes":"INSTRUMENT_DECLINED"}' }),
    paymentCount: () => emu.accepted.length,
    chaos: emu.chaos,
    payerCompletes: (p) => approveAt(emu, 'orders', p.id),
    subscriberApproves: (id) => approveAt(emu, 'subscriptions', id),
    price: async (unitAmount, currency) => {
      product ??= String((await provider.call('POST', '/v1/catalogs/products', 'test.product', { body: { name: 'Contract', type: 'SERVICE' }, idempotencyKey: randomUUID() })).id);
      const value = (unitAmount / 100).toFixed(2);
      const plan = { product_id: product, name: `Plan ${value}`, billing_cycles: [{ tenure_type: 'REGULAR', sequence: 1, total_cycles: 0, frequency: { interval_unit: 'MONTH', interval_count: 1 }, pricing_scheme: { fixed_price: { currency_code: currency, value } } }], payment_preferences: { auto_bill_outstanding: true } };
      return String((await provider.call('POST', '/v1/billing/plans', 'test.plan', { body: plan, idempotencyKey: randomUUID() })).id);
    },
    customer: async () => ({ email: `c${randomUUID().slice(0, 8)}@example.com` }),
    teardown: () => emu.close(),
  };
});
