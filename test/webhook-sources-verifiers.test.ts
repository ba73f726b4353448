/**
 * The custom-source verifiers on their own: signatures made by other people's code
 * (`standardwebhooks`, `@octokit/webhooks-methods`) are accepted; the published vectors in
 * `test/fixtures/vectors/` (copied from `../shared/vectors/`) are reproduced; tampered bodies,
 * wrong secrets, missing headers and stale timestamps are refused with the right codes; during a
 * rotation either secret works.
 */
import { randomBytes } from 'node:crypto';
import { sign as octokitSign } from '@octokit/webhooks-methods';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { HubError } from '../src/core/errors.js';
import { vectors } from './fixtures/vectors/index.js';
import { githubSignature, verifyGithub } from '../src/webhooks/sources/github.js';
import { hmacSha256Signature, verifyHmacSha256 } from '../src/webhooks/sources/hmac-sha256.js';
import type { SourceVerifier, SourceVerifyInput } from '../src/webhooks/sources/schemes.js';
import { sign as standardWebhooksSignature, verifyStandardWebhooks } from '../src/webhooks/standard-webhooks.js';

const TOL = 300;
const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;

/** The HubError `verify` throws (fails the test if it passes or throws another type). */
function caught(verify: SourceVerifier, input: SourceVerifyInput): HubError {
  try {
    verify(input);
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return err as HubError;
  }
  throw new Error('verification passed but should have failed');
}
const refusal = (verify: SourceVerifier, input: SourceVerifyInput): string => caught(verify, input).code;

describe('standard-webhooks', () => {
  const body = Buffer.from(JSON.stringify({ type: 'invoice.paid', data: { id: 'in_1', amount: 4200 } }));
  const signed = (secret: string, at = new Date(), id = 'msg_test_1', payload: Buffer = body) => ({
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, payload),
  });
  const input = (headers: Record<string, string>, secrets: string[], rawBody = body, now = Date.now()): SourceVerifyInput => ({ rawBody, headers, secrets, now, toleranceSec: TOL });

  it('reproduces the specification’s published vector', () => {
    const { secret, id, timestamp: ts, body: raw, signature: expected } = vectors.standardWebhooks();
    expect(standardWebhooksSignature(secret, id, ts, Buffer.from(raw))).toBe(expected);
    const headers = { 'webhook-id': id, 'webhook-timestamp': ts, 'webhook-signature': expected };
    expect(() => verifyStandardWebhooks(input(headers, [secret], Buffer.from(raw), Number(ts) * 1000))).not.toThrow();
    expect(refusal(verifyStandardWebhooks, input(headers, [secret], Buffer.from(raw.replace('2432232314', '2432232315')), Number(ts) * 1000))).toBe('webhook_signature_invalid');
  });

  it('accepts what the standardwebhooks library signs, also among several signatures, and refuses what it refuses', () => {
    const secret = newSecret();
    const headers = signed(secret);
    expect(() => verifyStandardWebhooks(input(headers, [secret]))).not.toThrow();
    // The sender rotating: its old and new signatures side by side.
    const other = newSecret();
    const both = { ...headers, 'webhook-signature': `${new Webhook(other).sign('msg_test_1', new Date(Number(headers['webhook-timestamp']) * 1000), body)} ${headers['webhook-signature']}` };
    expect(() => verifyStandardWebhooks(input(both, [secret]))).not.toThrow();
    expect(() => new Webhook(secret).verify(body, both)).not.toThrow(); // the oracle agrees
    // Tampered body: the oracle refuses too.
    const tampered = Buffer.from(body.toString().replace('4200', '4201'));
    expect(() => new Webhook(secret).verify(tampered, headers)).toThrow();
    expect(refusal(verifyStandardWebhooks, input(headers, [secret], tampered))).toBe('webhook_signature_invalid');
    // A signature that is not v1, and an altered id (it is signed).
    expect(refusal(verifyStandardWebhooks, input({ ...headers, 'webhook-signature': headers['webhook-signature'].replace('v1,', 'v1a,') }, [secret]))).toBe('webhook_signature_invalid');
    expect(refusal(verifyStandardWebhooks, input({ ...headers, 'webhook-id': 'msg_test_2' }, [secret]))).toBe('webhook_signature_invalid');
  });

  it('refuses a wrong secret, and accepts either secret during a rotation', () => {
    const [oldS, newS, wrong] = [newSecret(), newSecret(), newSecret()];
    expect(refusal(verifyStandardWebhooks, input(signed(oldS), [wrong]))).toBe('webhook_signature_invalid');
    expect(refusal(verifyStandardWebhooks, input(signed(oldS), []))).toBe('webhook_signature_invalid');
    expect(() => verifyStandardWebhooks(input(signed(oldS), [newS, oldS]))).not.toThrow();
    expect(() => verifyStandardWebhooks(input(signed(newS), [newS, oldS]))).not.toThrow();
  });

  it('refuses missing headers, naming them', () => {
    const secret = newSecret();
    for (const h of ['webhook-id', 'webhook-timestamp', 'webhook-signature'] as const) {
      const headers: Record<string, string> = { ...signed(secret) };
      delete headers[h];
      const err = caught(verifyStandardWebhooks, input(headers, [secret]));
      expect(err.code).toBe('webhook_signature_missing');
      expect(err.message).toContain(h);
    }
  });

  it('refuses a timestamp outside the tolerance in either direction, and a malformed one', () => {
    const secret = newSecret();
    const now = Date.now();
    expect(refusal(verifyStandardWebhooks, input(signed(secret, new Date(now - (TOL + 5) * 1000)), [secret], body, now))).toBe('webhook_timestamp_stale');
    expect(refusal(verifyStandardWebhooks, input(signed(secret, new Date(now + (TOL + 5) * 1000)), [secret], body, now))).toBe('webhook_timestamp_stale');
    expect(() => verifyStandardWebhooks(input(signed(secret, new Date(now - (TOL - 5) * 1000)), [secret], body, now))).not.toThrow();
    expect(refusal(verifyStandardWebhooks, input({ ...signed(secret), 'webhook-timestamp': 'yesterday' }, [secret]))).toBe('webhook_signature_invalid');
  });
});

