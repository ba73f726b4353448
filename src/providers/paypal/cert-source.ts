/**
 * Where PayPal webhook signing certificates come from: fetched from `PAYPAL-CERT-URL`, validated
 * offline (chain, validity, name) and cached by URL.
 *
 * Trust anchors default to Node's bundled Mozilla root store (`tls.rootCertificates`), which holds
 * DigiCert High Assurance EV Root CA, the root of PayPal's chains; tests pass the vector's CA. In
 * sandbox mode `allowSandboxCertificate` also accepts one given self-signed certificate (the PayPal
 * emulator's); live mode refuses that option outright.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://nodejs.org/docs/latest-v20.x/api/tls.html#tlsrootcertificates
 */
import { X509Certificate } from 'node:crypto';
import { rootCertificates } from 'node:tls';
import { HubError } from '../../core/errors.js';
import { checkChainValidity, checkValidity, parsePemBundle, validatePaypalCertificate } from './cert-chain.js';

/** Gives the validated signing certificate behind a (host-checked) `PAYPAL-CERT-URL`. */
export interface CertificateSource {
  /** `now` (ms) is the instant validity is checked at; defaults to the source's clock. */
  get(url: string, now?: number): Promise<X509Certificate>;
}

/** The part of `fetch` the source uses; inject a fake in tests, never the network. */
export type CertFetch = (url: string, init: { signal: AbortSignal; redirect: 'error' }) => Promise<{ ok: boolean; status: number; text(): Promise<string> }>;

export interface FetchingCertificateSourceOptions {
  /** Default: `globalThis.fetch`. */
  fetch?: CertFetch;
  /** Trusted CAs as PEM. Default: `tls.rootCertificates` (Node's bundled Mozilla store). */
  trustedCaPem?: readonly string[];
  /** Default `'live'`. */
  mode?: 'sandbox' | 'live';
  /** PEM of one self-signed certificate accepted as is; sandbox mode only (the emulator's). */
  allowSandboxCertificate?: string;
  /** Cache lifetime per URL (default 24 h) and size (default 32 URLs, least recently used out). */
  maxAgeMs?: number;
  maxEntries?: number;
  /** Per fetch (default 5 s). */
  timeoutMs?: number;
  /** Default `Date.now`. */
  now?: () => number;
}

const PROVIDER = 'paypal';
const MAX_PEM_CHARS = 64 * 1024;

interface Entry {
  chain: Promise<X509Certificate[]>;
  fetchedAt: number;
}

/**
 * A {@link CertificateSource} that fetches, validates and caches (concurrent gets of one URL share
 * one fetch; failures are not cached). Fetch failures are HubError `provider_unavailable`
 * (retryable); certificates that fail validation are `webhook_signature_invalid`.
 *
 * @example
 * const certs = createFetchingCertificateSource({ mode: 'live' }); // trusts tls.rootCertificates
 * const leaf = await certs.get('https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270');
 */
export function createFetchingCertificateSource(options: FetchingCertificateSourceOptions = {}): CertificateSource {
  const mode = options.mode ?? 'live';
  if (options.allowSandboxCertificate !== undefined && mode !== 'sandbox') {
    throw new HubError('config_invalid', 'allowSandboxCertificate is accepted in sandbox mode only (PAYPAL_MODE=sandbox); live mode requires PayPal\'s CA chain.', { provider: PROVIDER });
  }
  const sandboxCert = options.allowSandboxCertificate === undefined ? undefined : new X509Certificate(options.allowSandboxCertificate);
  const anchors = (options.trustedCaPem ?? rootCertificates).map((pem) => new X509Certificate(pem));
  const doFetch: CertFetch = options.fetch ?? ((url, init) => globalThis.fetch(url, init));
  const clock = options.now ?? Date.now;
  const maxAgeMs = options.maxAgeMs ?? 24 * 60 * 60 * 1000;
  const maxEntries = Math.max(1, options.maxEntries ?? 32);
  const timeoutMs = options.timeoutMs ?? 5000;
  const cache = new Map<string, Entry>();

  async function download(url: string): Promise<string> {
    let res: Awaited<ReturnType<CertFetch>>;
    let text: string;
    try {
      res = await doFetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'error' });
      text = await res.text();
    } catch (err) {
      throw new HubError('provider_unavailable', `Could not fetch the PayPal webhook certificate from ${url}: ${err instanceof Error ? err.message : String(err)}.`, { provider: PROVIDER, cause: err });
    }
    if (res.status >= 500) throw new HubError('provider_unavailable', `PayPal answered ${res.status} for the webhook certificate ${url}.`, { provider: PROVIDER, providerStatus: res.status });
    if (!res.ok) throw new HubError('webhook_signature_invalid', `PayPal answered ${res.status} for the webhook certificate ${url}: the PAYPAL-CERT-URL is not a PayPal certificate.`, { provider: PROVIDER, providerStatus: res.status });
    if (text.length > MAX_PEM_CHARS) throw new HubError('webhook_signature_invalid', `The webhook certificate at ${url} is larger than ${MAX_PEM_CHARS} characters.`, { provider: PROVIDER });
    return text;
  }

  async function load(url: string, now: number): Promise<X509Certificate[]> {
    const bundle = parsePemBundle(await download(url));
    const leaf = bundle[0]!;
    if (sandboxCert && leaf.fingerprint256 === sandboxCert.fingerprint256) {
      checkValidity(leaf, now, 'sandbox');
      return [leaf];
    }
    return validatePaypalCertificate(bundle, anchors, now);
  }

  return {
    async get(url, now = clock()) {
      const key = new URL(url).href;
      let entry = cache.get(key);
      if (entry && now - entry.fetchedAt > maxAgeMs) entry = undefined;
      if (entry) {
        cache.delete(key);
      } else {
        entry = { chain: load(key, now), fetchedAt: now };
        entry.chain.catch(() => cache.get(key) === entry && cache.delete(key));
      }
      cache.set(key, entry);
      while (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      const chain = await entry.chain;
      checkChainValidity(chain, now);
      return chain[0]!;
    },
  };
}
