/**
 * Offline validation of a PayPal webhook signing certificate: chain to a trusted CA, validity at
 * an injected instant, and a PayPal message-verification name.
 *
 * What the genuine certificates carry (see `test/fixtures/vectors/paypal/`): subject
 * `CN=messageverificationcerts.sandbox.paypal.com, O=PayPal, Inc.`, SAN
 * `DNS:messageverificationcerts.sandbox.paypal.com`, issued by DigiCert SHA2 Extended Validation
 * Server CA, itself issued by DigiCert High Assurance EV Root CA (in Node's root store). Live
 * certificates are named `messageverificationcerts.paypal.com`. A SAN DNS name must match one of
 * those two; the subject CN is not trusted on its own.
 *
 * @see https://developer.paypal.com/api/rest/webhooks/rest/#link-verifysignature
 * @see https://nodejs.org/docs/latest-v20.x/api/crypto.html#class-x509certificate
 */
import { X509Certificate } from 'node:crypto';
import { HubError } from '../../core/errors.js';

/** SAN DNS names PayPal signs webhooks with (live and sandbox). */
export const PAYPAL_CERT_NAME = /^messageverificationcerts\.(?:sandbox\.)?paypal\.com$/;
const MAX_DEPTH = 5;

function refuse(reason: string, cause?: unknown): never {
  throw new HubError('webhook_signature_invalid', `PayPal webhook certificate refused: ${reason}.`, {
    provider: 'paypal',
    details: { reason },
    ...(cause === undefined ? {} : { cause }),
  });
}

/**
 * Splits a PEM bundle (a leaf followed by intermediates, as PayPal's cert URL serves it) into
 * certificates; throws HubError `webhook_signature_invalid` when it holds none or a broken one.
 *
 * @example
 * parsePemBundle(leafPem + intermediatePem).length // 2
 */
export function parsePemBundle(pem: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) refuse('the certificate URL did not answer with a PEM certificate');
  try {
    return blocks.map((block) => new X509Certificate(block));
  } catch (err) {
    return refuse('the PEM certificate does not parse', err);
  }
}

/** SAN `DNS:` names of a certificate (lower-cased). */
export function dnsNames(cert: X509Certificate): string[] {
  return (cert.subjectAltName ?? '')
    .split(/,\s*/)
    .filter((entry) => entry.startsWith('DNS:'))
    .map((entry) => entry.slice(4).toLowerCase());
}

/** Throws unless `now` (ms) lies within the certificate's notBefore..notAfter. */
export function checkValidity(cert: X509Certificate, now: number, label: string): void {
  const from = Date.parse(cert.validFrom);
  const to = Date.parse(cert.validTo);
  if (!Number.isFinite(from) || !Number.isFinite(to)) refuse(`the ${label} certificate has unreadable validity dates`);
  if (now < from) refuse(`the ${label} certificate is not valid before ${new Date(from).toISOString()}`);
  if (now > to) refuse(`the ${label} certificate expired at ${new Date(to).toISOString()}`);
}

const issuedBy = (cert: X509Certificate, issuer: X509Certificate): boolean => {
  try {
    return issuer.ca && cert.checkIssued(issuer) && cert.verify(issuer.publicKey);
  } catch {
    return false;
  }
};

/**
 * Builds the chain leaf → intermediates → trusted anchor (signatures and CA flags checked at each
 * step); returns it, leaf first, or throws HubError `webhook_signature_invalid`.
 *
 * @example
 * buildChain(leaf, [intermediate], tls.rootCertificates.map((p) => new X509Certificate(p))) // [leaf, intermediate, root]
 */
export function buildChain(leaf: X509Certificate, intermediates: X509Certificate[], anchors: X509Certificate[]): X509Certificate[] {
  const chain = [leaf];
  let current = leaf;
  for (let depth = 0; depth < MAX_DEPTH; depth++) {
    if (anchors.some((a) => a.fingerprint256 === current.fingerprint256 && a.ca)) return chain;
    const anchor = anchors.find((a) => issuedBy(current, a));
    if (anchor) return [...chain, anchor];
    const next = intermediates.find((i) => !chain.includes(i) && issuedBy(current, i));
    if (!next) break;
    chain.push(next);
    current = next;
  }
  return refuse(`"${leaf.subject.split('\n').find((l) => l.startsWith('CN=')) ?? leaf.subject}" does not chain to a trusted CA (issuer "${current.issuer.replace(/\n/g, ', ')}")`);
}

/**
 * Throws unless every certificate of a chain (leaf first) is valid at `now`; run again on every
 * use of a cached chain, since certificates expire while cached.
 *
 * @example
 * checkChainValidity(chain, clock.now())
 */
export function checkChainValidity(chain: X509Certificate[], now: number): void {
  chain.forEach((cert, i) => checkValidity(cert, now, i === 0 ? 'leaf' : `CA "${cert.subject.split('\n').pop() ?? ''}"`));
}

/**
 * The whole check for a certificate PayPal would sign with: chain to `anchors`, every link valid
 * at `now`, and a PayPal message-verification SAN on the leaf. Returns the chain, leaf first.
 *
 * @example
 * const [leaf] = validatePaypalCertificate(parsePemBundle(pem), anchors, Date.parse('2019-08-29T10:50:00Z'));
 */
export function validatePaypalCertificate(bundle: X509Certificate[], anchors: X509Certificate[], now: number): X509Certificate[] {
  const [leaf, ...intermediates] = bundle;
  if (!leaf) return refuse('no certificate');
  const names = dnsNames(leaf);
  if (!names.some((name) => PAYPAL_CERT_NAME.test(name))) {
    refuse(`the leaf names ${names.length ? names.join(', ') : 'no DNS SAN'}, not messageverificationcerts[.sandbox].paypal.com`);
  }
  const chain = buildChain(leaf, intermediates, anchors);
  checkChainValidity(chain, now);
  return chain;
}
