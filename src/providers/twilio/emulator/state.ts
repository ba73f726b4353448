/**
 * What every part of the Twilio emulator shares (messaging, Verify, voice): the account and its
 * Auth Token, Twilio's ids, dates and error answers, HTTP basic auth on the account's routes, the
 * chaos knobs and signed callbacks (`X-Twilio-Signature`) posted to any URL.
 */
import { randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Agent, request } from 'undici';
import type { ChaosSettings, EmulatorOptions } from '../../../kit/emulator.js';
import { twilioSignature, type TwilioParams } from '../webhooks.js';

/** Twilio's error body. */
export interface TwilioErrorReply {
  code: number;
  message: string;
  more_info: string;
  status: number;
}

/**
 * A Twilio SID: two letters and 32 hex digits (`SM…` messages, `CA…` calls, `VE…` verifications).
 *
 * @example
 * twilioSid('SM') // 'SM3f9c…' (34 characters)
 */
export function twilioSid(prefix: string): string {
  return `${prefix}${randomBytes(16).toString('hex')}`;
}

/**
 * Dates as the 2010-04-01 API writes them (RFC 2822): `Thu, 04 Dec 2026 20:41:07 +0000`.
 *
 * @example
 * rfc2822(0) // 'Thu, 01 Jan 1970 00:00:00 +0000'
 */
export function rfc2822(ms: number): string {
  return new Date(ms).toUTCString().replace(/GMT$/, '+0000');
}

/** Twilio's error body for `code` (`more_info` links its page). */
export function twilioError(status: number, code: number, message: string): TwilioErrorReply {
  return { code, message, more_info: `https://www.twilio.com/docs/errors/${code}`, status };
}

/**
 * Signed callbacks to any URL, as Twilio posts them: form-encoded, `X-Twilio-Signature` over the
 * URL and the sorted parameters with the account's Auth Token, a few retries when the receiver
 * fails. Posts of one `chain` go in order (a message's queued → sent → delivered).
 */
export class SignedCallbacks {
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16, headersTimeout: 5000, bodyTimeout: 5000 });
  private closed = false;
  /** Every post made (tests): url, params, the receiver's status (0: not reached). */
  readonly log: { url: string; params: TwilioParams; status: number }[] = [];

  constructor(private readonly authToken: () => string) {}

  /**
   * Post `params` to `url` after `delayMs`, after the previous post of the same `chain`. Resolves
   * with the receiver's status and body (the TwiML of an incoming message's answer).
   */
  post(url: string, params: TwilioParams, options: { delayMs?: number; chain?: string } = {}): Promise<{ status: number; body: string }> {
    const previous = options.chain ? this.chains.get(options.chain) : undefined;
    const run = (async () => {
      await previous?.catch(() => undefined);
      if (options.delayMs) await new Promise((r) => setTimeout(r, options.delayMs));
      const body = new URLSearchParams();
      for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) body.append(k, one);
      const entry = { url, params, status: 0 };
      this.log.push(entry);
      for (let attempt = 0; attempt < 3 && !this.closed; attempt++) {
        try {
          const res = await request(url, {
            method: 'POST',
            dispatcher: this.agent,
            headers: {
              'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
              'x-twilio-signature': twilioSignature(this.authToken(), url, params),
              'i-twilio-idempotency-token': randomBytes(16).toString('hex'),
              'user-agent': 'TwilioProxy/1.1',
            },
            body: body.toString(),
          });
          const text = await res.body.text();
          entry.status = res.statusCode;
          if (res.statusCode < 500) return { status: res.statusCode, body: text };
        } catch {
          // the receiver may be restarting; try again
        }
        await new Promise((r) => setTimeout(r, 100 * (attempt + 1)));
      }
      return { status: entry.status, body: '' };
    })();
    this.inFlight.add(run);
    if (options.chain) this.chains.set(options.chain, run);
    void run.finally(() => {
      this.inFlight.delete(run);
      if (options.chain && this.chains.get(options.chain) === run) this.chains.delete(options.chain);
    });
    return run;
  }

  /** Resolves once every post scheduled so far (and those they chain) was delivered or given up. */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.agent.close().catch(() => undefined);
  }
}

/** One API request the emulator answered, as the spec-conformance tests read it. */
export interface EmulatedExchange {
  method: string;
  /** The route's pattern (`/2010-04-01/Accounts/:AccountSid/Messages.json`). */
  route: string;
  /** Parsed form parameters (or query for a GET). */
  params: TwilioParams;
  status: number;
  /** The answer's text. */
  answer: string;
}

/** The state every route module of the emulator receives. */
export interface TwilioEmulatorState {
  readonly accountSid: string;
  readonly authToken: string;
  /** The account's phone number (SMS and voice) and its WhatsApp sender, E.164. */
  readonly phoneNumber: string;
  readonly whatsappNumber: string;
  /** The emulator's base URL (set once it listens). */
  baseUrl(): string;
  /**
   * The hub's webhook URL (`…/webhooks/twilio`), set by the hub in sandbox mode: where incoming
   * messages and calls go (a number's SmsUrl / VoiceUrl), and status callbacks of requests that
   * name none (as a Messaging Service's status callback would).
   */
  hubTarget: string | undefined;
  readonly options: EmulatorOptions;
  readonly chaos: ChaosSettings;
  readonly callbacks: SignedCallbacks;
  /** Every object accepted (messages, verifications, calls), newest last. */
  readonly accepted: unknown[];
  /** The last 1,000 API requests and answers (spec-conformance tests), oldest first. */
  readonly requests: EmulatedExchange[];
  /** `onRequest` hook: HTTP basic auth with the account SID and Auth Token, and the URL's AccountSid; Twilio's 20003 otherwise. */
  authenticate(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Answer Twilio's error body. */
  fail(reply: FastifyReply, status: number, code: number, message: string): FastifyReply;
}

/**
 * One part of the emulator (messaging, Verify, voice): registers its routes on the shared app and
 * may answer controls merged into the returned emulator object (`{ receiveMessage }`).
 */
export type TwilioEmulatorPart = (app: FastifyInstance, state: TwilioEmulatorState) => object | void;
