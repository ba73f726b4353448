/**
 * A `fetch` for tsdav that sends through the hub's transport, so CalDAV requests get the
 * connection's Basic auth, timeouts, retries with backoff, the rate limit, the circuit breaker,
 * metrics and the redacted audit log like every other provider call. tsdav (2.x) takes a
 * `fetch` on each of its functions; it never sees the credentials.
 *
 * A non-2xx answer is not returned to tsdav: the transport throws the HubError `mapError` makes.
 */
import type { AuthSpec, ErrorMapper, HttpMethod, ProviderHttp } from '../../transport/types.js';

/** Statuses whose Response may carry no body (the Fetch standard's null body statuses). */
const NULL_BODY = new Set([101, 103, 204, 205, 304]);

function headersOf(init: RequestInit['headers']): Record<string, string> {
  const out: Record<string, string> = {};
  new Headers(init).forEach((value, name) => {
    // Credentials come from the manifest; tsdav gets none, but a caller's header must not override them.
    if (name !== 'authorization') out[name] = value;
  });
  return out;
}

/**
 * A fetch bound to one transport and operation name (`calendar.list`, `calendar.sync`); `authFor`
 * gives the auth for a URL outside the connection's origin (the transport sends none there itself).
 *
 * @example
 * const calendars = await fetchCalendars({ account, fetch: transportFetch(ctx.http, 'calendar.list', mapError) });
 */
export function transportFetch(http: ProviderHttp, operation: string, mapError?: ErrorMapper, authFor?: (url: string) => AuthSpec | undefined): typeof fetch {
  return async (input, init) => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== 'string') throw new TypeError('tsdav sent a body that is not text; the CalDAV connector sends only XML and iCalendar text');
    const auth = authFor?.(url);
    const res = await http.request({
      ...(auth && { auth }),
      method: (init?.method ?? 'GET') as HttpMethod,
      path: url,
      headers: headersOf(init?.headers),
      ...(typeof body === 'string' && { body }),
      operation,
      ...(mapError && { mapError }),
      ...(init?.signal && { signal: init.signal }),
    });
    return new Response(NULL_BODY.has(res.status) ? null : res.text, { status: res.status, headers: res.headers });
  };
}
