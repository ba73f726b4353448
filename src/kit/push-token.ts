/**
 * Secrets for push channels the hub subscribes itself (a Google Calendar watch channel's `token`,
 * a Microsoft Graph subscription's `clientState`): the provider repeats the secret on every
 * notification, and no signature covers the body, so the secret is what tells a real notification
 * from a forged one.
 *
 * A token is `pt1.<nonce>.<HMAC-SHA256(key, nonce)>` (base64url, 70 characters: within Graph's 128
 * for `clientState` and Google's 256 for `token`), keyed with the connection's push key
 * (`ConnectionManager.pushKeys(connectionId)[0]`, derived from the vault's key, never stored). The connection's inbound
 * URL verifies it with the same key (`WebhookHandler.pushKeys`): nothing is looked up, and a
 * channel renewed under a new token keeps verifying the old channel's last notifications.
 *
 * @example
 * const token = issuePushToken(connections.pushKeys(connectionId)[0]!); // when watching
 * verifyPushToken('Google Calendar', token, input.secrets); // in the handler's verify
 */
import { randomBytes } from 'node:crypto';
import { HubError } from '../core/errors.js';
import { hmacSha256, safeEqual } from './webhook-verify.js';

const PREFIX = 'pt1';

/** A fresh token under `key` (each channel gets its own nonce). */
export function issuePushToken(key: string): string {
  const nonce = randomBytes(16).toString('base64url');
  return `${PREFIX}.${nonce}.${hmacSha256(key, PREFIX, '.', nonce).toString('base64url')}`;
}

/** True when `token` was issued under one of `keys`. */
export function checkPushToken(token: string | undefined, keys: readonly string[]): boolean {
  if (token === undefined) return false;
  const [prefix, nonce, mac, ...rest] = token.split('.');
  if (prefix !== PREFIX || !nonce || !mac || rest.length > 0) return false;
  return keys.some((key) => safeEqual(hmacSha256(key, PREFIX, '.', nonce).toString('base64url'), mac));
}

/**
 * Throws `webhook_signature_missing` when the notification carries no token, and
 * `webhook_signature_invalid` when it was not issued for this connection.
 */
export function verifyPushToken(scheme: string, token: string | undefined, keys: readonly string[]): void {
  if (token === undefined || token === '') throw new HubError('webhook_signature_missing', `${scheme} notification carries no channel token`);
  if (!checkPushToken(token, keys)) {
    throw new HubError('webhook_signature_invalid', `${scheme} notification's channel token was not issued for this connection: it is forged, or the channel belongs to another connection's URL`);
  }
}
