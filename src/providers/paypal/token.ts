/**
 * PayPal OAuth2 client credentials: `POST /v1/oauth2/token` with the REST app's id and secret
 * (HTTP Basic), a Bearer token for every other call.
 *
 * Tokens live about 9 hours (`expires_in` 32400). One token is cached per connection (id, base
 * URL and client id) until a minute before it expires; concurrent callers share one token request.
 * PayPal may still revoke a token early (a rotated secret, a sandbox reset): an API call answered
 * 401 drops the token and is sent once more with a fresh one.
 *
 * @see https://developer.paypal.com/api/rest/authentication/
 * @see https://developer.paypal.com/reference/get-an-access-token/
 */
import { createHash } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import type { HttpRequest, HttpResponse } from '../../transport/types.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { PaypalCredentials } from './manifest.js';

/** Refresh this long before `expires_in` runs out (or at half the lifetime, if shorter). */
const REFRESH_MARGIN_MS = 60_000;

interface CachedToken {
  token: Promise<string>;
  /** Epoch ms after which the token is not used any more; Infinity while the request runs. */
  expiresAt: number;
}

const cache = new Map<string, CachedToken>();
/** Connections whose tokens are kept (least recently fetched out first). */
const MAX_CACHED = 1000;

function keyOf(ctx: ProviderContext<PaypalCredentials>): string {
  const { connection } = ctx;
  const secret = createHash('sha256').update(connection.credentials.clientSecret).digest('hex').slice(0, 16);
  return `${connection.id}|${connection.baseUrl}|${connection.credentials.clientId}|${secret}`;
}

async function requestToken(ctx: ProviderContext<PaypalCredentials>, entry: CachedToken, signal?: AbortSignal): Promise<string> {
  const res = await ctx.http.request({
    method: 'POST',
    path: '/v1/oauth2/token',
    auth: { type: 'basic', username: '{clientId}', password: '{clientSecret}' },
    headers: { accept: 'application/json' },
    body: new URLSearchParams({ grant_type: 'client_credentials' }),
    operation: 'paypal.token',
    signal,
  });
  const body = res.json<{ access_token?: unknown; expires_in?: unknown; token_type?: unknown }>();
  if (typeof body.access_token !== 'string' || body.access_token === '') {
    throw new HubError('provider_error', 'PayPal answered the token request without an access_token.', { provider: 'paypal', providerStatus: res.status });
  }
  const lifetimeMs = (typeof body.expires_in === 'number' && body.expires_in > 0 ? body.expires_in : 300) * 1000;
  entry.expiresAt = ctx.clock.now() + lifetimeMs - Math.min(REFRESH_MARGIN_MS, lifetimeMs / 2);
  return body.access_token;
}

/**
 * The connection's access token: the cached one while it is fresh, else one new token request
 * shared by every concurrent caller. `force` drops a token PayPal refused.
 *
 * @example
 * const token = await paypalAccessToken(ctx); // 'A21AA…'
 */
export async function paypalAccessToken(ctx: ProviderContext<PaypalCredentials>, options: { signal?: AbortSignal; refused?: string } = {}): Promise<string> {
  const key = keyOf(ctx);
  let entry = cache.get(key);
  if (entry && options.refused !== undefined) {
    // Only drop the refused token: a concurrent caller may already have fetched a new one.
    const current = await entry.token.catch(() => undefined);
    if (current === options.refused && cache.get(key) === entry) entry = undefined;
  }
  if (entry && entry.expiresAt <= ctx.clock.now()) entry = undefined;
  if (!entry) {
    const fresh: CachedToken = { token: Promise.resolve(''), expiresAt: Infinity };
    fresh.token = requestToken(ctx, fresh, options.signal);
    fresh.token.catch(() => cache.get(key) === fresh && cache.delete(key));
    cache.delete(key);
    cache.set(key, fresh);
    while (cache.size > MAX_CACHED) cache.delete(cache.keys().next().value as string);
    entry = fresh;
  }
  return entry.token;
}

/** Forgets every cached token (tests). */
export function clearPaypalTokens(): void {
  cache.clear();
}

/**
 * Sends one PayPal API call with the connection's Bearer token; on a 401 it fetches a new token
 * and sends the call once more (same idempotency key, so PayPal does the work once).
 *
 * @example
 * const res = await paypalRequest(ctx, { method: 'GET', path: '/v2/checkout/orders/5O190127TN364715T', operation: 'payments.get' });
 */
export async function paypalRequest(ctx: ProviderContext<PaypalCredentials>, req: HttpRequest): Promise<HttpResponse> {
  const send = (token: string) => ctx.http.request({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
  const token = await paypalAccessToken(ctx, { signal: req.signal });
  try {
    return await send(token);
  } catch (err) {
    if (!(err instanceof HubError) || err.providerStatus !== 401) throw err;
    ctx.logger.debug({ provider: 'paypal', operation: req.operation }, 'PayPal refused the access token; fetching a new one');
    return send(await paypalAccessToken(ctx, { signal: req.signal, refused: token }));
  }
}
