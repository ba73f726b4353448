/**
 * The fetching certificate source: chain building (vector CA, Node's root store), validity at the
 * injected instant, PayPal names, the sandbox emulator's certificate, and the cache. Certificates
 * come from `test/fixtures/vectors/paypal/` and from `openssl` (generated per run; no keys stored).
 */
import { execFileSync } from 'node:child_process';
import { X509Certificate, sign } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PAYPAL_VECTORS_FILE } from '../../../test/fixtures/vectors/index.js';
import { HubError } from '../../core/errors.js';
import { parsePemBundle, validatePaypalCertificate } from './cert-chain.js';
import { createFetchingCertificateSource, type CertFetch, type FetchingCertificateSourceOptions } from './cert-source.js';
import { paypalSignedString, verifyPaypalWebhook } from './paypal-webhook.js';

const FILE = PAYPAL_VECTORS_FILE;
const V: { caPem: string; samples: { certPem: string }[] } = JSON.parse(readFileSync(FILE, 'utf8'));

const URL_A = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-A';
const URL_B = 'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-B';
const IN_2019 = Date.parse('2019-08-29T10:50:00Z');

type Answer = { status: number; body: string } | Error;
function fakeFetch(answer: (url: string, n: number) => Answer): CertFetch & { calls: string[] } {
  const calls: string[] = [];
  const fn: CertFetch = async (url, init) => {
    expect(init.redirect).toBe('error');
    calls.push(url);
    const a = answer(url, calls.length);
    if (a instanceof Error) throw a;
    return { ok: a.status < 300, status: a.status, text: async () => a.body };
  };
  return Object.assign(fn, { calls });
}
const serving = (body: () => string) => fakeFetch(() => ({ status: 200, body: body() }));
const code = (e: unknown) => (e instanceof HubError ? `${e.code}: ${e.message}` : String(e));

const dir = mkdtempSync(join(tmpdir(), 'paypal-certs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
/** A fresh self-signed CA certificate (valid ~now..+10 y) with one DNS SAN, from openssl. */
function selfSigned(name: string): { certPem: string; keyPem: string } {
  const [cert, key] = [join(dir, `${name}.pem`), join(dir, `${name}.key`)];
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '3650', '-subj', `/CN=${name}`, '-addext', `subjectAltName=DNS:${name}`], { stdio: 'pipe' });
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8') };
}

