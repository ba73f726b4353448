/**
 * Outgoing webhook signatures judged by code nobody on this team wrote: the Standard Webhooks
 * specification's vector, and the `standardwebhooks` and `svix` libraries' `verify`, including
 * the 24 h rotation overlap (both signatures present, either secret verifies).
 */
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { describe, expect, it } from 'vitest';
import { endpointHeaders, ROTATION_OVERLAP_MS } from '../src/webhooks/outgoing/endpoints.js';
import { vectors } from './fixtures/vectors/index.js';
import { generateSecret, sign, verifyStandardWebhooks } from '../src/webhooks/standard-webhooks.js';

function specVector() {
  const { secret, id, timestamp, body, signature } = vectors.standardWebhooks();
  return { secret, id, timestamp: Number(timestamp), body, signature };
}

describe('outgoing webhook signing', () => {
  it('reproduces the specification vector', () => {
    const v = specVector();
    expect(v.secret).toMatch(/^whsec_/);
    expect(sign(v.secret, v.id, v.timestamp, v.body)).toBe(v.signature);
  });

  it('secrets are whsec_ + base64 of 32 random bytes', () => {
    const s = generateSecret();
    expect(s).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(s.slice(6), 'base64')).toHaveLength(32);
    expect(generateSecret()).not.toBe(s);
  });

  it('standardwebhooks and svix verify the headers unchanged', () => {
    const secret = generateSecret();
    const body = JSON.stringify({ id: 'evt_1', type: 'email.bounced', timestamp: new Date().toISOString(), data: { to: 'ann@example.com', ünï: 'cödé' } });
    const headers = endpointHeaders({ current: secret }, 'msg_abc123', Date.now(), body);
    expect(headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(new StandardWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(new SvixWebhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    expect(() => new StandardWebhook(secret).verify(body + ' ', headers)).toThrow();
    expect(() => new SvixWebhook(generateSecret()).verify(body, headers)).toThrow();
  });

  it('during a rotation both secrets sign for 24 h; afterwards only the new one', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const now = Date.now();
    const secrets = { current: newSecret, previous: oldSecret, previousUntil: now + ROTATION_OVERLAP_MS };
    const body = '{"type":"x.y","data":{}}';
    const during = endpointHeaders(secrets, 'msg_rot', now, body);
    expect(during['webhook-signature']!.split(' ')).toHaveLength(2);
    for (const s of [oldSecret, newSecret]) {
      expect(new StandardWebhook(s).verify(body, during)).toBeTruthy();
      expect(new SvixWebhook(s).verify(body, during)).toBeTruthy();
    }
    const after = endpointHeaders(secrets, 'msg_rot', now + ROTATION_OVERLAP_MS + 1, body);
    expect(after['webhook-signature']!.split(' ')).toHaveLength(1);
    expect(after['webhook-signature']).toBe(sign(newSecret, 'msg_rot', Math.floor((now + ROTATION_OVERLAP_MS + 1) / 1000), body));
  });

  it('the same module verifies what it signs and what standardwebhooks and svix sign, during a rotation too', () => {
    const [oldSecret, newSecret] = [generateSecret(), generateSecret()];
    const now = Date.now();
    const body = '{"type":"invoice.paid","data":{"id":"in_1"}}';
    const headers = endpointHeaders({ current: newSecret, previous: oldSecret, previousUntil: now + 1000 }, 'msg_round', now, body);
    const input = (secrets: string[], h: Record<string, string>, raw = body) => ({ rawBody: Buffer.from(raw), headers: h, secrets, now, toleranceSec: 300 });
    expect(() => verifyStandardWebhooks(input([oldSecret], headers))).not.toThrow();
    expect(() => verifyStandardWebhooks(input([generateSecret(), newSecret], headers))).not.toThrow();
    expect(() => verifyStandardWebhooks(input([generateSecret()], headers))).toThrow(/signature matches none/);
    expect(() => verifyStandardWebhooks(input([newSecret], headers, `${body} `))).toThrow();
    const at = new Date(now);
    const theirs = { 'webhook-id': 'msg_theirs', 'webhook-timestamp': String(Math.floor(now / 1000)), 'webhook-signature': new StandardWebhook(newSecret).sign('msg_theirs', at, body) };
    expect(() => verifyStandardWebhooks(input([newSecret], theirs))).not.toThrow();
    const svix = { 'svix-id': 'msg_svix', 'svix-timestamp': String(Math.floor(now / 1000)), 'svix-signature': new SvixWebhook(newSecret).sign('msg_svix', at, body) };
    expect(() => verifyStandardWebhooks(input([newSecret], svix))).not.toThrow();
  });
});
