/**
 * Graph's error answers and notification bodies, one by one: what each error code becomes, and
 * how a notification delivery is verified (every item's clientState, the validation handshake
 * before anything else) and parsed (one `calendar.push` per item, the clientState not kept).
 */
import { describe, expect, it } from 'vitest';
import { issuePushToken } from '../src/kit/push-token.js';
import { graphWebhooks, mapGraphError, parseGraphNotifications } from '../src/providers/outlook/index.js';
import { toResponse } from '../src/transport/http.js';
import { failure } from './helpers/hub-error.js';

const graph = (status: number, code: string, headers: Record<string, string> = {}) => toResponse({ status, headers, text: JSON.stringify({ error: { code, message: `${code} said`, innerError: { 'request-id': 'r-1', date: '2027-01-01T00:00:00' } } }) });

describe('mapGraphError', () => {
  it.each([
    [404, 'ErrorItemNotFound', 'calendar_event_not_found'],
    [410, 'Gone', 'calendar_sync_expired'],
    [400, 'syncStateNotFound', 'calendar_sync_expired'],
    [400, 'resyncRequired', 'calendar_sync_expired'],
    [401, 'InvalidAuthenticationToken', 'provider_auth_failed'],
    [403, 'ErrorAccessDenied', 'provider_auth_failed'],
    [412, 'ErrorIrresolvableConflict', 'calendar_conflict'],
    [400, 'ErrorInvalidRequest', 'provider_rejected'],
    [500, 'InternalServerError', 'provider_unavailable'],
    [418, 'Teapot', 'provider_error'],
  ])('%i %s → %s', (status, code, hub) => {
    const err = mapGraphError(graph(status, code));
    expect([err.code, err.provider, err.providerCode, err.providerStatus]).toEqual([hub, 'outlook', code, status]);
    expect(err.message).toContain(`${code} said`);
  });

  it('keeps Retry-After on 429 and 503, and names a missing Teams meeting meeting_not_found', () => {
    expect([mapGraphError(graph(429, 'ApplicationThrottled', { 'retry-after': '30' })).code, mapGraphError(graph(429, 'ApplicationThrottled', { 'retry-after': '30' })).retryAfter]).toEqual(['provider_rate_limited', 30]);
    expect(mapGraphError(graph(503, 'ServiceNotAvailable', { 'retry-after': '5' })).retryAfter).toBe(5);
    expect(mapGraphError(graph(404, 'ErrorItemNotFound'), 'teams', 'meeting_not_found')).toMatchObject({ code: 'meeting_not_found', provider: 'teams' });
    expect(mapGraphError(toResponse({ status: 502, headers: {}, text: '<html>Bad gateway</html>' })).providerCode).toBe('HTTP502');
  });
});

describe('graphWebhooks', () => {
  const key = 'the connection push key';
  const token = issuePushToken(key);
  const item = (clientState?: string) => ({ subscriptionId: 's-1', subscriptionExpirationDateTime: '2027-01-03T00:00:00Z', changeType: 'updated', resource: 'Users/u/Events/AAMk1', resourceData: { id: 'AAMk1' }, tenantId: 't', ...(clientState && { clientState }) });
  const verify = (body: unknown, publicUrl = 'https://hub.example/webhooks/outlook/conn_1') => graphWebhooks.verify({ rawBody: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)), headers: {}, secrets: [key], publicUrl, now: Date.now(), toleranceSec: 300 });

  it('echoes a validationToken as text before looking at the body', () => {
    expect(verify('', 'https://hub.example/webhooks/outlook/conn_1?validationToken=Validation%3A%20Testing%20%26%20more')).toEqual({ handshake: { status: 200, contentType: 'text/plain; charset=utf-8', body: 'Validation: Testing & more' } });
  });

  it('accepts items whose clientState was issued under the key; one forged or missing item refuses all', async () => {
    expect(verify({ value: [item(token), item(token)] })).toBeUndefined();
    expect((await failure(Promise.resolve().then(() => verify({ value: [item(token), item(issuePushToken('another key'))] })))).code).toBe('webhook_signature_invalid');
    expect((await failure(Promise.resolve().then(() => verify({ value: [item(token), item()] })))).code).toBe('webhook_signature_missing');
    expect((await failure(Promise.resolve().then(() => verify('not json')))).code).toBe('validation_failed');
  });

  it('parses one calendar.push per item, lifecycle ones included, and keeps no clientState', () => {
    const raw = Buffer.from(JSON.stringify({ value: [item(token), { subscriptionId: 's-1', lifecycleEvent: 'missed', clientState: token }] }));
    const stored = graphWebhooks.storedBody!(raw);
    expect(stored.toString()).not.toContain(token);
    const events = parseGraphNotifications(stored);
    expect(events.map((e) => [e.type, e.data])).toEqual([
      ['calendar.push', { channelId: 's-1', state: 'updated', eventId: 'AAMk1' }],
      ['calendar.push', { channelId: 's-1', state: 'missed', lifecycle: 'missed' }],
    ]);
    expect(events[0]!.providerEventId).toMatch(/^s-1:updated:AAMk1:[0-9a-f]{16}$/);
    expect(parseGraphNotifications(stored)[0]!.providerEventId).toBe(events[0]!.providerEventId); // a redelivery is a duplicate
    expect(graphWebhooks.ack!(raw, {})).toEqual({ status: 202, contentType: 'text/plain; charset=utf-8', body: '' });
  });
});
