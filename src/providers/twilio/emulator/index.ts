/**
 * The Twilio emulator: one local server for every Twilio product the hub uses, each a part
 * registered on the shared app with the shared state (account, Auth Token, signed callbacks,
 * chaos): messaging (`messages.ts`) and Verify v2 (`verify.ts`).
 *
 * WHERE VOICE PLUGS IN: add the voice part(s) to {@link TWILIO_EMULATOR_PARTS} below (one entry
 * each, `(app, state) => controls`); the controls a part answers are merged into the emulator
 * object. Voice files: `emulator/voice*.ts`, `emulator/calls*.ts`, `emulator/recordings*.ts`,
 * `emulator/lookup*.ts`.
 *
 * Wire format: Twilio's 2010-04-01 API (form-encoded requests, JSON answers, RFC 2822 dates,
 * `{ code, message, more_info, status }` errors), HTTP basic auth with the account SID and Auth
 * Token (20003 otherwise), 429 with `Retry-After` (20429) from the chaos knobs or when the
 * account's request rate (`setRateLimit`) is passed. Test controls live under `/__emulator/`.
 *
 * @see https://www.twilio.com/docs/usage/api
 * @see https://www.twilio.com/docs/usage/webhooks/webhooks-security
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, listenLoopback } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { parseTwilioForm, type TwilioParams } from '../webhooks.js';
import { messagingPart, type TwilioMessagingControls } from './messages.js';
import { SignedCallbacks, twilioError, type TwilioEmulatorPart, type TwilioEmulatorState } from './state.js';
import { verifyPart, type TwilioVerifyControls } from './verify.js';
import { voicePart, type TwilioVoiceControls } from './voice.js';

export { twilioSid, rfc2822, twilioError, SignedCallbacks, type TwilioEmulatorPart, type TwilioEmulatorState } from './state.js';

/** The parts of the emulator, in registration order. Voice: add its part(s) here, one line each. */
export const TWILIO_EMULATOR_PARTS: TwilioEmulatorPart[] = [messagingPart, verifyPart, voicePart];

/** The running Twilio emulator. */
export interface TwilioEmulator extends Emulator, TwilioMessagingControls, TwilioVerifyControls, TwilioVoiceControls {
  readonly credentials: { accountSid: string; authToken: string; phoneNumber: string; whatsappNumber: string };
  /** The Auth Token: it signs every callback, and the hub accepts it in sandbox mode. */
  readonly webhookSecret: string;
  readonly state: TwilioEmulatorState;
  /** Requests answered 429 (chaos or over the rate limit). */
  readonly stats: { requests: number; rateLimited: number };
  /** Answer 429 (20429) to requests beyond `limit` per `intervalMs` (a token bucket); undefined: no limit. */
  setRateLimit(rate: { limit: number; intervalMs: number } | undefined): void;
  drainWebhooks(): Promise<void>;
  /** Any control a part answered (voice's). */
  readonly [control: string]: unknown;
}

/**
 * Starts a Twilio emulator on a loopback port with a fresh account and Auth Token.
 *
 * @example
 * const emulator = await startTwilioEmulator();
 * const client = twilio(emulator.credentials.accountSid, emulator.credentials.authToken);
 * emulator.setWebhookTarget('http://127.0.0.1:3000/webhooks/twilio');
 */
