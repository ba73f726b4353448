/**
 * Invoicing v2 through plain fetch: create (minimal and full answers), add an item with PUT,
 * send, record payments, list with paging, cancel, numbering.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { paypalSession, type PaypalSession } from './test-support.js';

let emulator: PaypalEmulator;
let pp: PaypalSession;
beforeAll(async () => {
  emulator = await startPaypalEmulator();
  pp = await paypalSession(emulator);
});
afterAll(() => emulator.close());

const item = (name: string, quantity: string, value: string, extra: Record<string, unknown> = {}) => ({ name, quantity, unit_amount: { currency_code: 'USD', value }, ...extra });
const draft = (items: unknown[], number?: string) => ({
  detail: { currency_code: 'USD', note: 'Thank you', payment_term: { term_type: 'NET_10' }, ...(number ? { invoice_number: number } : {}) },
  invoicer: { name: { given_name: 'Ada', surname: 'Shop' }, email_address: 'merchant@example.com' },
  primary_recipients: [{ billing_info: { email_address: 'bob@example.com' } }],
  items,
});

describe('invoices', () => {
  it('create → add an item with PUT → send → pay in two parts', async () => {
    const created = await pp.call('POST', '/v2/invoicing/invoices', draft([item('Consulting', '2', '50.00')]));
    expect(created.status).toBe(201);
    expect(created.body).toEqual({ rel: 'self', method: 'GET', href: expect.stringMatching(new RegExp(`^${emulator.url}/v2/invoicing/invoices/INV2-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$`)) });
    const path = new URL(created.body.href).pathname;
    const got = await pp.call('GET', path);
    expect(got.body).toMatchObject({ status: 'DRAFT', amount: { currency_code: 'USD', value: '100.00' }, due_amount: { value: '100.00' }, detail: { currency_code: 'USD', invoice_number: '0001' } });
    expect(got.body.items[0].id).toMatch(/^ITEM-/);

    const replaced = await pp.call('PUT', path, { ...draft([...got.body.items, item('Travel', '1', '19.99', { tax: { name: 'VAT', percent: '10' } })]), detail: got.body.detail });
    expect(replaced.status).toBe(200);
    // 100.00 + 19.99 + 10 % of 19.99 (2.00)
    expect(replaced.body.amount.value).toBe('121.99');
    expect(replaced.body.amount.breakdown).toMatchObject({ item_total: { value: '119.99' }, tax_total: { value: '2.00' } });
    expect(replaced.body.items).toHaveLength(2);
    expect(replaced.body.items[0].id).toBe(got.body.items[0].id);

    expect((await pp.call('POST', `${path}/payments`, { method: 'CASH' })).body.details[0].issue).toBe('CANNOT_PROCESS_PAYMENTS');
    const sent = await pp.call('POST', `${path}/send`, { send_to_invoicer: true });
    expect(sent.status).toBe(200);
    expect(sent.body.rel).toBe('payer-view');
    expect((await pp.call('GET', path)).body.status).toBe('SENT');

    const tooMuch = await pp.call('POST', `${path}/payments`, { method: 'BANK_TRANSFER', amount: { currency_code: 'USD', value: '200.00' } });
    expect(tooMuch.body.details[0].issue).toBe('PAYMENT_AMOUNT_GREATER_THAN_AMOUNT_DUE');
    expect((await pp.call('POST', `${path}/payments`, { method: 'BITCOIN' })).body.details[0].issue).toBe('INVALID_PAYMENT_METHOD');
    const first = await pp.call('POST', `${path}/payments`, { method: 'BANK_TRANSFER', payment_date: '2026-12-01', amount: { currency_code: 'USD', value: '21.99' } });
    expect(first.status).toBe(200);
    expect(first.body.payment_id).toMatch(/^EXTR-/);
    const partly = await pp.call('GET', path);
    expect(partly.body).toMatchObject({ status: 'PARTIALLY_PAID', due_amount: { value: '100.00' }, payments: { paid_amount: { value: '21.99' } } });
    expect(emulator.events.some((e) => e.event_type === 'INVOICING.INVOICE.PAID')).toBe(false);

    await pp.call('POST', `${path}/payments`, { method: 'CHECK', note: 'rest' });
    const paid = await pp.call('GET', path);
    expect(paid.body).toMatchObject({ status: 'MARKED_AS_PAID', due_amount: { value: '0.00' }, payments: { paid_amount: { value: '121.99' } } });
    expect(paid.body.payments.transactions).toHaveLength(2);
    const event = emulator.events.find((e) => e.event_type === 'INVOICING.INVOICE.PAID')!;
    expect((event.resource as { invoice: { id: string } }).invoice.id).toBe(paid.body.id);
    expect((await pp.call('POST', `${path}/cancel`, {})).body.details[0].issue).toBe('CANNOT_CANCEL_PAID_INVOICE');
  });

  it('answers the full invoice with Prefer: return=representation, refuses a duplicate number, cancels a sent one', async () => {
    const full = await pp.call('POST', '/v2/invoicing/invoices', draft([item('Widget', '3', '1.50')], 'A-7'), { prefer: 'return=representation' });
    expect(full.body).toMatchObject({ status: 'DRAFT', detail: { invoice_number: 'A-7' }, amount: { value: '4.50' } });
    const dup = await pp.call('POST', '/v2/invoicing/invoices', draft([], 'A-7'));
    expect(dup.status).toBe(422);
    expect(dup.body.details[0].issue).toBe('DUPLICATE_INVOICE_NUMBER');
    expect((await pp.call('POST', `/v2/invoicing/invoices/${full.body.id}/cancel`, {})).body.details[0].issue).toBe('CANNOT_CANCEL_DRAFT_INVOICE');
    await pp.call('POST', `/v2/invoicing/invoices/${full.body.id}/send`, {});
    expect((await pp.call('POST', `/v2/invoicing/invoices/${full.body.id}/cancel`, { send_to_recipient: true })).status).toBe(204);
    expect((await pp.call('GET', `/v2/invoicing/invoices/${full.body.id}`)).body.status).toBe('CANCELLED');
    const next = await pp.call('POST', '/v2/invoicing/generate-next-invoice-number');
    expect(next.body.invoice_number).toMatch(/^\d{4}$/);
  });

  it('validates like PayPal: currency, item fields, decimals', async () => {
    expect((await pp.call('POST', '/v2/invoicing/invoices', { items: [] })).body.details[0]).toMatchObject({ issue: 'MISSING_REQUIRED_PARAMETER', field: '/detail' });
    expect((await pp.call('POST', '/v2/invoicing/invoices', { detail: {} })).body.details[0].field).toBe('/detail/currency_code');
    expect((await pp.call('POST', '/v2/invoicing/invoices', draft([{ name: 'x', unit_amount: { currency_code: 'USD', value: '1.00' } }]))).body.details[0].field).toBe('/items/0/quantity');
    expect((await pp.call('POST', '/v2/invoicing/invoices', draft([item('x', '1', '1.005')]))).body.details[0].issue).toBe('DECIMAL_PRECISION');
    expect((await pp.call('POST', '/v2/invoicing/invoices', draft([{ ...item('x', '1', '1'), unit_amount: { currency_code: 'EUR', value: '1.00' } }]))).body.details[0].issue).toBe('CURRENCY_MISMATCH');
    expect((await pp.call('GET', '/v2/invoicing/invoices/INV2-NOPE')).status).toBe(404);
  });

  it('lists newest first with page, page_size and total_required', async () => {
    const fresh = await startPaypalEmulator();
    const session = await paypalSession(fresh);
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push((await session.call('POST', '/v2/invoicing/invoices', draft([item(`n${i}`, '1', '1.00')]), { prefer: 'return=representation' })).body.id);
    const page1 = await session.call('GET', '/v2/invoicing/invoices?page=1&page_size=2&total_required=true');
    expect(page1.body).toMatchObject({ total_items: 5, total_pages: 3 });
    expect(page1.body.items.map((i: { id: string }) => i.id)).toEqual([ids[4], ids[3]]);
    expect(page1.body.links.map((l: { rel: string }) => l.rel)).toContain('next');
    const page3 = await session.call('GET', '/v2/invoicing/invoices?page=3&page_size=2');
    expect(page3.body.items.map((i: { id: string }) => i.id)).toEqual([ids[0]]);
    expect(page3.body.total_items).toBeUndefined();
    expect((await session.call('GET', '/v2/invoicing/invoices?page_size=101')).status).toBe(400);
    await fresh.close();
  });
});
