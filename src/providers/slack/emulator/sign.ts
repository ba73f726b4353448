/**
 * Slack's request signing, as Slack does it: `X-Slack-Signature: v0=<hex HMAC-SHA256(signing
 * secret, "v0:{timestamp}:{raw body}")>` and `X-Slack-Request-Timestamp: {timestamp}` (seconds).
 * The emulator signs what it posts to the hub with it; tests judge it with `@slack/bolt`.
 *
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 */
import { createHmac } from 'node:crypto';

/**
 * The two headers of a signed Slack request.
 *
 * @example
 * signSlackRequest('8f742231b10e8888abcd99yyyzzz85a5', 1531420618, 'token=xyz&command=%2Fweather')
 * // { 'x-slack-signature': 'v0=…', 'x-slack-request-timestamp': '1531420618' }
 */
export function signSlackRequest(signingSecret: string, timestampSec: number, body: string): { 'x-slack-signature': string; 'x-slack-request-timestamp': string } {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSec}:${body}`).digest('hex');
  return { 'x-slack-signature': `v0=${signature}`, 'x-slack-request-timestamp': String(timestampSec) };
}
