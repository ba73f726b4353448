/**
 * The wire layer: the default undici dispatcher and the helpers that turn a connector's
 * {@link HttpRequest} into bytes and an answer into an {@link HttpResponse}. No policies here.
 */
import { request as undiciRequest } from 'undici';
import { HubError } from '../core/errors.js';
import type { Dispatcher, HttpMethod, HttpRequest, HttpResponse } from './types.js';

/**
 * Default dispatcher: undici's pooled `request` (keep-alive per origin). Header names come back
 * lower-cased; repeated headers are joined with `, `. The body is read as asked: text, bytes, or
 * left unread as a stream.
 *
 * @example
 * const raw = await undiciDispatcher({ url: 'http://127.0.0.1:8080/v1/x', method: 'GET', headers: {}, signal });
 */
export const undiciDispatcher: Dispatcher = async ({ url, method, headers, body, signal, responseType = 'text' }) => {
  const res = await undiciRequest(url, { method, headers, body: body as never, signal });
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  const head = { status: res.statusCode, headers: flat };
  if (responseType === 'stream') return { ...head, stream: res.body };
  if (responseType === 'buffer') return { ...head, bytes: Buffer.from(await res.body.arrayBuffer()) };
  return { ...head, text: await res.body.text() };
};

/** RFC 9110 §5.6.2 `token`: the grammar of a method name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Returns `method` if it is a valid RFC 9110 token (`PROPFIND`, `MKCALENDAR`…); throws an
 * `internal_error` HubError naming it otherwise (a connector bug: nothing is sent).
 *
 * @example
 * checkMethod('REPORT') // 'REPORT'
 * checkMethod('GET /x') // throws
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-methods
 */
export function checkMethod(method: string): HttpMethod {
  if (typeof method === 'string' && TOKEN.test(method)) return method;
  throw new HubError('internal_error', `HTTP method ${JSON.stringify(method)} is not a valid RFC 9110 token (letters, digits and !#$%&'*+-.^_\`|~ only).`);
}

/**
 * Joins the connection's base URL and a request path (or takes an absolute URL) and appends the
 * defined query parameters.
 *
 * @example
 * buildUrl('https://api.sendgrid.com/', '/v3/mail/send', { dry: true }) // 'https://api.sendgrid.com/v3/mail/send?dry=true'
 */
export function buildUrl(baseUrl: string, path: string, query?: HttpRequest['query']): string {
  const url = new URL(/^https?:\/\//.test(path) ? path : baseUrl.replace(/\/$/, '') + path);
  if (query) for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

/**
 * Wraps a dispatcher's raw answer as an {@link HttpResponse} (adds `json()`).
 *
 * @example
 * toResponse({ status: 200, headers: {}, text: '{"id":1}' }).json() // { id: 1 }
 */
export function toResponse(raw: { status: number; headers: Record<string, string>; text: string }): HttpResponse {
  return { status: raw.status, headers: raw.headers, text: raw.text, json: <T>() => JSON.parse(raw.text) as T };
}

/**
 * Methods that mean the same thing when repeated (RFC 9110 §9.2.2): the idempotent ones and the
 * safe WebDAV/CalDAV reads. Others (`POST`, `PATCH`, `MKCALENDAR`, `COPY`…) are retried only with
 * an idempotency key or when surely not processed.
 */
const IDEMPOTENT_METHODS: ReadonlySet<string> = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND', 'REPORT']);

/**
 * True for GET, HEAD, PUT, DELETE, OPTIONS, and the safe PROPFIND and REPORT.
 *
 * @example
 * isIdempotentMethod('POST') // false
 * isIdempotentMethod('PROPFIND') // true
 */
export function isIdempotentMethod(method: HttpMethod): boolean {
  return IDEMPOTENT_METHODS.has(method);
}

/** Headers vendors use for their request id, most common first. */
const REQUEST_ID_HEADERS = [
  'x-request-id',
  'request-id',
  'x-amz-request-id',
  'x-ms-request-id',
  'paypal-debug-id',
  'twilio-request-id',
  'x-message-id',
];

/**
 * The provider's request id from an answer's (lower-cased) headers, for the audit log.
 *
 * @example
 * requestIdOf({ 'request-id': 'req_123' }) // 'req_123'
 */
export function requestIdOf(headers: Record<string, string>): string | undefined {
  for (const name of REQUEST_ID_HEADERS) {
    const value = headers[name];
    if (value !== undefined) return value;
  }
  return undefined;
}

/**
 * Parses a `Retry-After` value (delay in seconds, or an HTTP-date) into seconds from `now`.
 * Answers undefined when absent or unparsable; a date in the past gives 0.
 *
 * @example
 * parseRetryAfter('120', Date.now()) // 120
 * parseRetryAfter('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:00Z')) // 60
 * @see https://www.rfc-editor.org/rfc/rfc9110#name-retry-after
 */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
  const date = Date.parse(trimmed);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, Math.ceil((date - now) / 1000));
}
