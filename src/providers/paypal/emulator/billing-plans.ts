/**
 * Catalog products and billing plans (Subscriptions v1): `POST /v1/catalogs/products`,
 * `POST /v1/billing/plans`, `GET` both. Plans are created ACTIVE, as PayPal does by default.
 *
 * @see https://developer.paypal.com/docs/api/catalog-products/v1/
 * @see https://developer.paypal.com/docs/api/subscriptions/v1/#plans_create
 */
import { badValue, invalidRequest, missing, notFound } from './errors.js';
import { objectBody, optionalObject, optionalString, paypalTime, type PaypalContext } from './context.js';
import { readMoney } from './money.js';
import { paypalId } from './signing.js';

export interface BillingCycle {
  tenure_type: 'TRIAL' | 'REGULAR';
  sequence: number;
  total_cycles: number;
  frequency: { interval_unit: 'DAY' | 'WEEK' | 'MONTH' | 'YEAR'; interval_count: number };
  pricing_scheme?: { version: number; fixed_price: { currency_code: string; value: string }; create_time: string; update_time: string };
  /** Price in minor units (0: free). */
  minor: number;
  currency?: string;
}

export interface PlanRecord {
  id: string;
  product_id: string;
  name: string;
  status: 'ACTIVE' | 'CREATED' | 'INACTIVE';
  description?: string;
  billing_cycles: BillingCycle[];
  payment_preferences: Record<string, unknown>;
  taxes?: unknown;
  quantity_supported: boolean;
  create_time: string;
  update_time: string;
}

const UNITS = ['DAY', 'WEEK', 'MONTH', 'YEAR'];

function readCycles(value: unknown): BillingCycle[] {
  if (value === undefined) throw missing('/billing_cycles');
  if (!Array.isArray(value) || value.length === 0 || value.length > 12) throw badValue('/billing_cycles', JSON.stringify(value), 'billing_cycles must hold 1 to 12 cycles.');
  const now = paypalTime();
  const cycles = value.map((raw: unknown, i): BillingCycle => {
    const at = `/billing_cycles/${i}`;
    if (typeof raw !== 'object' || raw === null) throw invalidRequest('INVALID_PARAMETER_SYNTAX', at, 'The value of a field does not conform to the expected format.');
    const c = raw as Record<string, unknown>;
    if (c.tenure_type === undefined) throw missing(`${at}/tenure_type`);
    if (c.tenure_type !== 'TRIAL' && c.tenure_type !== 'REGULAR') throw badValue(`${at}/tenure_type`, c.tenure_type);
    if (c.sequence === undefined) throw missing(`${at}/sequence`);
    if (!Number.isInteger(c.sequence) || (c.sequence as number) < 1 || (c.sequence as number) > 99) throw badValue(`${at}/sequence`, c.sequence);
    const frequency = optionalObject(c, 'frequency', `${at}/frequency`);
    if (c.frequency === undefined) throw missing(`${at}/frequency`);
    if (frequency.interval_unit === undefined) throw missing(`${at}/frequency/interval_unit`);
    if (!UNITS.includes(frequency.interval_unit as string)) throw badValue(`${at}/frequency/interval_unit`, frequency.interval_unit);
    const count = frequency.interval_count ?? 1;
    if (!Number.isInteger(count) || (count as number) < 1 || (count as number) > 365) throw badValue(`${at}/frequency/interval_count`, count);
    const total = c.total_cycles ?? 1;
    if (!Number.isInteger(total) || (total as number) < 0 || (total as number) > 999) throw badValue(`${at}/total_cycles`, total);
    const scheme = optionalObject(c, 'pricing_scheme', `${at}/pricing_scheme`);
    if (c.tenure_type === 'REGULAR' && scheme.fixed_price === undefined) throw missing(`${at}/pricing_scheme/fixed_price`);
    const price = scheme.fixed_price === undefined ? undefined : readMoney(scheme.fixed_price, `${at}/pricing_scheme/fixed_price`, { allowZero: c.tenure_type === 'TRIAL' });
    return {
      tenure_type: c.tenure_type,
      sequence: c.sequence as number,
      total_cycles: total as number,
      frequency: { interval_unit: frequency.interval_unit as BillingCycle['frequency']['interval_unit'], interval_count: count as number },
      ...(price ? { pricing_scheme: { version: 1, fixed_price: scheme.fixed_price as { currency_code: string; value: string }, create_time: now, update_time: now }, currency: price.currency } : {}),
      minor: price?.minor ?? 0,
    };
  });
  if (!cycles.some((c) => c.tenure_type === 'REGULAR')) throw badValue('/billing_cycles', 'TRIAL', 'A plan needs one REGULAR billing cycle.');
  return cycles.sort((a, b) => a.sequence - b.sequence);
}

