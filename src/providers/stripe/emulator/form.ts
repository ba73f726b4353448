/**
 * Stripe's form encoding: `application/x-www-form-urlencoded` with nested keys in brackets, as
 * stripe-node and curl send them — `metadata[order]=1`, `payment_method_types[]=card`,
 * `expand[0]=customer`, `shipping[address][city]=Paris`. Parsed with URLSearchParams plus a
 * small nested-key parser; objects whose keys are all `0..n-1` become arrays.
 *
 * @see https://docs.stripe.com/api/request_ids (and any curl example in the API reference)
 */

/** A parsed form value: strings all the way down (Stripe coerces types per parameter). */
export type FormValue = string | FormValue[] | FormObject;
export interface FormObject {
  [key: string]: FormValue;
}

/** Keys that would reach Object.prototype; never assigned. */
const UNSAFE = new Set(['__proto__', 'constructor', 'prototype']);

/** `a[b][]` → `['a', 'b', '']`; null when the brackets do not balance. */
function splitKey(key: string): string[] | null {
  const open = key.indexOf('[');
  if (open < 0) return [key];
  const parts = [key.slice(0, open)];
  const rest = key.slice(open);
  const re = /\[([^[\]]*)\]/gy;
  let consumed = 0;
  for (let m = re.exec(rest); m; m = re.exec(rest)) {
    parts.push(m[1] ?? '');
    consumed = re.lastIndex;
  }
  return consumed === rest.length && parts[0] !== '' ? parts : null;
}

function isIndexed(obj: FormObject): boolean {
  const keys = Object.keys(obj);
  return keys.length > 0 && keys.every((k, i) => k === String(i));
}

/** Arrays arrive as objects keyed `0..n-1` (or pushed with `[]`); turn them into arrays. */
function finish(value: FormValue): FormValue {
  if (typeof value === 'string') return value;
  if (Array.isArray(value)) return value.map(finish);
  const out: FormObject = {};
  for (const [k, v] of Object.entries(value)) out[k] = finish(v);
  return isIndexed(out) ? Object.values(out) : out;
}

/**
 * Parses a Stripe form body (or query string) into a nested object of strings.
 *
 * @example
 * parseStripeForm('amount=2000&metadata[order]=42&payment_method_types[]=card&expand[0]=customer')
 * // { amount: '2000', metadata: { order: '42' }, payment_method_types: ['card'], expand: ['customer'] }
 */
export function parseStripeForm(raw: string): FormObject {
  const root: FormObject = {};
  for (const [key, value] of new URLSearchParams(raw)) {
    const path = splitKey(key);
    if (!path || path.some((p) => UNSAFE.has(p))) continue;
    let node: FormObject | FormValue[] = root;
    for (let i = 0; i < path.length; i++) {
      const part = path[i]!;
      const last = i === path.length - 1;
      const nextIsPush = path[i + 1] === '';
      if (Array.isArray(node)) {
        // `a[][b]=…` is not something Stripe's clients send; only plain pushes are kept.
        if (last) node.push(value);
        break;
      }
      if (last) {
        node[part] = value;
        break;
      }
      const existing: FormValue | undefined = node[part];
      if (nextIsPush) {
        const list: FormValue[] = Array.isArray(existing) ? existing : [];
        node[part] = list;
        if (i + 1 === path.length - 1) list.push(value);
        break;
      }
      const child: FormObject = existing !== undefined && typeof existing === 'object' && !Array.isArray(existing) ? existing : {};
      node[part] = child;
      node = child;
    }
  }
  return finish(root) as FormObject;
}
