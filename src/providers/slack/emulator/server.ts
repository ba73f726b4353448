/**
 * The Slack emulator: the Web API at `/api/<method>` (JSON, form and query arguments, the bot
 * token as `Authorization: Bearer` or a `token` argument, `not_authed`/`invalid_auth`, Slack's
 * HTTP 200 `{ok: false}` errors, 429 `ratelimited` with `Retry-After` through chaos) over an
 * in-memory workspace, and Slack's side of inbound traffic: it signs and posts events, slash
 * commands and interactions to the hub (methods, and the same as `POST /__emulator/slash-command`,
 * `/__emulator/event`, `/__emulator/interaction`, `/__emulator/url-verification`), and serves the
 * `response_url`s it hands out, recording what the hub answers there.
 *
 * @see https://api.slack.com/web
 * @see https://api.slack.com/interactivity/handling#message_responses
 */
import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, listenLoopback, randomId } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { signSlackRequest } from './sign.js';
import { TEAM_ID, Workspace, type EmulatedMessage } from './workspace.js';

/** One Web API call as the emulator received it (the spec-conformance suite reads these). */
export interface SlackApiRequest {
  httpMethod: string;
  method: string;
  contentType: string;
  /** The arguments as received, token removed. */
  args: Record<string, string>;
  answer: Record<string, unknown>;
}

/** What the hub posted to a response_url. */
export interface SlackResponse {
  responseUrl: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

/** The hub's answer to a request the emulator posted. */
export interface PostedToHub {
  status: number;
  body: string;
  /** The raw body as signed. */
  rawBody: string;
  headers: Record<string, string>;
}

export interface SlackEmulator extends Emulator {
  readonly credentials: { botToken: string; signingSecret: string };
  readonly webhookSecret: string;
  /** Messages posted through `chat.postMessage` (with their channel). */
  readonly accepted: (EmulatedMessage & { channel: string })[];
  readonly workspace: Workspace;
  readonly requests: SlackApiRequest[];
  readonly responses: SlackResponse[];
  /** The origin (the API is under `/api`). */
  readonly origin: string;
  /** Sign and post a slash command to the hub; resolves with the hub's answer. */
  slashCommand(input: { command: string; text?: string; user?: string; channel?: string; target?: string; timestampSec?: number }): Promise<PostedToHub & { responseUrl: string; triggerId: string }>;
  /** Sign and post an Events API `event_callback` wrapping `event` (or `retryOf` again, with `X-Slack-Retry-Num`). */
  event(input: { event?: Record<string, unknown>; retryOf?: string; target?: string; timestampSec?: number }): Promise<PostedToHub & { eventId: string }>;
  /** Sign and post an interactivity payload. */
  interaction(input: { payload: Record<string, unknown>; target?: string }): Promise<PostedToHub & { responseUrl: string }>;
  /** Sign and post the Events API's `url_verification` check. */
  urlVerification(input: { challenge: string; target?: string }): Promise<PostedToHub>;
}

const slackError = (error: string) => ({ ok: false, error });
/** The request log keeps this many (a long-running sandbox must not grow without bound). */
const MAX_KEPT = 5000;

/**
 * Starts a Slack emulator on a loopback port with a fresh bot token and signing secret.
 *
 * @example
 * const slack = await startSlackEmulator();
 * const web = new WebClient(slack.credentials.botToken, { slackApiUrl: `${slack.url}/` });
 */
export async function startSlackEmulator(options: EmulatorOptions = {}): Promise<SlackEmulator> {
  const botToken = `xoxb-emulator-${randomBytes(12).toString('hex')}`;
  const signingSecret = randomBytes(16).toString('hex');
  const workspace = new Workspace();
  const requests: SlackApiRequest[] = [];
  const responses: SlackResponse[] = [];
  const accepted: (EmulatedMessage & { channel: string })[] = [];
  const sentEvents = new Map<string, { body: string; retries: number }>();
  let target: string | undefined;

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send(slackError('internal_error')),
    rateLimited: (reply) => reply.send(slackError('ratelimited')),
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(slackError('unknown_method')));

  const argsOf = (req: FastifyRequest): Record<string, string> => {
    const out: Record<string, string> = {};
    const add = (src: unknown) => {
      if (!src || typeof src !== 'object') return;
      for (const [k, v] of Object.entries(src as Record<string, unknown>)) if (v !== undefined && v !== null) out[k] = typeof v === 'string' ? v : typeof v === 'object' ? JSON.stringify(v) : String(v);
    };
    add(req.query);
    add(req.body);
    return out;
  };

