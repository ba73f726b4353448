/**
 * Query parameters of `GET /api/v1/events` and `/events/stream`, validated into an
 * {@link EventFilter}: every bad value is a 400 naming its field.
 */
import { z } from 'zod';
import { validationError } from '../core/errors.js';
import { decodeCursor, type EventFilter, type Order, type PageRequest } from './filter.js';
import { isTypePattern } from './types.js';

type Raw = Record<string, unknown>;

const MAX_PATTERNS = 50;

/** Query schema for OpenAPI (documentation; parsing is {@link parseListParams}). */
export const listQueryDoc = z.object({
  type: z.string().optional().describe('Type patterns, repeatable or comma-separated: `email.bounced`, `email.*`, `*`'),
  provider: z.string().optional().describe('Provider ids, repeatable or comma-separated (`sendgrid`, `switchboard`, `source:<id>`)'),
  since: z.string().optional().describe('ISO 8601 time; events received at or after it (on `receivedAt`)'),
  until: z.string().optional().describe('ISO 8601 time; events received before it (on `receivedAt`)'),
  limit: z.string().optional().describe('1..500, default 100'),
  order: z.enum(['asc', 'desc']).optional().describe('`desc` (newest first, default) or `asc` (stream order)'),
  cursor: z.string().optional().describe('`nextCursor` of the previous page'),
});

/** Query schema of the stream for OpenAPI. */
export const streamQueryDoc = listQueryDoc.omit({ limit: true, order: true, cursor: true }).extend({
  lastEventId: z.string().optional().describe('Resume after this `seq` (same as the `Last-Event-ID` header, which wins)'),
  access_token: z.string().optional().describe('The API key, for EventSource clients that cannot send headers'),
});

function listOf(raw: Raw, field: string): string[] {
  const v = raw[field];
  if (v === undefined) return [];
  const items = Array.isArray(v) ? v : [v];
  if (!items.every((s) => typeof s === 'string')) throw validationError(field, 'must be a string');
  return (items as string[]).flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
}

function single(raw: Raw, field: string): string | undefined {
  const v = raw[field];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw validationError(field, 'give it once');
  return v;
}

function isoTime(raw: Raw, field: string): number | undefined {
  const v = single(raw, field);
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}([T ][0-9:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw validationError(field, `"${v}" is not an ISO 8601 time such as 2025-01-31T12:00:00Z`);
  return ms;
}

/**
 * The filter part, shared by the list and the stream.
 *
 * @example
 * parseFilter({ type: 'email.*,webhook.delivery.exhausted', since: '2025-01-01T00:00:00Z' }, 'default')
 */
export function parseFilter(raw: Raw, tenantId: string): EventFilter {
  const types = listOf(raw, 'type');
  const bad = types.find((t) => !isTypePattern(t));
  if (bad !== undefined) throw validationError('type', `"${bad}" is not a type pattern; use an exact type (email.bounced), a wildcard (email.*) or *`);
  if (types.length > MAX_PATTERNS) throw validationError('type', `at most ${MAX_PATTERNS} patterns`);
  const providers = listOf(raw, 'provider');
  if (providers.length > MAX_PATTERNS) throw validationError('provider', `at most ${MAX_PATTERNS} providers`);
  const since = isoTime(raw, 'since');
  const until = isoTime(raw, 'until');
  if (since !== undefined && until !== undefined && until <= since) throw validationError('until', 'must be after since');
  return { tenantId, types, providers, since, until };
}

/**
 * Filter and page of `GET /api/v1/events`.
 *
 * @example
 * parseListParams({ limit: '50', cursor }, 'default') // { filter, page: { order: 'desc', limit: 50, afterSeq } }
 */
export function parseListParams(raw: Raw, tenantId: string): { filter: EventFilter; page: PageRequest } {
  const filter = parseFilter(raw, tenantId);
  const limitText = single(raw, 'limit');
  const limit = limitText === undefined ? 100 : /^\d{1,4}$/.test(limitText) ? Number(limitText) : NaN;
  if (!(limit >= 1 && limit <= 500)) throw validationError('limit', 'must be an integer from 1 to 500');
  const orderText = single(raw, 'order');
  if (orderText !== undefined && orderText !== 'asc' && orderText !== 'desc') throw validationError('order', 'must be asc or desc');
  const cursorText = single(raw, 'cursor');
  const cursor = cursorText === undefined ? undefined : decodeCursor(cursorText);
  if (cursor && orderText !== undefined && cursor.order !== orderText) throw validationError('order', `the cursor continues a ${cursor.order} listing`);
  const order: Order = cursor?.order ?? (orderText as Order | undefined) ?? 'desc';
  return { filter, page: { order, limit, afterSeq: cursor?.seq } };
}

/**
 * The resume position of a stream: the `Last-Event-ID` header, else `?lastEventId=`; null: live only.
 *
 * @example
 * parseLastEventId('41', undefined) // 41
 */
export function parseLastEventId(header: string | string[] | undefined, query: unknown): number | null {
  const field = header !== undefined ? 'Last-Event-ID' : 'lastEventId';
  const v = header ?? query;
  if (v === undefined || v === '') return null;
  if (typeof v !== 'string' || !/^\d{1,15}$/.test(v.trim())) throw validationError(field, 'must be the `id` (a non-negative integer) of an event this stream sent');
  return Number(v.trim());
}
