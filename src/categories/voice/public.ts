/** What the library entry (`src/index.ts`) publishes of the voice category: what `hub.voice` takes and answers, IVR menus, and the connector contract. */
export { voiceCategory } from './index.js';
export { VOICE_ERROR_CODES } from './errors.js';
export { VOICE_EVENT_DESCRIPTIONS } from './events.js';
export type { VoiceService, PlacedCall } from './service.js';
export type { ClickToCallInput } from './schemas.js';
export { CALL_STATUSES, CALL_STATUS_RANK } from './contract.js';
export type {
  Call,
  CallEventData,
  CallEventType,
  CallFilter,
  CallPage,
  CallStatus,
  IvrMenu,
  IvrOption,
  NumberLookup,
  PlaceCallInput,
  Recording,
  RecordingMedia,
  VoiceCapability,
  VoiceProvider,
} from './contract.js';
