/**
 * The `voice` category: provider-agnostic types every voice connector implements — click-to-call,
 * the call log, recordings, IVR menus rendered as the provider's call instructions, caller ID
 * lookup and the verification of the provider's requests to the IVR route.
 *
 * @see docs/voice.md
 */
import type { Readable } from 'node:stream';

/** A call's status in the hub, in the order it may advance (`failed`: busy, no answer, canceled, failed). */
export const CALL_STATUSES = ['initiated', 'ringing', 'answered', 'completed', 'failed'] as const;
export type CallStatus = (typeof CALL_STATUSES)[number];

/** Rank of each status: a later callback never moves a call to a lower (or equal) rank. */
export const CALL_STATUS_RANK: Record<CallStatus, number> = { initiated: 0, ringing: 1, answered: 2, completed: 3, failed: 3 };

/** Normalized call event types (the `type` of an InboundEvent) and the status each sets. */
export const CALL_EVENT_TYPES = {
  'call.initiated': 'initiated',
  'call.ringing': 'ringing',
  'call.answered': 'answered',
  'call.completed': 'completed',
  'call.failed': 'failed',
} as const satisfies Record<string, CallStatus>;
export type CallEventType = keyof typeof CALL_EVENT_TYPES | 'call.recording.completed';

/** `data` of a call event: the call's sid and parties, the provider's own status word. */
export interface CallEventData {
  callSid: string;
  from?: string;
  to?: string;
  direction?: string;
  /** The provider's status (`busy`, `no-answer`, `in-progress`, …). */
  providerStatus?: string;
  durationSec?: number;
  /** `call.recording.completed`. */
  recordingSid?: string;
  recordingDurationSec?: number;
  [key: string]: unknown;
}

/** One call as the call log shows it. */
export interface Call {
  provider: string;
  /** The provider's call id (Twilio `CA…`). */
  sid: string;
  from: string;
  to: string;
  status: CallStatus;
  /** The provider's own status word (`no-answer`, `in-progress`, …). */
  providerStatus: string;
  /** `outbound-api`, `outbound-dial`, `inbound`. */
  direction: string;
  /** ISO 8601, when the call was answered (absent before). */
  startedAt: string | null;
  endedAt: string | null;
  durationSec: number | null;
  /** The price as the provider reports it (Twilio: negative decimal string such as `-0.0130`). */
  price: string | null;
  priceUnit: string | null;
  parentCallSid: string | null;
  raw: unknown;
}

/** Call log filters (all optional); the provider pages with an opaque cursor. */
export interface CallFilter {
  to?: string;
  from?: string;
  /** The provider's status word (`completed`, `busy`, …). */
  status?: string;
  /** ISO date or date-time: calls started on or after. */
  startedAfter?: string;
  startedBefore?: string;
  pageSize?: number;
  /** The `next` of the previous page. */
  cursor?: string;
}

export interface CallPage {
  data: Call[];
  /** Pass as `cursor` for the next page; null on the last. */
  next: string | null;
}

/** Click-to-call as the connector receives it: numbers already E.164. */
export interface PlaceCallInput {
  /** Called first. */
  agent: string;
  /** Bridged to once the agent answers, shown `callerId`. */
  customer: string;
  /** The number the agent sees calling and the customer sees (a number of the account); absent: the connection's own number. */
  callerId?: string;
  /** Where the provider posts status callbacks; absent: the connection's default (sandbox: the emulator's target). */
  statusCallbackUrl?: string;
  /** Record the bridged call. */
  record?: boolean;
  /** Where recording-ready callbacks go (defaults as `statusCallbackUrl`). */
  recordingCallbackUrl?: string;
  timeoutSec?: number;
}

export interface Recording {
  provider: string;
  sid: string;
  callSid: string;
  /** `in-progress`, `paused`, `stopped`, `processing`, `completed`, `absent`. */
  status: string;
  durationSec: number | null;
  channels: number | null;
  createdAt: string | null;
  raw: unknown;
}

/** A recording's bytes, streamed from the provider. */
export interface RecordingMedia {
  contentType: string;
  contentLength?: number;
  body: Readable;
}

/** Caller ID lookup: who owns a number and what kind of line it is. */
export interface NumberLookup {
  provider: string;
  phoneNumber: string;
  valid: boolean;
  countryCode: string | null;
  nationalFormat: string | null;
  callerName: string | null;
  /** `BUSINESS`, `CONSUMER`, or null. */
  callerType: string | null;
  /** `mobile`, `landline`, `fixedVoip`, `nonFixedVoip`, `tollFree`, … or null. */
  lineType: string | null;
  carrierName: string | null;
  raw: unknown;
}

/** What one IVR option does when its digit is pressed (the first present wins: say, then the rest). */
export interface IvrOption {
  say?: string;
  /** E.164 number to connect the caller to. */
  dial?: string;
  /** Another menu's id to go to. */
  menu?: string;
  hangup?: boolean;
}

/** An IVR menu as data: a prompt, digits to routes, what to say on a wrong key, how long to wait. */
export interface IvrMenu {
  id: string;
  prompt: string;
  options: Record<string, IvrOption>;
  /** Said when a digit has no option (then the menu repeats). */
  invalid?: string;
  /** Seconds to wait for a digit (default 5). */
  timeout?: number;
}

/** Where the rendered instructions point back to (absolute public URLs, signed as the provider sees them). */
export interface IvrUrls {
  /** This menu's URL (the digits are posted back to it). */
  self: string;
  /** Another menu's URL. */
  menu(id: string): string;
}

/** A request the provider made to the IVR route, for the connector to verify. */
export interface ProviderRequest {
  /** The public URL as the provider called it (path and query). */
  url: string;
  /** The body as received (a form-encoded POST; empty for a GET, whose query is part of `url`). */
  rawBody: Buffer;
  headers: Record<string, string | undefined>;
}

export type VoiceCapability = 'click-to-call' | 'call-log' | 'recordings' | 'ivr' | 'lookup' | 'call-events';

export interface VoiceProvider {
  readonly id: string;
  readonly capabilities: ReadonlySet<VoiceCapability>;
  /** Call the agent, then bridge to the customer with `callerId`. Throws HubError (mapped). */
  placeCall(input: PlaceCallInput, options?: { signal?: AbortSignal }): Promise<Call>;
  listCalls(filter: CallFilter): Promise<CallPage>;
  getCall(sid: string): Promise<Call>;
  /** End a call in progress (or cancel a queued one). */
  endCall(sid: string): Promise<Call>;
  startRecording(callSid: string, options?: { callbackUrl?: string }): Promise<Recording>;
  listRecordings(callSid: string): Promise<Recording[]>;
  getRecording(sid: string): Promise<Recording>;
  recordingMedia(sid: string, format: 'wav' | 'mp3'): Promise<RecordingMedia>;
  deleteRecording(sid: string): Promise<void>;
  lookup(phoneNumber: string): Promise<NumberLookup>;
  /** The provider's call instructions (TwiML) for `menu`, or for the option chosen with `digits`. */
  renderIvr(menu: IvrMenu, urls: IvrUrls, digits?: string): Promise<{ contentType: string; body: string }>;
  /** Throws HubError `webhook_signature_missing|invalid` unless the provider signed this request. */
  verifyRequest(request: ProviderRequest): void;
}

declare module '../../kit/connector.js' {
  interface CategoryContracts {
    /** `providers/<id>/index.ts` sets `voice: (ctx) => VoiceProvider`. */
    voice: VoiceProvider;
  }
}
