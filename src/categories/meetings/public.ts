/** What the library entry (`src/index.ts`) publishes of the meetings category: what `hub.meetings` takes and answers, its events, and the connector contract. */
export { meetingsCategory } from './index.js';
export { MEETINGS_ERROR_CODES } from './errors.js';
export { MEETING_EVENT_DESCRIPTIONS } from './events.js';
export { MEETING_EVENT_TYPES } from './contract.js';
export type { MeetingsService, MeetingView } from './service.js';
export type { CreateMeetingInput, CreateWebinarInput, RegistrantInputBody, UpdateMeetingInput } from './schemas.js';
export type {
  CreateMeetingRequest,
  CreateWebinarRequest,
  Meeting,
  MeetingCapability,
  MeetingEventDataMap,
  MeetingEventType,
  MeetingKind,
  MeetingLifecycleData,
  MeetingPage,
  MeetingParticipant,
  MeetingParticipantData,
  MeetingRecordingData,
  MeetingRecordingFile,
  MeetingRecordings,
  MeetingRecurrence,
  MeetingSettings,
  MeetingsProvider,
  ParticipantPage,
  RecordingMedia as MeetingRecordingMedia,
  Registrant,
  RegistrantInput,
  UpdateMeetingRequest,
  Webinar,
} from './contract.js';
