/**
 * Toy providers for the inbound pipeline's tests, each with a handshake or a quirk of a real
 * vendor, built on the kit's helpers: a Slack-like (`url_verification`), a Zoom-like
 * (`endpoint.url_validation`), a Graph-like (`validationToken`, then `clientState` on every
 * notification) and a Twilio-like one that signs the public URL. One secret field each,
 * `<ID>_SIGNING_SECRET` for the default connection.
 */
import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { HubError } from '../../src/core/errors.js';
import { defineProvider, type ProviderDefinition } from '../../src/kit/connector.js';
import type { InboundEvent, WebhookHandler } from '../../src/kit/inbound.js';
import { graphValidation, SLACK_V0, slackUrlVerification, verifyV0Signature, ZOOM_V0, zoomUrlValidation } from '../../src/kit/webhook-handshakes.js';
import { headerOf, matchSecret, noSecretMatched } from '../../src/kit/webhook-verify.js';

type Creds = { signingSecret?: string };

/** Every body is one event: `{ "id": "…" }` (or a Graph `value[]`). */
function parse(rawBody: Buffer): InboundEvent[] {
  const body = JSON.parse(rawBody.toString('utf8')) as { id?: string; value?: { id: string }[] };
  return (body.value ?? [body]).map((e) => ({ providerEventId: String(e.id), type: 'toy.received', occurredAt: 0, ref: {}, data: { id: e.id }, raw: e }));
}

function toy(id: string, webhooks: Omit<WebhookHandler, 'secretFields' | 'parse'>): ProviderDefinition<Creds> {
  return defineProvider<Creds>({
    manifest: {
      id,
      name: `Toy ${id}`,
      categories: ['toy'],
      docsUrl: 'https://example.com/docs',
      auth: { type: 'none' },
      baseUrl: 'https://example.com',
      env: { signingSecret: `${id.toUpperCase()}_SIGNING_SECRET` },
      credentials: z.object({ signingSecret: z.string().min(1).optional() }),
      liveWhen: ['signingSecret'],
      secretFields: ['signingSecret'],
      mapError: () => new HubError('provider_error', `${id} failed`),
    },
    webhooks: { secretFields: ['signingSecret'], parse, ...webhooks },
  });
}

export const toySlack = toy('toyslack', {
  signatureHeaders: ['x-slack-signature'],
  verify(input) {
    verifyV0Signature(SLACK_V0, input);
    const reply = slackUrlVerification(input.rawBody);
    return reply && { handshake: reply };
  },
});

export const toyZoom = toy('toyzoom', {
  signatureHeaders: ['x-zm-signature'],
  verify(input) {
    const reply = zoomUrlValidation(input.rawBody, verifyV0Signature(ZOOM_V0, input));
    return reply && { handshake: reply };
  },
});

export const toyGraph = toy('toygraph', {
  verify(input) {
    const reply = graphValidation(input.publicUrl);
    if (reply) return { handshake: reply };
    const body = JSON.parse(input.rawBody.toString('utf8')) as { value?: { clientState?: string }[] };
    for (const n of body.value ?? []) {
      if (matchSecret(input.secrets, (s) => s, [n.clientState ?? '']) === undefined) throw noSecretMatched('Graph clientState', input);
    }
  },
});

/** Twilio-like: base64 HMAC-SHA1 of the public URL followed by the body. */
export const twilioLikeSignature = (secret: string, url: string, body: string) => createHmac('sha1', secret).update(url + body).digest('base64');

export const toyUrl = toy('toyurl', {
  signatureHeaders: ['x-toy-signature'],
  verify(input) {
    const given = headerOf(input.headers, 'x-toy-signature');
    if (!given) throw new HubError('webhook_signature_missing', 'no x-toy-signature');
    const body = input.rawBody.toString('utf8');
    if (matchSecret(input.secrets, (s) => twilioLikeSignature(s, input.publicUrl ?? '', body), [given]) === undefined) {
      throw new HubError('webhook_signature_invalid', `signature does not cover ${input.publicUrl}`);
    }
  },
});

export const TOYS = [toySlack, toyZoom, toyGraph, toyUrl];

/** `v0=<hex HMAC-SHA256(secret, "v0:{ts}:{body}")>` headers, as Slack and Zoom sign. */
export function v0Headers(kind: 'slack' | 'zoom', secret: string, body: string, ts = Math.floor(Date.now() / 1000)): Record<string, string> {
  const sig = `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}`;
  return kind === 'slack' ? { 'x-slack-signature': sig, 'x-slack-request-timestamp': String(ts) } : { 'x-zm-signature': sig, 'x-zm-request-timestamp': String(ts) };
}
