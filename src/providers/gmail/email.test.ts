import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { EmailMessage } from '../../categories/email/contract.js';
import type { ProviderContext, TokenSet } from '../../kit/connector.js';
import { Transport } from '../../transport/transport.js';
import { failure } from '../../../test/helpers/hub-error.js';
import { startGmailEmulator, type GmailEmulator } from './emulator/server.js';
import { gmail } from './index.js';
import { gmailManifest, type GmailCredentials } from './manifest.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

function connect(emulator: GmailEmulator, over: { credentials?: Partial<GmailCredentials>; tokens?: TokenSet | undefined } = {}) {
  const connection = {
    id: 'conn_test',
    tenantId: 'ten_test',
    provider: 'gmail',
    mode: 'sandbox' as const,
    baseUrl: emulator.url,
    credentials: { ...emulator.credentials, ...over.credentials },
    tokens: 'tokens' in over ? over.tokens : emulator.tokens,
  };
  const ctx: ProviderContext<GmailCredentials> = {
    connection,
    http: new Transport().forConnection(gmailManifest, connection),
    clock: systemClock,
    logger: createLogger('silent'),
  };
  return gmail.email!(ctx);
}

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'msg_01test',
  from: { email: 'orders@example.com', name: 'Orders' },
  to: [{ email: 'alex@example.com', name: 'Alex' }],
  subject: 'Your order',
  text: 'Thanks for your order.',
  ...overrides,
});

