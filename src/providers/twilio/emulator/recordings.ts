/**
 * Recordings in the Twilio emulator (2010-04-01): a call created with `Record=true` is recorded
 * from its answer; `POST …/Calls/{CallSid}/Recordings.json` records a call in progress (21220
 * otherwise). A recording completes when its call ends (its duration, a price) and a signed
 * `RecordingStatusCallback` is posted (`RecordingStatus=completed`). List per call or per account,
 * fetch `.json`, media as `.wav` (8 kHz 16-bit mono PCM, a tone of the recording's length) or
 * `.mp3` (stand-in bytes), delete.
 *
 * @see https://www.twilio.com/docs/voice/api/recording
 */
import type { FastifyInstance } from 'fastify';
import type { TwilioRecordingResource } from '../voice-resources.js';
import type { TwilioParams } from '../webhooks.js';
import type { CallsState, EmulatedCall } from './calls.js';
import { rfc2822, twilioSid, type TwilioEmulatorState } from './state.js';

/** Recordings longer than this have media of this length (the emulator keeps bytes small). */
const MAX_MEDIA_SEC = 10;
const RATE = 8000;

interface EmulatedRecording {
  resource: TwilioRecordingResource;
  callback?: string;
  startedAt: number;
}

/** The controls the recordings part adds to the emulator. */
export interface TwilioRecordingControls {
  readonly recordings: Map<string, EmulatedRecording>;
  /** The media bytes of a recording, as served (tests compare what the hub streams). */
  recordingMedia(sid: string, format: 'wav' | 'mp3'): Buffer;
}

/**
 * A WAV file: RIFF header and `seconds` of a tone whose pitch comes from the recording sid.
 *
 * @example
 * wavOf('RE…', 2).length // 44 + 2 * 8000 * 2
 */
export function wavOf(sid: string, seconds: number): Buffer {
  const samples = Math.max(1, Math.min(MAX_MEDIA_SEC, seconds)) * RATE;
  const buf = Buffer.alloc(44 + samples * 2);
  buf.write('RIFF', 0, 'ascii');
  buf.writeUInt32LE(36 + samples * 2, 4);
  buf.write('WAVEfmt ', 8, 'ascii');
  buf.writeUInt32LE(16, 16);
  buf.writeUInt16LE(1, 20); // PCM
  buf.writeUInt16LE(1, 22); // mono
  buf.writeUInt32LE(RATE, 24);
  buf.writeUInt32LE(RATE * 2, 28);
  buf.writeUInt16LE(2, 32);
  buf.writeUInt16LE(16, 34);
  buf.write('data', 36, 'ascii');
  buf.writeUInt32LE(samples * 2, 40);
  const pitch = 300 + (parseInt(sid.slice(2, 6), 16) % 600);
  for (let i = 0; i < samples; i++) buf.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * pitch * i) / RATE)), 44 + i * 2);
  return buf;
}

/** Stand-in MP3 bytes: an ID3 tag and frames of noise derived from the sid (not playable audio). */
function mp3Of(sid: string, seconds: number): Buffer {
  const frames = Math.max(1, Math.min(MAX_MEDIA_SEC, seconds)) * 38;
  const buf = Buffer.alloc(10 + frames * 104);
  buf.write('ID3', 0, 'ascii');
  buf.writeUInt8(3, 3);
  let x = parseInt(sid.slice(2, 10), 16) || 1;
  for (let f = 0; f < frames; f++) {
    const at = 10 + f * 104;
    buf.writeUInt16BE(0xfff3, at); // MPEG-2 layer III frame sync, 8 kHz
    for (let i = 2; i < 104; i++) {
      x = (x * 1103515245 + 12345) & 0x7fffffff;
      buf[at + i] = x & 0xff;
    }
  }
  return buf;
}

