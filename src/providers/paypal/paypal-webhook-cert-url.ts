/**
 * Which `PAYPAL-CERT-URL` values the hub will fetch a signing certificate from.
 *
 * The header comes from the (unauthenticated) webhook request, so it is attacker-controlled: the
 * hub only fetches over https from a PayPal host (`*.paypal.com`: `api.paypal.com`,
 * `api.sandbox.paypal.com`, `api-m.paypal.com`, `api-m.sandbox.paypal.com`) on the default port,
 * with no userinfo. Lookalikes (`paypal.com.evil.com`, `evilpaypal.com`) fail. The check runs on
 * the WHATWG-parsed URL, and callers fetch that same normalized `href`, so the check and the fetch
 * can never disagree about the host.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://developer.paypal.com/docs/api/webhooks/v1/#verify-webhook-signature
 */
import { HubError } from '../../core/errors.js';

const PROVIDER = 'paypal';
/** One or more DNS labels followed by `.paypal.com`; the URL parser has already lower-cased it. */
const PAYPAL_HOST = /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+paypal\.com$/;

function refuse(value: string, reason: string): never {
  throw new HubError(
    'webhook_signature_invalid',
    `PayPal webhook PAYPAL-CERT-URL "${value.slice(0, 200)}" refused: ${reason}. Only https URLs on a PayPal host (*.paypal.com, default port) are fetched.`,
    { provider: PROVIDER, details: { reason } },
  );
}

/**
 * Parses and checks a `PAYPAL-CERT-URL`; returns the normalized URL to fetch, or throws HubError
 * `webhook_signature_invalid` naming the reason.
 *
 * `extraOrigins` are exact origins also accepted (`http://127.0.0.1:4010`): only for the PayPal
 * emulator in sandbox mode, never in live mode.
 *
 * @example
 * checkPaypalCertUrl('https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42').hostname // 'api.sandbox.paypal.com'
 * checkPaypalCertUrl('https://api.paypal.com.evil.com/cert') // throws: host is not a PayPal host
 */
export function checkPaypalCertUrl(value: string, extraOrigins: readonly string[] = []): URL {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return refuse(value, 'not an absolute URL');
  }
  if (extraOrigins.includes(url.origin) && !url.username && !url.password) return url;
  if (url.protocol !== 'https:') refuse(value, `scheme "${url.protocol}" is not https`);
  if (url.username || url.password) refuse(value, 'it carries userinfo (user:password@)');
  if (url.port !== '') refuse(value, `port ${url.port} is not the default https port`);
  if (!PAYPAL_HOST.test(url.hostname)) refuse(value, `host "${url.hostname}" is not a PayPal host`);
  return url;
}
