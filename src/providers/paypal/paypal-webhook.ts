/**
 * PayPal webhook verification, offline: RSA-SHA256 over
 * `transmissionId|transmissionTime|webhookId|crc32(rawBody)` with the certificate behind
 * `PAYPAL-CERT-URL`.
 *
 * PayPal's surprises: the signed string names the *receiving* webhook's id, which is not in the
 * request (so a delivery signed for another PayPal account's webhook fails here); the CRC-32 is
 * written as an unsigned decimal; the certificate URL is attacker-supplied and must be checked
 * before anything is fetched (see `paypal-webhook-cert-url.ts`). The transmission time is ISO 8601
 * UTC (`2019-08-29T10:49:33Z`).
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature
 */
import { verify as verifySignature } from 'node:crypto';
import { HubError } from '../../core/errors.js';
import type { CertificateSource } from './cert-source.js';
import { checkPaypalCertUrl } from './paypal-webhook-cert-url.js';
import { crc32 } from './paypal-webhook-crc32.js';

/** Header names as PayPal sends them (lower-cased, as the hub passes them). */
export const PAYPAL_HEADERS = {
  transmissionId: 'paypal-transmission-id',
  transmissionTime: 'paypal-transmission-time',
  transmissionSig: 'paypal-transmission-sig',
  certUrl: 'paypal-cert-url',
  authAlgo: 'paypal-auth-algo',
} as const;

/** Default tolerance between the transmission time and now, in seconds. */
export const PAYPAL_DEFAULT_TOLERANCE_SEC = 300;

export interface PaypalWebhookVerifyInput {
  rawBody: Buffer;
  /** Lower-cased header names. */
  headers: Record<string, string | undefined>;
  /** Every webhook id accepted now (rotation; sandbox and live side by side). */
  webhookIds: readonly string[];
  /** Milliseconds since the epoch: checks the transmission time and the certificate validity. */
  now: number;
  /** Seconds; default {@link PAYPAL_DEFAULT_TOLERANCE_SEC}. */
  toleranceSec?: number;
  certs: CertificateSource;
  /** Exact origins accepted besides PayPal's for the cert URL: the emulator's, sandbox mode only. */
  extraCertOrigins?: readonly string[];
}

const PROVIDER = 'paypal';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

const invalid = (message: string, reason: string): HubError =>
  new HubError('webhook_signature_invalid', `PayPal webhook refused: ${message}`, { provider: PROVIDER, details: { reason } });

/**
 * The string PayPal signs for one delivery and one webhook id.
 *
 * @example
 * paypalSignedString('071f7d20-…', '2017-03-30T20:04:05Z', '96605875FF6516633', Buffer.from('{}')) // '071f7d20-…|2017-03-30T20:04:05Z|96605875FF6516633|2745614147'
 */
export function paypalSignedString(transmissionId: string, transmissionTime: string, webhookId: string, rawBody: Uint8Array): string {
  return `${transmissionId}|${transmissionTime}|${webhookId}|${crc32(rawBody)}`;
}

/**
 * Verifies one PayPal webhook delivery; resolves, or rejects with HubError
 * `webhook_signature_missing`, `webhook_timestamp_stale` or `webhook_signature_invalid` (and
 * `provider_unavailable` when the certificate cannot be fetched: retryable).
 *
 * @example
 * await verifyPaypalWebhook({
 *   rawBody, headers, webhookIds: [process.env.PAYPAL_WEBHOOK_ID!], now: Date.now(),
 *   certs: createFetchingCertificateSource({ mode: 'live' }),
 * });
 */
export async function verifyPaypalWebhook(input: PaypalWebhookVerifyInput): Promise<void> {
  const h = (name: string): string | undefined => input.headers[name]?.trim() || undefined;
  const id = h(PAYPAL_HEADERS.transmissionId);
  const time = h(PAYPAL_HEADERS.transmissionTime);
  const sig = h(PAYPAL_HEADERS.transmissionSig);
  const certUrl = h(PAYPAL_HEADERS.certUrl);
  const algo = h(PAYPAL_HEADERS.authAlgo);
  if (!id || !time || !sig || !certUrl || !algo) {
    const missing = Object.values(PAYPAL_HEADERS).filter((name) => !h(name));
    throw new HubError('webhook_signature_missing', `PayPal webhook without the ${missing.map((n) => n.toUpperCase()).join(', ')} header(s): is this request from PayPal, and does the proxy forward all headers?`, { provider: PROVIDER });
  }
  if (algo.toUpperCase() !== 'SHA256WITHRSA') throw invalid(`PAYPAL-AUTH-ALGO "${algo.slice(0, 40)}" is not SHA256withRSA.`, 'algorithm');
  if (id.includes('|') || id.length > 200) throw invalid('PAYPAL-TRANSMISSION-ID is malformed.', 'transmission_id');
  const sent = ISO_UTC.test(time) ? Date.parse(time) : NaN;
  if (!Number.isFinite(sent)) throw invalid(`PAYPAL-TRANSMISSION-TIME "${time.slice(0, 40)}" is not an ISO 8601 UTC time.`, 'transmission_time');
  const toleranceSec = input.toleranceSec ?? PAYPAL_DEFAULT_TOLERANCE_SEC;
  const skew = Math.abs(input.now - sent) / 1000;
  if (skew > toleranceSec) {
    throw new HubError('webhook_timestamp_stale', `PayPal webhook transmission time is ${Math.round(skew)} s away from now (tolerance ${toleranceSec} s): a replay, or this machine's clock is wrong.`, { provider: PROVIDER });
  }
  if (!BASE64.test(sig)) throw invalid('PAYPAL-TRANSMISSION-SIG is not base64.', 'signature_encoding');
  const webhookIds = input.webhookIds.map((w) => w.trim()).filter(Boolean);
  if (webhookIds.length === 0) throw invalid('no webhook id is configured: set PAYPAL_WEBHOOK_ID to the id PayPal shows for this webhook.', 'no_webhook_id');
  const url = checkPaypalCertUrl(certUrl, input.extraCertOrigins);
  const cert = await input.certs.get(url.href, input.now);
  // crypto.verify picks the scheme from the key: an EC key would turn "RSA-SHA256" into ECDSA.
  if (cert.publicKey.asymmetricKeyType !== 'rsa') throw invalid('the certificate key is not RSA (PAYPAL-AUTH-ALGO says SHA256withRSA).', 'key_type');
  const signature = Buffer.from(sig, 'base64');
  const ok = webhookIds.some((webhookId) => {
    try {
      return verifySignature('RSA-SHA256', Buffer.from(paypalSignedString(id, time, webhookId, input.rawBody), 'utf8'), cert.publicKey, signature);
    } catch {
      return false;
    }
  });
  if (!ok) {
    throw invalid('the signature does not match: verify the raw body bytes (not re-serialized JSON), and check PAYPAL_WEBHOOK_ID is the id of the webhook this delivery was sent to.', 'signature_mismatch');
  }
}
