/**
 * Products and Prices: create, retrieve, update, list. A price is one-time or recurring
 * (`recurring[interval]` day|week|month|year, `recurring[interval_count]`), for an existing
 * `product` or a new one from `product_data[name]`.
 *
 * @see https://docs.stripe.com/api/products
 * @see https://docs.stripe.com/api/prices
 */
import { checkCurrency } from './amounts.js';
import type { EmulatorContext } from './context.js';
import { invalidRequest, stripeErrors } from './errors.js';
import type { FormObject } from './form.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeObject, type StripePrice } from './objects.js';
import { mergeMetadata, type ParamKind } from './params.js';
import type { Route } from './router.js';

const INTERVALS = ['day', 'week', 'month', 'year'];
/** Stripe's cap: one year of intervals (3 years since 2024 for some; the emulator keeps one). */
const MAX_COUNT: Record<string, number> = { day: 365, week: 52, month: 12, year: 1 };

const PRODUCT: Record<string, ParamKind> = { name: 'string', description: 'string', metadata: 'metadata', active: 'boolean', images: 'strings', url: 'string', statement_descriptor: 'string', unit_label: 'string', tax_code: 'string' };

function newProduct(data: FormObject | Record<string, unknown>): StripeObject {
  if (typeof data.name !== 'string' || data.name === '') throw stripeErrors.missing('name');
  const now = nowSec();
  return {
    id: typeof data.id === 'string' ? data.id : stripeId('prod', 14),
    object: 'product',
    active: data.active !== false && data.active !== 'false',
    created: now,
    default_price: null,
    description: typeof data.description === 'string' ? data.description : null,
    images: Array.isArray(data.images) ? data.images : [],
    livemode: false,
    marketing_features: [],
    metadata: (data.metadata as Record<string, string> | undefined) ?? {},
    name: data.name,
    package_dimensions: null,
    shippable: null,
    statement_descriptor: typeof data.statement_descriptor === 'string' ? data.statement_descriptor : null,
    tax_code: null,
    unit_label: typeof data.unit_label === 'string' ? data.unit_label : null,
    updated: now,
    url: typeof data.url === 'string' ? data.url : null,
  };
}

function recurringOf(hash: FormObject | undefined): StripePrice['recurring'] {
  if (hash === undefined) return null;
  const interval = hash.interval;
  if (interval === undefined) throw stripeErrors.missing('recurring[interval]');
  if (typeof interval !== 'string' || !INTERVALS.includes(interval)) throw stripeErrors.invalidEnum('recurring[interval]', String(interval), INTERVALS);
  const rawCount = hash.interval_count ?? '1';
  if (typeof rawCount !== 'string' || !/^\d+$/.test(rawCount)) throw stripeErrors.invalidInteger('recurring[interval_count]', rawCount);
  const count = Number(rawCount);
  if (count < 1 || count > MAX_COUNT[interval]!) {
    throw invalidRequest('parameter_invalid_integer', `The maximum billing period is one year: interval_count must be 1–${MAX_COUNT[interval]} for interval=${interval}.`, 'recurring[interval_count]', 400, false);
  }
  return { aggregate_usage: null, interval: interval as 'month', interval_count: count, meter: null, trial_period_days: null, usage_type: typeof hash.usage_type === 'string' ? hash.usage_type : 'licensed' };
}

/**
 * Routes: `/v1/products…`, `/v1/prices…`.
 *
 * @example
 * catalogRoutes(createRouter(deps), ctx); // POST /v1/prices product_data[name]=Pro&unit_amount=900&currency=usd&recurring[interval]=month
 */
