/**
 * PayPal OAuth2 client credentials: `POST /v1/oauth2/token` with the REST app's id and secret
 * (HTTP Basic), a Bearer token for every other call.
 *
 * Tokens live about 9 hours (`expires_in` 32400). The hub's token manager keeps them
 * (`oauth/token-manager.ts`): renewed a minute before they expire, one request shared by
 * concurrent callers, stored sealed and shared by the hub's processes. PayPal may still revoke a
 * token early (a rotated secret, a sandbox reset): an API call answered 401 makes the manager
 * fetch one new token and the call is sent once more.
 *
 * @see https://developer.paypal.com/api/rest/authentication/
 * @see https://developer.paypal.com/reference/get-an-access-token/
 */
import { HubError } from '../../core/errors.js';
import type { TokenSource } from '../../kit/connection.js';
import type { ProviderContext } from '../../kit/connector.js';
import { TokenManager, type TokenGrant } from '../../oauth/token-manager.js';
import type { HttpRequest, HttpResponse } from '../../transport/types.js';
import { paypalManifest, type PaypalCredentials } from './manifest.js';

/** Renew this long before `expires_in` runs out (or at half the lifetime, if shorter). */
const REFRESH_MARGIN_MS = 60_000;

/**
 * PayPal's client credentials grant for the connection of `ctx` (credentials read per request:
 * a sandbox connection gets the emulator's once it runs).
 *
 * @example
 * const token = await tokens.accessToken(ctx.connection, { grant: paypalGrant(ctx) });
 */
export function paypalGrant(ctx: ProviderContext<PaypalCredentials>): TokenGrant {
  const credentials = () => ctx.connection.credentials;
  return {
    type: 'client_credentials',
    http: ctx.http,
    marginMs: REFRESH_MARGIN_MS,
    endpoint: {
      provider: 'paypal',
      name: 'PayPal',
      url: '/v1/oauth2/token',
      get clientId() {
        return credentials().clientId;
      },
      clientSecret: async () => credentials().clientSecret,
      clientAuth: 'client_secret_basic',
      env: { clientId: paypalManifest.env.clientId, clientSecret: paypalManifest.env.clientSecret },
    },
  };
}

/**
 * The connection's token source: the hub's token manager (`ctx.tokens`), or outside a hub one
 * kept in memory. Kept on the connection, so the payments connector and the webhook verifier of
 * one connection share their token.
 *
 * @example
 * const token = await paypalTokens(ctx).get();
 */
export function paypalTokens(ctx: ProviderContext<PaypalCredentials>): TokenSource {
  ctx.connection.tokenSource ??= ctx.tokens?.source(paypalGrant(ctx)) ?? new TokenManager({ clock: ctx.clock, logger: ctx.logger }).source(ctx.connection, paypalGrant(ctx));
  return ctx.connection.tokenSource;
}

/**
 * The connection's access token (see {@link paypalTokens}).
 *
 * @example
 * const token = await paypalAccessToken(ctx); // 'A21AA…'
 */
export function paypalAccessToken(ctx: ProviderContext<PaypalCredentials>, options: { signal?: AbortSignal } = {}): Promise<string> {
  return paypalTokens(ctx).get(options);
}

/**
 * Sends one PayPal API call with the connection's Bearer token; on a 401 the token is renewed
 * once and the call sent once more (same idempotency key, so PayPal does the work once).
 *
 * @example
 * const res = await paypalRequest(ctx, { method: 'GET', path: '/v2/checkout/orders/5O190127TN364715T', operation: 'payments.get' });
 */
export async function paypalRequest(ctx: ProviderContext<PaypalCredentials>, req: HttpRequest): Promise<HttpResponse> {
  const send = (token: string) => ctx.http.request({ ...req, headers: { ...req.headers, authorization: `Bearer ${token}` } });
  const tokens = paypalTokens(ctx);
  const token = await tokens.get({ signal: req.signal });
  try {
    return await send(token);
  } catch (err) {
    if (!(err instanceof HubError) || err.providerStatus !== 401) throw err;
    ctx.logger.debug({ provider: 'paypal', operation: req.operation }, 'PayPal refused the access token; fetching a new one');
    tokens.invalidate(token);
    return send(await tokens.get({ signal: req.signal }));
  }
}
