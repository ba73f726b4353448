/**
 * Request specs the load generators replay, as plain data so they cross into a child process:
 * a static request, or a validly signed webhook that is fresh on every call (a distinct event id
 * and body, so de-duplication never short-cuts the hub).
 *
 * @example
 * const next = maker({ kind: 'mailgun', path: '/webhooks/mailgun', key: 'k' });
 * next(); // { method: 'POST', path: '/webhooks/mailgun', headers: {…}, body: '{"signature":…}' }
 */
import { createHmac, randomBytes } from 'node:crypto';

/** The Mailgun webhook signing key the bench hub is given. */
export const MAILGUN_KEY = 'bench-mailgun-signing-key';

export type RequestSpec =
  | { kind: 'static'; method: string; path: string; headers?: Record<string, string>; body?: string }
  /** `POST` of a Mailgun event signed with the webhook signing key (HMAC-SHA256 of timestamp + token). */
  | { kind: 'mailgun'; path: string; key: string }
  /** `POST` of a JSON event signed per Standard Webhooks with a `whsec_…` secret. */
  | { kind: 'standard-webhooks'; path: string; secret: string };

export interface BenchRequest {
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string;
}

/** Whether every request of the spec must differ (and a replayed one would be a duplicate). */
export const isUnique = (spec: RequestSpec): boolean => spec.kind !== 'static';

export function maker(spec: RequestSpec): () => BenchRequest {
  switch (spec.kind) {
    case 'static': {
      const req = { method: spec.method, path: spec.path, headers: spec.headers ?? {}, body: spec.body };
      return () => req;
    }
    case 'mailgun':
      return () => {
        const timestamp = String(Math.floor(Date.now() / 1000));
        const token = randomBytes(16).toString('hex');
        const signature = createHmac('sha256', spec.key).update(timestamp + token).digest('hex');
        const body = JSON.stringify({
          signature: { timestamp, token, signature },
          'event-data': { event: 'delivered', id: token, timestamp: Number(timestamp), recipient: 'bench@example.com', message: { headers: { 'message-id': 'bench@x' } } },
        });
        return { method: 'POST', path: spec.path, headers: { 'content-type': 'application/json' }, body };
      };
    case 'standard-webhooks': {
      const key = Buffer.from(spec.secret.replace(/^whsec_/, ''), 'base64');
      let n = 0;
      return () => {
        const id = `msg_${randomBytes(12).toString('hex')}`;
        const timestamp = String(Math.floor(Date.now() / 1000));
        const body = JSON.stringify({ type: 'bench.ping', data: { n: n++, id } });
        const signature = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
        return { method: 'POST', path: spec.path, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': timestamp, 'webhook-signature': `v1,${signature}` }, body };
      };
    }
  }
}