export function catalogRoutes(route: Route, ctx: EmulatorContext): void {
  const { store } = ctx;

  route('POST', '/v1/products', { params: { ...PRODUCT, id: 'string', default_price_data: 'hash' }, required: ['name'] }, (call) => {
    const values = { ...call.args.values };
    if (values.id !== undefined && store.get(values.id as string)) throw invalidRequest('resource_already_exists', 'Product already exists.', 'id');
    const product = store.put(newProduct(values));
    call.emit('product.created', product);
    return product;
  });
  route('GET', '/v1/products/:id', { params: {} }, (call) => store.find('product', call.path.id!));
  route('POST', '/v1/products/:id', { params: { ...PRODUCT, default_price: 'string' } }, (call) => {
    const product = store.find('product', call.path.id!);
    const { args } = call;
    for (const field of ['name', 'description', 'url', 'statement_descriptor', 'unit_label', 'default_price'] as const) if (args.has(field)) product[field] = args.nullable(field);
    if (args.has('active')) product.active = args.bool('active');
    product.metadata = mergeMetadata(product.metadata as Record<string, string>, args.meta());
    product.updated = nowSec();
    call.emit('product.updated', product);
    return product;
  });
  route('GET', '/v1/products', { params: { ...LIST_PARAMS, active: 'boolean', ids: 'strings' } }, (call) => {
    const active = call.args.bool('active');
    return listPage(store.all('product', (p) => active === undefined || p.active === active), call.args, '/v1/products');
  });

  route(
    'POST',
    '/v1/prices',
    { params: { currency: 'string', unit_amount: 'integer', unit_amount_decimal: 'string', recurring: 'hash', product: 'string', product_data: 'hash', metadata: 'metadata', nickname: 'string', active: 'boolean', lookup_key: 'string', tax_behavior: 'string', billing_scheme: 'string' }, required: ['currency'] },
    (call) => {
      const { args } = call;
      const currency = checkCurrency(args.str('currency')!);
      const productData = args.hash('product_data');
      if (!args.has('product') && !productData) throw stripeErrors.missing('product');
      const productId = productData ? store.put(newProduct(productData)).id : store.find('product', args.str('product')!, 'product').id;
      const unitAmount = args.int('unit_amount') ?? (args.has('unit_amount_decimal') ? Math.round(Number(args.str('unit_amount_decimal'))) : undefined);
      if (unitAmount === undefined) throw stripeErrors.missing('unit_amount');
      const recurring = recurringOf(args.hash('recurring'));
      const price = store.put<StripePrice>({
        id: stripeId('price'),
        object: 'price',
        active: args.bool('active') ?? true,
        billing_scheme: 'per_unit',
        created: nowSec(),
        currency,
        custom_unit_amount: null,
        livemode: false,
        lookup_key: args.str('lookup_key') ?? null,
        metadata: mergeMetadata({}, args.meta()),
        nickname: args.str('nickname') ?? null,
        product: productId,
        recurring,
        tax_behavior: args.str('tax_behavior') ?? 'unspecified',
        tiers_mode: null,
        transform_quantity: null,
        type: recurring ? 'recurring' : 'one_time',
        unit_amount: unitAmount,
        unit_amount_decimal: String(unitAmount),
      });
      call.emit('price.created', price);
      return price;
    },
  );
  route('GET', '/v1/prices/:id', { params: {} }, (call) => store.find('price', call.path.id!));
  route('POST', '/v1/prices/:id', { params: { metadata: 'metadata', nickname: 'string', active: 'boolean', lookup_key: 'string' } }, (call) => {
    const price = store.find<StripePrice>('price', call.path.id!);
    const { args } = call;
    if (args.has('active')) price.active = args.bool('active');
    if (args.has('nickname')) price.nickname = args.nullable('nickname');
    if (args.has('lookup_key')) price.lookup_key = args.nullable('lookup_key');
    price.metadata = mergeMetadata(price.metadata as Record<string, string>, args.meta());
    call.emit('price.updated', price);
    return price;
  });
  route('GET', '/v1/prices', { params: { ...LIST_PARAMS, product: 'string', active: 'boolean', type: 'string', currency: 'string', lookup_keys: 'strings' } }, (call) => {
    const { args } = call;
    const items = store.all<StripePrice>(
      'price',
      (p) =>
        (!args.has('product') || p.product === args.str('product')) &&
        (!args.has('active') || p.active === args.bool('active')) &&
        (!args.has('type') || p.type === args.str('type')) &&
        (!args.has('currency') || p.currency === args.str('currency')),
    );
    return listPage(items, args, '/v1/prices');
  });
}
