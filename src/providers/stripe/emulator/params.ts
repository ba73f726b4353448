/**
 * Reads one endpoint's parameters from a parsed Stripe form the way Stripe does: unknown names
 * are `parameter_unknown`, absent required ones `parameter_missing`, integers and booleans are
 * coerced from their string form, `metadata` is a map of strings, and `expand` is always allowed.
 *
 * @see https://docs.stripe.com/api/errors (parameter_unknown, parameter_missing, parameter_invalid_integer)
 */
import type { FormObject, FormValue } from './form.js';
import { stripeErrors } from './errors.js';

/** How a parameter is read. */
export type ParamKind = 'string' | 'integer' | 'boolean' | 'metadata' | 'strings' | 'hash' | 'list';

/** One endpoint's parameters: name → kind; `required` lists the mandatory ones. */
export interface ParamSpec {
  params: Record<string, ParamKind>;
  required?: string[];
  /** Allowed values of enum-like string parameters. */
  enums?: Record<string, readonly string[]>;
}

/** The coerced parameters of a request (absent ones are undefined). */
export type Params = Record<string, string | number | boolean | Record<string, string> | string[] | FormObject | FormValue[] | undefined>;

function readOne(name: string, kind: ParamKind, value: FormValue): Params[string] {
  switch (kind) {
    case 'string':
      if (typeof value !== 'string') throw stripeErrors.invalidValue(name, `Invalid string: ${name} must be a string`);
      return value;
    case 'integer':
      if (typeof value !== 'string' || !/^-?\d{1,15}$/.test(value)) throw stripeErrors.invalidInteger(name, value);
      return Number(value);
    case 'boolean':
      if (value !== 'true' && value !== 'false') throw stripeErrors.invalidValue(name, `Invalid boolean: ${JSON.stringify(value)}`);
      return value === 'true';
    case 'strings':
      if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) throw stripeErrors.invalidValue(name, `Invalid array: ${name} must be a list of strings`);
      return value as string[];
    case 'hash':
      if (value === '') return {};
      if (typeof value !== 'object' || Array.isArray(value)) throw stripeErrors.invalidValue(name, `Invalid object: ${name} must be a hash`);
      return value;
    case 'list':
      if (!Array.isArray(value)) throw stripeErrors.invalidValue(name, `Invalid array: ${name} must be an array`);
      return value;
    case 'metadata': {
      // `metadata=` (empty) clears every key.
      if (value === '') return {};
      if (typeof value !== 'object' || Array.isArray(value)) throw stripeErrors.invalidValue(name, 'Invalid hash: metadata must be a map of strings');
      const out: Record<string, string> = {};
      for (const [k, v] of Object.entries(value)) {
        if (typeof v !== 'string') throw stripeErrors.invalidValue(`${name}[${k}]`, `Invalid string: ${name}[${k}] must be a string`);
        out[k] = v;
      }
      return out;
    }
  }
}

/**
 * Validates and coerces `body` against `spec`; throws the StripeApiError Stripe would answer.
 *
 * @example
 * readParams(parseStripeForm('amount=2000&currency=usd'), { params: { amount: 'integer', currency: 'string' }, required: ['amount', 'currency'] })
 * // { amount: 2000, currency: 'usd', expand: [] }
 */
export function readParams(body: FormObject | undefined, spec: ParamSpec): Params & { expand: string[] } {
  const input = body ?? {};
  const out: Params & { expand: string[] } = { expand: [] };
  for (const [name, value] of Object.entries(input)) {
    if (name === 'expand') {
      out.expand = readOne('expand', 'strings', value) as string[];
      continue;
    }
    const kind = spec.params[name];
    if (!kind) throw stripeErrors.unknown(name);
    out[name] = readOne(name, kind, value);
    const allowed = spec.enums?.[name];
    if (allowed && !allowed.includes(out[name] as string)) throw stripeErrors.invalidEnum(name, String(out[name]), allowed);
  }
  for (const name of spec.required ?? []) {
    if (out[name] === undefined) throw stripeErrors.missing(name);
    if (out[name] === '') throw stripeErrors.empty(name);
  }
  return out;
}

/**
 * A stable rendering of a parsed body, for comparing idempotent requests (key order ignored).
 *
 * @example
 * canonicalParams({ b: '1', a: { y: '2', x: '3' } }) === canonicalParams({ a: { x: '3', y: '2' }, b: '1' }) // true
 */
export function canonicalParams(value: FormValue | undefined): string {
  if (value === undefined) return '{}';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalParams).join(',')}]`;
  const keys = Object.keys(value).sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalParams(value[k])}`).join(',')}}`;
}

/**
 * Typed access to read parameters (after {@link readParams} checked their kinds).
 *
 * @example
 * const args = new Args(readParams(form, spec));
 * args.int('amount'); // 2000
 */
export class Args {
  constructor(readonly values: Params & { expand: string[] }) {}
  has(name: string): boolean {
    return this.values[name] !== undefined;
  }
  str(name: string): string | undefined {
    return this.values[name] as string | undefined;
  }
  /** A string parameter where `''` unsets the field (null). */
  nullable(name: string): string | null | undefined {
    const v = this.str(name);
    return v === '' ? null : v;
  }
  int(name: string): number | undefined {
    return this.values[name] as number | undefined;
  }
  bool(name: string): boolean | undefined {
    return this.values[name] as boolean | undefined;
  }
  meta(name = 'metadata'): Record<string, string> | undefined {
    return this.values[name] as Record<string, string> | undefined;
  }
  strs(name: string): string[] | undefined {
    return this.values[name] as string[] | undefined;
  }
  hash(name: string): FormObject | undefined {
    return this.values[name] as FormObject | undefined;
  }
  list(name: string): FormValue[] | undefined {
    return this.values[name] as FormValue[] | undefined;
  }
  get expand(): string[] {
    return this.values.expand;
  }
}

/**
 * Stripe's metadata update: given keys are set, keys given as `''` are removed, `metadata=''`
 * clears everything.
 *
 * @example
 * mergeMetadata({ a: '1', b: '2' }, { b: '', c: '3' }) // { a: '1', c: '3' }
 */
export function mergeMetadata(current: Record<string, string>, update: Record<string, string> | undefined): Record<string, string> {
  if (update === undefined) return current;
  if (Object.keys(update).length === 0) return {};
  const out = { ...current };
  for (const [k, v] of Object.entries(update)) {
    if (v === '') delete out[k];
    else out[k] = v;
  }
  return out;
}