  const api = async (req: FastifyRequest<{ Params: { method: string } }>) => {
    const args = argsOf(req);
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1]?.trim();
    const token = bearer ?? args.token;
    delete args.token;
    const method = req.params.method;
    const record = (answer: Record<string, unknown>) => {
      requests.push({ httpMethod: req.method, method, contentType: String(req.headers['content-type'] ?? ''), args, answer: structuredClone(answer) });
      if (requests.length > MAX_KEPT) requests.splice(0, requests.length - MAX_KEPT);
      return answer;
    };
    if (method !== 'api.test') {
      if (!token) return record(slackError('not_authed'));
      if (token !== botToken) return record(slackError('invalid_auth'));
    }
    const answer = workspace.call(method, args);
    if (!answer) return record(slackError('unknown_method'));
    if (method === 'chat.postMessage' && answer.ok === true) accepted.push({ ...(answer.message as EmulatedMessage), channel: answer.channel as string });
    return record(answer);
  };
  app.post('/api/:method', api);
  app.get('/api/:method', api);

  // response_url: what the hub answers a command or interaction with.
  app.post<{ Params: { id: string } }>('/response/:id', async (req, reply) => {
    const body = req.body && typeof req.body === 'object' ? (req.body as Record<string, unknown>) : {};
    responses.push({ responseUrl: `${origin}/response/${req.params.id}`, body, receivedAt: Date.now() });
    return reply.type('text/plain').send('ok');
  });
  app.get('/__emulator/responses', async () => ({ responses }));
  app.get('/__emulator/requests', async () => ({ requests }));

  // The same as HTTP controls, for sandbox users without the emulator object (curl, another process).
  const control = <I, O extends PostedToHub>(run: (input: I) => Promise<O>) => async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const { headers: _h, ...answer } = await run((req.body ?? {}) as I);
      return answer;
    } catch (err) {
      return reply.code(400).send({ error: err instanceof Error ? err.message : String(err) });
    }
  };
  app.post('/__emulator/slash-command', control((i: Parameters<SlackEmulator['slashCommand']>[0]) => emulator.slashCommand(i)));
  app.post('/__emulator/event', control((i: Parameters<SlackEmulator['event']>[0]) => emulator.event(i)));
  app.post('/__emulator/interaction', control((i: Parameters<SlackEmulator['interaction']>[0]) => emulator.interaction(i)));
  app.post('/__emulator/url-verification', control((i: Parameters<SlackEmulator['urlVerification']>[0]) => emulator.urlVerification(i)));

  const origin = await listenLoopback(app, options.port);

  const post = async (body: string, contentType: string, extra: Record<string, string>, to: string | undefined, timestampSec?: number): Promise<PostedToHub> => {
    const url = to ?? target;
    if (!url) throw new Error('Slack emulator: no webhook target (setWebhookTarget or pass target)');
    const headers = { 'content-type': contentType, 'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)', ...signSlackRequest(signingSecret, timestampSec ?? Math.floor(Date.now() / 1000), body), ...extra };
    const res = await fetch(url, { method: 'POST', headers, body });
    return { status: res.status, body: await res.text(), rawBody: body, headers };
  };
  const form = 'application/x-www-form-urlencoded';

  const emulator: SlackEmulator = {
    url: `${origin}/api`,
    origin,
    credentials: { botToken, signingSecret },
    webhookSecret: signingSecret,
    chaos,
    accepted,
    workspace,
    requests,
    responses,
    setWebhookTarget(url) {
      target = url;
    },
    async slashCommand(input) {
      const triggerId = `${Date.now()}.${randomId(6)}`;
      const responseUrl = `${origin}/response/${randomId(12)}`;
      const channel = workspace.channel(input.channel ?? 'C0GENERAL');
      const user = workspace.users.find((u) => u.id === (input.user ?? 'U0ADA'));
      const body = new URLSearchParams({
        token: 'emulator-verification-token', team_id: TEAM_ID, team_domain: 'switchboard-emulator', channel_id: channel?.id ?? input.channel ?? '', channel_name: channel?.name ?? '',
        user_id: user?.id ?? input.user ?? '', user_name: user?.name ?? '', command: input.command, text: input.text ?? '', api_app_id: 'A0EMULATOR', is_enterprise_install: 'false',
        response_url: responseUrl, trigger_id: triggerId,
      }).toString();
      return { ...(await post(body, form, {}, input.target, input.timestampSec)), responseUrl, triggerId };
    },
    async event(input) {
      if (input.retryOf) {
        const sent = sentEvents.get(input.retryOf);
        if (!sent) throw new Error(`Slack emulator: no event ${input.retryOf} to retry`);
        sent.retries++;
        const res = await post(sent.body, 'application/json', { 'x-slack-retry-num': String(sent.retries), 'x-slack-retry-reason': 'http_timeout' }, input.target, input.timestampSec);
        return { ...res, eventId: input.retryOf };
      }
      const eventId = `Ev${randomId(9).replace(/[^A-Za-z0-9]/g, 'x').toUpperCase()}`;
      const now = Math.floor(Date.now() / 1000);
      const event = { event_ts: `${now}.000100`, ...input.event };
      const body = JSON.stringify({
        token: 'emulator-verification-token', team_id: TEAM_ID, api_app_id: 'A0EMULATOR', event, type: 'event_callback', event_id: eventId, event_time: now,
        authorizations: [{ team_id: TEAM_ID, user_id: 'U0BOT', is_bot: true }], is_ext_shared_channel: false, event_context: `4-${randomId(12)}`,
      });
      sentEvents.set(eventId, { body, retries: 0 });
      return { ...(await post(body, 'application/json', {}, input.target, input.timestampSec)), eventId };
    },
    async interaction(input) {
      const responseUrl = `${origin}/response/${randomId(12)}`;
      const payload = { token: 'emulator-verification-token', team: { id: TEAM_ID, domain: 'switchboard-emulator' }, trigger_id: `${Date.now()}.${randomId(6)}`, response_url: responseUrl, ...input.payload };
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return { ...(await post(body, form, {}, input.target)), responseUrl };
    },
    async urlVerification(input) {
      const body = JSON.stringify({ token: 'emulator-verification-token', challenge: input.challenge, type: 'url_verification' });
      return post(body, 'application/json', {}, input.target);
    },
    async close() {
      await app.close();
    },
  };
  return emulator;
}