describe('Gmail connector against its emulator', () => {
  let emulator: GmailEmulator;
  beforeAll(async () => {
    emulator = await startGmailEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => {
    Object.assign(emulator.chaos, { errorRate: 0, rateLimitNext: 0, dropAfterAcceptNext: 0, retryAfterSec: 1 });
    emulator.quota.userRateLimitNext = 0;
  });

  it('sends one RFC 822 message: recipients (Bcc kept for Gmail), reply-to, bodies, attachments, headers, tags, metadata', async () => {
    const result = await connect(emulator).send(
      message({
        html: '<p>Thanks</p><img src="cid:logo">',
        cc: [{ email: 'bola@example.com', name: 'Bola' }],
        bcc: [{ email: 'audit@example.com' }],
        replyTo: { email: 'help@example.com' },
        attachments: [
          { filename: 'invoice.txt', content: Buffer.from('invoice').toString('base64'), contentType: 'text/plain' },
          { filename: 'logo.png', content: PNG.toString('base64'), contentType: 'image/png', disposition: 'inline', contentId: 'logo' },
        ],
        headers: { 'X-Campaign': 'spring' },
        tags: ['orders', 'orders', 'receipts'],
        metadata: { orderId: 'o-42' },
      }),
    );
    const kept = emulator.accepted.at(-1)!;
    expect(result).toMatchObject({ provider: 'gmail', providerMessageId: kept.id, status: 'sent', raw: { threadId: kept.threadId, labelIds: ['SENT'] } });
    expect(kept.id).toMatch(/^[0-9a-f]{16}$/);

    // The bytes Gmail received, parsed back by mailparser (not by the emulator's own view).
    const parsed = await simpleParser(kept.raw);
    expect(parsed.to && !Array.isArray(parsed.to) && parsed.to.value).toEqual([{ address: 'alex@example.com', name: 'Alex' }]);
    expect(parsed.cc && !Array.isArray(parsed.cc) && parsed.cc.value).toEqual([{ address: 'bola@example.com', name: 'Bola' }]);
    expect(parsed.bcc && !Array.isArray(parsed.bcc) && parsed.bcc.value).toEqual([{ address: 'audit@example.com', name: '' }]);
    expect(parsed.replyTo?.text).toBe('help@example.com');
    expect(parsed.subject).toBe('Your order');
    expect(parsed.text?.trim()).toBe('Thanks for your order.');
    expect(parsed.messageId).toBe('<msg_01test@example.com>');
    expect(parsed.attachments.map((a) => [a.filename, a.contentType, a.contentDisposition, a.cid ?? null, a.content.toString('base64')]).sort()).toEqual([
      ['invoice.txt', 'text/plain', 'attachment', null, Buffer.from('invoice').toString('base64')],
      ['logo.png', 'image/png', 'inline', 'logo', PNG.toString('base64')],
    ]);
    expect(parsed.headers.get('x-campaign')).toBe('spring');
    expect(parsed.headers.get('x-switchboard-id')).toBe('msg_01test');
    expect(parsed.headers.get('x-switchboard-tags')).toBe('orders, receipts');
    expect(parsed.headers.get('x-switchboard-meta-orderid')).toBe('o-42');
    // What recipients see: no Bcc header.
    expect(kept.parsed.headers.bcc).toBeUndefined();
  });

  it('uses GMAIL_FROM_EMAIL when the message has no from address, and refuses without either', async () => {
    await connect(emulator, { credentials: { fromEmail: 'me@gmail.example' } }).send(message({ from: { email: '' } }));
    expect(emulator.accepted.at(-1)!.parsed.from).toEqual([{ address: 'me@gmail.example', name: '' }]);
    const err = await failure(connect(emulator).send(message({ from: { email: '' } })));
    expect(err).toMatchObject({ code: 'validation_failed' });
    expect(err.message).toContain('GMAIL_FROM_EMAIL');
  });

  it('threads a reply on the message it answers', async () => {
    const first = await connect(emulator).send(message({ id: 'msg_thread_1' }));
    const reply = await connect(emulator).send(message({ id: 'msg_thread_2', headers: { 'In-Reply-To': '<msg_thread_1@example.com>' } }));
    expect((reply.raw as { threadId: string }).threadId).toBe((first.raw as { threadId: string }).threadId);
  });

  it('maps a refused recipient to invalid_recipient, not retryable and without failover', async () => {
    const before = emulator.accepted.length;
    const err = await failure(connect(emulator).send(message({ to: [{ email: 'ok@example.com' }, { email: 'bob@' }] })));
    expect(err).toMatchObject({ code: 'invalid_recipient', retryable: false, failover: false, providerStatus: 400, providerCode: 'invalidArgument' });
    expect(err.message).toContain('Invalid To header');
    expect(emulator.accepted.length).toBe(before);
  });

  it('maps the 401 of an expired token to provider_auth_failed; a fresh token works again', async () => {
    const own = await startGmailEmulator();
    try {
      const stale = own.tokens;
      own.expireToken();
      const err = await failure(connect(own, { tokens: stale }).send(message()));
      expect(err).toMatchObject({ code: 'provider_auth_failed', provider: 'gmail', providerStatus: 401, providerCode: 'authError', retryable: false, failover: true });
      expect(err.message).toContain('Request had invalid authentication credentials');
      expect(own.accepted).toHaveLength(0);
      const fresh = own.issueToken();
      expect(fresh.accessToken).not.toBe(stale.accessToken);
      await expect(connect(own, { tokens: fresh }).send(message())).resolves.toMatchObject({ status: 'sent' });
    } finally {
      await own.close();
    }
  });

  it('fails before sending when the connection has no access token', async () => {
    const err = await failure(connect(emulator, { tokens: undefined }).send(message()));
    expect(err).toMatchObject({ code: 'config_invalid' });
  });

  it('retries a 429 after the Retry-After it names, then sends', async () => {
    const before = emulator.accepted.length;
    Object.assign(emulator.chaos, { rateLimitNext: 1, retryAfterSec: 1 });
    const started = Date.now();
    await expect(connect(emulator).send(message())).resolves.toMatchObject({ status: 'sent' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emulator.accepted.length).toBe(before + 1);
  });

  it("retries Gmail's own 403 userRateLimitExceeded after its Retry-After, then sends", async () => {
    const before = emulator.accepted.length;
    Object.assign(emulator.quota, { userRateLimitNext: 1, retryAfterSec: 1 });
    const started = Date.now();
    await expect(connect(emulator).send(message())).resolves.toMatchObject({ status: 'sent' });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(emulator.quota.userRateLimitNext).toBe(0);
    expect(emulator.accepted.length).toBe(before + 1);
  });

  it('maps a 429 that outlasts the retries to provider_rate_limited with the wait', async () => {
    Object.assign(emulator.chaos, { rateLimitNext: 50, retryAfterSec: 30 });
    const err = await failure(connect(emulator).send(message()));
    expect(err).toMatchObject({ code: 'provider_rate_limited', providerStatus: 429, providerCode: 'rateLimitExceeded', retryable: true, retryAfter: 30 });
  });

  it('maps a 500 to provider_unavailable and does not resend (Gmail has no idempotency key)', async () => {
    emulator.chaos.errorRate = 1;
    const err = await failure(connect(emulator).send(message()));
    expect(err).toMatchObject({ code: 'provider_unavailable', providerStatus: 500, providerCode: 'backendError', retryable: true, failover: true });
  });

  it('keeps a message whose connection was dropped after acceptance', async () => {
    const before = emulator.accepted.length;
    emulator.chaos.dropAfterAcceptNext = 1;
    const err = await failure(connect(emulator).send(message({ id: 'msg_dropped' })));
    expect(['provider_unavailable', 'provider_timeout']).toContain(err.code);
    expect(emulator.accepted.length).toBe(before + 1);
    expect(emulator.accepted.at(-1)!.parsed.headers['x-switchboard-id']).toBe('msg_dropped');
  });
});
