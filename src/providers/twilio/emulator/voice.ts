/**
 * The voice part of the Twilio emulator: calls (`calls.ts`), recordings (`recordings.ts`) and
 * Lookup v2 (`lookup.ts`) on the shared app and state; their controls are merged into the
 * emulator object (`setCallOutcome`, `hangUp`, `settled`, `recordingMedia`, `setLookup`).
 */
import type { FastifyInstance } from 'fastify';
import { callsPart, type CallsState, type TwilioCallControls } from './calls.js';
import { lookupPart, type TwilioLookupControls } from './lookup.js';
import { recordingsPart, type TwilioRecordingControls } from './recordings.js';
import type { TwilioEmulatorPart, TwilioEmulatorState } from './state.js';

export type TwilioVoiceControls = TwilioCallControls & TwilioRecordingControls & TwilioLookupControls;

export const voicePart: TwilioEmulatorPart = (app: FastifyInstance, state: TwilioEmulatorState): TwilioVoiceControls => {
  const shared: CallsState = { calls: new Map(), onAnswered: [], onEnded: [] };
  return { ...callsPart(app, state, shared), ...recordingsPart(app, state, shared), ...lookupPart(app, state) };
};
