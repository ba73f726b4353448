/**
 * Zoom's inbound handler on its own: signatures made here with node:crypto exactly as Zoom's
 * documentation states (`v0=` hex HMAC-SHA256 of `v0:{timestamp}:{raw body}`), the url_validation
 * answer checked the same way, and each mapped event's `data`.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { HubError } from '../../core/errors.js';
import { zoomWebhooks, parseZoomEvent } from './webhooks.js';

const SECRET = 'zoom-secret-token';
const NOW = 1_767_000_000_000;
const sign = (body: string, ts = NOW / 1000, secret = SECRET) => ({ 'x-zm-request-timestamp': String(ts), 'x-zm-signature': `v0=${createHmac('sha256', secret).update(`v0:${ts}:${body}`).digest('hex')}` });
const verify = (body: string, headers: Record<string, string>, secrets = [SECRET]) => zoomWebhooks.verify({ rawBody: Buffer.from(body), headers, secrets, now: NOW, toleranceSec: 300 });
const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as HubError).code;
  }
  return 'passed';
};

describe('Zoom webhooks', () => {
  it('answers endpoint.url_validation with hex HMAC-SHA256(secret token, plainToken), once signed', () => {
    const body = JSON.stringify({ payload: { plainToken: 'qgg8vlvZRS6UYooatFL8Aw' }, event_ts: NOW, event: 'endpoint.url_validation' });
    const out = verify(body, sign(body)) as { handshake: { status: number; body: string } };
    expect(out.handshake.status).toBe(200);
    expect(JSON.parse(out.handshake.body)).toEqual({ plainToken: 'qgg8vlvZRS6UYooatFL8Aw', encryptedToken: createHmac('sha256', SECRET).update('qgg8vlvZRS6UYooatFL8Aw').digest('hex') });
    // The key that signed is the key that answers (rotation: the second secret).
    const rotated = verify(body, sign(body, NOW / 1000, 'new-secret'), [SECRET, 'new-secret']) as { handshake: { body: string } };
    expect(JSON.parse(rotated.handshake.body).encryptedToken).toBe(createHmac('sha256', 'new-secret').update('qgg8vlvZRS6UYooatFL8Aw').digest('hex'));
    expect(code(() => verify(body, sign(body, NOW / 1000, 'forged')))).toBe('webhook_signature_invalid');
  });

  it('refuses a stale, a tampered and an unsigned event', () => {
    const body = JSON.stringify({ event: 'meeting.started', event_ts: NOW, payload: { object: { id: '1' } } });
    expect(verify(body, sign(body))).toBeUndefined();
    expect(code(() => verify(body, sign(body, NOW / 1000 - 301)))).toBe('webhook_timestamp_stale');
    expect(code(() => verify(body.replace('"1"', '"2"'), sign(body)))).toBe('webhook_signature_invalid');
    expect(code(() => verify(body, {}))).toBe('webhook_signature_missing');
  });

  it('maps participants, endings and recordings; keeps no download_token; ignores other events', () => {
    const joined = parseZoomEvent(Buffer.from(JSON.stringify({ event: 'meeting.participant_joined', event_ts: NOW, payload: { account_id: 'a', object: { id: 85746065432, uuid: 'u1==', participant: { user_id: '16778240', user_name: 'Ada', participant_uuid: 'p-1', join_time: '2027-01-04T09:01:00Z', email: 'ada@example.com' } } } })));
    expect(joined).toMatchObject([{ type: 'meeting.participant_joined', occurredAt: NOW, ref: { providerObjectId: '85746065432' }, data: { meetingId: '85746065432', uuid: 'u1==', participantId: 'p-1', name: 'Ada', email: 'ada@example.com', at: '2027-01-04T09:01:00Z' } }]);
    const recording = parseZoomEvent(Buffer.from(JSON.stringify({ event: 'recording.completed', event_ts: NOW, download_token: 'secret-download-token', payload: { object: { id: 1, uuid: 'u2==', topic: 'T', recording_files: [{ id: 'f1', file_type: 'MP4', file_size: 10 }] } } })));
    expect(recording[0]).toMatchObject({ type: 'meeting.recording.completed', data: { meetingId: '1', files: [{ id: 'f1', fileType: 'MP4', fileSize: 10 }] } });
    expect(JSON.stringify(recording[0]!.raw)).not.toContain('secret-download-token');
    const ended = parseZoomEvent(Buffer.from(JSON.stringify({ event: 'meeting.ended', event_ts: NOW, payload: { object: { id: '1', uuid: 'u3==', end_time: '2027-01-04T10:00:00Z' } } })));
    expect(ended[0]).toMatchObject({ type: 'meeting.ended', data: { endTime: '2027-01-04T10:00:00Z' } });
    expect(parseZoomEvent(Buffer.from(JSON.stringify({ event: 'user.updated', payload: {} })))).toEqual([]);
  });
});
