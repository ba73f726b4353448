/**
 * Requests held against a published OpenAPI description (openapi-backend): each must match an
 * operation and validate. Answers what is wrong, one line a request, for `expect(…).toEqual([])`.
 *
 * @example
 * expect(requestProblems(api, proxy.exchanges.map((x) => ({ req: toRequest(x), label: x.body })))).toEqual([]);
 */
import type { OpenAPIBackend, Request } from 'openapi-backend';

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
