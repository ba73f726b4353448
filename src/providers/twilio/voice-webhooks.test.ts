/**
 * Twilio's voice callbacks through the provider's one webhook handler: verified with the
 * signature the `twilio` library computes, then parsed by the voice parser (messaging's keeps its
 * own requests).
 */
import twilioLib from 'twilio';
import { describe, expect, it } from 'vitest';
import { twilioWebhooks } from './index.js';

const TOKEN = 'voice-webhooks-token';
const URL_ = 'https://hub.example.com/webhooks/twilio';
const CALL = `CA${'a'.repeat(32)}`;

function deliver(params: Record<string, string>) {
  const rawBody = Buffer.from(new URLSearchParams(params).toString());
  const headers = { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TOKEN, URL_, params) };
  twilioWebhooks.verify({ rawBody, headers, publicUrl: URL_, secrets: [TOKEN], now: Date.now(), toleranceSec: 300 });
  return twilioWebhooks.parse(rawBody, headers);
}

describe('Twilio voice callbacks', () => {
  it('maps every CallStatus to its call event, once per call and status', () => {
    const seen = ['queued', 'initiated', 'ringing', 'in-progress', 'completed', 'busy', 'no-answer', 'canceled', 'failed'].map((CallStatus) => {
      const [e] = deliver({ AccountSid: `AC${'b'.repeat(32)}`, CallSid: CALL, CallStatus, From: '+15005550006', To: '+14155550100', Direction: 'outbound-api', CallDuration: '42', Timestamp: 'Fri, 04 Dec 2026 20:41:07 +0000' });
      return [CallStatus, e!.type, e!.providerEventId];
    });
    expect(seen.map(([s, t]) => [s, t])).toEqual([
      ['queued', 'call.initiated'], ['initiated', 'call.initiated'], ['ringing', 'call.ringing'], ['in-progress', 'call.answered'], ['completed', 'call.completed'],
      ['busy', 'call.failed'], ['no-answer', 'call.failed'], ['canceled', 'call.failed'], ['failed', 'call.failed'],
    ]);
    expect(new Set(seen.map(([, , id]) => id)).size).toBe(seen.length);
    const [done] = deliver({ CallSid: CALL, CallStatus: 'completed', CallDuration: '42', Timestamp: 'Fri, 04 Dec 2026 20:41:07 +0000', From: '+15005550006', To: '+14155550100' });
    expect(done).toMatchObject({ occurredAt: Date.parse('2026-12-04T20:41:07Z'), ref: { providerObjectId: CALL }, data: { callSid: CALL, providerStatus: 'completed', durationSec: 42, from: '+15005550006', to: '+14155550100' } });
  });

  it('turns a completed recording into call.recording.completed and skips other recording statuses', () => {
    const rec = `RE${'c'.repeat(32)}`;
    expect(deliver({ CallSid: CALL, RecordingSid: rec, RecordingStatus: 'in-progress' })).toEqual([]);
    const [e] = deliver({ CallSid: CALL, RecordingSid: rec, RecordingStatus: 'completed', RecordingDuration: '65', RecordingChannels: '1', RecordingUrl: 'https://api.twilio.com/x' });
    expect(e).toMatchObject({ type: 'call.recording.completed', providerEventId: `${rec}:completed`, data: { callSid: CALL, recordingSid: rec, recordingDurationSec: 65 } });
  });

  it('leaves messaging callbacks to messaging, and refuses a tampered callback', () => {
    const sms = deliver({ MessageSid: `SM${'d'.repeat(32)}`, MessageStatus: 'delivered', SmsSid: `SM${'d'.repeat(32)}`, To: '+14155550100', From: '+15005550006' });
    expect(sms.every((e) => !e.type.startsWith('call.'))).toBe(true);
    const params = { CallSid: CALL, CallStatus: 'completed' };
    const headers = { 'x-twilio-signature': twilioLib.getExpectedTwilioSignature(TOKEN, URL_, params) };
    expect(() => twilioWebhooks.verify({ rawBody: Buffer.from('CallSid=' + CALL + '&CallStatus=ringing'), headers, publicUrl: URL_, secrets: [TOKEN], now: Date.now(), toleranceSec: 300 })).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
  });
});
