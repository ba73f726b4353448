/**
 * Checks an Orders v2 create body as PayPal does: schema failures are 400 INVALID_REQUEST, money
 * rules (AMOUNT_MISMATCH, ITEM_TOTAL_MISMATCH, DECIMAL_PRECISION, …) are 422.
 *
 * @see https://developer.paypal.com/docs/api/orders/v2/#orders_create
 */
import { badValue, invalidRequest, missing, unprocessable } from './errors.js';
import { optionalObject, optionalString } from './context.js';
import { readMoney } from './money.js';

/** A purchase unit as stored (amount checked). */
export interface PurchaseUnit {
  reference_id: string;
  amount: Record<string, unknown>;
  minor: number;
  currency: string;
  description?: string;
  custom_id?: string;
  invoice_id?: string;
  soft_descriptor?: string;
  items?: unknown[];
}

export interface OrderInput {
  intent: 'CAPTURE' | 'AUTHORIZE';
  purchaseUnits: PurchaseUnit[];
  returnUrl?: string;
  cancelUrl?: string;
  /** `payment_source.paypal` given: PayPal answers PAYER_ACTION_REQUIRED and a `payer-action` link. */
  paypalSource: boolean;
  brandName?: string;
}

const BREAKDOWN_ADD = ['item_total', 'tax_total', 'shipping', 'handling', 'insurance'] as const;
const BREAKDOWN_SUB = ['shipping_discount', 'discount'] as const;

function checkBreakdown(amount: Record<string, unknown>, at: string, currency: string, total: number, items: unknown[] | undefined): void {
  const breakdown = optionalObject(amount, 'breakdown', `${at}/breakdown`);
  const part = (key: string) => {
    if (breakdown[key] === undefined) return 0;
    const m = readMoney(breakdown[key], `${at}/breakdown/${key}`, { allowZero: true });
    if (m.currency !== currency) throw unprocessable('CURRENCY_MISMATCH', 'Currency code should be the same currency code in all the amount objects.', `${at}/breakdown/${key}/currency_code`, m.currency);
    return m.minor;
  };
  if (items !== undefined && items.length > 0 && breakdown.item_total === undefined) {
    throw unprocessable('ITEM_TOTAL_REQUIRED', 'If item details are specified (items.unit_amount and items.quantity) corresponding amount.breakdown.item_total is required.', `${at}/breakdown/item_total`);
  }
  if (amount.breakdown === undefined) return;
  const sum = BREAKDOWN_ADD.reduce((s, k) => s + part(k), 0) - BREAKDOWN_SUB.reduce((s, k) => s + part(k), 0);
  if (sum !== total) {
    throw unprocessable('AMOUNT_MISMATCH', 'Should equal item_total + tax_total + shipping + handling + insurance - shipping_discount - discount.', `${at}/value`);
  }
  if (items === undefined || items.length === 0) return;
  const itemsPointer = at.replace(/\/amount$/, '/items');
  let itemSum = 0;
  items.forEach((item, i) => {
    const it = item as Record<string, unknown>;
    if (typeof it.name !== 'string' || it.name === '') throw missing(`${itemsPointer}/${i}/name`);
    if (typeof it.quantity !== 'string' || !/^[0-9]{1,10}$/.test(it.quantity)) throw badValue(`${itemsPointer}/${i}/quantity`, it.quantity);
    const unit = readMoney(it.unit_amount, `${itemsPointer}/${i}/unit_amount`, { allowZero: true });
    itemSum += unit.minor * Number(it.quantity);
  });
  if (itemSum !== part('item_total')) {
    throw unprocessable('ITEM_TOTAL_MISMATCH', 'Should equal sum of (unit_amount * quantity) across all items for a given purchase_unit.', `${at}/breakdown/item_total/value`);
  }
}

/**
 * Validates a create-order body.
 *
 * @example
 * const input = validateOrderCreate({ intent: 'CAPTURE', purchase_units: [{ amount: { currency_code: 'USD', value: '10.00' } }] });
 */
