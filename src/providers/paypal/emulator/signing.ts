/**
 * How the emulator signs webhooks as PayPal does: a fresh RSA-2048 key and self-signed X.509
 * certificate per instance (served at `PAYPAL-CERT-URL`), and the signature
 * `base64(RSA-SHA256(transmissionId|transmissionTime|webhookId|crc32(body)))`.
 *
 * The hub trusts this certificate by exact fingerprint in sandbox mode only
 * (`allowSandboxCertificate`), so its subject needs no PayPal name.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 */
import { createPrivateKey, randomBytes, randomUUID, sign, verify, webcrypto, X509Certificate, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { paypalSignedString } from '../paypal-webhook.js';

const RSA: webcrypto.RsaHashedKeyGenParams = { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 };
const DAY_MS = 24 * 60 * 60 * 1000;
type SelfSignedParams = Parameters<typeof x509.X509CertificateGenerator.createSelfSigned>[0];

/** The emulator's signing identity. */
export interface PaypalSigner {
  /** `CERT-…`, the last segment of the certificate URL. */
  readonly certId: string;
  readonly certificatePem: string;
  /** The `PAYPAL-*` headers for one delivery of `body` to the webhook `webhookId`. */
  headers(body: string, webhookId: string, certUrl: string): Record<string, string>;
  /** Checks a signature as `POST /v1/notifications/verify-webhook-signature` does. */
  verify(input: { transmissionId: string; transmissionTime: string; webhookId: string; body: string; signature: string }): boolean;
}

/**
 * Creates a key pair and a self-signed certificate valid from a day ago to a year ahead.
 *
 * @example
 * const signer = await createPaypalSigner();
 * const headers = signer.headers(JSON.stringify(event), 'WH-ID', `${url}/v1/notifications/certs/${signer.certId}`);
 */
export async function createPaypalSigner(now = Date.now()): Promise<PaypalSigner> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const keys = await webcrypto.subtle.generateKey(RSA, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomBytes(8).toString('hex').replace(/^[89a-f]/, '1'),
    name: 'CN=Switchboard PayPal emulator, O=Switchboard sandbox',
    notBefore: new Date(now - DAY_MS),
    notAfter: new Date(now + 365 * DAY_MS),
    keys: keys as unknown as SelfSignedParams['keys'],
    signingAlgorithm: RSA,
  });
  const certificatePem = cert.toString('pem');
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const privateKey: KeyObject = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  const publicKey = new X509Certificate(certificatePem).publicKey;
  const hex = () => randomBytes(4).toString('hex');
  const certId = `CERT-${hex()}-${hex()}-${hex()}`;

  return {
    certId,
    certificatePem,
    headers(body, webhookId, certUrl) {
      const transmissionId = randomUUID();
      const transmissionTime = `${new Date().toISOString().slice(0, 19)}Z`;
      const signed = paypalSignedString(transmissionId, transmissionTime, webhookId, Buffer.from(body, 'utf8'));
      return {
        'content-type': 'application/json',
        'paypal-transmission-id': transmissionId,
        'paypal-transmission-time': transmissionTime,
        'paypal-transmission-sig': sign('RSA-SHA256', Buffer.from(signed, 'utf8'), privateKey).toString('base64'),
        'paypal-cert-url': certUrl,
        'paypal-auth-algo': 'SHA256withRSA',
        'user-agent': 'PayPal/AUHD-214.0-58843023',
      };
    },
    verify({ transmissionId, transmissionTime, webhookId, body, signature }) {
      const signed = paypalSignedString(transmissionId, transmissionTime, webhookId, Buffer.from(body, 'utf8'));
      try {
        return verify('RSA-SHA256', Buffer.from(signed, 'utf8'), publicKey, Buffer.from(signature, 'base64'));
      } catch {
        return false;
      }
    },
  };
}

/**
 * PayPal's event id.
 *
 * @example
 * newEventId() // 'WH-58D329510W468432D-8HN650336L201105X'
 */
export const newEventId = (): string => `WH-${paypalId(17)}-${paypalId(17)}`;

/**
 * An upper-case alphanumeric id of PayPal's length (orders and captures: 17).
 *
 * @example
 * paypalId(17) // '5O190127TN364715T'
 */
export function paypalId(length: number): string {
  const alphabet = '0123456789ABCDEFGHJKLMNPRSTUVWXY';
  const bytes = randomBytes(length);
  let out = '';
  for (const b of bytes) out += alphabet[b % alphabet.length];
  return out;
}

/** One webhook event envelope as PayPal posts it. */
export interface PaypalWebhookEvent {
  id: string;
  event_version: '1.0';
  create_time: string;
  resource_type: string;
  resource_version: string;
  event_type: string;
  summary: string;
  resource: unknown;
  links: { href: string; rel: string; method: string }[];
}

/**
 * Wraps a resource in PayPal's event envelope.
 *
 * @example
 * buildEvent(url, 'PAYMENT.CAPTURE.COMPLETED', 'capture', 'Payment completed for $ 10.0 USD', capture)
 */
export function buildEvent(baseUrl: string, eventType: string, resourceType: string, summary: string, resource: unknown, resourceVersion = '2.0'): PaypalWebhookEvent {
  const id = newEventId();
  const self = `${baseUrl}/v1/notifications/webhooks-events/${id}`;
  return {
    id,
    event_version: '1.0',
    create_time: new Date().toISOString(),
    resource_type: resourceType,
    resource_version: resourceVersion,
    event_type: eventType,
    summary,
    resource,
    links: [
      { href: self, rel: 'self', method: 'GET' },
      { href: `${self}/resend`, rel: 'resend', method: 'POST' },
    ],
  };
}
