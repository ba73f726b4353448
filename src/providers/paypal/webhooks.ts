/**
 * PayPal's webhook handler for the hub's inbound pipeline: offline signature verification
 * (`paypal-webhook.ts`) with the right certificate trust, and normalization
 * (`webhooks-normalize.ts`).
 *
 * Trust: in live mode only certificates chaining to Node's root store (PayPal's DigiCert chain)
 * from a `*.paypal.com` URL. In sandbox mode with the emulator running, the hub additionally
 * trusts the emulator's self-signed certificate, fetched from the emulator's exact origin — never
 * without `input.emulator`, which the hub sets in sandbox mode only. With
 * `PAYPAL_WEBHOOK_VERIFY=api` PayPal's verify-webhook-signature decides instead
 * (`webhook-api-verify.ts`).
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://developer.paypal.com/api/rest/webhooks/event-names/
 */
import { HubError } from '../../core/errors.js';
import type { InboundEvent, WebhookHandler, WebhookVerifyInput } from '../../kit/inbound.js';
import type { ProviderContext } from '../../kit/connector.js';
import { createFetchingCertificateSource, type CertificateSource } from './cert-source.js';
import type { PaypalCredentials } from './manifest.js';
import { PAYPAL_HEADERS, verifyPaypalWebhook } from './paypal-webhook.js';
import { verifyPaypalWebhookViaApi } from './webhook-api-verify.js';
import { isObject } from './paypal-json.js';
import { paypalEventToInbound } from './webhooks-normalize.js';

export interface PaypalWebhooksOptions {
  /** The live certificate source (default: fetching, trusting `tls.rootCertificates`). */
  liveCerts?: CertificateSource;
  /** Makes the sandbox source trusting one emulator certificate (default: fetching, sandbox mode). */
  sandboxCerts?: (certificatePem: string) => CertificateSource;
}

const MAX_SANDBOX_SOURCES = 8;

/**
 * Parses a verified PayPal webhook body into normalized events (none for unmapped types).
 *
 * @example
 * parsePaypalEvents(Buffer.from('{"id":"WH-1","event_type":"BILLING.SUBSCRIPTION.CANCELLED","resource":{"id":"I-1","status":"CANCELLED"}}'))
 * // [{ type: 'subscription.canceled', providerEventId: 'WH-1', … }]
 */
export function parsePaypalEvents(rawBody: Buffer): InboundEvent[] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch (err) {
    throw new HubError('validation_failed', 'PayPal webhook body is not JSON; PayPal posts one JSON event object.', { provider: 'paypal', cause: err });
  }
  if (!isObject(body)) throw new HubError('validation_failed', 'PayPal webhook body is not a JSON object (one event per delivery).', { provider: 'paypal' });
  const event = paypalEventToInbound(body);
  return event ? [event] : [];
}

/**
 * A PayPal webhook handler; the options inject certificate sources (tests).
 *
 * @example
 * const handler = createPaypalWebhooks({ liveCerts: createFetchingCertificateSource({ fetch: myFetch }) });
 * await handler.verify({ rawBody, headers, secrets: ['8PT597110X687430LKGECATA'], now: Date.now(), toleranceSec: 300 });
 */
export function createPaypalWebhooks(options: PaypalWebhooksOptions = {}): WebhookHandler {
  let live = options.liveCerts;
  const sandbox = new Map<string, CertificateSource>();
  const makeSandbox = options.sandboxCerts ?? ((pem: string) => createFetchingCertificateSource({ mode: 'sandbox', allowSandboxCertificate: pem }));

  function sandboxSource(pem: string): CertificateSource {
    let source = sandbox.get(pem);
    if (!source) {
      if (sandbox.size >= MAX_SANDBOX_SOURCES) sandbox.delete(sandbox.keys().next().value as string);
      source = makeSandbox(pem);
      sandbox.set(pem, source);
    }
    return source;
  }

  return {
    secretFields: ['webhookId'],
    signatureHeaders: [PAYPAL_HEADERS.transmissionSig],
    async verify(input: WebhookVerifyInput) {
      const ctx = input.context as ProviderContext<PaypalCredentials> | undefined;
      if (ctx?.connection.credentials.webhookVerify === 'api') return verifyPaypalWebhookViaApi(input, ctx);
      const pem = input.emulator?.certificatePem;
      const common = { rawBody: input.rawBody, headers: input.headers, webhookIds: input.secrets, now: input.now, toleranceSec: input.toleranceSec };
      if (pem && input.emulator) {
        await verifyPaypalWebhook({ ...common, certs: sandboxSource(pem), extraCertOrigins: [new URL(input.emulator.url).origin] });
        return;
      }
      live ??= createFetchingCertificateSource({ mode: 'live' });
      await verifyPaypalWebhook({ ...common, certs: live });
    },
    parse: (rawBody) => parsePaypalEvents(rawBody),
  };
}

/**
 * The PayPal webhook handler the hub's inbound pipeline uses (`PAYPAL_WEBHOOK_ID` is the secret).
 *
 * @example
 * await paypalWebhooks.verify(input); const events = paypalWebhooks.parse(input.rawBody, input.headers);
 */
export const paypalWebhooks: WebhookHandler = createPaypalWebhooks();
