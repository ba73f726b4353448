/**
 * The PayPal sandbox: OAuth2 client credentials, Orders v2, Payments v2, Subscriptions v1,
 * Invoicing v2 and webhooks signed with the emulator's own certificate, on PayPal's real paths,
 * error shapes, idempotency (`PayPal-Request-Id`) and negative testing (`PayPal-Mock-Response`).
 * The buyer approves on `/checkoutnow?token=…`, a small HTML page. Test controls live under
 * `/__emulator/` (chaos, expire-tokens, orders|subscriptions/:id/approve, disputes).
 *
 * @see https://developer.paypal.com/api/rest/
 * @see https://developer.paypal.com/tools/sandbox/
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { FastifyError, FastifyRequest } from 'fastify';
import { createEmulatorApp, listenLoopback, webhookControls, WebhookPoster } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { registerApprovalPage, sandboxPayer } from './approval-page.js';
import { registerBilling } from './billing.js';
import { installIdempotency, type Approvable, type PaypalContext } from './context.js';
import { fixedError, newDebugId, PaypalApiError } from './errors.js';
import { registerInvoicing } from './invoicing.js';
import { registerOrders } from './orders.js';
import { PaymentsStore } from './payments-model.js';
import { registerDisputeControl, registerPayments } from './payments.js';
import { buildEvent, createPaypalSigner, paypalId, type PaypalWebhookEvent } from './signing.js';
import { registerWebhookRoutes } from './webhook-routes.js';

export type { PaypalWebhookEvent } from './signing.js';

/** The running PayPal emulator. */
export interface PaypalEmulator extends Emulator {
  readonly credentials: { clientId: string; clientSecret: string; mode: 'sandbox' };
  /** The emulator's webhook id (what PAYPAL_WEBHOOK_ID would be): part of every signed string. */
  readonly webhookSecret: string;
  /** PEM of the self-signed certificate webhooks are signed with. */
  readonly certificatePem: string;
  /** Where that certificate is served (`PAYPAL-CERT-URL`). */
  readonly certUrl: string;
  /** Every event emitted so far, oldest first (posted only while a target is set). */
  readonly events: PaypalWebhookEvent[];
  drainWebhooks(): Promise<void>;
}

const TOKEN_TTL_SEC = 32400;
const SCOPES = [
  'https://uri.paypal.com/services/invoicing',
  'https://uri.paypal.com/services/payments/payment/authcapture',
  'https://uri.paypal.com/services/payments/refund',
  'https://uri.paypal.com/services/subscriptions',
  'https://uri.paypal.com/services/disputes/read-seller',
  'https://uri.paypal.com/services/applications/webhooks',
  'openid',
].join(' ');
/** Routes that take no bearer token. */
const OPEN = /^\/(?:v1\/oauth2\/token|checkoutnow|v1\/notifications\/certs\/|__emulator\/)/;

const safeEqual = (a: string, b: string): boolean => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

/**
 * Starts the PayPal emulator on a loopback port with fresh credentials, webhook id and key.
 *
 * @example
 * const paypal = await startPaypalEmulator();
 * // connection: { baseUrl: paypal.url, credentials: paypal.credentials }; PAYPAL_WEBHOOK_ID = paypal.webhookSecret
 * paypal.setWebhookTarget('http://127.0.0.1:3000/webhooks/paypal');
 * await paypal.close();
 */
