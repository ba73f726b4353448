/**
 * The Gmail emulator: `users.messages.send`, `users.messages.get` (`format=raw|metadata|minimal`)
 * and `users.getProfile` under Gmail's real paths, with Google's Bearer check, validation and
 * error shape, chaos (429 + Retry-After, 5xx, latency) and Gmail's own 403 `userRateLimitExceeded`
 * (`quota`). It keeps every sent message, decoded (`accepted`). Test controls live under
 * `/__emulator/` (`GET /__emulator/messages`, `POST /__emulator/expire-token`,
 * `GET|POST /__emulator/chaos`). No push notifications (Gmail sends them through Pub/Sub).
 *
 * @see https://developers.google.com/gmail/api/reference/rest/v1/users.messages/send
 * @see https://developers.google.com/gmail/api/reference/rest/v1/users.messages/get
 */
import { runningOAuthEmulator } from '../../oauth-sandbox/shared.js';
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, dropIfChaos, listenLoopback } from '../../emulator-kit.js';
import type { TokenSet } from '../../../kit/connection.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { googleErrorBody, GOOGLE_ERRORS } from './google-errors.js';
import { parseGmailRaw, type GmailParsedMessage } from './parse.js';

/** A message the emulator sent. */
export interface GmailSentRecord {
  id: string;
  threadId: string;
  labelIds: string[];
  /** Epoch ms, as Gmail's `internalDate` (a string there). */
  internalDate: number;
  /** The RFC 822 bytes as received. */
  raw: Buffer;
  parsed: GmailParsedMessage;
}

export interface GmailEmulatorOptions extends EmulatorOptions {
  /** Accepts a Bearer token (default: the one this emulator issued, until expired). */
  validToken?: (token: string) => boolean | Promise<boolean>;
  /** The mailbox's address (`users.getProfile`; `userId` may name it). Default `sandbox@gmail.example`. */
  emailAddress?: string;
}

/** The running Gmail emulator. */
export interface GmailEmulator extends Emulator {
  readonly credentials: { clientId: string; clientSecret: string; refreshToken: string };
  /** The access token it accepts now (a new one after {@link issueToken}). */
  readonly tokens: TokenSet;
  readonly accepted: GmailSentRecord[];
  /** The current access token stops working: the next request with it is a 401. */
  expireToken(): void;
  /** Issue a fresh access token (what a refresh would give) and accept it from now on. */
  issueToken(): TokenSet;
  /**
   * Gmail's own way to say "slow down": the next `userRateLimitNext` API requests are answered
   * 403 `userRateLimitExceeded` with `Retry-After: retryAfterSec` (the kit's chaos answers 429).
   */
  readonly quota: { userRateLimitNext: number; retryAfterSec: number };
}