describe('createFetchingCertificateSource: chain, validity, names', () => {
  const [leaf2017, leaf2019] = V.samples.map((s) => s.certPem) as [string, string];
  const source = (body: () => string, o: FetchingCertificateSourceOptions = {}) => createFetchingCertificateSource({ fetch: serving(body), ...o });

  it('chains leaf → served intermediate → Node root store by default (tls.rootCertificates)', async () => {
    const cert = await source(() => leaf2019 + '\n' + V.caPem).get(URL_A, IN_2019);
    expect(cert.subjectAltName).toBe('DNS:messageverificationcerts.sandbox.paypal.com');
    expect(code(await source(() => leaf2019).get(URL_A, IN_2019).catch((e) => e))).toMatch(/webhook_signature_invalid: .*does not chain/);
  });

  it('checks validity of the leaf at the injected instant, also for a cached chain', async () => {
    const fetch = serving(() => leaf2019);
    const certs = createFetchingCertificateSource({ fetch, trustedCaPem: [V.caPem], maxAgeMs: 10 * 365 * 86_400_000 });
    expect(code(await certs.get(URL_A, Date.parse('2019-04-01T00:00:00Z')).catch((e) => e))).toMatch(/not valid before 2019-04-02/);
    await expect(certs.get(URL_A, IN_2019)).resolves.toBeDefined();
    expect(code(await certs.get(URL_A, Date.parse('2021-05-25T00:00:00Z')).catch((e) => e))).toMatch(/leaf certificate expired at 2021-05-24/);
    expect(fetch.calls).toHaveLength(2); // the expired answer came from the cached chain
    const chain = parsePemBundle(leaf2019 + V.caPem);
    expect(validatePaypalCertificate(chain, [new X509Certificate(V.caPem)], IN_2019)).toHaveLength(2);
    expect(() => validatePaypalCertificate(chain, [new X509Certificate(V.caPem)], Date.parse('2021-06-01T00:00:00Z'))).toThrow(/expired/);
    const old = source(() => leaf2017, { trustedCaPem: [V.caPem] });
    expect(code(await old.get(URL_A, IN_2019).catch((e) => e))).toMatch(/expired at 2019-04-26/);
  });

  it('refuses a leaf not issued by a trusted CA, and a trusted certificate without a PayPal name', async () => {
    const stranger = selfSigned('ca.example.test');
    expect(code(await source(() => leaf2019, { trustedCaPem: [stranger.certPem] }).get(URL_A, IN_2019).catch((e) => e))).toMatch(/does not chain to a trusted CA/);
    const good = selfSigned('messageverificationcerts.paypal.com');
    await expect(source(() => good.certPem, { trustedCaPem: [good.certPem] }).get(URL_A)).resolves.toBeDefined();
    const bad = selfSigned('messageverificationcerts.paypal.com.evil.test');
    expect(code(await source(() => bad.certPem, { trustedCaPem: [bad.certPem] }).get(URL_A).catch((e) => e))).toMatch(/leaf names messageverificationcerts\.paypal\.com\.evil\.test, not/);
  });

  it('refuses a chain through an issuer that is not a CA (basicConstraints CA:FALSE)', async () => {
    const [notCa, notCaKey, csr, leafKey, leaf] = ['not-ca.pem', 'not-ca.key', 'leaf.csr', 'leaf.key', 'leaf.pem'].map((f) => join(dir, f)) as [string, string, string, string, string];
    const run = (args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', notCaKey, '-out', notCa, '-days', '30', '-subj', '/CN=not-a-ca.test', '-addext', 'basicConstraints=critical,CA:FALSE']);
    run(['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-keyout', leafKey, '-out', csr, '-subj', '/CN=messageverificationcerts.paypal.com']);
    const ext = join(dir, 'leaf.ext');
    writeFileSync(ext, 'subjectAltName=DNS:messageverificationcerts.paypal.com\nauthorityKeyIdentifier=none\nsubjectKeyIdentifier=none\n');
    run(['x509', '-req', '-in', csr, '-CA', notCa, '-CAkey', notCaKey, '-CAcreateserial', '-out', leaf, '-days', '30', '-extfile', ext]);
    const leafPem = readFileSync(leaf, 'utf8');
    const notCaPem = readFileSync(notCa, 'utf8');
    expect(new X509Certificate(leafPem).checkIssued(new X509Certificate(notCaPem))).toBe(true);
    expect(code(await source(() => leafPem, { trustedCaPem: [notCaPem] }).get(URL_A).catch((e) => e))).toMatch(/does not chain/);
    // Same issuer name, another key (the leaf has no authority key id): only the signature tells.
    run(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', notCaKey + '2', '-out', notCa + '2', '-days', '30', '-subj', '/CN=not-a-ca.test']);
    const impostor = readFileSync(notCa + '2', 'utf8');
    expect(new X509Certificate(leafPem).checkIssued(new X509Certificate(impostor))).toBe(true);
    expect(code(await source(() => leafPem, { trustedCaPem: [impostor] }).get(URL_A).catch((e) => e))).toMatch(/does not chain/);
  });

  it('refuses an ECDSA certificate even with a valid ECDSA signature (the algorithm is SHA256withRSA)', async () => {
    const [cert, key] = [join(dir, 'ec.pem'), join(dir, 'ec.key')];
    execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', key, '-out', cert, '-days', '30', '-subj', '/CN=ec', '-addext', 'subjectAltName=DNS:messageverificationcerts.paypal.com'], { stdio: 'pipe' });
    const pem = readFileSync(cert, 'utf8');
    const time = new Date().toISOString();
    const rawBody = Buffer.from('{}');
    const sig = sign('RSA-SHA256', Buffer.from(paypalSignedString('t-1', time, 'WH', rawBody)), readFileSync(key, 'utf8')).toString('base64');
    const headers = { 'paypal-transmission-id': 't-1', 'paypal-transmission-time': time, 'paypal-transmission-sig': sig, 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': URL_A };
    const err = await verifyPaypalWebhook({ rawBody, headers, webhookIds: ['WH'], now: Date.now(), certs: source(() => pem, { trustedCaPem: [pem] }) }).catch((e) => e);
    expect(code(err)).toMatch(/webhook_signature_invalid: .*not RSA/);
  });

  it('accepts the given self-signed emulator certificate in sandbox mode only', async () => {
    const emu = selfSigned('paypal-emulator.local');
    const certUrl = 'http://127.0.0.1:4010/v1/notifications/certs/EMU';
    const certs = source(() => emu.certPem, { mode: 'sandbox', allowSandboxCertificate: emu.certPem });
    const headers = { 'paypal-transmission-id': 'emu-1', 'paypal-transmission-time': new Date(Math.floor(Date.now() / 1000) * 1000).toISOString(), 'paypal-auth-algo': 'SHA256withRSA', 'paypal-cert-url': certUrl };
    const rawBody = Buffer.from('{"id":"WH-EMU","event_type":"PAYMENT.CAPTURE.COMPLETED"}');
    const sig = sign('RSA-SHA256', Buffer.from(paypalSignedString('emu-1', headers['paypal-transmission-time'], 'WH-SANDBOX', rawBody)), emu.keyPem).toString('base64');
    const verify = (c = certs) => verifyPaypalWebhook({ rawBody, headers: { ...headers, 'paypal-transmission-sig': sig }, webhookIds: ['WH-SANDBOX'], now: Date.now(), certs: c, extraCertOrigins: ['http://127.0.0.1:4010'] });
    await expect(verify()).resolves.toBeUndefined();
    expect(code(await verify(source(() => emu.certPem, { mode: 'sandbox' })).catch((e) => e))).toMatch(/webhook_signature_invalid/);
    const other = selfSigned('other-emulator.local');
    expect(code(await verify(source(() => emu.certPem, { mode: 'sandbox', allowSandboxCertificate: other.certPem })).catch((e) => e))).toMatch(/webhook_signature_invalid/);
    expect(() => source(() => emu.certPem, { mode: 'live', allowSandboxCertificate: emu.certPem })).toThrow(/sandbox mode only/);
  });
});

describe('createFetchingCertificateSource: fetching and caching', () => {
  const opts = (fetch: CertFetch, o: FetchingCertificateSourceOptions = {}) => createFetchingCertificateSource({ fetch, trustedCaPem: [V.caPem], ...o });
  const leaf = () => V.samples[1]!.certPem;

  it('caches per URL up to maxAgeMs, and evicts the least recently used beyond maxEntries', async () => {
    const fetch = serving(leaf);
    const certs = opts(fetch, { maxAgeMs: 60_000, maxEntries: 1 });
    await certs.get(URL_A, IN_2019);
    await certs.get(URL_A, IN_2019 + 60_000);
    expect(fetch.calls).toEqual([URL_A]);
    await certs.get(URL_A, IN_2019 + 60_001);
    expect(fetch.calls).toEqual([URL_A, URL_A]);
    await certs.get(URL_B, IN_2019 + 60_001);
    await certs.get(URL_A, IN_2019 + 60_001);
    expect(fetch.calls).toEqual([URL_A, URL_A, URL_B, URL_A]);
  });

  it('maps fetch failures (5xx and network: retryable; 4xx and non-PEM: invalid) and does not cache them', async () => {
    const fetch = fakeFetch((_u, n) => [{ status: 503, body: '' }, new Error('ECONNRESET'), { status: 404, body: '' }, { status: 200, body: '<html>' }][n - 1] ?? { status: 200, body: leaf() });
    const certs = opts(fetch);
    expect(code(await certs.get(URL_A, IN_2019).catch((e) => e))).toMatch(/^provider_unavailable: PayPal answered 503/);
    expect(code(await certs.get(URL_A, IN_2019).catch((e) => e))).toMatch(/^provider_unavailable: .*ECONNRESET/);
    expect(code(await certs.get(URL_A, IN_2019).catch((e) => e))).toMatch(/^webhook_signature_invalid: .*404/);
    expect(code(await certs.get(URL_A, IN_2019).catch((e) => e))).toMatch(/^webhook_signature_invalid: .*PEM/);
    await expect(certs.get(URL_A, IN_2019)).resolves.toBeDefined();
    await certs.get(URL_A, IN_2019);
    expect(fetch.calls).toHaveLength(5);
  });
});
