/**
 * A Discord webhook receiver: `POST /api/webhooks/<id>/<token>` takes `{content, embeds?}`,
 * records it, answers 204 (or the message with `?wait=true`) as Discord does; an empty message is
 * 400 code 50006, a wrong token 401 code 50027, an unknown webhook 404 code 10015; chaos gives 429
 * with `retry_after` (and `Retry-After`) in Discord's shape.
 *
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 * @see https://discord.com/developers/docs/topics/opcodes-and-status-codes#json
 */
import { randomBytes } from 'node:crypto';
import { createEmulatorApp, listenLoopback } from '../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../kit/emulator.js';

export interface DiscordReceived {
  id: string;
  channel_id: string;
  content: string;
  embeds: unknown[];
  timestamp: string;
  wait: boolean;
}

export interface DiscordEmulator extends Emulator {
  readonly credentials: { webhookUrl: string };
  readonly accepted: DiscordReceived[];
}

/** A snowflake-looking id (milliseconds since Discord's epoch, shifted). */
const snowflake = (seq: number) => ((BigInt(Date.now() - 1420070400000) << 22n) + BigInt(seq)).toString();

export async function startDiscordEmulator(options: EmulatorOptions = {}): Promise<DiscordEmulator> {
  const webhookId = snowflake(0);
  const token = randomBytes(24).toString('base64url');
  const channelId = snowflake(1);
  const accepted: DiscordReceived[] = [];
  let seq = 2;
  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).send({ message: '500: Internal Server Error', code: 0 }),
    rateLimited: (reply) => reply.headers({ 'x-ratelimit-limit': '5', 'x-ratelimit-remaining': '0', 'x-ratelimit-reset-after': String(chaos.retryAfterSec), 'x-ratelimit-scope': 'shared' }).send({ message: 'You are being rate limited.', retry_after: chaos.retryAfterSec, global: false }),
  });
  app.setErrorHandler((_err, _req, reply) => reply.code(400).send({ message: 'Invalid Form Body', code: 50035 }));
  app.post<{ Params: { id: string; token: string }; Querystring: { wait?: string } }>('/api/webhooks/:id/:token', async (req, reply) => {
    if (req.params.id !== webhookId) return reply.code(404).send({ message: 'Unknown Webhook', code: 10015 });
    if (req.params.token !== token) return reply.code(401).send({ message: 'Invalid Webhook Token', code: 50027 });
    const body = (req.body && typeof req.body === 'object' ? req.body : {}) as { content?: unknown; embeds?: unknown };
    const content = typeof body.content === 'string' ? body.content : '';
    const embeds = Array.isArray(body.embeds) ? body.embeds : [];
    if (content.length > 2000) return reply.code(400).send({ message: 'Invalid Form Body', code: 50035, errors: { content: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }] } } });
    if (!content && embeds.length === 0) return reply.code(400).send({ message: 'Cannot send an empty message', code: 50006 });
    const wait = req.query.wait === 'true';
    const message: DiscordReceived = { id: snowflake(seq++), channel_id: channelId, content, embeds, timestamp: new Date().toISOString(), wait };
    accepted.push(message);
    if (!wait) return reply.code(204).send();
    return { ...message, type: 0, webhook_id: webhookId, author: { id: webhookId, username: 'Switchboard', bot: true }, attachments: [], mentions: [], pinned: false, tts: false };
  });
  app.get('/__emulator/messages', async () => ({ messages: accepted }));
  const url = await listenLoopback(app, options.port);
  return {
    url,
    credentials: { webhookUrl: `${url}/api/webhooks/${webhookId}/${token}` },
    chaos,
    accepted,
    setWebhookTarget() {},
    close: () => app.close(),
  };
}