/** Gmail's message and thread ids: 16 lower-case hex digits. */
const newId = (): string => randomBytes(8).toString('hex');
/** Standard or URL-safe base64, padded or not: what Google's JSON `bytes` fields accept. */
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
/** A mailbox address: local part, @, a dotted domain. */
const ADDRESS = /^[^\s@"<>(),;:]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$/;

/**
 * Starts a Gmail emulator on a loopback port with a fresh OAuth client, refresh and access token.
 *
 * @example
 * const emulator = await startGmailEmulator();
 * // connection: { baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens }
 */
export async function startGmailEmulator(options: GmailEmulatorOptions = {}): Promise<GmailEmulator> {
  const emailAddress = options.emailAddress ?? 'sandbox@gmail.example';
  const credentials = { clientId: `${randomBytes(6).toString('hex')}.apps.googleusercontent.com`, clientSecret: `GOCSPX-${randomBytes(18).toString('base64url')}`, refreshToken: `1//0${randomBytes(32).toString('base64url')}` };
  // No expiresAt: a sandbox default connection has no grant to renew it with, so the emulator's own
  // token does not lapse with time (`npm start` keeps sending past the hour); expireToken() ends it.
  const issue = (): TokenSet => ({ accessToken: `ya29.${randomBytes(32).toString('base64url')}`, refreshToken: credentials.refreshToken, tokenType: 'Bearer', obtainedAt: Date.now(), scopes: ['https://www.googleapis.com/auth/gmail.send'] });
  let tokens = issue();
  let expired = false;
  // Its own token, or one the sandbox authorization server issued for Google with the send scope
  // (an account connected through the hub's connect flow), as Gmail accepts Google's tokens.
  const own = (token: string) => !expired && token === tokens.accessToken;
  const google = (token: string) => {
    const t = runningOAuthEmulator()?.accessToken(token);
    return t?.provider === 'google' && t.scopes.some((s) => s.startsWith('https://www.googleapis.com/auth/gmail.') || s === 'https://mail.google.com/');
  };
  const validToken = options.validToken ?? ((token: string) => own(token) || google(token));
  const accepted: GmailSentRecord[] = [];
  const quota = { userRateLimitNext: 0, retryAfterSec: 1 };
  const threads = new Map<string, string>(); // Message-ID → threadId

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send(googleErrorBody(GOOGLE_ERRORS.backendError)),
    rateLimited: (reply) => reply.send(googleErrorBody(GOOGLE_ERRORS.rateLimited)),
  });
  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(googleErrorBody({ code: 413, status: 'FAILED_PRECONDITION', reason: 'failedPrecondition', message: 'Request payload size exceeds the limit' }));
    if ((err.statusCode ?? 500) < 500) return reply.code(400).send(googleErrorBody({ code: 400, status: 'INVALID_ARGUMENT', reason: 'parseError', message: 'Invalid JSON payload received.' }));
    return reply.code(500).send(googleErrorBody(GOOGLE_ERRORS.backendError));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(googleErrorBody(GOOGLE_ERRORS.notFound)));

  const authenticate = async (req: FastifyRequest<{ Params: { userId: string } }>, reply: FastifyReply) => {
    const [, token] = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '') ?? [];
    if (!token) return reply.code(401).header('www-authenticate', 'Bearer realm="https://accounts.google.com/"').send(googleErrorBody(GOOGLE_ERRORS.loginRequired));
    if (!(await validToken(token))) return reply.code(401).header('www-authenticate', 'Bearer realm="https://accounts.google.com/", error="invalid_token"').send(googleErrorBody(GOOGLE_ERRORS.authError));
    if (quota.userRateLimitNext > 0) {
      quota.userRateLimitNext--;
      return reply.code(403).header('retry-after', String(quota.retryAfterSec)).send(googleErrorBody({ code: 403, status: 'PERMISSION_DENIED', reason: 'userRateLimitExceeded', message: 'User-rate limit exceeded.  Retry after ' + new Date(Date.now() + quota.retryAfterSec * 1000).toISOString() }));
    }
    const { userId } = req.params;
    if (userId !== 'me' && userId.toLowerCase() !== emailAddress.toLowerCase()) return reply.code(403).send(googleErrorBody({ code: 403, status: 'PERMISSION_DENIED', reason: 'forbidden', message: `Delegation denied for ${emailAddress}` }));
  };
  const invalid = (reply: FastifyReply, message: string) => reply.code(400).send(googleErrorBody({ code: 400, status: 'INVALID_ARGUMENT', reason: 'invalidArgument', message }));

  app.post<{ Params: { userId: string }; Body: { raw?: unknown; threadId?: unknown } }>('/gmail/v1/users/:userId/messages/send', { onRequest: authenticate }, async (req, reply) => {
    const body = req.body ?? {};
    if (typeof body.raw !== 'string' || body.raw === '') return invalid(reply, "'raw' RFC822 payload message string or uploading message via /upload/* URL required");
    if (!BASE64.test(body.raw)) return invalid(reply, `Invalid value at 'message.raw' (TYPE_BYTES), Base64 decoding failed for "${body.raw.slice(0, 40)}"`);
    const raw = Buffer.from(body.raw.replace(/\+/g, '-').replace(/\//g, '_'), 'base64url');
    const parsed = await parseGmailRaw(raw);
    if (!parsed) return invalid(reply, 'Invalid RFC822 message: no header section');
    for (const [header, list] of [['To', parsed.to], ['Cc', parsed.cc], ['Bcc', parsed.bcc]] as const) {
      if (list.some((a) => !ADDRESS.test(a.address))) return invalid(reply, `Invalid ${header} header`);
    }
    if (parsed.to.length + parsed.cc.length + parsed.bcc.length === 0) return invalid(reply, 'Recipient address required');
    const id = newId();
    const asked = typeof body.threadId === 'string' && accepted.some((m) => m.threadId === body.threadId) ? body.threadId : undefined;
    const threadId = asked ?? parsed.references.map((r) => threads.get(r)).find(Boolean) ?? id;
    if (parsed.messageId) threads.set(parsed.messageId, threadId);
    const record: GmailSentRecord = { id, threadId, labelIds: ['SENT'], internalDate: Date.now(), raw, parsed };
    accepted.push(record);
    if (dropIfChaos(chaos, reply)) return reply;
    return reply.send({ id, threadId, labelIds: record.labelIds });
  });

  app.get<{ Params: { userId: string; id: string }; Querystring: { format?: string; metadataHeaders?: string | string[] } }>(
    '/gmail/v1/users/:userId/messages/:id',
    { onRequest: authenticate },
    async (req, reply) => {
      const format = (req.query.format ?? 'full').toLowerCase();
      if (!['minimal', 'full', 'raw', 'metadata'].includes(format)) return invalid(reply, `Invalid value at 'format' (type.googleapis.com/google.apis.gmail.v1.Format), "${req.query.format}"`);
      const m = accepted.find((r) => r.id === req.params.id);
      if (!m) return reply.code(404).send(googleErrorBody(GOOGLE_ERRORS.notFound));
      const base = { id: m.id, threadId: m.threadId, labelIds: m.labelIds, snippet: (m.parsed.text ?? '').replace(/\s+/g, ' ').trim().slice(0, 200), sizeEstimate: m.raw.length, historyId: String(accepted.indexOf(m) + 1), internalDate: String(m.internalDate) };
      if (format === 'raw') return { ...base, raw: m.raw.toString('base64url') };
      if (format === 'minimal') return base;
      const wanted = [req.query.metadataHeaders ?? []].flat().map((h) => h.toLowerCase());
      const headers = m.parsed.headerLines.filter((h) => format !== 'metadata' || wanted.length === 0 || wanted.includes(h.name.toLowerCase()));
      // `full` answers the headers only: the emulator does not rebuild the MIME part tree.
      return { ...base, payload: { partId: '', mimeType: m.parsed.html ? 'multipart/alternative' : 'text/plain', filename: '', headers } };
    },
  );

  app.get<{ Params: { userId: string } }>('/gmail/v1/users/:userId/profile', { onRequest: authenticate }, async () => ({
    emailAddress,
    messagesTotal: accepted.length,
    threadsTotal: new Set(accepted.map((m) => m.threadId)).size,
    historyId: String(accepted.length + 1),
  }));

  app.get('/__emulator/messages', async () => ({ messages: accepted.map(({ raw, ...m }) => ({ ...m, size: raw.length })) }));
  app.post('/__emulator/expire-token', async () => {
    expired = true;
    return { expired: true };
  });

  const url = await listenLoopback(app, options.port);
  return {
    url,
    credentials,
    get tokens() {
      return tokens;
    },
    chaos,
    accepted,
    quota,
    expireToken() {
      expired = true;
    },
    issueToken() {
      tokens = issue();
      expired = false;
      return tokens;
    },
    setWebhookTarget() {
      // Gmail notifies through Cloud Pub/Sub, which the emulator does not play.
    },
    close: () => app.close(),
  };
}
