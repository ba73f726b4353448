/**
 * The connector sends, and the emulator accepts, what SendGrid's published OpenAPI description
 * accepts; bodies the description refuses the emulator refuses too, naming the same field.
 * The description lives outside the project (`../shared/specs/`), never copied in.
 */
import { readFileSync } from 'node:fs';
import addFormats from 'ajv-formats';
import { OpenAPIBackend, type Document, type Request } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/logger.js';
import type { EmailMessage } from '../../../categories/email/contract.js';
import { Transport, undiciDispatcher } from '../../../transport/transport.js';
import type { Dispatcher } from '../../../transport/types.js';
import { createSendgridEmail } from '../email.js';
import { sendgridManifest } from '../manifest.js';
import { startSendgridEmulator, type SendgridEmulator } from './server.js';

const SPEC = sharedFile('specs/sendgrid/tsg_mail_v3.json');
const haveSpec = requireShared('SendGrid spec conformance', 'specs/sendgrid/tsg_mail_v3.json');

const PNG = Buffer.from('89504e470d0a1a0a', 'hex').toString('base64');
const base: EmailMessage = { id: 'msg_spec', from: { email: 'orders@example.com' }, to: [{ email: 'alex@example.com' }], subject: 'Hi', text: 'Hello' };
const MESSAGES: EmailMessage[] = [
  base,
  { ...base, text: undefined, html: '<b>Hello</b>' },
  {
    ...base,
    from: { email: 'orders@example.com', name: 'Ørders — Shop' },
    to: [{ email: 'alex@example.com', name: 'Alex' }, { email: 'bola@example.com' }],
    cc: [{ email: 'charlie@example.com', name: 'Charlie' }],
    bcc: [{ email: 'dana@example.com' }],
    replyTo: { email: 'help@example.com', name: 'Help' },
    html: '<p>Hello <img src="cid:logo"></p>',
    attachments: [
      { filename: 'a.txt', content: Buffer.from('a').toString('base64') },
      { filename: 'logo.png', content: PNG, contentType: 'image/png', disposition: 'inline', contentId: 'logo' },
    ],
    headers: { 'X-Entity-Ref-ID': '42', 'List-Unsubscribe': '<mailto:u@example.com>' },
    tags: Array.from({ length: 10 }, (_, i) => `tag-${i}`),
    metadata: { orderId: 'o-42', tenant: 'acme' },
  },
];

describe.skipIf(!haveSpec)('SendGrid mail send against the published OpenAPI description', () => {
  let api: OpenAPIBackend;
  let emulator: SendgridEmulator;
  const sent: Request[] = [];

  const check = (req: Request) => api.validateRequest(req, api.matchOperation(req) ?? undefined);
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${emulator.url}/v3/mail/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${emulator.credentials.apiKey}`, ...headers },
      body: JSON.stringify(body),
    });
  const asRequest = (body: unknown): Request => ({ method: 'POST', path: '/v3/mail/send', headers: { 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as Document;
    api = new OpenAPIBackend({
      definition,
      quick: true,
      validate: true,
      ajvOpts: { strict: false },
      // `format: email` is checked only with ajv-formats.
      customizeAjv: (ajv) => addFormats.default(ajv),
    });
    await api.init();
    emulator = await startSendgridEmulator();
  });
  afterAll(() => emulator.close());

  it('every request the connector sends is valid per the description, and the emulator takes it', async () => {
    const recorder: Dispatcher = async (req) => {
      sent.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, body: JSON.parse(String(req.body)) });
      return undiciDispatcher(req);
    };
    const connection = { id: 'c', tenantId: 't', provider: 'sendgrid', mode: 'sandbox' as const, baseUrl: emulator.url, credentials: emulator.credentials };
    const email = createSendgridEmail({
      connection,
      http: new Transport({ dispatcher: recorder }).forConnection(sendgridManifest, connection),
      clock: systemClock,
      logger: createLogger('silent'),
    });
    for (const message of MESSAGES) await email.send(message);
    expect(sent).toHaveLength(MESSAGES.length);
    expect(emulator.accepted).toHaveLength(MESSAGES.length);
    for (const req of sent) {
      expect(api.matchOperation(req)?.operationId).toBe('SendMail');
      const result = check(req);
      expect(result.errors ?? [], JSON.stringify(req.body)).toEqual([]);
      expect(result.valid).toBe(true);
      expect(req.headers.authorization).toBe(`Bearer ${emulator.credentials.apiKey}`);
    }
  });

  it('the emulator accepts the description’s own examples', async () => {
    const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as {
      components: { requestBodies: { PostMailSend: { content: { 'application/json': { examples: Record<string, { value: unknown }> } } } } };
    };
    const examples = Object.entries(definition.components.requestBodies.PostMailSend.content['application/json'].examples);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const [name, { value }] of examples) {
      expect(check(asRequest(value)).valid, name).toBe(true);
      const res = await post(value);
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(202);
    }
  });

  const valid = { personalizations: [{ to: [{ email: 'alex@example.com' }] }], from: { email: 'orders@example.com' }, subject: 'Hi', content: [{ type: 'text/plain', value: 'Hello' }] };
  const INVALID: [string, Record<string, unknown>, string][] = [
    ['no from', { ...valid, from: undefined }, 'from.email'],
    ['a bad from address', { ...valid, from: { email: 'orders-at-example.com' } }, 'from.email'],
    ['a bad recipient', { ...valid, personalizations: [{ to: [{ email: 'bob@' }] }] }, 'personalizations.0.to.0.email'],
    ['a personalization without to', { ...valid, personalizations: [{ cc: [{ email: 'a@example.com' }] }] }, 'personalizations.0.to'],
    ['an empty subject', { ...valid, subject: '' }, 'subject'],
    ['a numeric subject', { ...valid, subject: 42 }, 'subject'],
    ['an empty content value', { ...valid, content: [{ type: 'text/plain', value: '' }] }, 'content.0.value'],
    ['an attachment without filename', { ...valid, attachments: [{ content: 'YQ==' }] }, 'attachments.0.filename'],
    ['11 categories', { ...valid, categories: Array.from({ length: 11 }, (_, i) => `c${i}`) }, 'categories'],
    ['duplicate categories', { ...valid, categories: ['a', 'a'] }, 'categories'],
    ['a one-letter ip pool', { ...valid, ip_pool_name: 'x' }, 'ip_pool_name'],
    ['a string send_at', { ...valid, send_at: 'tomorrow' }, 'send_at'],
    ['1001 personalizations', { ...valid, personalizations: Array.from({ length: 1001 }, (_, i) => ({ to: [{ email: `r${i}@example.com` }] })) }, 'personalizations'],
  ];

  it.each(INVALID)('both refuse %s', async (_name, body, field) => {
    const spec = check(asRequest(body));
    expect(spec.valid).toBe(false);
    const before = emulator.accepted.length;
    const res = await post(body);
    expect(res.status).toBe(400);
    const answer = (await res.json()) as { errors: { field: string | null; message: string }[] };
    expect(answer.errors.map((e) => e.field)).toContain(field);
    expect(emulator.accepted.length).toBe(before);
  });
});
