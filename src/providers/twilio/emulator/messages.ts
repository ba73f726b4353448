/**
 * The Programmable Messaging part of the Twilio emulator (SMS, MMS, WhatsApp) on the 2010-04-01
 * API: `POST /2010-04-01/Accounts/{AccountSid}/Messages.json` (form-encoded, Twilio's
 * validation and error codes), `GET …/Messages/{Sid}.json`, `GET …/Messages.json`; status
 * callbacks (queued → sent → delivered, then read on WhatsApp, or undelivered for a number marked so) signed as Twilio
 * signs them; incoming messages posted to the hub with Twilio's parameters; Twilio's default
 * opt-out keywords (STOP … → later sends answer 21610; START … lifts it).
 *
 * Test controls: `POST /__emulator/incoming` `{ From, Body, To?, MediaUrl? }` posts an incoming
 * message and answers what the hub answered; `POST /__emulator/undeliverable` `{ number }`;
 * `POST /__emulator/callbacks` `{ enabled }`; `GET /__emulator/messages`.
 *
 * @see https://www.twilio.com/docs/messaging/api/message-resource
 * @see https://www.twilio.com/docs/messaging/guides/track-outbound-message-status
 */
import type { FastifyInstance } from 'fastify';
import { countSegments } from '../../../categories/sms/segments.js';
import { dropIfChaos } from '../../emulator-kit.js';
import type { TwilioParams } from '../webhooks.js';
import { rfc2822, twilioSid, type TwilioEmulatorPart, type TwilioEmulatorState } from './state.js';

/** A message as the API answers it. */
export interface TwilioMessageResource {
  account_sid: string;
  api_version: '2010-04-01';
  body: string;
  date_created: string;
  date_sent: string | null;
  date_updated: string;
  direction: 'inbound' | 'outbound-api';
  error_code: number | null;
  error_message: string | null;
  from: string;
  messaging_service_sid: string | null;
  num_media: string;
  num_segments: string;
  price: string | null;
  price_unit: string;
  sid: string;
  status: string;
  subresource_uris: { media: string; feedback: string };
  to: string;
  uri: string;
}

/** A message the emulator accepted: its resource plus what the request said. */
export interface EmulatedMessage {
  resource: TwilioMessageResource;
  statusCallback?: string;
  mediaUrls: string[];
  contentSid?: string;
  contentVariables?: Record<string, string>;
}

/** The controls the messaging part adds to the emulator. */
export interface TwilioMessagingControls {
  /** Messages sent and received, by SID. */
  readonly messages: Map<string, EmulatedMessage>;
  /** Post an incoming message to the hub, as a number's SmsUrl; resolves with the hub's answer. */
  receiveMessage(input: { from: string; body: string; to?: string; mediaUrls?: string[] }): Promise<{ status: number; body: string; sid: string }>;
  /** Later messages to `number` end `undelivered` (30003); `false` lifts it. */
  setUndeliverable(number: string, undeliverable?: boolean): void;
  /** Numbers that replied STOP to a sender, as `from|to` pairs. */
  readonly optedOut: Set<string>;
  /** Status callbacks on or off (a bulk test without 3,000 callbacks). */
  setStatusCallbacks(enabled: boolean): void;
}

const E164 = /^\+[1-9]\d{6,14}$/;
const ALPHANUMERIC = /^(?=.*[A-Za-z])[A-Za-z0-9 ]{1,11}$/;
/** Twilio's magic test numbers that fail the same way everywhere. */
const INVALID_NUMBERS = new Set(['+15005550001']);
const NOT_MOBILE = new Set(['+15005550009']);
const STOP_WORDS = new Set(['STOP', 'STOPALL', 'UNSUBSCRIBE', 'CANCEL', 'END', 'QUIT']);
const START_WORDS = new Set(['START', 'YES', 'UNSTOP']);
const HELP_WORDS = new Set(['HELP', 'INFO']);

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** `whatsapp:+1…` → `['whatsapp', '+1…']`. */
function channelOf(address: string): ['sms' | 'whatsapp', string] {
  return /^whatsapp:/i.test(address) ? ['whatsapp', address.slice(9)] : ['sms', address];
}

