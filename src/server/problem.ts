/**
 * Errors as `application/problem+json` (RFC 9457) with the hub's stable `code`.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { HubError, toHubError } from '../core/errors.js';

export interface Problem {
  type: string;
  title: string;
  status: number;
  code: string;
  detail: string;
  requestId: string;
  errors?: { field: string; message: string }[];
  provider?: string;
  providerCode?: string;
  retryable: boolean;
  details?: Record<string, unknown>;
}

/** Fastify's own errors (bad JSON, body too large, wrong media type) in the hub's terms. */
function fromFastify(err: FastifyError): HubError | undefined {
  switch (err.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new HubError('validation_failed', `body: not valid JSON (${err.message}); send a JSON object`, { errors: [{ field: '(body)', message: 'must be valid JSON' }] });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HubError('payload_too_large', tooLarge('the limit BODY_LIMIT_BYTES sets (default 26214400 = 25 MiB)'));
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError('unsupported_media_type', `Content-Type ${err.message.split(': ').pop()} is not accepted here; send \`Content-Type: application/json\` with a JSON body`);
    default:
      if (err.validation) {
        const errors = err.validation.map((v) => ({ field: (v.instancePath || '/').slice(1).replace(/\//g, '.') || '(body)', message: v.message ?? 'is invalid' }));
        return new HubError('validation_failed', errors.map((e) => `${e.field}: ${e.message}`).join('; '), { errors });
      }
      if (typeof err.statusCode === 'number' && err.statusCode < 500 && err.statusCode >= 400) {
        return new HubError('validation_failed', err.message);
      }
      return undefined;
  }
}

export function toProblem(err: unknown, requestId: string): Problem {
  const e = err instanceof HubError ? err : (fromFastify(err as FastifyError) ?? toHubError(err));
  const internal = e.code === 'internal_error';
  return {
    type: `https://switchboard.dev/errors#${e.code}`,
    title: e.code.replace(/_/g, ' '),
    status: e.status,
    code: e.code,
    detail: internal ? `Unexpected error; the logs have it under requestId ${requestId}` : e.message,
    requestId,
    errors: e.errors,
    provider: e.provider,
    providerCode: e.providerCode,
    retryable: e.retryable,
    details: e.details,
  };
}

const tooLarge = (limit: string) => `The body is larger than ${limit}; send attachments smaller, split bulk lists, or raise BODY_LIMIT_BYTES on the hub`;

/** Inbound webhooks have their own, fixed body limit: BODY_LIMIT_BYTES does not raise it. */
const WEBHOOK_TOO_LARGE = 'The webhook body is larger than the hub accepts for inbound webhooks (a fixed limit; BODY_LIMIT_BYTES does not apply to /webhooks routes)';

/**
 * Answer an error as problem+json (5xx are logged with their cause; `Retry-After` when known).
 *
 * @example
 * app.setErrorHandler((err, req, reply) => sendProblem(reply, req, err));
 */
export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const problem = toProblem(err, request.id);
  if (problem.code === 'payload_too_large') {
    const limit = request.routeOptions.bodyLimit;
    problem.detail = request.url.startsWith('/webhooks/') ? WEBHOOK_TOO_LARGE : limit ? tooLarge(`${limit} bytes, the limit BODY_LIMIT_BYTES sets`) : problem.detail;
  }
  if (problem.status >= 500) request.log.error({ err }, 'request failed');
  const retryAfter = err instanceof HubError ? err.retryAfter : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(Math.ceil(retryAfter)));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}
