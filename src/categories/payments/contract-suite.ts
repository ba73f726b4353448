/**
 * The `payments` contract suite: what every payments connector must do, whatever the vendor. It
 * runs against each provider (`test/payments-contract.test.ts`) through a real Transport to the
 * provider's emulator. Features are checked where `capabilities` declare them (and a declared one
 * must work); an undeclared one must throw `capability_unsupported`.
 *
 * @see ./contract.ts
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import type { ChaosSettings } from '../../kit/emulator.js';
import { NO_CHAOS } from '../../kit/emulator.js';
import type { CreatePaymentInput, Payment, PaymentsCapability, PaymentsProvider } from './contract.js';
import './errors.js'; // registers the payments error codes this file uses

/** What `setup()` gives the suite for one provider. */
export interface PaymentsContractHarness {
  /** The connector on a real Transport pointed at the emulator (default retries). */
  provider: PaymentsProvider;
  /** The same connector configured so that the provider declines the payment. */
  declining: PaymentsProvider;
  /** How many payments the provider holds (charges attempted). */
  paymentCount(): number;
  chaos: ChaosSettings;
  /** What the payer does so a created payment can complete (Stripe: a card; PayPal: approval). */
  payerCompletes(p: Payment): Promise<void>;
  /** What the subscriber does where the provider asks for approval (PayPal); absent: nothing. */
  subscriberApproves?(subscriptionId: string): Promise<void>;
  /** A monthly recurring price (Stripe) or billing plan (PayPal) of `unitAmount` minor units. */
  price(unitAmount: number, currency: string): Promise<string>;
  /** Who subscriptions and invoices are for. */
  customer(): Promise<{ customerId?: string; email: string }>;
  teardown(): Promise<void>;
}

let seq = 0;
const key = () => ({ idempotencyKey: `contract-${process.pid}-${Date.now()}-${++seq}` });
const base = (amount: number, currency = 'USD'): CreatePaymentInput => ({ amount, currency, description: 'contract', returnUrl: 'https://shop.example/return', cancelUrl: 'https://shop.example/cancel', hubId: `pay_contract_${++seq}` });

/** Create, let the payer act, and capture where the provider needs it: a succeeded payment. */
async function paid(h: PaymentsContractHarness, amount: number, currency = 'USD'): Promise<Payment> {
  const p = await h.provider.createPayment(base(amount, currency), key());
  await h.payerCompletes(p);
  const after = await h.provider.getPayment(p.id);
  if (after.status === 'succeeded') return after;
  return h.provider.capturePayment(p.id, {}, key());
}

/**
 * Registers the suite for one provider.
 *
 * @example
 * paymentsContractSuite('stripe', async () => ({ provider, declining, paymentCount, chaos, payerCompletes, price, customer, teardown }));
 */
