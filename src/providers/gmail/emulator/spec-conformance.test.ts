/**
 * The connector sends, and the emulator accepts, what Gmail's published API description accepts:
 * `POST /gmail/v1/users/{userId}/messages/send` with a `Message` whose `raw` is bytes; bodies the
 * description refuses the emulator refuses too. The description (`../shared/specs/google/
 * gmail_v1.json`, an OpenAPI 3 rendering of Google's discovery document) lives outside the
 * project, never copied in.
 */
import { readFileSync } from 'node:fs';
import { simpleParser } from 'mailparser';
import { OpenAPIBackend, type Document, type Request } from 'openapi-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requireShared, sharedFile } from '../../../../test/helpers/shared-files.js';
import { systemClock } from '../../../core/clock.js';
import { createLogger } from '../../../core/logger.js';
import type { EmailMessage } from '../../../categories/email/contract.js';
import { Transport, undiciDispatcher } from '../../../transport/transport.js';
import type { Dispatcher } from '../../../transport/types.js';
import { createGmailEmail } from '../email.js';
import { gmailManifest } from '../manifest.js';
import { startGmailEmulator, type GmailEmulator } from './server.js';

const SPEC = sharedFile('specs/google/gmail_v1.json');
const haveSpec = requireShared('Gmail spec conformance', 'specs/google/gmail_v1.json');

/**
 * Google's JSON `bytes` (`format: byte`): "standard or URL-safe base64, with or without padding"
 * are all accepted, where ajv-formats' `byte` knows only padded standard base64.
 * @see https://protobuf.dev/programming-guides/json/
 */
const GOOGLE_BYTES = /^[A-Za-z0-9+/_-]*={0,2}$/;

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
    subject: 'Réunion ✓',
    html: '<p>Hello <img src="cid:logo"></p>',
    attachments: [
      { filename: 'a.txt', content: Buffer.from('a').toString('base64') },
      { filename: 'logo.png', content: PNG, contentType: 'image/png', disposition: 'inline', contentId: 'logo' },
    ],
    headers: { 'X-Entity-Ref-ID': '42' },
    tags: ['a', 'b'],
    metadata: { orderId: 'o-42' },
  },
];