export function validateOrderCreate(body: Record<string, unknown>): OrderInput {
  if (body.intent === undefined) throw missing('/intent');
  if (body.intent !== 'CAPTURE' && body.intent !== 'AUTHORIZE') throw badValue('/intent', body.intent, 'The value of a field is invalid. Use CAPTURE or AUTHORIZE.');
  const units = body.purchase_units;
  if (units === undefined) throw missing('/purchase_units');
  if (!Array.isArray(units)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', '/purchase_units', 'The value of a field does not conform to the expected format.');
  if (units.length === 0) throw invalidRequest('INVALID_ARRAY_MIN_ITEMS', '/purchase_units', 'The number of items in an array parameter is too small.');
  if (units.length > 10) throw invalidRequest('INVALID_ARRAY_MAX_ITEMS', '/purchase_units', 'The number of items in an array parameter is too large.');
  const seen = new Set<string>();
  const purchaseUnits = units.map((unit: unknown, i): PurchaseUnit => {
    const at = `/purchase_units/${i}`;
    if (typeof unit !== 'object' || unit === null) throw invalidRequest('INVALID_PARAMETER_SYNTAX', at, 'The value of a field does not conform to the expected format.');
    const pu = unit as Record<string, unknown>;
    const referenceId = optionalString(pu, 'reference_id', `${at}/reference_id`, 256);
    if (units.length > 1 && referenceId === undefined) throw unprocessable('REFERENCE_ID_REQUIRED', "'reference_id' is required for each 'purchase_unit' if multiple 'purchase_unit' are provided.", `${at}/reference_id`);
    const ref = referenceId ?? 'default';
    if (seen.has(ref)) throw unprocessable('DUPLICATE_REFERENCE_ID', '`reference_id` must be unique if multiple `purchase_unit` are provided.', `${at}/reference_id`, ref);
    seen.add(ref);
    const money = readMoney(pu.amount, `${at}/amount`);
    const items = pu.items === undefined ? undefined : Array.isArray(pu.items) ? (pu.items as unknown[]) : undefined;
    if (pu.items !== undefined && items === undefined) throw invalidRequest('INVALID_PARAMETER_SYNTAX', `${at}/items`, 'The value of a field does not conform to the expected format.');
    checkBreakdown(pu.amount as Record<string, unknown>, `${at}/amount`, money.currency, money.minor, items);
    const out: PurchaseUnit = { reference_id: ref, amount: pu.amount as Record<string, unknown>, minor: money.minor, currency: money.currency };
    for (const key of ['description', 'custom_id', 'invoice_id', 'soft_descriptor'] as const) {
      const v = optionalString(pu, key, `${at}/${key}`, key === 'soft_descriptor' ? 22 : 127);
      if (v !== undefined) out[key] = v;
    }
    if (items) out.items = items;
    return out;
  });
  const source = optionalObject(body, 'payment_source', '/payment_source');
  const paypal = optionalObject(source, 'paypal', '/payment_source/paypal');
  const experience = optionalObject(paypal, 'experience_context', '/payment_source/paypal/experience_context');
  const legacy = optionalObject(body, 'application_context', '/application_context');
  const url = (obj: Record<string, unknown>, key: string, at: string) => {
    const v = optionalString(obj, key, at, 4000);
    if (v !== undefined && !/^https?:\/\/[^\s]+$/.test(v)) throw badValue(at, v, 'The value of a field is not a valid URL.');
    return v;
  };
  const returnUrl = url(experience, 'return_url', '/payment_source/paypal/experience_context/return_url') ?? url(legacy, 'return_url', '/application_context/return_url');
  const cancelUrl = url(experience, 'cancel_url', '/payment_source/paypal/experience_context/cancel_url') ?? url(legacy, 'cancel_url', '/application_context/cancel_url');
  const brandName = optionalString(experience, 'brand_name', '/payment_source/paypal/experience_context/brand_name', 127) ?? optionalString(legacy, 'brand_name', '/application_context/brand_name', 127);
  return {
    intent: body.intent,
    purchaseUnits,
    paypalSource: body.payment_source !== undefined && source.paypal !== undefined,
    ...(returnUrl ? { returnUrl } : {}),
    ...(cancelUrl ? { cancelUrl } : {}),
    ...(brandName ? { brandName } : {}),
  };
}
