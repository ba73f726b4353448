/**
 * The Notifications side of the emulator: the signing certificate at `PAYPAL-CERT-URL`,
 * `POST /v1/notifications/verify-webhook-signature` and `GET /v1/notifications/webhooks-events`.
 *
 * PayPal's surprise: verify-webhook-signature takes the event as parsed JSON, so PayPal hashes
 * its own re-serialization, not the bytes that were delivered. The emulator does the same with
 * `JSON.stringify(webhook_event)`; since it serializes its deliveries with `JSON.stringify` too,
 * an event parsed and sent back unchanged verifies, and any change to it fails.
 *
 * @see https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature_post
 */
import { invalidRequest, missing, notFound } from './errors.js';
import { objectBody, type PaypalContext } from './context.js';
import type { PaypalSigner, PaypalWebhookEvent } from './signing.js';

const FIELDS = ['auth_algo', 'cert_url', 'transmission_id', 'transmission_sig', 'transmission_time', 'webhook_id'] as const;

/**
 * Registers the certificate, verification and event-list routes.
 *
 * @example
 * registerWebhookRoutes(ctx, { signer, certUrl: () => `${url}/v1/notifications/certs/${signer.certId}`, events });
 */
export function registerWebhookRoutes(ctx: PaypalContext, deps: { signer: PaypalSigner; certUrl: () => string; events: PaypalWebhookEvent[] }): void {
  const { app } = ctx;
  const { signer } = deps;

  app.get<{ Params: { certId: string } }>('/v1/notifications/certs/:certId', async (req, reply) => {
    if (req.params.certId !== signer.certId) return reply.code(404).type('text/plain').send('Not Found');
    return reply.type('application/x-pem-file').send(signer.certificatePem);
  });

  app.post('/v1/notifications/verify-webhook-signature', async (req) => {
    const body = objectBody(req);
    for (const field of FIELDS) {
      if (body[field] === undefined || body[field] === '') throw missing(`/${field}`);
      if (typeof body[field] !== 'string') throw invalidRequest('INVALID_PARAMETER_SYNTAX', `/${field}`, 'The value of a field does not conform to the expected format.');
    }
    if (typeof body.webhook_event !== 'object' || body.webhook_event === null) throw missing('/webhook_event');
    const f = body as Record<(typeof FIELDS)[number], string>;
    const ours = f.cert_url === deps.certUrl() && f.auth_algo.toUpperCase() === 'SHA256WITHRSA';
    const ok = ours && signer.verify({
      transmissionId: f.transmission_id,
      transmissionTime: f.transmission_time,
      webhookId: f.webhook_id,
      body: JSON.stringify(body.webhook_event),
      signature: f.transmission_sig,
    });
    return { verification_status: ok ? 'SUCCESS' : 'FAILURE' };
  });

  app.get<{ Querystring: { page_size?: string; event_type?: string } }>('/v1/notifications/webhooks-events', async (req) => {
    const size = Math.min(300, Math.max(1, Number(req.query.page_size ?? 10) || 10));
    const matching = deps.events.filter((e) => !req.query.event_type || e.event_type === req.query.event_type);
    const page = matching.slice(-size).reverse();
    return { events: page, count: page.length, links: [] };
  });

  app.get<{ Params: { id: string } }>('/v1/notifications/webhooks-events/:id', async (req) => {
    const event = deps.events.find((e) => e.id === req.params.id);
    if (!event) throw notFound(req.params.id, 'event_id');
    return event;
  });
}
