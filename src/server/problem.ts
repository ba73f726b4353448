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
      return new HubError('payload_too_large', 'The body is larger than the hub accepts (see bodyLimit); send attachments smaller or split bulk lists');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new HubError('unsupported_media_type', `Content-Type ${err.message.split(': ').pop()} is not accepted; send application/json`);
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

export function sendProblem(reply: FastifyReply, request: FastifyRequest, err: unknown): FastifyReply {
  const problem = toProblem(err, request.id);
  if (problem.status >= 500) request.log.error({ err }, 'request failed');
  const retryAfter = err instanceof HubError ? err.retryAfter : undefined;
  if (retryAfter !== undefined) reply.header('retry-after', String(Math.ceil(retryAfter)));
  return reply.code(problem.status).type('application/problem+json').send(problem);
}
