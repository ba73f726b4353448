/**
 * Requests held against a published OpenAPI description (openapi-backend): each must match an
 * operation and validate. Answers what is wrong, one line a request, for `expect(…).toEqual([])`.
 *
 * @example
 * expect(requestProblems(api, proxy.exchanges.map((x) => ({ req: toRequest(x), label: x.body })))).toEqual([]);
 */
import { OpenAPIBackend, type Document, type Request } from 'openapi-backend';

export function requestProblems(api: OpenAPIBackend, requests: { req: Request; label: string }[]): string[] {
  const problems: string[] = [];
  for (const { req, label } of requests) {
    const operation = api.matchOperation(req);
    if (!operation) {
      problems.push(`${req.method} ${req.path}: no operation`);
      continue;
    }
    const result = api.validateRequest(req, operation);
    if (!result.valid) problems.push(`${operation.operationId} ${label}: ${JSON.stringify(result.errors)}`);
  }
  return problems;
}

/** A compiled Ajv schema. */
export type Validate = ((data: unknown) => boolean) & { errors?: unknown[] | null };

/** The Ajv openapi-backend builds with (answers are validated by JSON pointer into the description). */
export interface AjvLike {
  addSchema(schema: object, key: string): unknown;
  compile(schema: object): Validate;
}

/**
 * In place: `{ …, nullable: true }` without a `type` (which Ajv refuses) → `{ anyOf: [{ … }, { enum: [null] }] }`
 * (an `anyOf` gains the null branch), and a nullable `enum` lists `null` (Ajv's `nullable` does not extend `enum`).
 */
export function nullableForAjv(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(nullableForAjv);
  if (node === null || typeof node !== 'object') return;
  const obj = node as Record<string, unknown>;
  for (const value of Object.values(obj)) nullableForAjv(value);
  if (obj.nullable === true && Array.isArray(obj.enum) && !obj.enum.includes(null)) obj.enum.push(null);
  if (obj.nullable !== true || obj.type !== undefined) return;
  delete obj.nullable;
  if (Array.isArray(obj.anyOf)) {
    obj.anyOf.push({ enum: [null] });
    return;
  }
  const copy = { ...obj };
  for (const key of Object.keys(obj)) delete obj[key];
  obj.anyOf = [copy, { enum: [null] }];
}

/**
 * openapi-backend over `definition` (requests: {@link requestProblems}) and an Ajv of the same
 * build holding the definition under `name` (answers: `ajv.compile({ $ref: '<name>#/paths/…' })`).
 * `warmup` is one request the backend validates, so that it builds and hands out its Ajv.
 *
 * @example
 * const { api, ajv } = await openApiValidators(definition, 'stripe', { method: 'GET', path: '/v1/customers', headers: {}, query: {} });
 */
export async function openApiValidators(definition: Document, name: string, warmup: Request, ajvOptions: object = {}): Promise<{ api: OpenAPIBackend; ajv: AjvLike }> {
  nullableForAjv(definition);
  let AjvClass: (new (opts: object) => AjvLike) | undefined;
  const api = new OpenAPIBackend({
    definition: structuredClone(definition),
    quick: true,
    validate: true,
    ajvOpts: { strict: false, coerceTypes: true, logger: false },
    customizeAjv: (original) => {
      AjvClass ??= original.constructor as new (opts: object) => AjvLike;
      return original;
    },
  });
  await api.init();
  api.matchOperation(warmup);
  api.validateRequest(warmup);
  if (!AjvClass) throw new Error('openapi-backend did not hand out its Ajv');
  const ajv = new AjvClass({ strict: false, logger: false, allErrors: true, ...ajvOptions });
  ajv.addSchema(definition as object, name);
  return { api, ajv };
}
