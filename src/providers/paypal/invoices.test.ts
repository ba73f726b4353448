/**
 * PayPal invoices (Invoicing v2) through the connector against the emulator: draft with items,
 * an added item (GET + PUT), send, mark paid, list page by page.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { failure } from '../../../test/helpers/hub-error.js';
import { startPaypalEmulator, type PaypalEmulator } from './emulator/index.js';
import { connectPaypal, type TestPaypal } from './test-utils.js';

let emu: PaypalEmulator;
let pp: TestPaypal;
const key = () => randomUUID();

beforeAll(async () => {
  emu = await startPaypalEmulator({ eventDelayMs: 1 });
  pp = connectPaypal(emu);
});
afterAll(() => emu.close());

describe('PayPal invoices against the emulator', () => {
  it('drafts an invoice, adds an item, sends it and marks it paid with the amount due', async () => {
    const draft = await pp.createInvoice(
      { currency: 'usd', customerEmail: 'buyer@example.com', description: 'Consulting', daysUntilDue: 30, items: [{ description: 'Setup', unitAmount: 5000 }, { description: 'Hours', unitAmount: 1250, quantity: 4 }], hubId: 'inv_01test' },
      { idempotencyKey: key() },
    );
    expect(draft).toMatchObject({ provider: 'paypal', status: 'draft', currency: 'USD', total: 10000, amountDue: 10000, amountPaid: 0, metadata: { switchboard_id: 'inv_01test' } });
    expect(draft.items).toEqual([{ description: 'Setup', unitAmount: 5000, quantity: 1 }, { description: 'Hours', unitAmount: 1250, quantity: 4 }]);
    expect(draft.id).toMatch(/^INV2-/);

    const more = await pp.addInvoiceItem(draft.id, { description: 'Travel', unitAmount: 2599 }, { idempotencyKey: key() });
    expect(more).toMatchObject({ status: 'draft', total: 12599, amountDue: 12599 });
    expect(more.items.map((i) => i.description)).toEqual(['Setup', 'Hours', 'Travel']);

    const sent = await pp.sendInvoice(draft.id, { idempotencyKey: key() });
    expect(sent.status).toBe('open');

    const paid = await pp.markInvoicePaid(draft.id, { idempotencyKey: key() });
    expect(paid).toMatchObject({ status: 'paid', amountPaid: 12599, amountDue: 0, total: 12599 });
    expect(await pp.getInvoice(draft.id)).toMatchObject({ status: 'paid', amountPaid: 12599 });
    // Marking a paid invoice paid again changes nothing.
    expect(await pp.markInvoicePaid(draft.id, { idempotencyKey: key() })).toMatchObject({ status: 'paid', amountPaid: 12599 });
  });

  it('lists invoices page by page with cursors until the last page', async () => {
    for (let i = 0; i < 4; i++) await pp.createInvoice({ currency: 'EUR', customerEmail: `p${i}@example.com`, items: [{ description: `Item ${i}`, unitAmount: 100 + i }], hubId: `inv_page_${i}` }, { idempotencyKey: key() });
    const seen: string[] = [];
    let after: string | undefined;
    let pages = 0;
    do {
      const page = await pp.listInvoices({ limit: 2, after });
      expect(page.data.length).toBeLessThanOrEqual(2);
      seen.push(...page.data.map((i) => i.id));
      after = page.next ?? undefined;
      pages++;
    } while (after && pages < 10);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(5);
    expect(pages).toBe(Math.ceil(seen.length / 2));
    expect((await failure(pp.listInvoices({ after: 'abc' }))).code).toBe('validation_failed');
  });

  it('refuses finalize and listing by customer with capability_unsupported, and a HUF fraction before calling PayPal', async () => {
    expect((await failure(pp.finalizeInvoice('INV2-X', { idempotencyKey: key() }))).code).toBe('capability_unsupported');
    expect((await failure(pp.listInvoices({ customerId: 'cus_1' }))).code).toBe('capability_unsupported');
    const err = await failure(pp.createInvoice({ currency: 'HUF', customerEmail: 'a@example.com', items: [{ description: 'x', unitAmount: 150 }], hubId: 'i' }, { idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'validation_failed', errors: [{ field: 'items.0.unitAmount' }] });
    expect((await failure(pp.getInvoice('INV2-NOPE-NOPE-NOPE-NOPE'))).code).toBe('not_found');
  });
});
