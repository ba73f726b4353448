/**
 * How Zoom signs a webhook: `x-zm-request-timestamp` (epoch seconds) and
 * `x-zm-signature: v0=<hex HMAC-SHA256(secret token, "v0:{timestamp}:{raw body}")>`.
 *
 * @see https://developers.zoom.us/docs/api/webhooks/#verify-webhook-events
 */
import { createHmac } from 'node:crypto';

/**
 * @example
 * signZoomWebhook('{"event":"meeting.started"}', 'secret', 1733300000)['x-zm-signature'] // 'v0=…'
 */
export function signZoomWebhook(body: string, secretToken: string, timestampSec = Math.floor(Date.now() / 1000)): Record<string, string> {
  const signature = createHmac('sha256', secretToken).update(`v0:${timestampSec}:${body}`).digest('hex');
  return { 'content-type': 'application/json; charset=utf-8', 'x-zm-request-timestamp': String(timestampSec), 'x-zm-signature': `v0=${signature}`, 'user-agent': 'Zoom Marketplace/1.0a' };
}
