/**
 * Calls in the Twilio emulator (2010-04-01): create (form-encoded `To`, `From`, `Url` or `Twiml`,
 * `StatusCallback`, `StatusCallbackEvent`, `Record`, `Timeout`), list with Twilio's filters
 * (`To`, `From`, `Status`, `StartTime`, `StartTime>`, `StartTime<`, `ParentCallSid`) and paging
 * (`PageSize`, `PageToken`, `next_page_uri`), fetch, and update (`Status=completed|canceled`).
 *
 * A call lives as Twilio's do: queued → initiated → ringing → in-progress (its TwiML is run: the
 * `Twiml` given, or the answer of a signed POST to `Url`; a `<Dial><Number>` starts a child leg
 * shown `callerId`) → completed with a duration and a price, or busy / no-answer / failed for a
 * number told so (`setCallOutcome`). Each step the call asked for (`StatusCallbackEvent`; by
 * default only `completed`) is posted, signed as Twilio signs, to `StatusCallback` — or, in the
 * sandbox, to the hub's webhook URL — in order.
 *
 * @see https://www.twilio.com/docs/voice/api/call-resource
 */
import type { FastifyInstance } from 'fastify';
import { dropIfChaos } from '../../emulator-kit.js';
import type { TwilioCallResource, TwilioCallStatus } from '../voice-resources.js';
import type { TwilioParams } from '../webhooks.js';
import { twimlStep } from './calls-twiml.js';
import { rfc2822, twilioSid, type TwilioEmulatorState } from './state.js';

/** Price per started minute of an outbound call, as Twilio's US rate. */
const PRICE_PER_MINUTE = 0.014;
const E164 = /^\+[1-9]\d{6,14}$/;
/** A caller ID the emulated account does not own (Twilio's test number "not owned by your account"). */
export const UNVERIFIED_CALLER_ID = '+15005550007';
const TERMINAL = new Set<TwilioCallStatus>(['completed', 'busy', 'failed', 'no-answer', 'canceled']);

export type CallOutcome = 'answer' | 'busy' | 'no-answer' | 'failed';

/** A call the emulator holds: its resource and what the create asked. */
export interface EmulatedCall {
  resource: TwilioCallResource;
  statusCallback?: string;
  events: Set<string>;
  twiml?: string;
  url?: string;
  record: boolean;
  recordingCallback?: string;
  answeredAt?: number;
  /** The action URL of the `<Gather>` the call waits at, if any (`pressDigits`). */
  gather?: string;
  /** Set by a hang-up control: the duration the call is said to have lasted. */
  heldSec?: number;
  /** The call's steps, in order. */
  progress: Promise<void>;
}

/** What the calls routes share with the recordings routes. */
export interface CallsState {
  readonly calls: Map<string, EmulatedCall>;
  /** Called when a call is answered (recordings start) and when it ends (recordings complete). */
  onAnswered: ((call: EmulatedCall) => void)[];
  onEnded: ((call: EmulatedCall) => void)[];
}

/** The controls the calls part adds to the emulator. */
export interface TwilioCallControls {
  readonly calls: Map<string, EmulatedCall>;
  /** Calls to `number` end so (`answer` lifts it). */
  setCallOutcome(number: string, outcome: CallOutcome): void;
  /** Calls from `number` are refused with 21210 (not verified for the account) unless `verified`. */
  setCallerIdVerified(number: string, verified: boolean): void;
  /** Hang up an answered call as if it lasted `durationSec`; resolves once its callbacks are posted. */
  hangUp(sid: string, durationSec?: number): Promise<TwilioCallResource>;
  /** Resolves once the call's steps so far are done (its status settled for now). */
  settled(sid: string): Promise<TwilioCallResource>;
  /** The caller presses `digits` at the `<Gather>` the call waits at; resolves with the TwiML the application answered. */
  pressDigits(sid: string, digits: string): Promise<string>;
}

