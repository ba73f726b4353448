import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { EmailMessage } from '../../categories/email/contract.js';
import { Transport } from '../../transport/transport.js';
import type { ProviderContext } from '../../kit/connector.js';
import { startSendgridEmulator, type SendgridEmulator } from './emulator/server.js';
import { sendgrid } from './index.js';
import { sendgridManifest, type SendgridCredentials } from './manifest.js';
import { failure } from '../../../test/helpers/hub-error.js';

const PNG = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex').toString('base64');

function connect(emulator: SendgridEmulator, credentials: Partial<SendgridCredentials> = {}) {
  const connection = {
    id: 'conn_test',
    tenantId: 'ten_test',
    provider: 'sendgrid',
    mode: 'sandbox' as const,
    baseUrl: emulator.url,
    credentials: { ...emulator.credentials, ...credentials },
  };
  const ctx: ProviderContext<SendgridCredentials> = {
    connection,
    http: new Transport().forConnection(sendgridManifest, connection),
    clock: systemClock,
    logger: createLogger('silent'),
  };
  return sendgrid.email!(ctx);
}

const message = (overrides: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'msg_01test',
  from: { email: 'orders@example.com', name: 'Orders' },
  to: [{ email: 'alex@example.com', name: 'Alex' }],
  subject: 'Your order',
  text: 'Thanks for your order.',
  ...overrides,
});


describe('SendGrid connector against its emulator', () => {
  let emulator: SendgridEmulator;
  beforeAll(async () => {
    emulator = await startSendgridEmulator();
  });
  afterAll(() => emulator.close());
  beforeEach(() => Object.assign(emulator.chaos, { errorRate: 0, rateLimitNext: 0, dropAfterAcceptNext: 0, retryAfterSec: 1 }));

  it('sends html, text, an attachment, an inline image, cc, bcc, tags and metadata', async () => {
    const email = connect(emulator);
    const result = await email.send(
      message({
        html: '<p>Thanks for your order.</p><img src="cid:logo">',
        cc: [{ email: 'bola@example.com' }, { email: 'ALEX@example.com' }],
        bcc: [{ email: 'audit@example.com' }],
        replyTo: { email: 'help@example.com' },
        attachments: [
          { filename: 'invoice.txt', content: Buffer.from('invoice').toString('base64'), contentType: 'text/plain' },
          { filename: 'logo.png', content: PNG, contentType: 'image/png', disposition: 'inline', contentId: 'logo' },
        ],
        headers: { 'X-Campaign': 'spring' },
        tags: ['orders', 'orders', 'receipts'],
        metadata: { orderId: 'o-42' },
      }),
    );
    expect(result.provider).toBe('sendgrid');
    expect(result.providerMessageId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const kept = emulator.accepted.at(-1)!;
    expect(kept.messageId).toBe(result.providerMessageId);
    const body = kept.body;
    expect(body.personalizations).toEqual([
      {
        to: [{ email: 'alex@example.com', name: 'Alex' }],
        cc: [{ email: 'bola@example.com' }], // the duplicate of a `to` is dropped: SendGrid refuses it
        bcc: [{ email: 'audit@example.com' }],
        custom_args: { orderId: 'o-42', switchboard_id: 'msg_01test' },
      },
    ]);
    expect(body.from).toEqual({ email: 'orders@example.com', name: 'Orders' });
    expect(body.reply_to).toEqual({ email: 'help@example.com' });
    expect(body.content).toEqual([
      { type: 'text/plain', value: 'Thanks for your order.' },
      { type: 'text/html', value: '<p>Thanks for your order.</p><img src="cid:logo">' },
    ]);
    expect(body.attachments).toEqual([
      { filename: 'invoice.txt', content: 'aW52b2ljZQ==', type: 'text/plain' },
      { filename: 'logo.png', content: PNG, type: 'image/png', disposition: 'inline', content_id: 'logo' },
    ]);
    expect(body.headers).toEqual({ 'X-Campaign': 'spring' });
    expect(body.categories).toEqual(['orders', 'receipts']);
  });

  it('uses SENDGRID_FROM_EMAIL when the message has no from address', async () => {
    const email = connect(emulator, { fromEmail: 'default@example.com' });
    await email.send(message({ from: { email: '' } }));
    expect(emulator.accepted.at(-1)!.body.from).toEqual({ email: 'default@example.com' });
  });

  it('maps a wrong API key to provider_auth_failed', async () => {
    const err = await failure(connect(emulator, { apiKey: 'SG.wrong.key' }).send(message()));
    expect(err).toMatchObject({ code: 'provider_auth_failed', provider: 'sendgrid', providerStatus: 401, failover: true });
    expect(err.message).toContain('The provided authorization grant is invalid, expired, or revoked');
  });

  it('maps a refused recipient to invalid_recipient, not retryable and without failover', async () => {
    const before = emulator.accepted.length;
    const err = await failure(connect(emulator).send(message({ to: [{ email: 'ok@example.com' }, { email: 'bob@' }] })));
    expect(err).toMatchObject({ code: 'invalid_recipient', retryable: false, failover: false, providerStatus: 400 });
    expect(err.providerCode).toBe('personalizations.0.to.1.email');
    expect(err.message).toContain('Does not contain a valid address.');
    expect(emulator.accepted.length).toBe(before);
  });

  it('maps other refusals to provider_rejected', async () => {
    const err = await failure(connect(emulator).send(message({ text: undefined, html: undefined })));
    expect(err).toMatchObject({ code: 'provider_rejected', providerCode: 'content', retryable: false });
  });

  it('refuses more than 10 distinct tags before calling SendGrid', async () => {
    const tags = Array.from({ length: 11 }, (_, i) => `t${i}`);
    const err = await failure(connect(emulator).send(message({ tags })));
    expect(err).toMatchObject({ code: 'provider_rejected', providerCode: 'categories' });
  });

  it('maps a 429 to provider_rate_limited with the wait SendGrid asked for', async () => {
    // A wait longer than any transport retry policy sleeps: the error surfaces with it at once.
    Object.assign(emulator.chaos, { rateLimitNext: 50, retryAfterSec: 30 });
    const err = await failure(connect(emulator).send(message()));
    expect(err).toMatchObject({ code: 'provider_rate_limited', providerStatus: 429, retryable: true });
    expect(err.retryAfter).toBeGreaterThanOrEqual(29);
    expect(err.retryAfter).toBeLessThanOrEqual(30);
    expect(err.message).toContain('too many requests');
  });

  it('maps a 500 to provider_unavailable', async () => {
    emulator.chaos.errorRate = 1;
    const err = await failure(connect(emulator).send(message()));
    expect(err).toMatchObject({ code: 'provider_unavailable', providerStatus: 500, retryable: true });
    expect(err.message).toContain('Internal error');
  });

  it('keeps a message whose connection was dropped after acceptance', async () => {
    const before = emulator.accepted.length;
    emulator.chaos.dropAfterAcceptNext = 1;
    const err = await failure(connect(emulator).send(message({ id: 'msg_dropped' })));
    expect(['provider_unavailable', 'provider_timeout']).toContain(err.code);
    expect(emulator.accepted.length).toBe(before + 1);
    expect(emulator.accepted.at(-1)!.body.personalizations[0]!.custom_args).toEqual({ switchboard_id: 'msg_dropped' });
  });
});
