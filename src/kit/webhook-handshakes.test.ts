/**
 * The handshake helpers against the vendors' documented examples: Slack's request-signing example
 * (api.slack.com/authentication/verifying-requests-from-slack; the secret and timestamp are also in
 * ../shared/vectors/README.md) and its `url_verification` payload, Zoom's
 * `endpoint.url_validation` request, Microsoft Graph's `validationToken` POST.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HubError } from '../core/errors.js';
import { vectors } from '../../test/fixtures/vectors/index.js';
import { refusal } from '../../test/helpers/hub-error.js';
import type { WebhookVerifyInput } from './inbound.js';
import { graphValidation, SLACK_V0, slackUrlVerification, verifyV0Signature, ZOOM_V0, zoomUrlValidation } from './webhook-handshakes.js';

// Slack's documented example (a slash command): the published vector kept in test/fixtures/vectors/slack.json.
const slack = vectors.slack();
const SLACK_SECRET = slack.signingSecret;
const SLACK_TS = slack.timestamp;
const SLACK_BODY = slack.body;
const SLACK_SIGNATURE = slack.signature;

const input = (rawBody: string, headers: Record<string, string>, secrets: string[], nowSec: number): WebhookVerifyInput => ({ rawBody: Buffer.from(rawBody), headers, secrets, now: nowSec * 1000, toleranceSec: 300 });
const code = refusal;

describe('Slack', () => {
  const headers = { 'x-slack-signature': SLACK_SIGNATURE, 'x-slack-request-timestamp': SLACK_TS };

  it('verifies the documented example, with the secret among others (rotation)', () => {
    expect(verifyV0Signature(SLACK_V0, input(SLACK_BODY, headers, ['other', SLACK_SECRET], Number(SLACK_TS) + 10))).toBe(SLACK_SECRET);
  });

  it('refuses an altered body, a wrong secret, a missing header and a 6-minute-old timestamp', () => {
    expect(code(() => verifyV0Signature(SLACK_V0, input(`${SLACK_BODY}&x=1`, headers, [SLACK_SECRET], Number(SLACK_TS))))).toBe('webhook_signature_invalid');
    expect(code(() => verifyV0Signature(SLACK_V0, input(SLACK_BODY, headers, ['nope'], Number(SLACK_TS))))).toBe('webhook_signature_invalid');
    expect(code(() => verifyV0Signature(SLACK_V0, input(SLACK_BODY, { 'x-slack-request-timestamp': SLACK_TS }, [SLACK_SECRET], Number(SLACK_TS))))).toBe('webhook_signature_missing');
    expect(code(() => verifyV0Signature(SLACK_V0, input(SLACK_BODY, headers, [SLACK_SECRET], Number(SLACK_TS) + 360)))).toBe('webhook_timestamp_stale');
  });

  it('answers the documented url_verification payload with its challenge, and nothing for an event', () => {
    const body = Buffer.from('{"token":"Jhj5dZrVaK7ZwHHjRyZWjbDl","challenge":"3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P","type":"url_verification"}');
    const reply = slackUrlVerification(body);
    expect(reply).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(reply!.body)).toEqual({ challenge: '3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P' });
    expect(slackUrlVerification(Buffer.from('{"type":"event_callback","event":{"type":"message"}}'))).toBeUndefined();
    expect(slackUrlVerification(Buffer.from(SLACK_BODY))).toBeUndefined();
  });
});

describe('Zoom', () => {
  // Zoom's documented endpoint.url_validation request.
  const body = '{"payload":{"plainToken":"qgg8vlvZRS6UYooatFL8Aw"},"event_ts":1654503849680,"event":"endpoint.url_validation"}';
  const secret = 'zoom-secret-token';
  const now = 1654503850;
  const signed = (s: string, raw = body) => ({ 'x-zm-request-timestamp': String(now), 'x-zm-signature': `v0=${createHmac('sha256', s).update(`v0:${now}:${raw}`).digest('hex')}` });

  it('answers plainToken and hex HMAC-SHA256(secret, plainToken) with the secret that verified', () => {
    const matched = verifyV0Signature(ZOOM_V0, input(body, signed(secret), ['old-secret', secret], now));
    expect(matched).toBe(secret);
    const reply = zoomUrlValidation(Buffer.from(body), matched);
    expect(reply).toMatchObject({ status: 200, contentType: 'application/json' });
    expect(JSON.parse(reply!.body)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', secret).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
  });

  it('refuses the check signed with another secret, and ignores events', () => {
    expect(code(() => verifyV0Signature(ZOOM_V0, input(body, signed('attacker'), [secret], now)))).toBe('webhook_signature_invalid');
    expect(zoomUrlValidation(Buffer.from('{"event":"meeting.ended","payload":{}}'), secret)).toBeUndefined();
    expect(() => zoomUrlValidation(Buffer.from('{"event":"endpoint.url_validation","payload":{}}'), secret)).toThrow(HubError);
  });
});

describe('Microsoft Graph', () => {
  it('echoes the decoded validationToken as text/plain', () => {
    const token = 'Validation: Testing client application reachability for subscription Request-Id: 5f1d2b8e-7b2a-4a6e-9c1f-0e6c3b1d2a77';
    const reply = graphValidation(`https://hub.example.com/webhooks/graph?validationToken=${encodeURIComponent(token)}`);
    expect(reply).toEqual({ status: 200, contentType: 'text/plain; charset=utf-8', body: token });
  });

  it('is no handshake without the parameter', () => {
    expect(graphValidation('https://hub.example.com/webhooks/graph')).toBeUndefined();
    expect(graphValidation(undefined)).toBeUndefined();
  });
});
