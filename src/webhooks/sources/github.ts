/**
 * GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the body>` keyed with the webhook's
 * secret as UTF-8. GitHub signs no timestamp, so no tolerance applies: de-duplication on
 * `X-GitHub-Delivery` (the same GUID on a redelivery) is what stops a repeated delivery.
 *
 * @see https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
 * @see https://docs.github.com/en/webhooks/webhook-events-and-payloads#delivery-headers
 */
import { HubError } from '../../core/errors.js';
import { headerOf, hmacSha256, matchSecret, noSecretMatched, type VerifyInput } from '../../kit/webhook-verify.js';

const SCHEME = 'GitHub';
export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';

/**
 * The `sha256=<hex>` value GitHub sends for `rawBody`.
 *
 * @example
 * githubSignature("It's a Secret to Everybody", Buffer.from('Hello, World!')) // 'sha256=7571…3e17'
 */
export function githubSignature(secret: string, rawBody: Buffer): string {
  return `sha256=${hmacSha256(secret, rawBody).toString('hex')}`;
}

/**
 * Throws unless `X-Hub-Signature-256` is the HMAC of the raw body under one of the secrets.
 *
 * @example
 * verifyGithub({ rawBody, headers, secrets: [process.env.GITHUB_WEBHOOK_SECRET!], now: Date.now(), toleranceSec: 300 });
 */
export function verifyGithub(input: VerifyInput): void {
  const given = headerOf(input.headers, GITHUB_SIGNATURE_HEADER);
  if (given === undefined) {
    const sha1 = headerOf(input.headers, 'x-hub-signature') !== undefined ? ' (only the SHA-1 X-Hub-Signature was sent, which is not accepted)' : '';
    throw new HubError('webhook_signature_missing', `${SCHEME} request lacks X-Hub-Signature-256${sha1}; set a secret on the GitHub webhook`);
  }
  if (!given.startsWith('sha256=')) throw new HubError('webhook_signature_invalid', `${SCHEME} X-Hub-Signature-256 does not start with "sha256="`);
  if (matchSecret(input.secrets, (s) => githubSignature(s, input.rawBody), [given.toLowerCase()]) === undefined) {
    throw noSecretMatched(SCHEME, input, { check: 'check the secret set on the GitHub webhook' });
  }
}
