/**
 * Customers, payment methods, subscriptions and invoices: they live at the provider (the source
 * of truth), so these calls validate, convert money, derive the provider idempotency key from
 * the caller's `Idempotency-Key`, and pass through. Ids are the provider's; answers carry
 * `provider`. The hub id a provider object carries (metadata `switchboard_id`) is the derived key,
 * so the same request re-sent carries the same parameters.
 */
import { parseInput } from '../../core/validation.js';
import type { Customer, Invoice, InvoiceItemInput, Page, PaymentMethod, PaymentsProvider, Subscription } from './contract.js';
import { checkCallerKey, providerKey, type PaymentCallOptions } from './keys.js';
import { parseAmount } from './money.js';
import {
  addInvoiceItemInput,
  attachPaymentMethodInput,
  cancelSubscriptionInput,
  changePriceInput,
  customerInput,
  invoiceInput,
  listInvoicesQuery,
  providerOnly,
  subscriptionInput,
} from './schemas.js';

type Raw<T> = Omit<T, 'raw'>;
/** Answers without the vendor's raw object (the REST API keeps answers small; the library has `raw`). */
const lean = <T extends { raw: unknown }>(v: T): Raw<T> => {
  const { raw: _raw, ...rest } = v;
  return rest;
};

export class PaymentObjects {
  /** @param provider the connector a tenant uses for a provider id (default: the chain's first). */
  constructor(private readonly provider: (tenantId: string, providerId?: string) => Promise<PaymentsProvider>) {}

  private async call<T>(tenantId: string, provider: string | undefined, operation: string, options: PaymentCallOptions, fn: (p: PaymentsProvider, key: string) => Promise<T>): Promise<T> {
    const p = await this.provider(tenantId, provider);
    return fn(p, providerKey(tenantId, checkCallerKey(options.idempotencyKey), p.id, operation));
  }

  async createCustomer(tenantId: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Customer>> {
    const { provider, ...v } = parseInput(customerInput, input);
    return lean(await this.call(tenantId, provider, 'customers.create', options, (p, key) => p.createCustomer(v, { idempotencyKey: key })));
  }

  async getCustomer(tenantId: string, id: string, query: unknown): Promise<Raw<Customer>> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return lean(await (await this.provider(tenantId, provider)).getCustomer(id));
  }

  async updateCustomer(tenantId: string, id: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Customer>> {
    const { provider, ...v } = parseInput(customerInput, input);
    return lean(await this.call(tenantId, provider, `customers.update:${id}`, options, (p, key) => p.updateCustomer(id, v, { idempotencyKey: key })));
  }

  async attachPaymentMethod(tenantId: string, customerId: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<PaymentMethod>> {
    const { provider, paymentMethodId } = parseInput(attachPaymentMethodInput, input);
    return lean(await this.call(tenantId, provider, `payment_methods.attach:${customerId}`, options, (p, key) => p.attachPaymentMethod(customerId, paymentMethodId, { idempotencyKey: key })));
  }

  async listPaymentMethods(tenantId: string, customerId: string, query: unknown): Promise<{ data: Raw<PaymentMethod>[] }> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return { data: (await (await this.provider(tenantId, provider)).listPaymentMethods(customerId)).map(lean) };
  }

  async detachPaymentMethod(tenantId: string, paymentMethodId: string, query: unknown, options: PaymentCallOptions = {}): Promise<Raw<PaymentMethod>> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return lean(await this.call(tenantId, provider, `payment_methods.detach:${paymentMethodId}`, options, (p, key) => p.detachPaymentMethod(paymentMethodId, { idempotencyKey: key })));
  }

  async createSubscription(tenantId: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Subscription>> {
    const { provider, ...v } = parseInput(subscriptionInput, input);
    return lean(await this.call(tenantId, provider, 'subscriptions.create', options, (p, key) => p.createSubscription({ ...v, hubId: key }, { idempotencyKey: key })));
  }

  async getSubscription(tenantId: string, id: string, query: unknown): Promise<Raw<Subscription>> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return lean(await (await this.provider(tenantId, provider)).getSubscription(id));
  }

  async changeSubscriptionPrice(tenantId: string, id: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Subscription>> {
    const { provider, priceId } = parseInput(changePriceInput, input);
    return lean(await this.call(tenantId, provider, `subscriptions.price:${id}:${priceId}`, options, (p, key) => p.changeSubscriptionPrice(id, priceId, { idempotencyKey: key })));
  }

  async cancelSubscription(tenantId: string, id: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Subscription>> {
    const { provider, ...v } = parseInput(cancelSubscriptionInput, input ?? {});
    return lean(await this.call(tenantId, provider, `subscriptions.cancel:${id}`, options, (p, key) => p.cancelSubscription(id, v, { idempotencyKey: key })));
  }

  async createInvoice(tenantId: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Invoice>> {
    const { provider, items, currency: rawCurrency, ...v } = parseInput(invoiceInput, input);
    const currency = parseAmount({ amountMinor: 0 }, rawCurrency).currency;
    const lines = (items ?? []).map((item, i) => toItem(item, currency, `items.${i}.`));
    return lean(await this.call(tenantId, provider, 'invoices.create', options, (p, key) => p.createInvoice({ ...v, currency, items: lines, hubId: key }, { idempotencyKey: key })));
  }

  async addInvoiceItem(tenantId: string, invoiceId: string, input: unknown, options: PaymentCallOptions = {}): Promise<Raw<Invoice>> {
    const { provider, ...v } = parseInput(addInvoiceItemInput, input);
    const p = await this.provider(tenantId, provider);
    const invoice = await p.getInvoice(invoiceId);
    const item = toItem(v, invoice.currency, '');
    return lean(await p.addInvoiceItem(invoiceId, item, { idempotencyKey: providerKey(tenantId, checkCallerKey(options.idempotencyKey), p.id, `invoices.item:${invoiceId}`) }));
  }

  async invoiceAction(tenantId: string, invoiceId: string, action: 'finalize' | 'send' | 'mark-paid', query: unknown, options: PaymentCallOptions = {}): Promise<Raw<Invoice>> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return lean(
      await this.call(tenantId, provider, `invoices.${action}:${invoiceId}`, options, (p, key) =>
        action === 'finalize' ? p.finalizeInvoice(invoiceId, { idempotencyKey: key }) : action === 'send' ? p.sendInvoice(invoiceId, { idempotencyKey: key }) : p.markInvoicePaid(invoiceId, { idempotencyKey: key }),
      ),
    );
  }

  async getInvoice(tenantId: string, invoiceId: string, query: unknown): Promise<Raw<Invoice>> {
    const { provider } = parseInput(providerOnly, query ?? {});
    return lean(await (await this.provider(tenantId, provider)).getInvoice(invoiceId));
  }

  async listInvoices(tenantId: string, query: unknown): Promise<Page<Raw<Invoice>>> {
    const { provider, ...q } = parseInput(listInvoicesQuery, query ?? {});
    const page = await (await this.provider(tenantId, provider)).listInvoices(q);
    return { data: page.data.map(lean), next: page.next };
  }
}

function toItem(item: { description: string; amount?: string | number; amountMinor?: number; quantity?: number }, currency: string, prefix: string): InvoiceItemInput {
  const money = parseAmount(item, currency, { amount: `${prefix}amount`, amountMinor: `${prefix}amountMinor` });
  return { description: item.description, unitAmount: money.minor, quantity: item.quantity ?? 1 };
}
