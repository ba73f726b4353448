/**
 * The SendGrid emulator: `POST /v3/mail/send` with SendGrid's auth, validation, answers and
 * headers, plus signed Event Webhook batches back to the hub (the events of all messages accepted
 * within `eventDelayMs`, as SendGrid batches them). Test controls live under
 * `/__emulator/` (`GET /__emulator/messages`, `GET|POST /__emulator/chaos`).
 *
 * @see https://www.twilio.com/docs/sendgrid/api-reference/mail-send/mail-send
 * @see https://www.twilio.com/docs/sendgrid/for-developers/sending-email/sandbox-mode
 */
import { randomBytes } from 'node:crypto';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, dropIfChaos, listenLoopback, randomId, webhookControls, WebhookPoster } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import type { SendgridMail } from '../email.js';
import { buildSendgridEvents, createSendgridEventSigner, serializeSendgridLines, type SendgridEvent, type SendgridEventSigner } from './events.js';
import { validateMailSend } from './validate-mail.js';

/** A message the emulator accepted (202). */
export interface AcceptedMail {
  /** The `X-Message-Id` it answered. */
  messageId: string;
  acceptedAt: number;
  /** The request body as sent. */
  body: SendgridMail;
}

/** The running SendGrid emulator. */
export interface SendgridEmulator extends Emulator {
  readonly credentials: { apiKey: string; webhookPublicKey: string };
  /** The Event Webhook verification key: base64 DER SPKI, as SENDGRID_WEBHOOK_PUBLIC_KEY takes it. */
  readonly webhookSecret: string;
  readonly accepted: AcceptedMail[];
  /** Resolves once every scheduled webhook post was delivered or given up (tests). */
  drainWebhooks(): Promise<void>;
}

/** SendGrid's advertised limit headers: a 600-per-minute window, informational (never enforced). */
const RATE_LIMIT = 600;
const RATE_WINDOW_MS = 60_000;

/** SendGrid's error body. */
const sgError = (message: string, field: string | null = null) => ({ errors: [{ field, message, help: null }] });

/**
 * Starts a SendGrid emulator on a loopback port with a fresh API key and signing key.
 *
 * @example
 * const emulator = await startSendgridEmulator();
 * // connection: { baseUrl: emulator.url, credentials: emulator.credentials }
 * emulator.setWebhookTarget('http://127.0.0.1:3000/webhooks/sendgrid');
 */
export async function startSendgridEmulator(options: EmulatorOptions = {}): Promise<SendgridEmulator> {
  const apiKey = `SG.emulator${randomBytes(8).toString('base64url')}.${randomBytes(32).toString('base64url')}`;
  const signer = createSendgridEventSigner();
  // The poster sends at once: the delay is the batch window below.
  const poster = new WebhookPoster(0);
  const batches = new EventBatches(poster, signer, options.eventDelayMs ?? 50);
  const accepted: AcceptedMail[] = [];
  const window = { start: Date.now(), used: 0 };

  const limitHeaders = (resetInSec?: number): Record<string, string> => {
    const now = Date.now();
    if (now - window.start >= RATE_WINDOW_MS) Object.assign(window, { start: now, used: 0 });
    const reset = resetInSec === undefined ? Math.ceil((window.start + RATE_WINDOW_MS) / 1000) : Math.ceil(now / 1000) + resetInSec;
    const remaining = resetInSec === undefined ? Math.max(0, RATE_LIMIT - window.used) : 0;
    return { 'x-ratelimit-limit': String(RATE_LIMIT), 'x-ratelimit-remaining': String(remaining), 'x-ratelimit-reset': String(reset) };
  };

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send(sgError('Internal error')),
    rateLimited: (reply) => reply.headers(limitHeaders(chaos.retryAfterSec)).send(sgError('too many requests')),
  });

  app.setErrorHandler((err: FastifyError, _req, reply) => {
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return reply.code(413).send(sgError('content too large'));
    if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return reply.code(400).send(sgError('Content-Type should be application/json.'));
    if ((err.statusCode ?? 500) < 500) return reply.code(400).send(sgError('Bad Request'));
    return reply.code(500).send(sgError('Internal error'));
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send(sgError('not found')));

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    const header = req.headers.authorization;
    if (!header) return reply.code(401).send(sgError('authorization required'));
    const [, token] = /^Bearer\s+(.+)$/i.exec(header) ?? [];
    if (token?.trim() !== apiKey) return reply.code(401).send(sgError('The provided authorization grant is invalid, expired, or revoked'));
  };

  app.post('/v3/mail/send', { onRequest: authenticate }, async (req, reply) => {
    if (!/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return reply.code(400).send(sgError('Content-Type should be application/json.'));
    }
    const errors = validateMailSend(req.body);
    if (errors.length > 0) return reply.code(400).send({ errors });
    const body = req.body as SendgridMail & { mail_settings?: { sandbox_mode?: { enable?: boolean } } };
    window.used++;
    // Sandbox mode validates only: 200 (not 202), nothing sent, no events.
    if (body.mail_settings?.sandbox_mode?.enable === true) return reply.code(200).headers(limitHeaders()).send();

    const messageId = randomId(16);
    const now = Date.now();
    accepted.push({ messageId, acceptedAt: now, body });
    if (poster.target) batches.add(buildSendgridEvents(messageId, body, now));
    if (dropIfChaos(chaos, reply)) return reply;
    return reply.code(202).headers({ ...limitHeaders(), 'x-message-id': messageId }).send();
  });

  app.get('/__emulator/messages', async () => ({ messages: accepted }));

  const url = await listenLoopback(app, options.port);
  return {
    url,
    credentials: { apiKey, webhookPublicKey: signer.publicKey },
    webhookSecret: signer.publicKey,
    chaos,
    accepted,
    ...webhookControls(poster, app),
    drainWebhooks: async () => {
      batches.flush();
      await poster.drain();
    },
    close: async () => {
      batches.stop();
      await poster.close();
      await app.close();
    },
  };
}

/** SendGrid posts at most this much in one Event Webhook request. */
const MAX_BATCH_BYTES = 768 * 1024;

/**
 * The Event Webhook's batching, as SendGrid does it: the events of every message accepted within
 * one window (`eventDelayMs` after the first) go out together as one signed JSON array, split only
 * where a batch would pass 768 KB. One signature and one POST for many messages, where a POST per
 * message made the hub verify an ECDSA signature and store a delivery for each.
 *
 * @see https://www.twilio.com/docs/sendgrid/for-developers/tracking-events/getting-started-event-webhook
 */
class EventBatches {
  private pending: SendgridEvent[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly poster: WebhookPoster,
    private readonly signer: SendgridEventSigner,
    private readonly windowMs: number,
  ) {}

  add(events: SendgridEvent[]): void {
    this.pending.push(...events);
    this.timer ??= setTimeout(() => this.flush(), this.windowMs);
  }

  /** Sign and post what is waiting now (the window's end, or a drain). */
  flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const lines = this.pending.map((e) => JSON.stringify(e));
    this.pending = [];
    for (let start = 0; start < lines.length; ) {
      let end = start + 1;
      let bytes = lines[start]!.length;
      while (end < lines.length && bytes + lines[end]!.length + 3 <= MAX_BATCH_BYTES) bytes += lines[end++]!.length + 3;
      const body = serializeSendgridLines(lines.slice(start, end));
      this.poster.post(body, this.signer.headers(body, Date.now()));
      start = end;
    }
  }

  /** Closing: what is waiting is dropped (as a stopped vendor would not send it). */
  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.pending = [];
  }
}
