/**
 * The error codes of the `meetings` category, registered with the hub's one registry when this
 * module loads (`docs/errors.md` lists them). Zoom answers `{code, message}`; `providers/zoom/errors.ts`
 * maps its codes (3001 meeting not found, 3322 recording not found, …) to these.
 */
import { errorCode, registerErrorCodes, type ErrorCodeInfo } from '../../core/errors.js';

export const MEETINGS_ERROR_CODES = registerErrorCodes({
  meeting_not_found: errorCode(404, false, false, 'The provider knows no such meeting or webinar (Zoom 3001), or it was deleted; a meeting lives at the provider that created it: pass `provider`.'),
  meeting_recording_not_found: errorCode(404, false, false, 'The meeting has no such recording, or none yet (Zoom 3301, 3322): recordings are ready once `meeting.recording.completed` arrived.'),
});

declare module '../../core/errors.js' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the members
  interface ErrorCodeExtensions extends Record<keyof typeof MEETINGS_ERROR_CODES, ErrorCodeInfo> {}
}
