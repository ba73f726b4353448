/**
 * The unified event types of the `voice` category: descriptions registered with the event
 * registry when this module loads, `data` types added to `EventDataMap`.
 */
import { registerEventTypes } from '../../events/types.js';
import { CALL_EVENT_TYPES, type CallEventData, type CallEventType } from './contract.js';

export const VOICE_EVENT_DESCRIPTIONS: Record<CallEventType, string> = {
  'call.initiated': 'The provider began placing the call.',
  'call.ringing': 'The called party\'s phone is ringing.',
  'call.answered': 'The call was answered (Twilio `in-progress`).',
  'call.completed': 'The call ended after it was answered (`data.durationSec`).',
  'call.failed': 'The call ended unanswered: `data.providerStatus` is `busy`, `no-answer`, `canceled` or `failed`.',
  'call.recording.completed': 'A recording of the call is ready (`data.recordingSid`); fetch it at `GET /api/v1/voice/recordings/:sid/media`.',
};

registerEventTypes({ call: VOICE_EVENT_DESCRIPTIONS });

// Keep the descriptions in lock-step with the contract (a type added there must be described).
for (const t of Object.keys(CALL_EVENT_TYPES)) if (!(t in VOICE_EVENT_DESCRIPTIONS)) throw new Error(`categories/voice/events.ts: describe ${t}`);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends Record<CallEventType, CallEventData & { hubCallId: string | null }> {}
}
