import { describe, expect, it } from 'vitest';
import { vectors } from '../../../test/fixtures/vectors/index.js';
import { HubError } from '../../core/errors.js';
import { mailgunSignature, mailgunWebhooks } from './webhooks.js';

/** The published vector (mailgun-php tests), kept in test/fixtures/vectors. */
function publishedVector() {
  const { signingKey: key, timestamp, token, signature } = vectors.mailgun();
  return { key, timestamp, token, signature };
}

const vector = publishedVector();
const nearVector = Number(vector.timestamp) * 1000 + 60_000;

const body = (signature: unknown, eventData: unknown = { event: 'delivered', id: 'ev1', timestamp: 1403645220.1, recipient: 'a@example.com' }) =>
  Buffer.from(JSON.stringify({ signature, 'event-data': eventData }));

const vectorBody = (over: Record<string, unknown> = {}) =>
  body({ timestamp: vector.timestamp, token: vector.token, signature: vector.signature, ...over });

function refusal(input: Partial<Parameters<typeof mailgunWebhooks.verify>[0]>): string | undefined {
  try {
    mailgunWebhooks.verify({ rawBody: vectorBody(), headers: {}, secrets: [vector.key], now: nearVector, toleranceSec: 300, ...input });
    return undefined;
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return (err as HubError).code;
  }
}

describe('mailgun webhook verification', () => {
  it('computes the published signature', () => {
    expect(mailgunSignature(vector.key, vector.timestamp, vector.token)).toBe(vector.signature);
  });

  it('accepts the published vector, also as one of several keys and in upper case', () => {
    expect(refusal({})).toBeUndefined();
    expect(refusal({ secrets: ['key-old-rotated-out', vector.key] })).toBeUndefined();
    expect(refusal({ rawBody: vectorBody({ signature: vector.signature.toUpperCase() }) })).toBeUndefined();
    expect(refusal({ rawBody: vectorBody({ timestamp: Number(vector.timestamp) }) })).toBeUndefined();
  });

  it('accepts a subaccount event by its parent-signature', () => {
    const parentKey = 'parent-signing-key';
    const parent = mailgunSignature(parentKey, vector.timestamp, vector.token);
    expect(refusal({ rawBody: vectorBody({ 'parent-signature': parent }), secrets: [parentKey] })).toBeUndefined();
  });

  it('refuses a tampered token or timestamp, a wrong key and a foreign signature', () => {
    expect(refusal({ rawBody: vectorBody({ token: `${vector.token.slice(0, -1)}x` }) })).toBe('webhook_signature_invalid');
    expect(refusal({ rawBody: vectorBody({ timestamp: String(Number(vector.timestamp) + 1) }) })).toBe('webhook_signature_invalid');
    expect(refusal({ secrets: ['key-wrong'] })).toBe('webhook_signature_invalid');
    expect(refusal({ secrets: [] })).toBe('webhook_signature_invalid');
    expect(refusal({ rawBody: vectorBody({ signature: vector.signature.slice(0, 32) }) })).toBe('webhook_signature_invalid');
  });

  it('refuses a body without signature, or with an incomplete one, as missing', () => {
    expect(refusal({ rawBody: body(undefined) })).toBe('webhook_signature_missing');
    expect(refusal({ rawBody: body('sig') })).toBe('webhook_signature_missing');
    expect(refusal({ rawBody: vectorBody({ token: '' }) })).toBe('webhook_signature_missing');
    expect(refusal({ rawBody: vectorBody({ signature: undefined }) })).toBe('webhook_signature_missing');
  });

  it('refuses a non-JSON body with a message about raw bytes and the JSON format', () => {
    const rawBody = Buffer.from(`timestamp=${vector.timestamp}&token=${vector.token}&signature=${vector.signature}`);
    expect(refusal({ rawBody })).toBe('webhook_signature_missing');
    expect(() =>
      mailgunWebhooks.verify({ rawBody, headers: {}, secrets: [vector.key], now: nearVector, toleranceSec: 300 }),
    ).toThrow(/raw request bytes.*JSON format/);
    expect(refusal({ rawBody: Buffer.from('[1,2]') })).toBe('webhook_signature_missing');
  });

  it('refuses a genuine signature outside the tolerance as stale, in both directions', () => {
    expect(refusal({ now: Number(vector.timestamp) * 1000 + 301_000 })).toBe('webhook_timestamp_stale');
    expect(refusal({ now: Number(vector.timestamp) * 1000 - 301_000 })).toBe('webhook_timestamp_stale');
    expect(refusal({ now: Number(vector.timestamp) * 1000 + 299_000 })).toBeUndefined();
  });
});

describe('mailgun webhook parsing', () => {
  const common = {
    id: 'ev-1',
    timestamp: 1700000000.123,
    recipient: 'ann@example.com',
    message: { headers: { 'message-id': '20240101120000.abc@mg.example.com' } },
    'user-variables': { switchboard_id: 'msg_1', plan: 'pro' },
  };
  const parse = (eventData: Record<string, unknown>) =>
    mailgunWebhooks.parse(body({ timestamp: '1', token: 't', signature: 's' }, { ...common, ...eventData }), {});

  it('normalizes ids, time, correlation and recipient', () => {
    const [event] = parse({ event: 'delivered' });
    expect(event).toMatchObject({
      providerEventId: 'ev-1',
      type: 'email.delivered',
      occurredAt: 1700000000123,
      ref: { hubId: 'msg_1', providerObjectId: '20240101120000.abc@mg.example.com' },
      data: { recipient: 'ann@example.com' },
    });
    expect(event!.raw).toMatchObject({ 'event-data': { event: 'delivered' } });
  });

  it.each([
    [{ event: 'accepted' }, 'email.processed', {}],
    [{ event: 'opened' }, 'email.opened', {}],
    [{ event: 'clicked', url: 'https://example.com/x' }, 'email.clicked', { url: 'https://example.com/x' }],
    [{ event: 'complained' }, 'email.spam_report', {}],
    [{ event: 'unsubscribed' }, 'email.unsubscribed', {}],
    [{ event: 'failed', severity: 'permanent', reason: 'bounce', 'delivery-status': { code: 550, message: '5.1.1 no such user' } }, 'email.bounced', { bounceType: 'hard', reason: '5.1.1 no such user' }],
    [{ event: 'failed', severity: 'permanent', reason: 'old', 'delivery-status': { message: 'gave up' } }, 'email.bounced', { bounceType: 'soft' }],
    [{ event: 'failed', severity: 'temporary', reason: 'generic', 'delivery-status': { code: 421, message: '4.2.1 try later' } }, 'email.deferred', { reason: '4.2.1 try later' }],
    [{ event: 'failed', severity: 'permanent', reason: 'suppress-bounce', 'delivery-status': { code: 605 } }, 'email.dropped', { reason: 'suppress-bounce' }],
  ])('%#: maps %o to %s', (eventData, type, data) => {
    const events = parse(eventData);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe(type);
    expect(events[0]!.data).toMatchObject({ recipient: 'ann@example.com', ...data });
  });

  it('skips unknown events and bodies without event-data', () => {
    expect(parse({ event: 'stored' })).toEqual([]);
    expect(parse({ event: 'list_member_uploaded' })).toEqual([]);
    expect(mailgunWebhooks.parse(Buffer.from('{"signature":{}}'), {})).toEqual([]);
  });

  it('throws only HubErrors on a body that is not JSON', () => {
    expect(() => mailgunWebhooks.parse(Buffer.from('nope'), {})).toThrow(HubError);
  });
});
