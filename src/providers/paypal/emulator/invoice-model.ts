/**
 * Invoicing v2 bodies: validation of `detail`, `invoicer`, `primary_recipients` and `items`, and
 * the `amount` PayPal computes from the items (item total, item discounts, item taxes by
 * percent, shipping) — what the client sends as `amount` is ignored, as PayPal does.
 *
 * @see https://developer.paypal.com/docs/api/invoicing/v2/#invoices_create
 */
import { badValue, invalidRequest, missing, unprocessable } from './errors.js';
import { optionalObject, optionalString } from './context.js';
import { formatMoney, readMoney, type Money } from './money.js';
import { paypalId } from './signing.js';

/** An invoice body as stored after validation (items carry ids and line totals). */
export interface InvoiceInput {
  detail: Record<string, unknown> & { currency_code: string; invoice_number?: string };
  invoicer?: Record<string, unknown>;
  primary_recipients?: unknown[];
  additional_recipients?: unknown[];
  configuration?: Record<string, unknown>;
  items: (Record<string, unknown> & { id: string })[];
  amount: { currency_code: string; value: string; breakdown: Record<string, unknown> };
  /** Total in minor units. */
  totalMinor: number;
}

const percentOf = (minor: number, percent: string): number => Math.round((minor * Number(percent)) / 100);

function readPercent(v: unknown, at: string): string {
  if (typeof v !== 'string' || !/^((-?[0-9]+)|(-?([0-9]+)?[.][0-9]+))$/.test(v) || Number(v) < 0 || Number(v) > 100) throw badValue(at, v);
  return v;
}

/**
 * Validates an invoice create/replace body and computes its amount.
 *
 * @example
 * const input = readInvoice({ detail: { currency_code: 'USD' }, items: [{ name: 'Hour', quantity: '2', unit_amount: { currency_code: 'USD', value: '50.00' } }] });
 * input.amount.value // '100.00'
 */
export function readInvoice(body: Record<string, unknown>): InvoiceInput {
  if (body.detail === undefined) throw missing('/detail');
  const detail = optionalObject(body, 'detail', '/detail');
  const currency = optionalString(detail, 'currency_code', '/detail/currency_code', 3);
  if (!currency) throw missing('/detail/currency_code');
  readMoney({ currency_code: currency, value: '0' }, '/detail', { allowZero: true });
  for (const key of ['invoice_number', 'reference'] as const) optionalString(detail, key, `/detail/${key}`, 127);
  for (const key of ['note', 'terms_and_conditions'] as const) optionalString(detail, key, `/detail/${key}`, 4000);
  optionalString(detail, 'memo', '/detail/memo', 500);
  const invoicer = body.invoicer === undefined ? undefined : optionalObject(body, 'invoicer', '/invoicer');
  const recipients = body.primary_recipients;
  if (recipients !== undefined && (!Array.isArray(recipients) || recipients.length > 100)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', '/primary_recipients', 'The value of a field does not conform to the expected format.');
  (recipients as unknown[] | undefined)?.forEach((r, i) => {
    const billing = optionalObject((r ?? {}) as Record<string, unknown>, 'billing_info', `/primary_recipients/${i}/billing_info`);
    const email = optionalString(billing, 'email_address', `/primary_recipients/${i}/billing_info/email_address`, 254);
    if (email !== undefined && !/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw badValue(`/primary_recipients/${i}/billing_info/email_address`, email);
  });
  const rawItems = body.items ?? [];
  if (!Array.isArray(rawItems) || rawItems.length > 100) throw invalidRequest('INVALID_PARAMETER_SYNTAX', '/items', 'The value of a field does not conform to the expected format.');
  const sameCurrency = (m: { currency: string }, at: string) => {
    if (m.currency !== currency) throw unprocessable('CURRENCY_MISMATCH', 'The currency code of the amount must match the invoice currency.', `${at}/currency_code`, m.currency);
  };
  let itemTotal = 0;
  let itemDiscount = 0;
  let taxTotal = 0;
  const items = rawItems.map((raw: unknown, i) => {
    const at = `/items/${i}`;
    if (typeof raw !== 'object' || raw === null) throw invalidRequest('INVALID_PARAMETER_SYNTAX', at, 'The value of a field does not conform to the expected format.');
    const item = raw as Record<string, unknown>;
    if (!optionalString(item, 'name', `${at}/name`, 200)) throw missing(`${at}/name`);
    if (item.quantity === undefined) throw missing(`${at}/quantity`);
    if (typeof item.quantity !== 'string' || !/^[0-9]{1,10}(\.[0-9]{1,5})?$/.test(item.quantity)) throw badValue(`${at}/quantity`, item.quantity);
    const unit = readMoney(item.unit_amount, `${at}/unit_amount`, { allowZero: true });
    sameCurrency(unit, `${at}/unit_amount`);
    const line = Math.round(unit.minor * Number(item.quantity));
    const discount = optionalObject(item, 'discount', `${at}/discount`);
    let off = 0;
    if (discount.percent !== undefined) off = percentOf(line, readPercent(discount.percent, `${at}/discount/percent`));
    else if (discount.amount !== undefined) off = readMoney(discount.amount, `${at}/discount/amount`, { allowZero: true }).minor;
    const tax = optionalObject(item, 'tax', `${at}/tax`);
    const taxMinor = tax.percent === undefined ? 0 : percentOf(line - off, readPercent(tax.percent, `${at}/tax/percent`));
    itemTotal += line;
    itemDiscount += off;
    taxTotal += taxMinor;
    const renderedTax = tax.percent === undefined ? {} : { tax: { ...tax, amount: formatMoney(taxMinor, currency) } };
    return { ...item, ...renderedTax, id: typeof item.id === 'string' ? item.id : `ITEM-${paypalId(17)}` };
  });
  const breakdownIn = optionalObject(optionalObject(body, 'amount', '/amount'), 'breakdown', '/amount/breakdown');
  const shippingIn = optionalObject(breakdownIn, 'shipping', '/amount/breakdown/shipping');
  const shipping = shippingIn.amount === undefined ? 0 : readMoney(shippingIn.amount, '/amount/breakdown/shipping/amount', { allowZero: true }).minor;
  const total = itemTotal - itemDiscount + taxTotal + shipping;
  const money = (m: number): Money => formatMoney(m, currency);
  return {
    detail: { ...detail, currency_code: currency },
    ...(invoicer ? { invoicer } : {}),
    ...(recipients ? { primary_recipients: recipients as unknown[] } : {}),
    ...(Array.isArray(body.additional_recipients) ? { additional_recipients: body.additional_recipients as unknown[] } : {}),
    ...(body.configuration !== undefined ? { configuration: optionalObject(body, 'configuration', '/configuration') } : {}),
    items,
    amount: {
      ...money(total),
      breakdown: {
        item_total: money(itemTotal),
        discount: { item_discount: money(-itemDiscount) },
        tax_total: money(taxTotal),
        ...(shipping ? { shipping: { amount: money(shipping) } } : {}),
      },
    },
    totalMinor: total,
  };
}