describe('github', () => {
  const input = (rawBody: Buffer, headers: Record<string, string>, secrets: string[]): SourceVerifyInput => ({ rawBody, headers, secrets, now: Date.now(), toleranceSec: TOL });

  it('reproduces GitHub’s published example', () => {
    const { secret, payload, signature: expected } = vectors.github();
    expect(githubSignature(secret, Buffer.from(payload))).toBe(expected);
    expect(() => verifyGithub(input(Buffer.from(payload), { 'X-Hub-Signature-256': expected }, [secret]))).not.toThrow();
  });

  it('accepts what @octokit/webhooks-methods signs (either secret of a rotation); refuses tampering, a wrong secret, a missing header', async () => {
    const body = JSON.stringify({ action: 'opened', number: 7, note: 'héllo' });
    const sig = await octokitSign('gh-secret-1', body);
    const raw = Buffer.from(body);
    expect(() => verifyGithub(input(raw, { 'x-hub-signature-256': sig }, ['gh-secret-1']))).not.toThrow();
    expect(() => verifyGithub(input(raw, { 'x-hub-signature-256': sig.toUpperCase().replace('SHA256=', 'sha256=') }, ['gh-secret-1']))).not.toThrow();
    expect(() => verifyGithub(input(raw, { 'x-hub-signature-256': sig }, ['gh-secret-2', 'gh-secret-1']))).not.toThrow();
    expect(refusal(verifyGithub, input(Buffer.from(body.replace('7', '8')), { 'x-hub-signature-256': sig }, ['gh-secret-1']))).toBe('webhook_signature_invalid');
    expect(refusal(verifyGithub, input(raw, { 'x-hub-signature-256': sig }, ['gh-secret-2']))).toBe('webhook_signature_invalid');
    expect(refusal(verifyGithub, input(raw, { 'x-hub-signature-256': sig.slice(7) }, ['gh-secret-1']))).toBe('webhook_signature_invalid');
    expect(refusal(verifyGithub, input(raw, { 'x-hub-signature': 'sha1=00' }, ['gh-secret-1']))).toBe('webhook_signature_missing');
  });
});

describe('hmac-sha256', () => {
  const body = Buffer.from('{"event":"order.created","id":42}');
  const input = (headers: Record<string, string>, secrets: string[], encoding: 'hex' | 'base64' = 'hex', rawBody = body): SourceVerifyInput => ({ rawBody, headers, secrets, now: Date.now(), toleranceSec: TOL, header: 'X-Signature', encoding });

  it('accepts hex (any case, optional sha256= prefix) and base64, as octokit computes the same HMAC', async () => {
    const hex = (await octokitSign('k1', body.toString())).slice('sha256='.length);
    expect(hmacSha256Signature('k1', body)).toBe(hex);
    for (const v of [hex, hex.toUpperCase(), `sha256=${hex}`]) expect(() => verifyHmacSha256(input({ 'x-signature': v }, ['k1']))).not.toThrow();
    const b64 = Buffer.from(hex, 'hex').toString('base64');
    expect(() => verifyHmacSha256(input({ 'x-signature': b64 }, ['k1'], 'base64'))).not.toThrow();
    expect(() => verifyHmacSha256(input({ 'x-signature': `sha256=${b64}` }, ['k0', 'k1'], 'base64'))).not.toThrow();
    // The encoding is the source's: hex is not accepted where base64 is configured.
    expect(refusal(verifyHmacSha256, input({ 'x-signature': hex }, ['k1'], 'base64'))).toBe('webhook_signature_invalid');
  });

  it('refuses tampering, a wrong secret, a missing header', () => {
    const hex = hmacSha256Signature('k1', body);
    expect(refusal(verifyHmacSha256, input({ 'x-signature': hex }, ['k1'], 'hex', Buffer.from(body.toString().replace('42', '43'))))).toBe('webhook_signature_invalid');
    expect(refusal(verifyHmacSha256, input({ 'x-signature': hex }, ['k2']))).toBe('webhook_signature_invalid');
    expect(refusal(verifyHmacSha256, input({ 'x-other': hex }, ['k1']))).toBe('webhook_signature_missing');
  });
});