export function paymentsContractSuite(name: string, setup: () => Promise<PaymentsContractHarness>): void {
  describe(`payments contract: ${name}`, () => {
    let h: PaymentsContractHarness;
    beforeAll(async () => {
      h = await setup();
    });
    afterAll(async () => {
      await h?.teardown();
    });
    beforeEach(() => {
      if (h) Object.assign(h.chaos, NO_CHAOS);
    });
    const has = (c: PaymentsCapability) => h.provider.capabilities.has(c);

    it('creates a payment in exact minor units and reads it back', async () => {
      const p = await h.provider.createPayment(base(1999), key());
      expect(p).toMatchObject({ provider: name, amount: 1999, currency: 'USD' });
      expect(p.id).toEqual(expect.any(String));
      expect(['requires_payment_method', 'requires_approval']).toContain(p.status);
      if (has('approval-redirect')) expect(p.approvalUrl).toMatch(/^https?:\/\//);
      expect(await h.provider.getPayment(p.id)).toMatchObject({ id: p.id, amount: 1999, currency: 'USD', status: p.status });
    });

    it('a payment the payer completes succeeds, with the amount received', async () => {
      const p = await paid(h, 4200);
      expect(p).toMatchObject({ status: 'succeeded', amount: 4200 });
      expect((await h.provider.getPayment(p.id)).status).toBe('succeeded');
    });

    it('zero-decimal currencies stay whole units', async () => {
      const p = await h.provider.createPayment(base(500, 'JPY'), key());
      expect(p).toMatchObject({ amount: 500, currency: 'JPY' });
    });

    it('refunds part, then the rest; each refund reads back', async () => {
      const p = await paid(h, 5000);
      const part = await h.provider.createRefund({ paymentId: p.id, amount: 1250, currency: 'USD', hubId: `rfd_contract_${++seq}` }, key());
      expect(part).toMatchObject({ provider: name, paymentId: p.id, amount: 1250, currency: 'USD', status: 'succeeded' });
      expect(await h.provider.getRefund(part.id)).toMatchObject({ id: part.id, amount: 1250 });
      const rest = await h.provider.createRefund({ paymentId: p.id, currency: 'USD', hubId: `rfd_contract_${++seq}` }, key());
      expect(rest).toMatchObject({ amount: 3750, status: 'succeeded' });
    });

    it('the same idempotency key makes one payment', async () => {
      const before = h.paymentCount();
      const k = key();
      const input = base(777);
      const a = await h.provider.createPayment(input, k);
      const b = await h.provider.createPayment(input, k);
      expect(b.id).toBe(a.id);
      expect(h.paymentCount()).toBe(before + 1);
    });

    it('a connection dropped after the provider made the payment is retried into the same one', async () => {
      const before = h.paymentCount();
      h.chaos.dropAfterAcceptNext = 1;
      const p = await h.provider.createPayment(base(888), key());
      expect(h.paymentCount()).toBe(before + 1);
      expect(p.amount).toBe(888);
    });

    it('a declined payment is payment_declined with the provider\'s decline code', async () => {
      const err = await failure(
        (async () => {
          const p = await h.declining.createPayment(base(999), key());
          await h.payerCompletes(p);
          await h.declining.capturePayment(p.id, {}, key());
        })(),
      );
      expect(err).toMatchObject({ code: 'payment_declined', status: 402, provider: name });
      expect(err.providerCode).toEqual(expect.any(String));
    });

    it('subscriptions: create on a price, change the price, cancel', async (ctx) => {
      if (!has('subscriptions')) return ctx.skip();
      const who = await h.customer();
      const priceA = await h.price(1500, 'USD');
      const sub = await h.provider.createSubscription({ ...who, subscriberEmail: who.email, priceId: priceA, returnUrl: 'https://shop.example/sub', hubId: `sub_contract_${++seq}` }, key());
      expect(sub).toMatchObject({ provider: name, priceId: priceA, cancelAtPeriodEnd: false });
      expect(['active', 'trialing', 'approval_pending', 'incomplete']).toContain(sub.status);
      if (sub.status === 'approval_pending') {
        expect(sub.approvalUrl).toMatch(/^https?:\/\//);
        await h.subscriberApproves?.(sub.id);
        expect((await h.provider.getSubscription(sub.id)).status).toBe('active');
      }
      if (has('subscription-change-price')) {
        const priceB = await h.price(2500, 'USD');
        expect((await h.provider.changeSubscriptionPrice(sub.id, priceB, key())).priceId).toBe(priceB);
      }
      const canceled = await h.provider.cancelSubscription(sub.id, { atPeriodEnd: false, reason: 'contract' }, key());
      expect(canceled.status).toBe('canceled');
      expect((await h.provider.getSubscription(sub.id)).status).toBe('canceled');
    });

    it('invoices: a draft with items, one more item, sent or finalized, marked paid, listed', async (ctx) => {
      if (!has('invoices')) return ctx.skip();
      const who = await h.customer();
      const inv = await h.provider.createInvoice({ ...who, customerEmail: who.email, currency: 'USD', daysUntilDue: 30, items: [{ description: 'Setup', unitAmount: 12000, quantity: 1 }], hubId: `inv_contract_${++seq}` }, key());
      expect(inv).toMatchObject({ provider: name, status: 'draft', currency: 'USD', total: 12000 });
      const more = await h.provider.addInvoiceItem(inv.id, { description: 'Hours', unitAmount: 5000, quantity: 2 }, key());
      expect(more.total).toBe(22000);
      if (has('invoice-finalize')) expect((await h.provider.finalizeInvoice(inv.id, key())).status).toBe('open');
      if (has('invoice-send')) expect(['open', 'paid']).toContain((await h.provider.sendInvoice(inv.id, key())).status);
      if (has('invoice-mark-paid')) expect(await h.provider.markInvoicePaid(inv.id, key())).toMatchObject({ status: 'paid', amountPaid: 22000 });
      const page = await h.provider.listInvoices({ customerId: who.customerId, limit: 100 });
      expect(page.data.map((i) => i.id)).toContain(inv.id);
    });

    it('operations a provider does not declare throw capability_unsupported', async () => {
      const calls: [PaymentsCapability, () => Promise<unknown>][] = [
        ['customers', () => h.provider.createCustomer({ email: 'x@example.com' }, key())],
        ['payment-methods', () => h.provider.listPaymentMethods('cus_x')],
        ['cancel', () => h.provider.cancelPayment('x', key())],
        ['confirm', () => h.provider.confirmPayment('x', { paymentMethodId: 'pm_card_visa' }, key())],
        ['invoice-finalize', () => h.provider.finalizeInvoice('x', key())],
      ];
      for (const [capability, call] of calls) {
        if (has(capability)) continue;
        expect(await failure(call()), capability).toMatchObject({ code: 'capability_unsupported' });
      }
    });
  });
}
