/**
 * The Google Calendar emulator, serving both Google Calendar and Google Meet: Calendar API v3 under
 * `/calendar/v3` with the real wire format (`kind`, `etag`, `nextPageToken`, `nextSyncToken`,
 * Google's error JSON), Google's Bearer check (its own token, or one the sandbox authorization
 * server issued for Google with a calendar scope), `calendarList`, `calendars.insert`, events CRUD
 * with instances and exceptions, move, ACL, `freeBusy`, sync tokens (410 `fullSyncRequired` after
 * `POST /__emulator/reset-sync`), watch channels that post real notifications (`sync` at
 * creation, `exists` on each change) to their address with their token until they expire or are
 * stopped, and Meet conferences from `conferenceData.createRequest` (`POST
 * /__emulator/conference-failure` makes the next ones fail). Chaos through the kit (429, 5xx);
 * `quota.rateLimitNext` answers Google's 403 `rateLimitExceeded`.
 *
 * @see https://developers.google.com/calendar/api/v3/reference
 * @see https://developers.google.com/calendar/api/guides/push
 */
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { TokenSet } from '../../../kit/connection.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { createEmulatorApp, listenLoopback } from '../../emulator-kit.js';
import { GOOGLE_ERRORS, googleErrorBody } from '../../gmail/emulator/google-errors.js';
import { runningOAuthEmulator } from '../../oauth-sandbox/shared.js';
import { registerCalendarRoutes } from './routes.js';
import { CalendarAccount, GoogleFault } from './state.js';
import { Channels } from './channels.js';

export interface GoogleCalendarEmulatorOptions extends EmulatorOptions {
  /** The account's address (its primary calendar's id). Default `sandbox@gmail.example`. */
  emailAddress?: string;
}

/** The running emulator. */
export interface GoogleCalendarEmulator extends Emulator {
  readonly credentials: { clientId: string; clientSecret: string; refreshToken: string };
  readonly tokens: TokenSet;
  readonly account: CalendarAccount;
  readonly channels: Channels;
  /** Every older sync token answers 410 `fullSyncRequired`. */
  resetSync(): void;
  /** The next `n` conference creations fail (`createRequest.status.statusCode: failure`). */
  failConferences(n: number): void;
  /** The current access token stops working (401). */
  expireToken(): void;
  /** Google's own "slow down": the next N API requests answer 403 `rateLimitExceeded` with `Retry-After`. */
  readonly quota: { rateLimitNext: number; retryAfterSec: number };
  /** Resolves once every notification in flight was delivered (or given up). */
  drainWebhooks(): Promise<void>;
}

const SCOPES = ['https://www.googleapis.com/auth/calendar', 'https://www.googleapis.com/auth/calendar.events'];

/**
 * Starts the emulator on a loopback port with a fresh OAuth client, refresh and access token.
 *
 * @example
 * const emulator = await startGoogleCalendarEmulator();
 * // connection: { baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens }
 */
export async function startGoogleCalendarEmulator(options: GoogleCalendarEmulatorOptions = {}): Promise<GoogleCalendarEmulator> {
  const account = new CalendarAccount(options.emailAddress ?? 'sandbox@gmail.example');
  const credentials = { clientId: `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`, clientSecret: `GOCSPX-${randomBytes(18).toString('base64url')}`, refreshToken: `1//0${randomBytes(32).toString('base64url')}` };
  // No expiresAt: a sandbox default connection has no grant to renew it with, so the emulator's own
  // token does not lapse with time (a hub in dev mode keeps working past the hour); expireToken() ends it.
  const tokens: TokenSet = { accessToken: `ya29.${randomBytes(32).toString('base64url')}`, refreshToken: credentials.refreshToken, tokenType: 'Bearer', obtainedAt: Date.now(), scopes: [SCOPES[0]!] };
  let expired = false;
  const own = (token: string) => !expired && token === tokens.accessToken;
  const google = (token: string) => {
    const t = runningOAuthEmulator()?.accessToken(token);
    return t?.provider === 'google' && t.scopes.some((s) => SCOPES.includes(s));
  };
  const quota = { rateLimitNext: 0, retryAfterSec: 1 };

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send(googleErrorBody(GOOGLE_ERRORS.backendError)),
    rateLimited: (reply) => reply.send(googleErrorBody(GOOGLE_ERRORS.rateLimited)),
  });
  app.setErrorHandler((err: FastifyError | GoogleFault, _req, reply) => {
    if (err instanceof GoogleFault) return reply.code(err.status).send(googleErrorBody({ code: err.status, status: STATUS[err.status] ?? 'FAILED_PRECONDITION', reason: err.reason, message: err.message }));
    if ((err.statusCode ?? 500) < 500) return reply.code(400).send(googleErrorBody({ code: 400, status: 'INVALID_ARGUMENT', reason: 'parseError', message: 'Parse Error' }));
    return reply.code(500).send(googleErrorBody(GOOGLE_ERRORS.backendError));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(googleErrorBody(GOOGLE_ERRORS.notFound)));
  // Google sends notifications and answers channels.stop with no body; clients may post none.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, body === '' ? {} : JSON.parse(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const [, token] = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '') ?? [];
    if (!token) return reply.code(401).header('www-authenticate', 'Bearer realm="https://accounts.google.com/"').send(googleErrorBody(GOOGLE_ERRORS.loginRequired));
    if (!own(token) && !google(token)) return reply.code(401).header('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"').send(googleErrorBody(GOOGLE_ERRORS.authError));
    if (quota.rateLimitNext > 0) {
      quota.rateLimitNext--;
      const body = googleErrorBody({ code: 403, status: 'PERMISSION_DENIED', reason: 'rateLimitExceeded', message: 'Rate Limit Exceeded' });
      body.error.errors[0]!.domain = 'usageLimits';
      reply.code(403).header('retry-after', String(quota.retryAfterSec));
      return reply.send(body);
    }
  };

  let origin = '';
  const channels = new Channels(() => `${origin}/calendar/v3`);
  account.onChange = (calendarId) => channels.changed(calendarId);
  await app.register(async (api: FastifyInstance) => {
    api.addHook('onRequest', authenticate);
    registerCalendarRoutes(api, { account, channels, base: () => `${origin}/calendar/v3` });
  }, { prefix: '/calendar/v3' });

  app.post('/__emulator/reset-sync', async () => {
    account.resetSync();
    return { epoch: account.epoch };
  });
  app.post<{ Body: { next?: number } }>('/__emulator/conference-failure', async (req) => {
    account.conferenceFailures = Number(req.body?.next ?? 1);
    return { next: account.conferenceFailures };
  });
  app.post('/__emulator/expire-token', async () => {
    expired = true;
    return { expired: true };
  });
  app.get('/__emulator/channels', async () => ({ channels: channels.list() }));

  origin = await listenLoopback(app, options.port);
  return {
    url: `${origin}/calendar/v3`,
    credentials,
    tokens,
    account,
    channels,
    chaos,
    quota,
    accepted: [],
    resetSync: () => account.resetSync(),
    failConferences(n) {
      account.conferenceFailures = n;
    },
    expireToken() {
      expired = true;
    },
    setWebhookTarget() {
      // Notifications go to each channel's own address (events.watch), not to one target.
    },
    drainWebhooks: () => channels.drain(),
    async close() {
      await channels.close();
      await app.close();
    },
  };
}

const STATUS: Record<number, string> = { 400: 'INVALID_ARGUMENT', 403: 'PERMISSION_DENIED', 404: 'NOT_FOUND', 409: 'ALREADY_EXISTS', 410: 'GONE' };
