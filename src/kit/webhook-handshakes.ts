/**
 * The endpoint checks senders make before (and while) they deliver events, as small helpers a
 * connector's `verify` returns: Slack's `url_verification`, Zoom's `endpoint.url_validation`,
 * Microsoft Graph's `validationToken`. Slack and Zoom sign the check like any event
 * (`v0=<hex HMAC-SHA256 of "v0:{timestamp}:{raw body}">`), so it is answered only once the
 * signature verified; Graph's check carries no signature at all.
 */
import { HubError } from '../core/errors.js';
import type { HandshakeReply, WebhookVerifyInput } from './inbound.js';
import { checkTimestamp, headerOf, hmacSha256, matchSecret, noSecretMatched, noSecrets } from './webhook-verify.js';

/** How a `v0:{timestamp}:{body}` scheme names its headers. */
export interface V0Scheme {
  name: string;
  signatureHeader: string;
  timestampHeader: string;
}

export const SLACK_V0: V0Scheme = { name: 'Slack', signatureHeader: 'x-slack-signature', timestampHeader: 'x-slack-request-timestamp' };
export const ZOOM_V0: V0Scheme = { name: 'Zoom', signatureHeader: 'x-zm-signature', timestampHeader: 'x-zm-request-timestamp' };

/**
 * Verifies `v0=<hex HMAC-SHA256(secret, "v0:{timestamp}:{raw body}")>` and the timestamp
 * tolerance; answers the secret that matched (Zoom's handshake is keyed with it).
 *
 * @example
 * const secret = verifyV0Signature(SLACK_V0, input);
 * @see https://api.slack.com/authentication/verifying-requests-from-slack
 * @see https://developers.zoom.us/docs/api/webhooks/#verify-with-zooms-header
 */
export function verifyV0Signature(scheme: V0Scheme, input: WebhookVerifyInput): string {
  const signature = headerOf(input.headers, scheme.signatureHeader);
  const timestamp = headerOf(input.headers, scheme.timestampHeader);
  if (signature === undefined || timestamp === undefined) {
    throw new HubError('webhook_signature_missing', `${scheme.name} request lacks ${signature === undefined ? scheme.signatureHeader : scheme.timestampHeader}`);
  }
  if (input.secrets.length === 0) throw noSecrets(scheme.name);
  checkTimestamp(timestamp, input.now, input.toleranceSec, scheme.name);
  const given = signature.toLowerCase();
  const secret = matchSecret(input.secrets, (s) => `v0=${hmacSha256(s, `v0:${timestamp}:`, input.rawBody).toString('hex')}`, [given]);
  if (secret === undefined) throw noSecretMatched(scheme.name, input, { check: `check the ${scheme.name} signing secret` });
  return secret;
}

function jsonObject(rawBody: Buffer): Record<string, unknown> | undefined {
  try {
    const v: unknown = JSON.parse(rawBody.toString('utf8'));
    return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Slack's Events API check: `{"type":"url_verification","challenge":"…"}` is answered with the
 * challenge; anything else is an event (undefined). Call it after the signature verified.
 *
 * @example
 * verify(input) { verifyV0Signature(SLACK_V0, input); const reply = slackUrlVerification(input.rawBody); return reply && { handshake: reply }; }
 * @see https://api.slack.com/events/url_verification
 */
export function slackUrlVerification(rawBody: Buffer): HandshakeReply | undefined {
  const body = jsonObject(rawBody);
  if (body?.type !== 'url_verification') return undefined;
  if (typeof body.challenge !== 'string') throw new HubError('validation_failed', 'Slack url_verification without a "challenge" string');
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ challenge: body.challenge }) };
}

/**
 * Zoom's endpoint check: `{"event":"endpoint.url_validation","payload":{"plainToken":"…"}}` is
 * answered `{plainToken, encryptedToken: hex HMAC-SHA256(secret, plainToken)}` with the secret
 * that verified the request; anything else is an event (undefined).
 *
 * @example
 * const secret = verifyV0Signature(ZOOM_V0, input);
 * const reply = zoomUrlValidation(input.rawBody, secret);
 * @see https://developers.zoom.us/docs/api/webhooks/#validate-your-webhook-endpoint
 */
export function zoomUrlValidation(rawBody: Buffer, secret: string): HandshakeReply | undefined {
  const body = jsonObject(rawBody);
  if (body?.event !== 'endpoint.url_validation') return undefined;
  const plainToken = (body.payload as Record<string, unknown> | undefined)?.plainToken;
  if (typeof plainToken !== 'string') throw new HubError('validation_failed', 'Zoom endpoint.url_validation without payload.plainToken');
  const encryptedToken = hmacSha256(secret, plainToken).toString('hex');
  return { status: 200, contentType: 'application/json', body: JSON.stringify({ plainToken, encryptedToken }) };
}

/**
 * Microsoft Graph's subscription check: a POST with `?validationToken=…` and no signature, to be
 * echoed (decoded) as `text/plain` with 200 within 10 seconds; undefined when the query has none.
 *
 * @example
 * const reply = graphValidation(input.publicUrl); if (reply) return { handshake: reply };
 * @see https://learn.microsoft.com/en-us/graph/change-notifications-delivery-webhooks#notificationurl-validation
 */
export function graphValidation(publicUrl: string | undefined): HandshakeReply | undefined {
  if (!publicUrl) return undefined;
  const token = new URL(publicUrl, 'http://localhost').searchParams.get('validationToken');
  if (token === null) return undefined;
  return { status: 200, contentType: 'text/plain; charset=utf-8', body: token };
}