export function recordingsPart(app: FastifyInstance, state: TwilioEmulatorState, shared: CallsState): TwilioRecordingControls {
  const recordings = new Map<string, EmulatedRecording>();
  const base = `/2010-04-01/Accounts/${state.accountSid}`;

  const startRecording = (c: EmulatedCall, source: TwilioRecordingResource['source'], callback?: string): EmulatedRecording => {
    const now = Date.now();
    const sid = twilioSid('RE');
    const resource: TwilioRecordingResource = {
      account_sid: state.accountSid, api_version: '2010-04-01', call_sid: c.resource.sid, channels: 1, conference_sid: null, date_created: rfc2822(now), date_updated: rfc2822(now),
      duration: '-1', encryption_details: null, error_code: null, price: null, price_unit: 'USD', sid, source, start_time: rfc2822(now), status: 'in-progress', track: 'both',
      uri: `${base}/Recordings/${sid}.json`, media_url: `${state.baseUrl()}${base}/Recordings/${sid}`,
      subresource_uris: { add_on_results: `${base}/Recordings/${sid}/AddOnResults.json`, transcriptions: `${base}/Recordings/${sid}/Transcriptions.json` },
    };
    const r = { resource, callback, startedAt: now };
    recordings.set(sid, r);
    return r;
  };

  shared.onAnswered.push((c) => {
    if (c.record) startRecording(c, 'OutboundAPI', c.recordingCallback);
  });
  shared.onEnded.push((c) => {
    for (const r of recordings.values()) {
      if (r.resource.call_sid !== c.resource.sid || r.resource.status !== 'in-progress') continue;
      const seconds = Math.max(1, Number(c.resource.duration) || 1);
      Object.assign(r.resource, { status: 'completed', duration: String(seconds), date_updated: rfc2822(Date.now()), price: (-0.0025 * Math.ceil(seconds / 60)).toFixed(5) });
      const target = r.callback ?? state.hubTarget;
      if (!target) continue;
      const params: TwilioParams = {
        AccountSid: state.accountSid, CallSid: c.resource.sid, RecordingSid: r.resource.sid, RecordingUrl: `${state.baseUrl()}${base}/Recordings/${r.resource.sid}`,
        RecordingStatus: 'completed', RecordingDuration: String(seconds), RecordingChannels: '1', RecordingStartTime: r.resource.start_time, RecordingSource: r.resource.source, RecordingTrack: 'both',
      };
      void state.callbacks.post(target, params, { chain: r.resource.sid });
    }
  });

  const page = (list: TwilioRecordingResource[], uri: string) => ({ recordings: list, end: Math.max(0, list.length - 1), first_page_uri: uri, next_page_uri: null, page: 0, page_size: 50, previous_page_uri: null, start: 0, uri });

  app.post<{ Params: { AccountSid: string; CallSid: string } }>('/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Recordings.json', { onRequest: state.authenticate }, async (req, reply) => {
    const c = shared.calls.get(req.params.CallSid);
    if (!c) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    if (c.resource.status !== 'in-progress') return state.fail(reply, 400, 21220, `Invalid call state for recording: the call is ${c.resource.status}, not in-progress`);
    const p = (req.body ?? {}) as TwilioParams;
    const callback = Array.isArray(p.RecordingStatusCallback) ? p.RecordingStatusCallback[0] : p.RecordingStatusCallback;
    reply.code(201);
    return { ...startRecording(c, 'StartCallRecordingAPI', callback).resource };
  });

  app.get<{ Params: { AccountSid: string; CallSid: string } }>('/2010-04-01/Accounts/:AccountSid/Calls/:CallSid/Recordings.json', { onRequest: state.authenticate }, async (req, reply) => {
    if (!shared.calls.has(req.params.CallSid)) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    const list = [...recordings.values()].map((r) => r.resource).filter((r) => r.call_sid === req.params.CallSid).reverse();
    return page(list, `${base}/Calls/${req.params.CallSid}/Recordings.json?PageSize=50&Page=0`);
  });

  app.get<{ Params: { AccountSid: string }; Querystring: { CallSid?: string } }>('/2010-04-01/Accounts/:AccountSid/Recordings.json', { onRequest: state.authenticate }, async (req) => {
    const list = [...recordings.values()].map((r) => r.resource).filter((r) => !req.query.CallSid || r.call_sid === req.query.CallSid).reverse();
    return page(list, `${base}/Recordings.json?PageSize=50&Page=0`);
  });

  /** `RE….json|.wav|.mp3|` (no extension: wav) → the recording and what was asked. */
  const fileOf = (file: string) => {
    const [, sid, ext = ''] = /^(RE[0-9a-f]{32})(?:\.(json|wav|mp3))?$/.exec(file) ?? [];
    return { r: sid ? recordings.get(sid) : undefined, ext };
  };
  const media = (r: EmulatedRecording, format: 'wav' | 'mp3') => (format === 'mp3' ? mp3Of : wavOf)(r.resource.sid, Math.max(1, Number(r.resource.duration) || 1));

  app.get<{ Params: { AccountSid: string; file: string } }>('/2010-04-01/Accounts/:AccountSid/Recordings/:file', { onRequest: state.authenticate }, async (req, reply) => {
    const { r, ext } = fileOf(req.params.file);
    if (!r) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    if (ext === 'json') return { ...r.resource };
    if (r.resource.status !== 'completed') return state.fail(reply, 404, 20404, `The recording ${r.resource.sid} is not completed yet`);
    const bytes = media(r, ext === 'mp3' ? 'mp3' : 'wav');
    return reply.type(ext === 'mp3' ? 'audio/mpeg' : 'audio/x-wav').header('content-length', bytes.length).send(bytes);
  });

  app.delete<{ Params: { AccountSid: string; file: string } }>('/2010-04-01/Accounts/:AccountSid/Recordings/:file', { onRequest: state.authenticate }, async (req, reply) => {
    const { r, ext } = fileOf(req.params.file);
    if (!r || ext !== 'json') return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    recordings.delete(r.resource.sid);
    return reply.code(204).send();
  });

  return {
    recordings,
    recordingMedia(sid, format) {
      const r = recordings.get(sid);
      if (!r) throw new Error(`no recording ${sid}`);
      return media(r, format);
    },
  };
}
