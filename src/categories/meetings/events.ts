/**
 * The unified event types of the `meetings` category (group `meeting`): descriptions registered
 * with the event registry when this module loads, `data` types added to `EventDataMap`.
 */
import { registerEventTypes } from '../../events/types.js';
import { MEETING_EVENT_TYPES, type MeetingEventDataMap, type MeetingEventType } from './contract.js';

export const MEETING_EVENT_DESCRIPTIONS: Record<MeetingEventType, string> = {
  'meeting.started': 'A meeting started (Zoom `meeting.started`).',
  'meeting.ended': 'A meeting ended (Zoom `meeting.ended`).',
  'meeting.participant_joined': 'Someone joined a meeting (Zoom `meeting.participant_joined`).',
  'meeting.participant_left': 'Someone left a meeting (Zoom `meeting.participant_left`).',
  'meeting.recording.completed': 'A meeting\'s cloud recording is ready to list and download (Zoom `recording.completed`).',
};

registerEventTypes({ meeting: MEETING_EVENT_DESCRIPTIONS });

for (const t of MEETING_EVENT_TYPES) if (!(t in MEETING_EVENT_DESCRIPTIONS)) throw new Error(`categories/meetings/events.ts: describe ${t}`);

declare module '../../events/types.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface EventDataMap extends MeetingEventDataMap {}
}