const one = (v: string | string[] | undefined): string | undefined => (Array.isArray(v) ? v[v.length - 1] : v);
const many = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export function callsPart(app: FastifyInstance, state: TwilioEmulatorState, shared: CallsState): TwilioCallControls {
  const { calls } = shared;
  const outcomes = new Map<string, CallOutcome>();
  const unverified = new Set<string>([UNVERIFIED_CALLER_ID]);
  const base = `/2010-04-01/Accounts/${state.accountSid}`;
  const delay = () => state.options.eventDelayMs ?? 20;
  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

  const newCall = (p: { to: string; from: string; direction: TwilioCallResource['direction']; parent?: string }): TwilioCallResource => {
    const sid = twilioSid('CA');
    const now = rfc2822(Date.now());
    return {
      account_sid: state.accountSid, annotation: null, answered_by: null, api_version: '2010-04-01', caller_name: null, date_created: now, date_updated: now,
      direction: p.direction, duration: null, end_time: null, forwarded_from: null, from: p.from, from_formatted: p.from, group_sid: null,
      parent_call_sid: p.parent ?? null, phone_number_sid: p.direction === 'outbound-api' ? `PN${state.accountSid.slice(2)}` : null, price: null, price_unit: 'USD',
      queue_time: '0', sid, start_time: null, status: 'queued',
      subresource_uris: { recordings: `${base}/Calls/${sid}/Recordings.json`, notifications: `${base}/Calls/${sid}/Notifications.json`, events: `${base}/Calls/${sid}/Events.json` },
      to: p.to, to_formatted: p.to, trunk_sid: null, uri: `${base}/Calls/${sid}.json`,
    };
  };

  /** The parameters of a call's requests (callbacks, its Url). */
  const paramsOf = (c: EmulatedCall, extra: TwilioParams = {}): TwilioParams => ({
    AccountSid: state.accountSid, ApiVersion: '2010-04-01', CallSid: c.resource.sid, CallStatus: c.resource.status, Called: c.resource.to, Caller: c.resource.from,
    Direction: c.resource.direction, From: c.resource.from, To: c.resource.to, ...(c.resource.parent_call_sid ? { ParentCallSid: c.resource.parent_call_sid } : {}), ...extra,
  });

  let sequence = 0;
  /** Set the status (and its times); post the callback the call asked for. */
  const step = async (c: EmulatedCall, status: TwilioCallStatus, event: string): Promise<void> => {
    const now = Date.now();
    const r = c.resource;
    if (TERMINAL.has(r.status)) return;
    // `initiated` is a callback's word only: the resource stays `queued` until it rings.
    r.status = status === 'initiated' ? 'queued' : status;
    r.date_updated = rfc2822(now);
    if (status === 'initiated') r.start_time = rfc2822(now);
    if (status === 'in-progress') c.answeredAt = now;
    if (TERMINAL.has(status)) {
      const seconds = c.answeredAt === undefined ? 0 : (c.heldSec ?? Math.max(1, Math.ceil((now - c.answeredAt) / 1000)));
      r.end_time = rfc2822(c.answeredAt === undefined ? now : c.answeredAt + seconds * 1000);
      r.duration = String(seconds);
      r.price = seconds === 0 ? '0.00000' : (-PRICE_PER_MINUTE * Math.ceil(seconds / 60)).toFixed(5);
      for (const f of shared.onEnded) f(c);
      for (const child of calls.values()) if (child.resource.parent_call_sid === r.sid && !TERMINAL.has(child.resource.status)) void end(child, 'completed', c.heldSec);
    }
    const target = c.statusCallback ?? (r.direction === 'outbound-api' ? state.hubTarget : undefined);
    if (target && c.events.has(event)) {
      const extra: TwilioParams = { Timestamp: rfc2822(now), SequenceNumber: String(sequence++), CallbackSource: 'call-progress-events' };
      if (TERMINAL.has(status)) Object.assign(extra, { CallDuration: r.duration ?? '0', Duration: String(Math.ceil(Number(r.duration ?? 0) / 60)) });
      await state.callbacks.post(target, paramsOf(c, { CallStatus: status, ...extra }), { chain: r.sid });
    }
  };

  const end = (c: EmulatedCall, status: TwilioCallStatus, heldSec?: number): Promise<void> => {
    if (heldSec !== undefined) c.heldSec = heldSec;
    c.progress = c.progress.then(() => step(c, status, 'completed'));
    return c.progress;
  };

  /** A child leg of `c` to `number` (a `<Dial>`): it rings and answers, or ends so and the parent hangs up. */
  const dialLeg = async (c: EmulatedCall, number: string, callerId: string | undefined): Promise<void> => {
    const child: EmulatedCall = { resource: newCall({ to: number, from: callerId ?? c.resource.to, direction: 'outbound-dial', parent: c.resource.sid }), events: new Set(), record: false, progress: Promise.resolve() };
    calls.set(child.resource.sid, child);
    await step(child, 'initiated', 'initiated');
    await step(child, 'ringing', 'ringing');
    const outcome = outcomes.get(number) ?? 'answer';
    if (outcome === 'answer') await step(child, 'in-progress', 'answered');
    else {
      await step(child, outcome, 'completed');
      void end(c, 'completed');
    }
  };

  /**
   * Run TwiML on an answered call (fetched from `url` when not given): a `<Dial>` starts a child
   * leg, a `<Gather>` waits for `pressDigits`, a `<Redirect>` fetches the next document (signed, as
   * every request to the application), `<Hangup/>` or nothing more ends the call. At most 10
   * documents per run (a menu that redirects to itself waits for no one).
   */
  const runTwiml = async (c: EmulatedCall, twiml: string | undefined, url: string | undefined, extra: TwilioParams = {}): Promise<string> => {
    let doc = twiml;
    let at = url;
    let params = extra;
    for (let i = 0; i < 10; i++) {
      if (doc === undefined && at) doc = (await state.callbacks.post(at, paramsOf(c, params))).body;
      params = {};
      const next = twimlStep(doc);
      c.gather = undefined;
      if (next.verb === 'dial') await dialLeg(c, next.number, next.callerId);
      else if (next.verb === 'gather') c.gather = URL.canParse(next.action ?? at ?? '', at) ? new URL(next.action ?? at ?? '', at).toString() : undefined;
      else if (next.verb === 'hangup') void end(c, 'completed');
      else if (next.verb === 'redirect' && at !== undefined) {
        at = new URL(next.url, at).toString();
        doc = undefined;
        continue;
      }
      return doc ?? '';
    }
    return doc ?? '';
  };

  const start = (c: EmulatedCall) => {
    const outcome = outcomes.get(c.resource.to) ?? 'answer';
    const then = (f: () => Promise<void>) => (c.progress = c.progress.then(() => sleep(delay())).then(f));
    then(() => step(c, 'initiated', 'initiated'));
    then(() => step(c, 'ringing', 'ringing'));
    if (outcome !== 'answer') return then(() => step(c, outcome, 'completed'));
    then(async () => {
      await step(c, 'in-progress', 'answered');
      if (c.resource.status !== 'in-progress') return;
      for (const f of shared.onAnswered) f(c);
      await runTwiml(c, c.twiml, c.url);
    });
  };

  app.post<{ Params: { AccountSid: string } }>('/2010-04-01/Accounts/:AccountSid/Calls.json', { onRequest: state.authenticate }, async (req, reply) => {
    const p = (req.body ?? {}) as TwilioParams;
    const to = one(p.To)?.trim();
    const from = one(p.From)?.trim();
    if (!to) return state.fail(reply, 400, 21201, "No 'To' number is specified");
    if (!from) return state.fail(reply, 400, 21213, "No 'From' number is specified");
    if (!E164.test(to)) return state.fail(reply, 400, 21211, `Invalid 'To' Phone Number: ${to}`);
    // The emulated account owns every well-formed number (a sandbox hub keeps the TWILIO_PHONE_NUMBER
    // it was given) but those marked not verified (+15005550007 from the start, as Twilio's test number).
    if (!E164.test(from)) return state.fail(reply, 400, 21212, `Invalid Caller Id: ${from} is not a valid phone number.`);
    if (unverified.has(from)) return state.fail(reply, 400, 21210, `The source phone number provided, ${from}, is not yet verified for your account. You may only make calls from phone numbers that you've verified or purchased from Twilio.`);
    const twiml = one(p.Twiml);
    const url = one(p.Url);
    if (!twiml && !url && !one(p.ApplicationSid)) return state.fail(reply, 400, 21205, 'Url parameter is required.');
    if (url && !/^https?:\/\//.test(url)) return state.fail(reply, 400, 21205, `Url is not a valid URL: ${url}`);
    const events = many(p.StatusCallbackEvent).flatMap((e) => e.split(/[\s,]+/)).filter(Boolean);
    const record = /^true$/i.test(one(p.Record) ?? '');
    const c: EmulatedCall = {
      resource: newCall({ to, from, direction: 'outbound-api' }), statusCallback: one(p.StatusCallback), events: new Set([...events, 'completed']), twiml, url, record,
      recordingCallback: one(p.RecordingStatusCallback), progress: Promise.resolve(),
    };
    calls.set(c.resource.sid, c);
    state.accepted.push(c.resource);
    start(c);
    if (dropIfChaos(state.chaos, reply)) return reply;
    reply.code(201);
    return { ...c.resource };
  });

  const FILTERS: [string, (r: TwilioCallResource, v: string) => boolean][] = [
    ['To', (r, v) => r.to === v],
    ['From', (r, v) => r.from === v],
    ['Status', (r, v) => r.status === v],
    ['ParentCallSid', (r, v) => r.parent_call_sid === v],
    ['StartTime', (r, v) => !!r.start_time && new Date(r.start_time).toISOString().slice(0, 10) === v.slice(0, 10)],
    ['StartTime>', (r, v) => !!r.start_time && Date.parse(r.start_time) >= Date.parse(v)],
    ['StartTime<', (r, v) => !!r.start_time && Date.parse(r.start_time) <= Date.parse(v)],
  ];

  app.get<{ Params: { AccountSid: string }; Querystring: Record<string, string> }>('/2010-04-01/Accounts/:AccountSid/Calls.json', { onRequest: state.authenticate }, async (req) => {
    const q = req.query;
    const size = Math.min(1000, Math.max(1, Number(q.PageSize) || 50));
    const page = Math.max(0, Number(q.Page) || 0);
    let list = [...calls.values()].map((c) => c.resource).reverse();
    for (const [name, test] of FILTERS) if (q[name]) list = list.filter((r) => test(r, q[name]!));
    // PageToken names the last call of the previous page: `PA` + its sid.
    const after = q.PageToken?.startsWith('PA') ? q.PageToken.slice(2) : undefined;
    const from = after ? list.findIndex((r) => r.sid === after) + 1 : 0;
    const data = list.slice(from, from + size);
    const filters = new URLSearchParams();
    for (const [name] of FILTERS) if (q[name]) filters.set(name, q[name]!);
    const uri = (p: number, token?: string) => {
      const u = new URLSearchParams(filters);
      u.set('PageSize', String(size));
      u.set('Page', String(p));
      if (token) u.set('PageToken', token);
      return `${base}/Calls.json?${u.toString()}`;
    };
    const more = from + size < list.length;
    return {
      calls: data, end: from + Math.max(0, data.length - 1), first_page_uri: uri(0), next_page_uri: more ? uri(page + 1, `PA${data.at(-1)!.sid}`) : null,
      page, page_size: size, previous_page_uri: page > 0 ? uri(page - 1) : null, start: from, uri: uri(page, q.PageToken),
    };
  });

  /** `CA….json` → the call, or a 404 answered. */
  const callOf = (file: string) => calls.get(file.replace(/\.json$/, ''));

  app.get<{ Params: { AccountSid: string; file: string } }>('/2010-04-01/Accounts/:AccountSid/Calls/:file', { onRequest: state.authenticate }, async (req, reply) => {
    const c = req.params.file.endsWith('.json') ? callOf(req.params.file) : undefined;
    if (!c) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    return { ...c.resource };
  });

  app.post<{ Params: { AccountSid: string; file: string } }>('/2010-04-01/Accounts/:AccountSid/Calls/:file', { onRequest: state.authenticate }, async (req, reply) => {
    const c = req.params.file.endsWith('.json') ? callOf(req.params.file) : undefined;
    if (!c) return state.fail(reply, 404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`);
    const p = (req.body ?? {}) as TwilioParams;
    const status = one(p.Status);
    if (status && status !== 'completed' && status !== 'canceled') return state.fail(reply, 400, 21218, `Invalid Status: ${status}; use completed or canceled`);
    if (status && !TERMINAL.has(c.resource.status)) {
      // Ending a call not answered yet cancels it; a hang-up ends an answered one.
      await end(c, c.resource.status === 'in-progress' ? 'completed' : 'canceled');
    }
    return { ...c.resource };
  });

  app.post<{ Body: { number?: string; outcome?: CallOutcome } }>('/__emulator/calls/outcome', async (req) => {
    outcomes.set(String(req.body.number), req.body.outcome ?? 'answer');
    return { ok: true };
  });

  return {
    calls,
    setCallOutcome(number, outcome) {
      if (outcome === 'answer') outcomes.delete(number);
      else outcomes.set(number, outcome);
    },
    setCallerIdVerified(number, verified) {
      if (verified) unverified.delete(number);
      else unverified.add(number);
    },
    async hangUp(sid, durationSec) {
      const c = calls.get(sid);
      if (!c) throw new Error(`no call ${sid}`);
      await c.progress;
      await end(c, c.resource.status === 'in-progress' ? 'completed' : 'canceled', durationSec);
      return { ...c.resource };
    },
    async pressDigits(sid, digits) {
      const c = calls.get(sid);
      if (!c) throw new Error(`no call ${sid}`);
      await c.progress;
      const action = c.gather;
      if (!action || c.resource.status !== 'in-progress') throw new Error(`call ${sid} waits at no <Gather> (status ${c.resource.status})`);
      const run = c.progress.then(() => runTwiml(c, undefined, action, { Digits: digits }));
      c.progress = run.then(() => undefined);
      return run;
    },
    async settled(sid) {
      const c = calls.get(sid);
      if (!c) throw new Error(`no call ${sid}`);
      await c.progress;
      return { ...c.resource };
    },
  };
}
