/**
 * A Teams incoming-webhook receiver: `POST /webhookb2/<id>` takes a MessageCard or an Adaptive
 * Card message, records it and answers 200 `1` as Teams does; a malformed card is 400 "Bad payload
 * received by generic incoming webhook."; an unknown webhook 404; chaos gives 429 / 500.
 *
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using
 */
import { randomBytes } from 'node:crypto';
import { createEmulatorApp, listenLoopback } from '../emulator-kit.js';
import type { Emulator, EmulatorOptions } from '../../kit/emulator.js';

export interface TeamsReceived {
  webhookId: string;
  body: Record<string, unknown>;
  receivedAt: number;
}

export interface TeamsEmulator extends Emulator {
  readonly credentials: { webhookUrl: string };
  readonly accepted: TeamsReceived[];
}

const BAD = 'Bad payload received by generic incoming webhook.';

/** A MessageCard (`text` or `sections`) or a message with an Adaptive Card attachment. */
function validCard(body: unknown): boolean {
  if (!body || typeof body !== 'object') return false;
  const b = body as Record<string, unknown>;
  if (b['@type'] === 'MessageCard' || typeof b.text === 'string' || Array.isArray(b.sections)) return typeof b.text === 'string' || Array.isArray(b.sections);
  if (b.type !== 'message' || !Array.isArray(b.attachments) || b.attachments.length === 0) return false;
  return b.attachments.every((a: unknown) => {
    const att = a as Record<string, unknown> | null;
    const content = att?.content as Record<string, unknown> | undefined;
    return att?.contentType === 'application/vnd.microsoft.card.adaptive' && content?.type === 'AdaptiveCard' && Array.isArray(content.body);
  });
}

export async function startTeamsEmulator(options: EmulatorOptions = {}): Promise<TeamsEmulator> {
  const webhookId = `${randomBytes(8).toString('hex')}@emulator/IncomingWebhook/${randomBytes(16).toString('hex')}`;
  const accepted: TeamsReceived[] = [];
  const { app, chaos } = createEmulatorApp({
    serverError: (reply) => reply.code(500).type('text/plain').send('Microsoft Teams endpoint returned HTTP error 500'),
    rateLimited: (reply) => reply.type('text/plain').send('Microsoft Teams endpoint returned HTTP error 429'),
  });
  app.setErrorHandler((_err, _req, reply) => reply.code(400).type('text/plain').send(BAD));
  app.post('/webhookb2/*', async (req, reply) => {
    const id = (req.params as Record<string, string>)['*'];
    if (id !== webhookId) return reply.code(404).type('text/plain').send('Webhook not found');
    if (!validCard(req.body)) return reply.code(400).type('text/plain').send(BAD);
    accepted.push({ webhookId: id, body: req.body as Record<string, unknown>, receivedAt: Date.now() });
    return reply.code(200).type('text/plain').send('1');
  });
  app.get('/__emulator/messages', async () => ({ messages: accepted }));
  const url = await listenLoopback(app, options.port);
  return {
    url,
    credentials: { webhookUrl: `${url}/webhookb2/${webhookId}` },
    chaos,
    accepted,
    setWebhookTarget() {},
    close: () => app.close(),
  };
}