export const messagingPart: TwilioEmulatorPart = (app: FastifyInstance, state: TwilioEmulatorState): TwilioMessagingControls => {
  const messages = new Map<string, EmulatedMessage>();
  const undeliverable = new Set<string>();
  const optedOut = new Set<string>();
  let callbacksOn = true;
  const base = `/2010-04-01/Accounts/${state.accountSid}`;
  const delay = state.options.eventDelayMs ?? 20;

  const resourceUri = (sid: string) => `${base}/Messages/${sid}.json`;

  const setStatus = (m: EmulatedMessage, status: string, error?: { code: number; message: string }) => {
    const now = Date.now();
    m.resource.status = status;
    m.resource.date_updated = rfc2822(now);
    if (status === 'sent' || status === 'delivered') m.resource.date_sent ??= rfc2822(now);
    if (error) Object.assign(m.resource, { error_code: error.code, error_message: error.message });
  };

  /** Walk a message through its statuses, posting a signed callback at each step. */
  const advance = (m: EmulatedMessage) => {
    const [, to] = channelOf(m.resource.to);
    const fails = undeliverable.has(to);
    const steps: [string, { code: number; message: string }?][] = [['queued'], ['sent'], fails ? ['undelivered', { code: 30003, message: 'Unreachable destination handset' }] : ['delivered']];
    // WhatsApp reports when the recipient read the message.
    if (!fails && channelOf(m.resource.to)[0] === 'whatsapp') steps.push(['read']);
    const target = m.statusCallback ?? state.hubTarget;
    for (const [status, error] of steps) {
      const params: TwilioParams = {
        AccountSid: state.accountSid,
        ApiVersion: '2010-04-01',
        From: m.resource.from,
        MessageSid: m.resource.sid,
        MessageStatus: status,
        SmsSid: m.resource.sid,
        SmsStatus: status,
        To: m.resource.to,
        ...(m.resource.messaging_service_sid ? { MessagingServiceSid: m.resource.messaging_service_sid } : {}),
        ...(error ? { ErrorCode: String(error.code), ErrorMessage: error.message } : {}),
      };
      // The status changes when its callback goes out, so a GET between two callbacks sees the first.
      if (target && callbacksOn) {
        void state.callbacks.post(target, params, { delayMs: delay, chain: m.resource.sid }).then(() => setStatus(m, status, error));
      } else {
        setTimeout(() => setStatus(m, status, error), delay).unref();
      }
    }
  };

  app.post<{ Params: { AccountSid: string } }>('/2010-04-01/Accounts/:AccountSid/Messages.json', { onRequest: state.authenticate }, async (req, reply) => {
    const p = (req.body ?? {}) as TwilioParams;
    const to = one(p.To)?.trim();
    const from = one(p.From)?.trim();
    const service = one(p.MessagingServiceSid)?.trim();
    const body = one(p.Body) ?? '';
    const mediaUrls = many(p.MediaUrl);
    const contentSid = one(p.ContentSid);
    const statusCallback = one(p.StatusCallback);
    if (!to) return state.fail(reply, 400, 21604, "A 'To' phone number is required.");
    if (!from && !service) return state.fail(reply, 400, 21603, "A 'From' phone number is required.");
    const [toChannel, toNumber] = channelOf(to);
    const [fromChannel, fromNumber] = from ? channelOf(from) : [toChannel, ''];
    if (!E164.test(toNumber) || INVALID_NUMBERS.has(toNumber)) return state.fail(reply, 400, 21211, `The 'To' number ${to} is not a valid phone number.`);
    if (NOT_MOBILE.has(toNumber)) return state.fail(reply, 400, 21614, `'To' number ${to} is not a valid mobile number`);
    if (from && toChannel !== fromChannel) return state.fail(reply, 400, 21910, 'Invalid From and To pair. From and To should be of the same channel');
    // The emulated account owns every well-formed number (a sandbox hub keeps the TWILIO_PHONE_NUMBER
    // and TWILIO_WHATSAPP_NUMBER it was given); a malformed sender is refused as Twilio does.
    if (from && fromChannel === 'whatsapp' && !E164.test(fromNumber)) {
      return state.fail(reply, 400, 63007, `Twilio could not find a Channel with the specified From address: ${from}`);
    }
    if (from && fromChannel === 'sms' && !E164.test(fromNumber) && !ALPHANUMERIC.test(fromNumber)) {
      return state.fail(reply, 400, 21606, `The From phone number ${from} is not a valid, SMS-capable inbound phone number or short code for your account.`);
    }
    if (service && !/^MG[0-9a-f]{32}$/i.test(service)) return state.fail(reply, 400, 21701, `The Messaging Service Sid ${service} is invalid.`);
    if (!body && mediaUrls.length === 0 && !contentSid) return state.fail(reply, 400, 21602, 'Message body is required.');
    if ([...body].length > 1600) return state.fail(reply, 400, 21617, 'The concatenated message body exceeds the 1600 character limit.');
    if (mediaUrls.length > 10) return state.fail(reply, 400, 21623, 'Number of media files exceeds allowed limit (10).');
    for (const u of mediaUrls) if (!/^https?:\/\//i.test(u)) return state.fail(reply, 400, 21620, `Invalid media URL(s): ${u}`);
    if (statusCallback && !/^https?:\/\/[^\s]+$/i.test(statusCallback)) return state.fail(reply, 400, 21609, `Invalid StatusCallback url: ${statusCallback}`);
    let contentVariables: Record<string, string> | undefined;
    if (contentSid) {
      if (!/^HX[0-9a-f]{32}$/i.test(contentSid)) return state.fail(reply, 400, 21655, `The ContentSid is invalid: ${contentSid}`);
      try {
        contentVariables = p.ContentVariables ? (JSON.parse(one(p.ContentVariables)!) as Record<string, string>) : undefined;
      } catch {
        return state.fail(reply, 400, 21656, 'The ContentVariables parameter is invalid: it must be a JSON object.');
      }
    }
    const sendAt = one(p.SendAt);
    if (sendAt && (one(p.ScheduleType) !== 'fixed' || !service)) {
      return state.fail(reply, 400, 35111, 'Scheduling a message requires ScheduleType=fixed and a MessagingServiceSid.');
    }
    if (optedOut.has(`${from ?? service}|${to}`) || optedOut.has(`*|${to}`)) return state.fail(reply, 400, 21610, 'Attempt to send to unsubscribed recipient');

    const now = Date.now();
    const sid = twilioSid('SM');
    const text = body || (contentSid ? `[template ${contentSid}]` : '');
    const segments = toChannel === 'whatsapp' ? 1 : Math.max(1, countSegments(body).segments);
    const resource: TwilioMessageResource = {
      account_sid: state.accountSid,
      api_version: '2010-04-01',
      body: text,
      date_created: rfc2822(now),
      date_sent: null,
      date_updated: rfc2822(now),
      direction: 'outbound-api',
      error_code: null,
      error_message: null,
      from: from ?? (toChannel === 'whatsapp' ? `whatsapp:${state.whatsappNumber}` : state.phoneNumber),
      messaging_service_sid: service ?? null,
      num_media: String(mediaUrls.length),
      num_segments: String(segments),
      price: null,
      price_unit: 'USD',
      sid,
      status: sendAt ? 'scheduled' : service ? 'accepted' : 'queued',
      subresource_uris: { media: `${base}/Messages/${sid}/Media.json`, feedback: `${base}/Messages/${sid}/Feedback.json` },
      to,
      uri: resourceUri(sid),
    };
    const message: EmulatedMessage = { resource, mediaUrls, ...(statusCallback ? { statusCallback } : {}), ...(contentSid ? { contentSid } : {}), ...(contentVariables ? { contentVariables } : {}) };
    messages.set(sid, message);
    state.accepted.push(message);
    if (!sendAt) advance(message);
    if (dropIfChaos(state.chaos, reply)) return reply;
    return reply.code(201).send({ ...resource });
  });

  app.get<{ Params: { AccountSid: string; Sid: string } }>('/2010-04-01/Accounts/:AccountSid/Messages/:Sid.json', { onRequest: state.authenticate }, async (req, reply) => {
    const m = messages.get(req.params.Sid);
    if (!m) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return { ...m.resource };
  });

  app.get<{ Params: { AccountSid: string }; Querystring: { To?: string; From?: string; PageSize?: string } }>('/2010-04-01/Accounts/:AccountSid/Messages.json', { onRequest: state.authenticate }, async (req) => {
    const size = Math.min(1000, Math.max(1, Number(req.query.PageSize) || 50));
    const list = [...messages.values()]
      .map((m) => m.resource)
      .filter((r) => (!req.query.To || r.to === req.query.To) && (!req.query.From || r.from === req.query.From))
      .reverse()
      .slice(0, size);
    const uri = `${base}/Messages.json?PageSize=${size}&Page=0`;
    return { messages: list, end: list.length === 0 ? 0 : list.length - 1, first_page_uri: uri, next_page_uri: null, page: 0, page_size: size, previous_page_uri: null, start: 0, uri };
  });

  const receiveMessage: TwilioMessagingControls['receiveMessage'] = async (input) => {
    const to = input.to ?? state.phoneNumber;
    const [channel] = channelOf(to);
    const sid = twilioSid('SM');
    const now = Date.now();
    const mediaUrls = input.mediaUrls ?? [];
    const word = input.body.trim().toUpperCase();
    const optOutType = STOP_WORDS.has(word) ? 'STOP' : START_WORDS.has(word) ? 'START' : HELP_WORDS.has(word) ? 'HELP' : undefined;
    if (optOutType === 'STOP') optedOut.add(`${to}|${input.from}`);
    if (optOutType === 'START') optedOut.delete(`${to}|${input.from}`);
    const resource: TwilioMessageResource = {
      account_sid: state.accountSid, api_version: '2010-04-01', body: input.body, date_created: rfc2822(now), date_sent: rfc2822(now), date_updated: rfc2822(now),
      direction: 'inbound', error_code: null, error_message: null, from: input.from, messaging_service_sid: null, num_media: String(mediaUrls.length),
      num_segments: String(Math.max(1, countSegments(input.body).segments)), price: null, price_unit: 'USD', sid, status: 'received',
      subresource_uris: { media: `${base}/Messages/${sid}/Media.json`, feedback: `${base}/Messages/${sid}/Feedback.json` }, to, uri: resourceUri(sid),
    };
    messages.set(sid, { resource, mediaUrls });
    const params: TwilioParams = {
      ToCountry: 'US', ToState: 'CA', SmsMessageSid: sid, NumMedia: String(mediaUrls.length), ToCity: '', FromZip: '', SmsSid: sid, FromState: '', SmsStatus: 'received',
      FromCity: '', Body: input.body, FromCountry: 'US', To: to, ToZip: '', NumSegments: resource.num_segments, MessageSid: sid, AccountSid: state.accountSid, From: input.from,
      ApiVersion: '2010-04-01',
      ...(optOutType && channel === 'sms' ? { OptOutType: optOutType } : {}),
    };
    mediaUrls.forEach((u, i) => {
      params[`MediaUrl${i}`] = u;
      params[`MediaContentType${i}`] = 'image/jpeg';
    });
    if (!state.hubTarget) return { status: 0, body: '', sid };
    const answer = await state.callbacks.post(state.hubTarget, params);
    return { ...answer, sid };
  };

  app.get('/__emulator/messages', async () => ({ messages: [...messages.values()] }));
  app.post<{ Body: { From?: string; Body?: string; To?: string; MediaUrl?: string[] } }>('/__emulator/incoming', async (req, reply) => {
    const b = req.body ?? {};
    if (!b.From) return reply.code(400).send({ message: 'From is required' });
    return receiveMessage({ from: b.From, body: b.Body ?? '', ...(b.To ? { to: b.To } : {}), ...(b.MediaUrl ? { mediaUrls: b.MediaUrl } : {}) });
  });
  app.post<{ Body: { number?: string; undeliverable?: boolean } }>('/__emulator/undeliverable', async (req) => {
    const n = req.body?.number ?? '';
    if (req.body?.undeliverable === false) undeliverable.delete(n);
    else undeliverable.add(n);
    return { undeliverable: [...undeliverable] };
  });
  app.post<{ Body: { enabled?: boolean } }>('/__emulator/callbacks', async (req) => {
    callbacksOn = req.body?.enabled !== false;
    return { enabled: callbacksOn };
  });

  return {
    messages,
    receiveMessage,
    optedOut,
    setUndeliverable(number, on = true) {
      if (on) undeliverable.add(number);
      else undeliverable.delete(number);
    },
    setStatusCallbacks(enabled) {
      callbacksOn = enabled;
    },
  };
};
