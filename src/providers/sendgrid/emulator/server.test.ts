import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { captureServer } from '../../../../test/helpers/capture-server.js';
import { sendgridCredentials } from '../manifest.js';
import { parseSendgridEvents, parseSendgridPublicKey, SENDGRID_SIGNATURE_HEADER, SENDGRID_TIMESTAMP_HEADER, verifySendgridWebhook } from '../webhooks.js';
import { startSendgridEmulator, type SendgridEmulator } from './server.js';

type ErrorAnswer = { errors: { field: string | null; message: string; help: string | null }[] };

describe('SendGrid emulator wire format', () => {
  let emulator: SendgridEmulator;
  const valid = () => ({
    personalizations: [{ to: [{ email: 'alex@example.com' }] }],
    from: { email: 'orders@example.com' },
    subject: 'Hi',
    content: [{ type: 'text/plain', value: 'Hello' }],
  });
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${emulator.url}/v3/mail/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${emulator.credentials.apiKey}`, ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const fields = async (res: Response) => ((await res.json()) as ErrorAnswer).errors.map((e) => e.field);

  beforeAll(async () => {
    emulator = await startSendgridEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => Object.assign(emulator.chaos, { errorRate: 0, rateLimitNext: 0, dropAfterAcceptNext: 0, retryAfterSec: 1 }));

  it('has per-instance credentials the manifest accepts', async () => {
    expect(emulator.credentials.apiKey).toMatch(/^SG\.emulator/);
    expect(parseSendgridPublicKey(emulator.webhookSecret)).not.toBeNull();
    expect(sendgridCredentials.parse(emulator.credentials)).toMatchObject({ apiKey: emulator.credentials.apiKey });
    const other = await startSendgridEmulator();
    expect(other.credentials.apiKey).not.toBe(emulator.credentials.apiKey);
    expect(other.webhookSecret).not.toBe(emulator.webhookSecret);
    await other.close();
  });

  it('answers 401 in SendGrid’s shape for a missing or wrong key', async () => {
    const missing = await post(valid(), { authorization: '' });
    expect(missing.status).toBe(401);
    expect(await missing.json()).toEqual({ errors: [{ field: null, message: 'authorization required', help: null }] });
    const wrong = await post(valid(), { authorization: 'Bearer SG.nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toEqual({ errors: [{ field: null, message: 'The provided authorization grant is invalid, expired, or revoked', help: null }] });
  });

  it('answers 202 with an empty body, X-Message-Id and rate-limit headers', async () => {
    const first = await post(valid());
    const second = await post(valid());
    expect(first.status).toBe(202);
    expect(await first.text()).toBe('');
    const id = first.headers.get('x-message-id');
    expect(id).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(second.headers.get('x-message-id')).not.toBe(id);
    expect(first.headers.get('x-ratelimit-limit')).toBe('600');
    expect(Number(second.headers.get('x-ratelimit-remaining'))).toBe(Number(first.headers.get('x-ratelimit-remaining')) - 1);
    expect(Number(first.headers.get('x-ratelimit-reset'))).toBeGreaterThanOrEqual(Math.floor(Date.now() / 1000));
    const listed = (await (await fetch(`${emulator.url}/__emulator/messages`)).json()) as { messages: { messageId: string }[] };
    expect(listed.messages.map((m) => m.messageId)).toContain(id);
  });

  it('refuses what SendGrid refuses although the OpenAPI description allows it', async () => {
    const cases: [unknown, string][] = [
      [{ ...valid(), personalizations: [] }, 'personalizations'],
      [{ ...valid(), personalizations: [{ to: [] }] }, 'personalizations.0.to'],
      [{ ...valid(), personalizations: [{ to: [{ email: 'a@example.com' }], cc: [{ email: 'A@example.com' }] }] }, 'personalizations.0'],
      [{ ...valid(), content: [{ type: 'text/html', value: '<b>x</b>' }, { type: 'text/plain', value: 'x' }] }, 'content'],
      [{ ...valid(), content: undefined }, 'content'],
      [{ ...valid(), subject: undefined }, 'subject'],
      [{ ...valid(), attachments: [{ filename: 'a.txt', content: 'not base64!' }] }, 'attachments.0.content'],
      [{ ...valid(), headers: { Subject: 'sneaky' } }, 'headers'],
      [{ ...valid(), personalizations: [{ to: [{ email: 'a@example.com' }], custom_args: { n: 1 } }] }, 'personalizations.0.custom_args.n'],
      [{ ...valid(), personalizations: [{ to: Array.from({ length: 1001 }, (_, i) => ({ email: `r${i}@example.com` })) }] }, 'personalizations'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, field).toBe(400);
      expect(await fields(res), field).toContain(field);
    }
  });

  it('reports every error of a request at once', async () => {
    const res = await post({ personalizations: [{ to: [{ email: 'bob@' }] }], from: { email: 'nope' }, content: [] });
    expect(res.status).toBe(400);
    expect(await fields(res)).toEqual(['personalizations.0.to.0.email', 'from.email', 'subject', 'content']);
  });

  it('accepts a template send without subject or content, and per-personalization subjects', async () => {
    expect((await post({ ...valid(), subject: undefined, content: undefined, template_id: 'd-123' })).status).toBe(202);
    expect((await post({ ...valid(), subject: undefined, personalizations: [{ to: [{ email: 'a@example.com' }], subject: 'Own' }] })).status).toBe(202);
  });

  it('validates only in sandbox mode: 200, nothing kept', async () => {
    const before = emulator.accepted.length;
    const res = await post({ ...valid(), mail_settings: { sandbox_mode: { enable: true } } });
    expect(res.status).toBe(200);
    expect(emulator.accepted.length).toBe(before);
  });

  it('answers malformed requests in SendGrid’s shape', async () => {
    const badJson = await post('{"personalizations":');
    expect(badJson.status).toBe(400);
    expect(((await badJson.json()) as ErrorAnswer).errors[0]!.message).toBe('Bad Request');
    const text = await post('hello', { 'content-type': 'text/plain' });
    expect(text.status).toBe(400);
    expect(((await text.json()) as ErrorAnswer).errors[0]!.message).toBe('Content-Type should be application/json.');
    const unknown = await fetch(`${emulator.url}/v3/nope`);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as ErrorAnswer).errors[0]!.message).toBe('not found');
  });

  it('plays chaos: 429 with SendGrid’s headers, 500, and a dropped connection after keeping the message', async () => {
    Object.assign(emulator.chaos, { rateLimitNext: 1, retryAfterSec: 7 });
    const limited = await post(valid());
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('7');
    expect(limited.headers.get('x-ratelimit-remaining')).toBe('0');
    expect(Number(limited.headers.get('x-ratelimit-reset')) - Math.floor(Date.now() / 1000)).toBeGreaterThanOrEqual(6);
    expect(await limited.json()).toEqual({ errors: [{ field: null, message: 'too many requests', help: null }] });
    expect((await post(valid())).status).toBe(202);

    emulator.chaos.errorRate = 1;
    const broken = await post(valid());
    expect(broken.status).toBe(500);
    expect(((await broken.json()) as ErrorAnswer).errors[0]!.message).toBe('Internal error');
    emulator.chaos.errorRate = 0;

    const before = emulator.accepted.length;
    emulator.chaos.dropAfterAcceptNext = 1;
    await expect(post(valid())).rejects.toThrow();
    expect(emulator.accepted.length).toBe(before + 1);
    expect((await post(valid())).status).toBe(202);
  });

  it('posts the events of every message accepted within one window as one signed batch, as SendGrid batches them', async () => {
    const sink = await captureServer();
    const { captured } = sink;
    const batching = await startSendgridEmulator({ eventDelayMs: 200 });
    try {
      batching.setWebhookTarget(`${sink.url}/webhooks/sendgrid`);
      const send = (to: string) =>
        fetch(`${batching.url}/v3/mail/send`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${batching.credentials.apiKey}` },
          body: JSON.stringify({ ...valid(), personalizations: [{ to: [{ email: to }] }] }),
        });
      const answers = await Promise.all(['a@example.com', 'b@example.com', 'bounce@example.com'].map(send));
      expect(answers.map((r) => r.status)).toEqual([202, 202, 202]);
      await batching.drainWebhooks();
      expect(captured).toHaveLength(1);
      const [post] = captured;
      const headers = { [SENDGRID_SIGNATURE_HEADER]: String(post!.headers[SENDGRID_SIGNATURE_HEADER]), [SENDGRID_TIMESTAMP_HEADER]: String(post!.headers[SENDGRID_TIMESTAMP_HEADER]) };
      expect(() => verifySendgridWebhook({ rawBody: post!.body, headers, secrets: [batching.webhookSecret], now: Date.now(), toleranceSec: 300 })).not.toThrow();
      const events = parseSendgridEvents(post!.body);
      // processed + delivered, processed + delivered, processed + bounce: one batch, three messages
      expect(events.map((e) => `${e.data.recipient} ${e.type}`).sort()).toEqual(
        ['a@example.com email.delivered', 'a@example.com email.processed', 'b@example.com email.delivered', 'b@example.com email.processed', 'bounce@example.com email.bounced', 'bounce@example.com email.processed'].sort(),
      );
      const ids = answers.map((r) => r.headers.get('x-message-id'));
      expect(new Set(events.map((e) => e.ref.providerObjectId))).toEqual(new Set(ids));
      // a message after the batch went out starts the next window
      expect((await send('c@example.com')).status).toBe(202);
      await batching.drainWebhooks();
      expect(captured).toHaveLength(2);
      expect(parseSendgridEvents(captured[1]!.body).map((e) => e.data.recipient)).toEqual(['c@example.com', 'c@example.com']);
    } finally {
      await batching.close();
      await sink.close();
    }
  });
});