describe.skipIf(!haveSpec)('Gmail users.messages.send against the published API description', () => {
  let api: OpenAPIBackend;
  let emulator: GmailEmulator;
  const sent: Request[] = [];

  const check = (req: Request) => api.validateRequest(req, api.matchOperation(req) ?? undefined);
  const asRequest = (body: unknown): Request => ({ method: 'POST', path: '/gmail/v1/users/me/messages/send', headers: { 'content-type': 'application/json' }, body });

  beforeAll(async () => {
    const definition = JSON.parse(readFileSync(SPEC, 'utf8')) as Document;
    // The OpenAPI rendering lists only `message/*` media types for this body, each with the
    // `Message` schema (the discovery document's `request: {$ref: Message}`); the JSON body Gmail
    // takes is that same schema, so it is declared here, in memory, for the validator to check.
    const send = definition.paths?.['/gmail/v1/users/{userId}/messages/send']?.post as { requestBody: { content: Record<string, unknown> } };
    send.requestBody.content['application/json'] = send.requestBody.content['message/rfc822'];
    api = new OpenAPIBackend({
      definition,
      quick: true,
      validate: true,
      ajvOpts: { strict: false },
      customizeAjv: (ajv) => ajv.addFormat('byte', GOOGLE_BYTES).addFormat('int32', true).addFormat('int64', true).addFormat('uint64', true),
    });
    await api.init();
    emulator = await startGmailEmulator();
  });
  afterAll(() => emulator.close());

  it('every request the connector sends is valid per the description, and the emulator takes it', async () => {
    const recorder: Dispatcher = async (req) => {
      sent.push({ method: req.method, path: new URL(req.url).pathname, headers: req.headers, body: JSON.parse(String(req.body)) });
      return undiciDispatcher(req);
    };
    const connection = { id: 'c', tenantId: 't', provider: 'gmail', mode: 'sandbox' as const, baseUrl: emulator.url, credentials: emulator.credentials, tokens: emulator.tokens };
    const email = createGmailEmail({ connection, http: new Transport({ dispatcher: recorder }).forConnection(gmailManifest, connection), clock: systemClock, logger: createLogger('silent') });
    for (const message of MESSAGES) await email.send(message);
    expect(sent).toHaveLength(MESSAGES.length);
    expect(emulator.accepted).toHaveLength(MESSAGES.length);
    for (const [i, req] of sent.entries()) {
      expect(api.matchOperation(req)?.operationId).toBe('gmail.users.messages.send');
      expect(req.method).toBe('POST');
      const result = check(req);
      expect(result.errors ?? [], JSON.stringify(req.body).slice(0, 200)).toEqual([]);
      expect(result.valid).toBe(true);
      expect(req.headers.authorization).toBe(`Bearer ${emulator.tokens.accessToken}`);
      expect(Object.keys(req.body as object)).toEqual(['raw']);

      // The raw message, parsed back by mailparser, is the message the hub was asked to send.
      const parsed = await simpleParser(Buffer.from((req.body as { raw: string }).raw, 'base64url'));
      const msg = MESSAGES[i]!;
      const list = (v: typeof parsed.to) => (v ? [v].flat().flatMap((a) => a.value.map((x) => x.address)) : []);
      expect(list(parsed.to)).toEqual(msg.to.map((a) => a.email));
      expect(list(parsed.cc)).toEqual((msg.cc ?? []).map((a) => a.email));
      expect(list(parsed.bcc)).toEqual((msg.bcc ?? []).map((a) => a.email));
      expect(parsed.subject).toBe(msg.subject);
      expect(parsed.attachments.map((a) => a.filename).sort()).toEqual((msg.attachments ?? []).map((a) => a.filename).sort());
    }
  });

  it('the description agrees with the other paths the emulator serves', async () => {
    const [one] = emulator.accepted;
    const get = (path: string, query: Record<string, string | string[]> = {}): Request => ({ method: 'GET', path, query, headers: {} });
    for (const req of [get(`/gmail/v1/users/me/messages/${one!.id}`, { format: 'raw' }), get(`/gmail/v1/users/me/messages/${one!.id}`, { format: 'metadata', metadataHeaders: ['Subject'] }), get('/gmail/v1/users/me/profile')]) {
      expect(api.matchOperation(req)?.operationId, req.path).toMatch(/^gmail\.users\.(messages\.get|getProfile)$/);
      expect(api.validateRequest(req).valid).toBe(true);
      const query = new URLSearchParams(Object.entries(req.query ?? {}).flatMap(([k, v]) => [v].flat().map((x): [string, string] => [k, x])));
      const res = await fetch(`${emulator.url}${req.path}?${query}`, { headers: { authorization: `Bearer ${emulator.tokens.accessToken}` } });
      expect(res.status).toBe(200);
    }
    expect(api.validateRequest(get(`/gmail/v1/users/me/messages/${one!.id}`, { format: 'weird' })).valid).toBe(false);
  });

  const INVALID: [string, Record<string, unknown>][] = [
    ['a numeric raw', { raw: 42 }],
    ['raw that is not base64', { raw: 'not base64!' }],
    ['raw as an object', { raw: { to: 'a@example.com' } }],
  ];

  it.each(INVALID)('both refuse %s', async (_name, body) => {
    expect(check(asRequest(body)).valid).toBe(false);
    const before = emulator.accepted.length;
    const res = await fetch(`${emulator.url}/gmail/v1/users/me/messages/send`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${emulator.tokens.accessToken}` },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { status: string } }).error.status).toBe('INVALID_ARGUMENT');
    expect(emulator.accepted.length).toBe(before);
  });
});
