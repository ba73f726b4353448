/**
 * PayPal webhook verification through PayPal's own API (`PAYPAL_WEBHOOK_VERIFY=api`), the
 * alternative to offline verification: the delivery's headers and event go to
 * `POST /v1/notifications/verify-webhook-signature`, once per configured webhook id, and PayPal
 * answers `SUCCESS` or `FAILURE`. The transmission time is still checked here first, so a replayed
 * delivery costs no API call. PayPal re-serializes `webhook_event` before hashing, so the event
 * must go back exactly as parsed.
 *
 * @see https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature_post
 */
import { HubError } from '../../core/errors.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { WebhookVerifyInput } from '../../kit/inbound.js';
import type { PaypalCredentials } from './manifest.js';
import { PAYPAL_DEFAULT_TOLERANCE_SEC, PAYPAL_HEADERS } from './paypal-webhook.js';
import { paypalRequest } from './token.js';

/**
 * Verifies one delivery with PayPal's API; throws HubError `webhook_signature_missing`,
 * `webhook_timestamp_stale`, `webhook_signature_invalid`, or the transport's error when PayPal
 * cannot be reached (retryable: the hub answers 5xx and PayPal delivers again).
 *
 * @example
 * await verifyPaypalWebhookViaApi(input, ctx); // ctx: the PayPal connection and its transport
 */
export async function verifyPaypalWebhookViaApi(input: WebhookVerifyInput, ctx: ProviderContext<PaypalCredentials>): Promise<void> {
  const h = (name: string): string | undefined => input.headers[name]?.trim() || undefined;
  const values = Object.fromEntries(Object.entries(PAYPAL_HEADERS).map(([k, name]) => [k, h(name)])) as Record<keyof typeof PAYPAL_HEADERS, string | undefined>;
  const missing = Object.entries(PAYPAL_HEADERS).filter(([k]) => !values[k as keyof typeof PAYPAL_HEADERS]).map(([, name]) => name.toUpperCase());
  if (missing.length > 0) throw new HubError('webhook_signature_missing', `PayPal webhook without the ${missing.join(', ')} header(s).`, { provider: 'paypal' });
  const sent = Date.parse(values.transmissionTime!);
  const tolerance = input.toleranceSec || PAYPAL_DEFAULT_TOLERANCE_SEC;
  if (!Number.isFinite(sent) || Math.abs(input.now - sent) / 1000 > tolerance) {
    throw new HubError('webhook_timestamp_stale', `PayPal webhook transmission time "${values.transmissionTime!.slice(0, 40)}" is not within ${tolerance} s of now.`, { provider: 'paypal' });
  }
  let event: unknown;
  try {
    event = JSON.parse(input.rawBody.toString('utf8'));
  } catch (err) {
    throw new HubError('webhook_signature_invalid', 'PayPal webhook body is not JSON: it cannot be a PayPal event.', { provider: 'paypal', cause: err });
  }
  const ids = input.secrets.map((s) => s.trim()).filter(Boolean);
  if (ids.length === 0) throw new HubError('webhook_signature_invalid', 'No webhook id is configured: set PAYPAL_WEBHOOK_ID.', { provider: 'paypal' });
  for (const webhookId of ids) {
    const res = await paypalRequest(ctx, {
      method: 'POST',
      path: '/v1/notifications/verify-webhook-signature',
      operation: 'webhooks.verify',
      body: {
        auth_algo: values.authAlgo,
        cert_url: values.certUrl,
        transmission_id: values.transmissionId,
        transmission_sig: values.transmissionSig,
        transmission_time: values.transmissionTime,
        webhook_id: webhookId,
        webhook_event: event,
      },
    });
    if (res.json<{ verification_status?: string }>().verification_status === 'SUCCESS') return;
  }
  throw new HubError('webhook_signature_invalid', 'PayPal refused the webhook signature (verify-webhook-signature answered FAILURE): check PAYPAL_WEBHOOK_ID, and that the body reached the hub unchanged.', { provider: 'paypal', details: { reason: 'api_failure' } });
}