export async function startTwilioEmulator(options: EmulatorOptions = {}): Promise<TwilioEmulator> {
  const accountSid = `AC${randomBytes(16).toString('hex')}`;
  const authToken = randomBytes(16).toString('hex');
  const phoneNumber = '+15005550006';
  const whatsappNumber = '+14155238886';
  const stats = { requests: 0, rateLimited: 0 };
  let rate: { limit: number; intervalMs: number; tokens: number; at: number } | undefined;
  let url = '';

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send(twilioError(500, 20500, 'Internal Server Error')),
    rateLimited: (reply) => {
      stats.rateLimited++;
      return reply.send(twilioError(429, 20429, 'Too Many Requests'));
    },
  });
  app.removeContentTypeParser('application/x-www-form-urlencoded');
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'buffer' }, (_req, body, done) => done(null, parseTwilioForm(body as Buffer)));
  app.setNotFoundHandler((req, reply) => reply.code(404).send(twilioError(404, 20404, `The requested resource ${req.url.split('?')[0]} was not found`)));
  app.setErrorHandler((err: { statusCode?: number; message: string }, _req, reply) => {
    const status = err.statusCode ?? 500;
    return reply.code(status).send(twilioError(status, status >= 500 ? 20500 : 20001, status >= 500 ? 'Internal Server Error' : err.message));
  });
  // The account's request rate: a token bucket of `limit` tokens refilled over `intervalMs`.
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/__emulator')) return;
    stats.requests++;
    if (!rate) return;
    const now = Date.now();
    rate.tokens = Math.min(rate.limit, rate.tokens + ((now - rate.at) * rate.limit) / rate.intervalMs);
    rate.at = now;
    if (rate.tokens >= 1) {
      rate.tokens -= 1;
      return;
    }
    stats.rateLimited++;
    return reply.code(429).header('retry-after', '1').send(twilioError(429, 20429, 'Too Many Requests'));
  });

  const fail = (reply: FastifyReply, status: number, code: number, message: string) => reply.code(status).send(twilioError(status, code, message));
  const state: TwilioEmulatorState = {
    accountSid,
    authToken,
    phoneNumber,
    whatsappNumber,
    baseUrl: () => url,
    hubTarget: undefined,
    options,
    chaos,
    callbacks: new SignedCallbacks(() => authToken),
    accepted: [],
    requests: [],
    fail,
    async authenticate(req: FastifyRequest, reply: FastifyReply) {
      const [, b64] = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '') ?? [];
      const decoded = b64 ? Buffer.from(b64, 'base64').toString('utf8') : '';
      const at = decoded.indexOf(':');
      const user = decoded.slice(0, at);
      const pass = decoded.slice(at + 1);
      const pathAccount = (req.params as { AccountSid?: string } | undefined)?.AccountSid;
      if (at < 0 || user !== accountSid || pass !== authToken || (pathAccount !== undefined && pathAccount !== accountSid)) {
        return reply.code(401).header('www-authenticate', 'Basic realm="Twilio API"').send(twilioError(401, 20003, 'Authenticate'));
      }
      return undefined;
    },
  };

  app.addHook('onSend', async (req, reply, payload) => {
    if (req.url.startsWith('/__emulator') || !req.routeOptions.url) return payload;
    const params = (req.method === 'GET' ? req.query : req.body) as TwilioParams | undefined;
    state.requests.push({ method: req.method, route: req.routeOptions.url, params: { ...(params ?? {}) }, status: reply.statusCode, answer: typeof payload === 'string' ? payload : '' });
    if (state.requests.length > 1000) state.requests.splice(0, state.requests.length - 1000);
    return payload;
  });

  const controls: Record<string, unknown> = {};
  for (const part of TWILIO_EMULATOR_PARTS) Object.assign(controls, part(app, state) ?? {});
  app.get('/__emulator/stats', async () => stats);

  url = await listenLoopback(app, options.port);
  return {
    ...controls,
    url,
    credentials: { accountSid, authToken, phoneNumber, whatsappNumber },
    webhookSecret: authToken,
    state,
    stats,
    chaos,
    accepted: state.accepted,
    setRateLimit(r) {
      rate = r ? { ...r, tokens: r.limit, at: Date.now() } : undefined;
    },
    setWebhookTarget(target) {
      state.hubTarget = target;
    },
    drainWebhooks: () => state.callbacks.drain(),
    async close() {
      await state.callbacks.close();
      await app.close();
    },
  } as TwilioEmulator;
}
