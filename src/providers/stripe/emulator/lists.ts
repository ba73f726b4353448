/**
 * Stripe's list answers: `{ object: 'list', data, has_more, url }`, newest first, paged with
 * `limit` (1–100, default 10), `starting_after` and `ending_before` (object ids), filtered by
 * `created[gt|gte|lt|lte]`.
 *
 * @see https://docs.stripe.com/api/pagination
 */
import { invalidRequest } from './errors.js';
import type { FormObject } from './form.js';
import type { StripeObject } from './objects.js';
import type { Args, ParamKind } from './params.js';

/** The parameters every list endpoint takes. */
export const LIST_PARAMS: Record<string, ParamKind> = { limit: 'integer', starting_after: 'string', ending_before: 'string', created: 'hash' };

/** One page of a Stripe list. */
export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

function matchesCreated(created: number, filter: FormObject | string | undefined): boolean {
  if (filter === undefined) return true;
  if (typeof filter === 'string') return created === Number(filter);
  const bound = (k: string) => (typeof filter[k] === 'string' ? Number(filter[k]) : undefined);
  const [gt, gte, lt, lte] = [bound('gt'), bound('gte'), bound('lt'), bound('lte')];
  return (gt === undefined || created > gt) && (gte === undefined || created >= gte) && (lt === undefined || created < lt) && (lte === undefined || created <= lte);
}

/**
 * One page of `items` (given oldest first, as stored) for the list parameters in `args`.
 *
 * @example
 * listPage(store.all('customer'), args, '/v1/customers') // { object: 'list', data: [newest…], has_more, url: '/v1/customers' }
 */
export function listPage<T extends StripeObject>(items: T[], args: Args, url: string): StripeList<T> {
  const limit = args.int('limit') ?? 10;
  if (limit < 1 || limit > 100) throw invalidRequest('parameter_invalid_integer', limit < 1 ? 'This value must be greater than or equal to 1.' : 'This value must be less than or equal to 100.', 'limit', 400, false);
  const created = args.values.created as FormObject | string | undefined;
  const newest = items.filter((o) => matchesCreated(Number(o.created ?? 0), created)).reverse();
  const cursor = (param: 'starting_after' | 'ending_before') => {
    const id = args.str(param);
    if (id === undefined) return undefined;
    const at = newest.findIndex((o) => o.id === id);
    if (at < 0) throw invalidRequest('resource_missing', `No such ${items[0]?.object ?? 'object'}: '${id}'`, param);
    return at;
  };
  const after = cursor('starting_after');
  const before = cursor('ending_before');
  if (before !== undefined) {
    const start = Math.max(0, before - limit);
    return { object: 'list', data: newest.slice(start, before), has_more: start > 0, url };
  }
  const start = after === undefined ? 0 : after + 1;
  return { object: 'list', data: newest.slice(start, start + limit), has_more: start + limit < newest.length, url };
}
