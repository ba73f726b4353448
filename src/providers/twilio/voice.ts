/**
 * Twilio's voice connector on the 2010-04-01 API: click-to-call (a call to the agent whose TwiML
 * `<Dial callerId=…>` bridges to the customer), the call log with Twilio's filters and paging,
 * recordings (start, list, fetch, media streamed, delete), Lookup v2 (`lookup.ts`), IVR menus as
 * TwiML (`ivr.ts`) and the verification of Twilio's requests to the IVR route (the webhooks'
 * X-Twilio-Signature verifier).
 *
 * @see https://www.twilio.com/docs/voice/api/call-resource
 * @see https://www.twilio.com/docs/voice/api/recording
 */
import type { Call, CallFilter, CallPage, CallStatus, Recording, VoiceCapability, VoiceProvider } from '../../categories/voice/contract.js';
import { HubError, validationError } from '../../core/errors.js';
import type { ProviderContext } from '../../kit/connection.js';
import type { HttpRequest } from '../../transport/types.js';
import { mapTwilioVoiceError } from './errors.js';
import { renderTwilioIvr, twilioBridgeTwiml } from './ivr.js';
import { twilioLookup } from './lookup.js';
import type { TwilioCredentials } from './manifest.js';
import type { TwilioCallPage, TwilioCallResource, TwilioCallStatus, TwilioRecordingPage, TwilioRecordingResource } from './voice-resources.js';
import { verifyTwilioWebhook } from './webhooks.js';

const PROVIDER = 'twilio';
const CAPABILITIES: ReadonlySet<VoiceCapability> = new Set(['click-to-call', 'call-log', 'recordings', 'ivr', 'lookup', 'call-events']);

/** Twilio's call status → the hub's. */
export const TWILIO_CALL_STATUS: Record<TwilioCallStatus, CallStatus> = {
  queued: 'initiated',
  initiated: 'initiated',
  ringing: 'ringing',
  'in-progress': 'answered',
  completed: 'completed',
  busy: 'failed',
  failed: 'failed',
  'no-answer': 'failed',
  canceled: 'failed',
};

/** RFC 2822 (Twilio's dates) → ISO 8601; null stays null. */
const iso = (v: string | null | undefined): string | null => {
  if (!v) return null;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : new Date(t).toISOString();
};
const int = (v: string | number | null | undefined): number | null => (v === null || v === undefined || v === '' || Number(v) < 0 || !Number.isFinite(Number(v)) ? null : Number(v));

/** A Twilio call resource as the hub's {@link Call}. */
export function toCall(c: TwilioCallResource): Call {
  return {
    provider: PROVIDER, sid: c.sid, from: c.from, to: c.to, status: TWILIO_CALL_STATUS[c.status] ?? 'initiated', providerStatus: c.status, direction: c.direction,
    startedAt: iso(c.start_time), endedAt: iso(c.end_time), durationSec: int(c.duration), price: c.price ?? null, priceUnit: c.price_unit ?? null, parentCallSid: c.parent_call_sid ?? null, raw: c,
  };
}

export function toRecording(r: TwilioRecordingResource): Recording {
  return { provider: PROVIDER, sid: r.sid, callSid: r.call_sid, status: r.status, durationSec: int(r.duration), channels: r.channels ?? null, createdAt: iso(r.date_created), raw: r };
}

/** A next-page cursor: Twilio's `next_page_uri`, opaque to callers. */
const toCursor = (uri: string | null): string | null => (uri ? Buffer.from(uri, 'utf8').toString('base64url') : null);

/**
 * The voice connector for one Twilio connection.
 *
 * @example
 * const voice = createTwilioVoice(ctx);
 * await voice.placeCall({ agent: '+14155550100', customer: '+14155550111', callerId: '+15005550006' });
 */