export async function startPaypalEmulator(options: EmulatorOptions = {}): Promise<PaypalEmulator> {
  const clientId = `A${randomBytes(30).toString('base64url')}`;
  const clientSecret = `E${randomBytes(30).toString('base64url')}`;
  const webhookId = paypalId(17);
  const appId = `APP-${paypalId(17)}`;
  const signer = await createPaypalSigner();
  const poster = new WebhookPoster(options.eventDelayMs ?? 50);
  const tokens = new Map<string, number>();
  const events: PaypalWebhookEvent[] = [];
  const accepted: unknown[] = [];
  const approvals = new Map<string, Approvable>();
  let url = '';

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => {
      const debugId = newDebugId();
      return reply.code(500).header('paypal-debug-id', debugId).send(fixedError('INTERNAL_SERVER_ERROR', debugId));
    },
    rateLimited: (reply) => {
      const debugId = newDebugId();
      return reply.header('paypal-debug-id', debugId).send(fixedError('RATE_LIMIT_REACHED', debugId));
    },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });
  // PayPal takes `Content-Type: application/json` with an empty body (capture, void, send).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    if ((body as string).trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(body as string));
    } catch {
      done(Object.assign(new Error('The request JSON is not well formed.'), { statusCode: 400 }), undefined);
    }
  });
  const debugIdOf = (req: FastifyRequest): string => (req as FastifyRequest & { debugId: string }).debugId;

  app.addHook('onRequest', async (req, reply) => {
    const debugId = newDebugId();
    (req as FastifyRequest & { debugId: string }).debugId = debugId;
    void reply.header('paypal-debug-id', debugId);
    if (OPEN.test(req.url)) return;
    const match = /^Bearer (\S+)$/.exec(req.headers.authorization ?? '');
    const expiresAt = match ? tokens.get(match[1]!) : undefined;
    if (expiresAt === undefined || expiresAt <= Date.now()) {
      return reply.code(401).send(fixedError('AUTHENTICATION_FAILURE', debugId));
    }
  });

  app.setErrorHandler((err: FastifyError | PaypalApiError, req, reply) => {
    if (err instanceof PaypalApiError) return reply.code(err.status).send(err.body(debugIdOf(req), req.url, req.method));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
      return reply.code(415).send({ name: 'UNSUPPORTED_MEDIA_TYPE', message: 'The server does not support the request payload\'s media type.', debug_id: debugIdOf(req), links: [] });
    }
    if ((err.statusCode ?? 500) < 500) {
      const malformed = new PaypalApiError(400, 'INVALID_REQUEST', [{ field: '/', location: 'body', issue: 'MALFORMED_REQUEST_JSON', description: 'The request JSON is not well formed.' }]);
      return reply.code(400).send(malformed.body(debugIdOf(req), req.url));
    }
    return reply.code(500).send(fixedError('INTERNAL_SERVER_ERROR', debugIdOf(req)));
  });
  app.setNotFoundHandler((req, reply) =>
    reply.code(404).send(new PaypalApiError(404, 'RESOURCE_NOT_FOUND', [{ issue: 'INVALID_RESOURCE_ID', description: 'Requested resource ID was not found.' }]).body(debugIdOf(req), req.url)));

  app.post<{ Body: Record<string, string> | undefined }>('/v1/oauth2/token', async (req, reply) => {
    const basic = /^Basic (\S+)$/.exec(req.headers.authorization ?? '');
    const [id, ...rest] = basic ? Buffer.from(basic[1]!, 'base64').toString('utf8').split(':') : [];
    if (!id || !safeEqual(id, clientId) || !safeEqual(rest.join(':'), clientSecret)) {
      return reply.code(401).send({ error: 'invalid_client', error_description: 'Client Authentication failed' });
    }
    const grant = req.body?.grant_type;
    if (grant !== 'client_credentials') {
      return reply.code(400).send({ error: 'unsupported_grant_type', error_description: grant ? `Grant Type ${grant} is not supported` : 'Grant Type is NULL' });
    }
    const accessToken = `A21AA${randomBytes(48).toString('base64url')}`;
    tokens.set(accessToken, Date.now() + TOKEN_TTL_SEC * 1000);
    return { scope: SCOPES, access_token: accessToken, token_type: 'Bearer', app_id: appId, expires_in: TOKEN_TTL_SEC, nonce: `${new Date().toISOString().slice(0, 19)}Z${randomBytes(16).toString('base64url')}` };
  });
  app.post('/__emulator/expire-tokens', async () => {
    for (const token of tokens.keys()) tokens.set(token, 0);
    return { expired: tokens.size };
  });

  const ctx: PaypalContext = {
    app,
    chaos,
    baseUrl: () => url,
    link: (path, rel, method = 'GET') => ({ href: `${url}${path}`, rel, method }),
    emit(eventType, resourceType, summary, resource, resourceVersion) {
      const event = buildEvent(url, eventType, resourceType, summary, resource, resourceVersion);
      events.push(event);
      const body = JSON.stringify(event);
      poster.post(body, signer.headers(body, webhookId, certUrl()));
    },
    approvals,
    accepted,
    answer: installIdempotency(app, chaos),
  };
  const certUrl = () => `${url}/v1/notifications/certs/${signer.certId}`;

  const payments = new PaymentsStore(ctx);
  registerOrders(ctx, payments);
  registerPayments(ctx, payments);
  registerDisputeControl(ctx, payments);
  registerBilling(ctx);
  registerInvoicing(ctx);
  registerApprovalPage(ctx, sandboxPayer(clientId));
  registerWebhookRoutes(ctx, { signer, certUrl, events });

  url = await listenLoopback(app, options.port);
  return {
    url,
    credentials: { clientId, clientSecret, mode: 'sandbox' },
    webhookSecret: webhookId,
    certificatePem: signer.certificatePem,
    certUrl: certUrl(),
    chaos,
    accepted,
    events,
    ...webhookControls(poster, app),
  };
}
