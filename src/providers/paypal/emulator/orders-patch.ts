/**
 * `PATCH /v2/checkout/orders/:id`: JSON Patch on `/intent` and on a purchase unit's `amount`,
 * `description`, `custom_id`, `invoice_id`, `soft_descriptor` and `items`, addressed as PayPal
 * does with a filter (`/purchase_units/@reference_id=='default'/amount`). The patched order is
 * validated as a new create body would be; the answer is 204.
 *
 * @see https://developer.paypal.com/docs/api/orders/v2/#orders_patch
 */
import { invalidRequest, missing, unprocessable } from './errors.js';
import { validateOrderCreate, type OrderInput } from './orders-validate.js';

const UNIT_PATH = /^\/purchase_units\/@reference_id=='([^']+)'(?:\/(amount|description|custom_id|invoice_id|soft_descriptor|items))?$/;

/**
 * Applies a patch document to an order's create-shaped input and returns the validated result.
 *
 * @example
 * applyOrderPatch(order, [{ op: 'replace', path: "/purchase_units/@reference_id=='default'/amount", value: { currency_code: 'USD', value: '12.00' } }])
 */
export function applyOrderPatch(order: OrderInput, patch: unknown): OrderInput {
  if (!Array.isArray(patch)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', '/', 'The value of a field does not conform to the expected format.');
  if (patch.length === 0) throw missing('/0');
  const draft: Record<string, unknown> = {
    intent: order.intent,
    purchase_units: order.purchaseUnits.map(({ minor: _m, currency: _c, ...pu }) => ({ ...pu })),
  };
  const units = draft.purchase_units as Record<string, unknown>[];
  patch.forEach((raw: unknown, i) => {
    const p = (raw ?? {}) as { op?: unknown; path?: unknown; value?: unknown };
    if (p.op === undefined) throw missing(`/${i}/op`);
    if (p.op !== 'add' && p.op !== 'replace' && p.op !== 'remove') throw invalidRequest('INVALID_PARAMETER_VALUE', `/${i}/op`, 'The value of a field is invalid.', p.op);
    if (typeof p.path !== 'string' || p.path === '') throw unprocessable('PATCH_PATH_REQUIRED', "Please specify a 'path' for the field for which the operation needs to be performed.", `/${i}/path`);
    if (p.op !== 'remove' && p.value === undefined) throw unprocessable('PATCH_VALUE_REQUIRED', "Please specify a 'value' to for the field that is being patched.", `/${i}/value`);
    let target: Record<string, unknown>;
    let key: string;
    if (p.path === '/intent') {
      if (p.op !== 'replace') throw invalidRequest('INVALID_PATCH_OPERATION', `/${i}/op`, "The operation cannot be honored. Cannot add a property that's already present, use replace. Cannot remove a property thats not present, use add. Cannot replace a property thats not present, use add.", p.op);
      [target, key] = [draft, 'intent'];
    } else {
      const m = UNIT_PATH.exec(p.path);
      if (!m) throw invalidRequest('FIELD_NOT_PATCHABLE', `/${i}/path`, 'Field cannot be patched.', p.path);
      const unit = units.find((u) => u.reference_id === m[1]);
      if (!unit) throw unprocessable('REFERENCE_ID_NOT_FOUND', 'Filter expression value is incorrect. Please check the value of the reference_id and try again.', `/${i}/path`, p.path);
      if (!m[2]) throw invalidRequest('FIELD_NOT_PATCHABLE', `/${i}/path`, 'Field cannot be patched.', p.path);
      [target, key] = [unit, m[2]];
    }
    const present = target[key] !== undefined;
    if ((p.op === 'add' && present) || (p.op !== 'add' && !present) || (p.op === 'remove' && key === 'amount')) {
      throw invalidRequest('INVALID_PATCH_OPERATION', `/${i}/op`, "The operation cannot be honored. Cannot add a property that's already present, use replace. Cannot remove a property thats not present, use add. Cannot replace a property thats not present, use add.", p.op);
    }
    if (p.op === 'remove') delete target[key];
    else target[key] = p.value;
  });
  const next = validateOrderCreate(draft);
  return { ...order, intent: next.intent, purchaseUnits: next.purchaseUnits };
}
