/**
 * Twilio's voice callbacks as normalized events: call status callbacks (`CallStatus`, with
 * `StatusCallbackEvent` initiated/ringing/answered/completed) become `call.initiated|ringing|
 * answered|completed|failed`; a recording status callback with `RecordingStatus=completed`
 * becomes `call.recording.completed`. Plugged into `createTwilioWebhooks` beside messaging's
 * parser: a request with a `CallSid` and no `MessageSid` is a voice one.
 *
 * @see https://www.twilio.com/docs/voice/api/call-resource#statuscallback
 * @see https://www.twilio.com/docs/voice/api/recording#recordingstatuscallback
 */
import type { CallEventData, CallEventType } from '../../categories/voice/contract.js';
import type { InboundEvent } from '../../kit/inbound.js';
import type { TwilioCallStatus } from './voice-resources.js';
import type { TwilioParams, TwilioWebhookParser } from './webhooks.js';

/** Twilio `CallStatus` → event type. */
const CALL_EVENTS: Record<TwilioCallStatus, CallEventType> = {
  queued: 'call.initiated',
  initiated: 'call.initiated',
  ringing: 'call.ringing',
  'in-progress': 'call.answered',
  completed: 'call.completed',
  busy: 'call.failed',
  failed: 'call.failed',
  'no-answer': 'call.failed',
  canceled: 'call.failed',
};

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[0] : v) || undefined;
const num = (v: string | undefined): number | undefined => (v !== undefined && v !== '' && Number.isFinite(Number(v)) ? Number(v) : undefined);
const at = (v: string | undefined): number => {
  const t = v ? Date.parse(v) : NaN;
  return Number.isNaN(t) ? Date.now() : t;
};

function compact(data: CallEventData): CallEventData {
  for (const k of Object.keys(data)) if (data[k] === undefined) delete data[k];
  return data;
}

/**
 * A verified voice callback's events; undefined when the request is not a voice callback.
 *
 * @example
 * parseTwilioVoiceWebhook({ CallSid: 'CA…', CallStatus: 'completed', CallDuration: '42' }, body, headers)
 * // [{ type: 'call.completed', providerEventId: 'CA…:completed', data: { callSid: 'CA…', durationSec: 42, … } }]
 */
export const parseTwilioVoiceWebhook: TwilioWebhookParser = (p: TwilioParams): InboundEvent[] | undefined => {
  const callSid = one(p.CallSid);
  if (!callSid || one(p.MessageSid) || one(p.SmsSid)) return undefined;
  const recordingSid = one(p.RecordingSid);
  const recordingStatus = one(p.RecordingStatus);
  if (recordingSid && recordingStatus) {
    if (recordingStatus !== 'completed') return [];
    const data = compact({ callSid, recordingSid, recordingDurationSec: num(one(p.RecordingDuration)), recordingChannels: num(one(p.RecordingChannels)), recordingSource: one(p.RecordingSource), recordingUrl: one(p.RecordingUrl) });
    return [{ providerEventId: `${recordingSid}:completed`, type: 'call.recording.completed', occurredAt: at(one(p.RecordingStartTime)), ref: { providerObjectId: callSid }, data, raw: p }];
  }
  const status = one(p.CallStatus) as TwilioCallStatus | undefined;
  const type = status ? CALL_EVENTS[status] : undefined;
  if (!status || !type) return [];
  const data = compact({
    callSid, from: one(p.From), to: one(p.To), direction: one(p.Direction), providerStatus: status,
    durationSec: num(one(p.CallDuration)), parentCallSid: one(p.ParentCallSid), sequence: num(one(p.SequenceNumber)),
  });
  return [{ providerEventId: `${callSid}:${status}`, type, occurredAt: at(one(p.Timestamp)), ref: { providerObjectId: callSid }, data, raw: p }];
};