export function createTwilioVoice(ctx: ProviderContext<TwilioCredentials>): VoiceProvider {
  const { accountSid, authToken, phoneNumber } = ctx.connection.credentials;
  const base = `/2010-04-01/Accounts/${accountSid}`;
  const call = <T>(req: HttpRequest) => ctx.http.request({ mapError: mapTwilioVoiceError, ...req }).then((r) => (r.status === 204 ? (undefined as T) : r.json<T>()));

  return {
    id: PROVIDER,
    capabilities: CAPABILITIES,

    async placeCall(input, options = {}) {
      const callerId = input.callerId ?? (phoneNumber && /^\+\d+$/.test(phoneNumber) ? phoneNumber : undefined);
      if (!callerId) throw validationError('callerId', 'is required: a number of your Twilio account in E.164 form (or set VOICE_CALLER_ID or TWILIO_PHONE_NUMBER)');
      const form = new URLSearchParams({ To: input.agent, From: callerId, Twiml: await twilioBridgeTwiml(input.customer, callerId, input.timeoutSec) });
      if (input.timeoutSec) form.set('Timeout', String(input.timeoutSec));
      if (input.statusCallbackUrl) {
        form.set('StatusCallback', input.statusCallbackUrl);
        form.set('StatusCallbackMethod', 'POST');
      }
      // Twilio calls back only for the events asked for; `answered` and `completed` cover the rest.
      for (const e of ['initiated', 'ringing', 'answered', 'completed']) form.append('StatusCallbackEvent', e);
      if (input.record) {
        form.set('Record', 'true');
        form.set('RecordingStatusCallbackEvent', 'completed');
        if (input.recordingCallbackUrl) form.set('RecordingStatusCallback', input.recordingCallbackUrl);
      }
      // No idempotency key exists for calls: the transport retries only what surely never reached Twilio.
      return toCall(await call<TwilioCallResource>({ method: 'POST', path: `${base}/Calls.json`, body: form, operation: 'voice.call', signal: options.signal }));
    },

    async listCalls(filter: CallFilter): Promise<CallPage> {
      let path = `${base}/Calls.json`;
      let query: Record<string, string | number | undefined> | undefined = {
        To: filter.to, From: filter.from, Status: filter.status, 'StartTime>': filter.startedAfter, 'StartTime<': filter.startedBefore, PageSize: filter.pageSize,
      };
      if (filter.cursor) {
        const uri = Buffer.from(filter.cursor, 'base64url').toString('utf8');
        if (!uri.startsWith(`${path}?`)) throw new HubError('validation_failed', 'cursor: pass the `next` of the previous page unchanged', { errors: [{ field: 'cursor', message: 'pass the `next` of the previous page unchanged' }] });
        path = uri;
        query = undefined;
      }
      const page = await call<TwilioCallPage>({ method: 'GET', path, query, operation: 'voice.calls.list' });
      return { data: page.calls.map(toCall), next: toCursor(page.next_page_uri) };
    },

    async getCall(sid) {
      return toCall(await call<TwilioCallResource>({ method: 'GET', path: `${base}/Calls/${sid}.json`, operation: 'voice.calls.get' }));
    },

    async endCall(sid) {
      return toCall(await call<TwilioCallResource>({ method: 'POST', path: `${base}/Calls/${sid}.json`, body: new URLSearchParams({ Status: 'completed' }), operation: 'voice.calls.end' }));
    },

    async startRecording(callSid, options = {}) {
      const form = new URLSearchParams({ RecordingStatusCallbackEvent: 'completed' });
      if (options.callbackUrl) form.set('RecordingStatusCallback', options.callbackUrl);
      return toRecording(await call<TwilioRecordingResource>({ method: 'POST', path: `${base}/Calls/${callSid}/Recordings.json`, body: form, operation: 'voice.recordings.start' }));
    },

    async listRecordings(callSid) {
      const page = await call<TwilioRecordingPage>({ method: 'GET', path: `${base}/Calls/${callSid}/Recordings.json`, operation: 'voice.recordings.list' });
      return page.recordings.map(toRecording);
    },

    async getRecording(sid) {
      return toRecording(await call<TwilioRecordingResource>({ method: 'GET', path: `${base}/Recordings/${sid}.json`, operation: 'voice.recordings.get' }));
    },

    async recordingMedia(sid, format) {
      const res = await ctx.http.request({ method: 'GET', path: `${base}/Recordings/${sid}.${format}`, responseType: 'stream', mapError: mapTwilioVoiceError, operation: 'voice.recordings.media' });
      const length = res.headers['content-length'] === undefined ? NaN : Number(res.headers['content-length']);
      return { contentType: res.headers['content-type'] ?? (format === 'mp3' ? 'audio/mpeg' : 'audio/x-wav'), contentLength: Number.isInteger(length) && length >= 0 ? length : undefined, body: res.body };
    },

    async deleteRecording(sid) {
      await call<void>({ method: 'DELETE', path: `${base}/Recordings/${sid}.json`, operation: 'voice.recordings.delete' });
    },

    lookup: (phoneNumber) => twilioLookup(ctx, phoneNumber),

    renderIvr: (menu, urls, digits) => renderTwilioIvr(menu, urls, digits),

    verifyRequest(request) {
      verifyTwilioWebhook({ rawBody: request.rawBody, headers: request.headers, publicUrl: request.url, secrets: [authToken], now: ctx.clock.now(), toleranceSec: 300 });
    },
  };
}
