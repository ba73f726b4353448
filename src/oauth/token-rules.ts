/**
 * The token manager's small rules: when a token is fresh (renew 5 minutes ahead, or at half its
 * lifetime when shorter), when it is still usable, which refresh token to send, and its errors.
 */
import { HubError } from '../core/errors.js';
import type { ResolvedConnection, TokenSet } from '../kit/connection.js';

const DEFAULT_MARGIN_MS = 5 * 60_000;
/** A token this close to expiry is not handed out any more. */
const SKEW_MS = 10_000;

/**
 * Renew when less than the margin is left: 5 minutes, or half the lifetime when that is shorter.
 *
 * @example
 * fresh({ accessToken: 'a', obtainedAt: 0, expiresAt: 3_600_000 }, {}, 3_400_000) // false: 200 s left
 */
export function fresh(tokens: TokenSet, grant: { marginMs?: number }, now: number): boolean {
  if (tokens.expiresAt === undefined) return true;
  const margin = grant.marginMs ?? DEFAULT_MARGIN_MS;
  const lifetime = tokens.obtainedAt !== undefined ? tokens.expiresAt - tokens.obtainedAt : Infinity;
  return tokens.expiresAt - now > Math.min(margin, lifetime / 2);
}

/**
 * The token may still be handed out (more than 10 s left).
 *
 * @example
 * usable({ accessToken: 'a', expiresAt: now + 60_000 }, now) // true
 */
export const usable = (tokens: TokenSet, now: number): boolean => tokens.expiresAt === undefined || tokens.expiresAt - now > SKEW_MS;

/**
 * The refresh token to send: the stored one, else one the environment seeded.
 *
 * @example
 * refreshTokenOf(undefined, { ...connection, credentials: { refreshToken: '1//0g' } }) // '1//0g'
 */
export function refreshTokenOf(tokens: TokenSet | undefined, connection: ResolvedConnection): string | undefined {
  const seeded = (connection.credentials as { refreshToken?: unknown }).refreshToken;
  return tokens?.refreshToken ?? (typeof seeded === 'string' && seeded ? seeded : undefined);
}

/**
 * What every call on a connection that is not `active` fails with, before any token request.
 *
 * @example
 * if (connection.status === 'needs_reauth') throw inactiveError(connection);
 */
export function inactiveError(connection: ResolvedConnection): HubError {
  return new HubError('connection_inactive', `Connection ${connection.id} (${connection.provider}) is ${connection.status}${connection.statusReason ? `: ${connection.statusReason}` : ''}`, {
    provider: connection.provider,
    details: { connectionId: connection.id, status: connection.status },
  });
}

/**
 * The `oauth_invalid_grant` error whose `details.reason` becomes the connection's status reason.
 *
 * @example
 * throw reauth(connection, 'Google refused the refresh token: connect again.');
 */
export function reauth(connection: ResolvedConnection, reason: string, cause?: HubError): HubError {
  return new HubError('oauth_invalid_grant', cause ? cause.message : `${connection.provider} connection ${connection.id}: ${reason}`, {
    provider: connection.provider, providerCode: cause?.providerCode, providerStatus: cause?.providerStatus, cause, details: { connectionId: connection.id, reason },
  });
}

/**
 * `promise`, or the caller's abort: a shared refresh goes on for the others.
 *
 * @example
 * const tokens = await abortable(running, options.signal);
 */
export function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
