/**
 * zod at the edges: one way to turn a failed parse into a 400 that names each field.
 */
import type { z } from 'zod';
import { HubError } from './errors.js';

/** A zod error as a 400 `validation_failed` naming each field (`recipients.3.to`). */
export function zodToHubError(error: { issues: { path: PropertyKey[]; message: string }[] }): HubError {
  const errors = error.issues.map((i) => ({ field: i.path.map(String).join('.') || '(body)', message: i.message }));
  return new HubError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
}

/**
 * Parse or throw the 400.
 *
 * @example
 * const input = parseInput(templateInput, req.body);
 */
export function parseInput<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw zodToHubError(parsed.error);
  return parsed.data;
}
