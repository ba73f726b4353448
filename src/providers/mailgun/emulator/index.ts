/**
 * The Mailgun sandbox: the Messages API (multipart and url-encoded), the Events API, signed JSON
 * webhooks back to the hub (one POST per event) and the shared chaos knobs.
 *
 * Recipients steer what happens after acceptance; see the patterns in `events.ts`
 * (`bounce…@` fails permanently, `defer…@` temporarily, `click…@` clicks, …).
 *
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/messages
 * @see https://documentation.mailgun.com/docs/mailgun/api-reference/send/mailgun/events
 */
import { randomBytes } from 'node:crypto';
import multipart from '@fastify/multipart';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createEmulatorApp, dropIfChaos, listenLoopback, webhookControls, WebhookPoster } from '../../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../../kit/emulator.js';
import { buildMessageEvents, signedWebhookBody, type MailgunEventData } from './events.js';
import { readMailgunForm, validateMailgunForm, type MailgunStoredMessage } from './form.js';

export type { MailgunStoredMessage, MailgunStoredFile } from './form.js';
export type { MailgunEventData } from './events.js';

export interface MailgunEmulatorOptions extends EmulatorOptions {
  /** Sending domain (default `sandbox.switchboard.test`). */
  domain?: string;
  /** API key the emulator accepts (default: random `key-emulator-…`). */
  apiKey?: string;
  /** HTTP webhook signing key (default: random). */
  signingKey?: string;
}

export interface MailgunEmulator extends Emulator {
  readonly domain: string;
  readonly webhookSecret: string;
  readonly accepted: MailgunStoredMessage[];
  /** Every event made up so far (Mailgun `event-data`), oldest first. */
  readonly events: MailgunEventData[];
  /** Resolves once every scheduled webhook has been posted (or given up). */
  drain(): Promise<void>;
}

const MAX_EVENTS_LIMIT = 300;

interface PageState {
  offset: number;
  limit: number;
  ascending: boolean;
  event?: string;
}

const encodePage = (page: PageState) => Buffer.from(JSON.stringify(page)).toString('base64url');

/**
 * Starts the Mailgun emulator on a loopback port.
 *
 * @example
 * const emu = await startMailgunEmulator();
 * // connector: baseUrl emu.url, credentials emu.credentials; webhooks signed with emu.webhookSecret
 * await emu.close();
 */
export async function startMailgunEmulator(options: MailgunEmulatorOptions = {}): Promise<MailgunEmulator> {
  const domain = options.domain ?? 'sandbox.switchboard.test';
  const apiKey = options.apiKey ?? `key-emulator-${randomBytes(12).toString('hex')}`;
  const signingKey = options.signingKey ?? randomBytes(16).toString('hex');
  const accepted: MailgunStoredMessage[] = [];
  const events: MailgunEventData[] = [];
  const poster = new WebhookPoster(options.eventDelayMs ?? 50);

  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send({ message: 'Internal Server Error' }),
    rateLimited: (reply) => reply.send({ message: 'Too many requests' }),
  });
  await app.register(multipart, { limits: { fileSize: 25 * 1024 * 1024, files: 100 } });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, new URLSearchParams(body as string));
  });

  /** Mailgun's auth is Basic `api:<key>`; anything else is a plain-text "Forbidden". */
  const authorized = (req: FastifyRequest, reply: FastifyReply): boolean => {
    const expected = `Basic ${Buffer.from(`api:${apiKey}`).toString('base64')}`;
    if (req.headers.authorization === expected) return true;
    void reply.code(401).type('text/plain').send('Forbidden');
    return false;
  };
  const knownDomain = (name: string, reply: FastifyReply): boolean => {
    if (name.toLowerCase() === domain) return true;
    void reply.code(404).send({ message: `Domain not found: ${name}` });
    return false;
  };

  app.post<{ Params: { domain: string } }>('/v3/:domain/messages', async (req, reply) => {
    const form = await readMailgunForm(req);
    if (!authorized(req, reply) || !knownDomain(req.params.domain, reply)) return reply;
    const now = Date.now();
    const stamp = new Date(now).toISOString().replace(/\D/g, '').slice(0, 14);
    const id = `<${stamp}.${randomBytes(8).toString('hex')}@${domain}>`;
    const result = validateMailgunForm(form, { id, domain, now });
    if ('error' in result) return reply.code(400).send({ message: result.error });

    accepted.push(result.message);
    for (const event of buildMessageEvents(result.message, now)) {
      events.push(event);
      poster.post(signedWebhookBody(event, signingKey, Date.now()), { 'content-type': 'application/json' });
    }
    if (dropIfChaos(chaos, reply)) return reply;
    return reply.send({ id, message: 'Queued. Thank you.' });
  });

  const listEvents = (page: PageState, reply: FastifyReply) => {
    const matching = events.filter((e) => page.event === undefined || e.event === page.event);
    const ordered = page.ascending ? matching : [...matching].reverse();
    const items = ordered.slice(page.offset, page.offset + page.limit);
    const link = (p: PageState) => `${url}/v3/${domain}/events/${encodePage(p)}`;
    const lastOffset = Math.max(0, Math.floor((ordered.length - 1) / page.limit) * page.limit);
    // Like Mailgun, `next` is always given (an empty page means "nothing new yet": poll it later).
    return reply.send({
      items,
      paging: {
        first: link({ ...page, offset: 0 }),
        last: link({ ...page, offset: lastOffset }),
        next: link({ ...page, offset: page.offset + items.length }),
        previous: link({ ...page, offset: Math.max(0, page.offset - page.limit) }),
      },
    });
  };

  app.get<{ Params: { domain: string }; Querystring: Record<string, string | undefined> }>('/v3/:domain/events', async (req, reply) => {
    if (!authorized(req, reply) || !knownDomain(req.params.domain, reply)) return reply;
    const limit = Math.min(MAX_EVENTS_LIMIT, Math.max(1, Number(req.query.limit ?? 100) || 100));
    const ascending = req.query.ascending === 'yes';
    return listEvents({ offset: 0, limit, ascending, ...(req.query.event ? { event: req.query.event } : {}) }, reply);
  });

  app.get<{ Params: { domain: string; page: string } }>('/v3/:domain/events/:page', async (req, reply) => {
    if (!authorized(req, reply) || !knownDomain(req.params.domain, reply)) return reply;
    let page: PageState;
    try {
      page = JSON.parse(Buffer.from(req.params.page, 'base64url').toString('utf8')) as PageState;
      if (!Number.isInteger(page.offset) || !Number.isInteger(page.limit)) throw new Error('bad page');
    } catch {
      return reply.code(400).send({ message: 'Invalid page token' });
    }
    return listEvents(page, reply);
  });

  app.get('/__emulator/messages', async () =>
    accepted.map((m) => ({ ...m, attachments: m.attachments.map((a) => ({ ...a, content: a.content.toString('base64') })) })),
  );
  app.get('/__emulator/events', async () => events);

  const url = await listenLoopback(app, options.port);
  return {
    url,
    domain,
    credentials: { apiKey, domain, region: 'us' },
    webhookSecret: signingKey,
    chaos,
    accepted,
    events,
    drain: () => poster.drain(),
    ...webhookControls(poster, app),
  };
}