/**
 * Plans on the wire (the stored minor units stay inside).
 *
 * @example
 * renderPlan(ctx, plan).links[0].rel // 'self'
 */
export const renderPlan = (ctx: PaypalContext, p: PlanRecord) => ({
  id: p.id,
  product_id: p.product_id,
  name: p.name,
  status: p.status,
  ...(p.description ? { description: p.description } : {}),
  usage_type: 'LICENSED',
  billing_cycles: p.billing_cycles.map(({ minor: _minor, currency: _currency, ...c }) => c),
  payment_preferences: p.payment_preferences,
  ...(p.taxes ? { taxes: p.taxes } : {}),
  quantity_supported: p.quantity_supported,
  create_time: p.create_time,
  update_time: p.update_time,
  links: [ctx.link(`/v1/billing/plans/${p.id}`, 'self'), ctx.link(`/v1/billing/plans/${p.id}`, 'edit', 'PATCH'), ctx.link(`/v1/billing/plans/${p.id}/deactivate`, 'self', 'POST')],
});

/**
 * Registers products and plans; returns the plan map (subscriptions read it).
 *
 * @example
 * const plans = registerPlans(ctx);
 */
export function registerPlans(ctx: PaypalContext): Map<string, PlanRecord> {
  const { app } = ctx;
  const products = new Map<string, Record<string, unknown>>();
  const plans = new Map<string, PlanRecord>();

  app.post('/v1/catalogs/products', async (req, reply) => {
    const body = objectBody(req);
    const name = optionalString(body, 'name', '/name', 127);
    if (!name) throw missing('/name');
    if (body.type === undefined) throw missing('/type');
    if (!['PHYSICAL', 'DIGITAL', 'SERVICE'].includes(body.type as string)) throw badValue('/type', body.type);
    const id = optionalString(body, 'id', '/id', 50) ?? `PROD-${paypalId(17)}`;
    if (products.has(id)) throw invalidRequest('DUPLICATE_RESOURCE_IDENTIFIER', '/id', 'A resource with the given id already exists.', id);
    const now = paypalTime();
    const product = {
      id, name, type: body.type,
      ...Object.fromEntries(['description', 'category', 'image_url', 'home_url'].flatMap((k) => (optionalString(body, k, `/${k}`, 2000) ? [[k, body[k]]] : []))),
      create_time: now, update_time: now,
      links: [ctx.link(`/v1/catalogs/products/${id}`, 'self'), ctx.link(`/v1/catalogs/products/${id}`, 'edit', 'PATCH')],
    };
    products.set(id, product);
    return ctx.answer(req, reply, 201, product);
  });

  app.get<{ Params: { id: string } }>('/v1/catalogs/products/:id', async (req) => {
    const product = products.get(req.params.id);
    if (!product) throw notFound(req.params.id);
    return product;
  });

  app.post('/v1/billing/plans', async (req, reply) => {
    const body = objectBody(req);
    const productId = optionalString(body, 'product_id', '/product_id', 50);
    if (!productId) throw missing('/product_id');
    if (!products.has(productId)) throw badValue('/product_id', productId, 'The specified product does not exist.');
    const name = optionalString(body, 'name', '/name', 127);
    if (!name) throw missing('/name');
    const cycles = readCycles(body.billing_cycles);
    if (body.payment_preferences === undefined) throw missing('/payment_preferences');
    const prefs = optionalObject(body, 'payment_preferences', '/payment_preferences');
    if (prefs.setup_fee !== undefined) readMoney(prefs.setup_fee, '/payment_preferences/setup_fee', { allowZero: true });
    const status = body.status === undefined ? 'ACTIVE' : body.status;
    if (status !== 'ACTIVE' && status !== 'CREATED' && status !== 'INACTIVE') throw badValue('/status', status);
    const now = paypalTime();
    const plan: PlanRecord = {
      id: `P-${paypalId(24)}`, product_id: productId, name, status,
      ...(optionalString(body, 'description', '/description', 127) ? { description: body.description as string } : {}),
      billing_cycles: cycles,
      payment_preferences: { auto_bill_outstanding: true, setup_fee_failure_action: 'CANCEL', payment_failure_threshold: 0, ...prefs },
      ...(body.taxes ? { taxes: body.taxes } : {}),
      quantity_supported: body.quantity_supported === true,
      create_time: now, update_time: now,
    };
    plans.set(plan.id, plan);
    return ctx.answer(req, reply, 201, renderPlan(ctx, plan));
  });

  app.get<{ Params: { id: string } }>('/v1/billing/plans/:id', async (req) => {
    const plan = plans.get(req.params.id);
    if (!plan) throw notFound(req.params.id);
    return renderPlan(ctx, plan);
  });

  return plans;
}
