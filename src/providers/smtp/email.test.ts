import { randomBytes } from 'node:crypto';
import { createServer, type Socket } from 'node:net';
import { simpleParser } from 'mailparser';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { EmailMessage } from '../../categories/email/contract.js';
import { Transport } from '../../transport/transport.js';
import { createSmtpEmail, type SmtpEmailProvider } from './email.js';
import { startEmulator, type SmtpEmulator } from './emulator/index.js';
import { smtpCredentials, smtpManifest, type SmtpCredentials } from './manifest.js';
import type { ProviderManifest } from '../../kit/connector.js';
import { smtp } from './index.js';
import { failure } from '../../../test/helpers/hub-error.js';

let emulator: SmtpEmulator;
const closers: (() => Promise<void>)[] = [];

beforeAll(async () => {
  emulator = await startEmulator();
});
afterEach(async () => {
  await Promise.all(closers.splice(0).map((close) => close()));
  await expect.poll(() => emulator.openConnections, { timeout: 3_000 }).toBe(0);
  Object.assign(emulator.chaos, { errorRate: 0, latencyMs: 0, rateLimitNext: 0, dropAfterAcceptNext: 0 });
  emulator.accepted.length = 0;
});
afterAll(() => emulator.close());

/** Quick retries, so the transport's retry decisions are observable within the test. */
const quick = { ...smtpManifest, retry: { maxAttempts: 3, baseDelayMs: 10, maxDelayMs: 50 } };
/** No retries: the connector's own mapping reaches the test as it is. */
const once = { ...smtpManifest, retry: { maxAttempts: 1 } };

function connect(baseUrl: string, credentials: Record<string, string>, manifest: ProviderManifest<SmtpCredentials> = quick) {
  const connection = { id: 'c1', tenantId: 't', provider: 'smtp', mode: 'sandbox' as const, baseUrl, credentials: smtpCredentials.parse(credentials) };
  const http = new Transport().forConnection(manifest, connection);
  const { provider, close } = createSmtpEmail({ connection, http, clock: systemClock, logger: createLogger('silent') });
  closers.push(close);
  return provider;
}

const message = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  id: `msg_${randomBytes(6).toString('hex')}`,
  from: { email: 'sender@example.com', name: 'Sénder' },
  to: [{ email: 'alice@example.com', name: 'Alice' }],
  subject: 'Hello',
  text: 'Hello Alice',
  ...over,
});


describe('smtp connector against the emulator', () => {
  it('delivers html, text, attachments, cc, bcc and headers intact', async () => {
    const pdf = randomBytes(2048);
    const png = randomBytes(300);
    const msg = message({
      cc: [{ email: 'carol@example.com' }],
      bcc: [{ email: 'bob@example.com' }],
      replyTo: { email: 'support@example.com' },
      subject: 'Quarterly report — ünïcode ✓',
      text: 'Plain body\nsecond line\n.\nafter a lone dot',
      html: '<p>Hi <b>Alice</b></p><img src="cid:logo@sb">',
      attachments: [
        { filename: 'report.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' },
        { filename: 'logo.png', content: png.toString('base64'), contentType: 'image/png', contentId: 'logo@sb' },
      ],
      headers: { 'X-Campaign': 'spring' },
      tags: ['welcome', 'q3'],
      metadata: { orderId: '42', user_id: 'u-7' },
    });
    const result = await connect(emulator.url, emulator.credentials).send(msg);

    expect(emulator.accepted).toHaveLength(1);
    const got = emulator.accepted[0]!;
    expect(got.user).toBe('switchboard');
    expect(got.envelope.rcptTo.sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
    const parsed = await simpleParser(got.raw, { keepCidLinks: true });
    expect(parsed.subject).toBe(msg.subject);
    expect(parsed.text?.trim()).toBe(msg.text);
    expect(parsed.html).toBe(msg.html);
    expect(parsed.from?.value[0]).toEqual({ address: 'sender@example.com', name: 'Sénder' });
    expect(parsed.cc).toMatchObject({ value: [{ address: 'carol@example.com' }] });
    expect(parsed.replyTo).toMatchObject({ value: [{ address: 'support@example.com' }] });
    expect(parsed.headers.has('bcc')).toBe(false);
    const report = parsed.attachments.find((a) => a.filename === 'report.pdf');
    const logo = parsed.attachments.find((a) => a.filename === 'logo.png');
    expect(report).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf', contentDisposition: 'attachment' });
    expect(report!.content.equals(pdf)).toBe(true);
    expect(logo).toMatchObject({ filename: 'logo.png', contentDisposition: 'inline', cid: 'logo@sb' });
    expect(logo!.content.equals(png)).toBe(true);
    expect(parsed.headers.get('x-switchboard-id')).toBe(msg.id);
    expect(parsed.headers.get('x-switchboard-tags')).toBe('welcome, q3');
    expect(parsed.headers.get('x-switchboard-meta-orderid')).toBe('42');
    expect(parsed.headers.get('x-switchboard-meta-user_id')).toBe('u-7');
    expect(parsed.headers.get('x-campaign')).toBe('spring');
    expect(result).toMatchObject({ provider: 'smtp', status: 'sent', providerMessageId: `${msg.id}@example.com` });
    expect(parsed.messageId).toBe(`<${result.providerMessageId}>`);
    // the emulator's own decoding agrees
    expect(got.parsed).toMatchObject({ subject: msg.subject, html: msg.html, headers: { 'x-switchboard-id': msg.id } });
  });

  it('reuses one pooled connection and releases it on close()', async () => {
    const connection = { id: 'c1', tenantId: 't', provider: 'smtp', mode: 'sandbox' as const, baseUrl: emulator.url, credentials: smtpCredentials.parse(emulator.credentials) };
    const ctx = { connection, http: new Transport().forConnection(smtpManifest, connection), clock: systemClock, logger: createLogger('silent') };
    const provider = smtp.email!(ctx) as SmtpEmailProvider;
    for (let i = 0; i < 3; i++) await provider.send(message());
    expect(new Set(emulator.accepted.map((m) => m.connectionId)).size).toBe(1);
    expect(emulator.openConnections).toBe(1);
    await provider.close();
    await expect.poll(() => emulator.openConnections, { timeout: 3_000 }).toBe(0);
    await provider.send(message()); // a later send reopens the pool
    expect(emulator.accepted).toHaveLength(4);
    await provider.close();
  });

  it('maps a refused recipient to invalid_recipient', async () => {
    const err = await failure(connect(emulator.url, emulator.credentials).send(message({ to: [{ email: 'reject-me@example.com' }] })));
    expect(err).toMatchObject({ code: 'invalid_recipient', retryable: false, providerCode: '550' });
    expect(err.details?.rejected).toEqual(['reject-me@example.com']);
    expect(err.message).toContain('User unknown');
    expect(emulator.accepted).toHaveLength(0);
  });

  it('sends to the accepted recipients when only some are refused', async () => {
    const result = await connect(emulator.url, emulator.credentials).send(
      message({ to: [{ email: 'alice@example.com' }, { email: 'reject.this@example.com' }] }),
    );
    expect(result.raw).toMatchObject({ accepted: ['alice@example.com'], rejected: ['reject.this@example.com'] });
    expect(emulator.accepted[0]?.envelope.rcptTo).toEqual(['alice@example.com']);
  });

  it('maps a wrong password to provider_auth_failed', async () => {
    const err = await failure(connect(emulator.url, { ...emulator.credentials, pass: 'wrong' }).send(message()));
    expect(err).toMatchObject({ code: 'provider_auth_failed', retryable: false, providerCode: '535' });
    expect(err.message).toMatch(/SMTP_USER and SMTP_PASS/);
  });

  it('maps 421 throttling to provider_rate_limited, which the transport retries once the server allows', async () => {
    emulator.chaos.rateLimitNext = 1;
    const err = await failure(connect(emulator.url, emulator.credentials, once).send(message()));
    expect(err).toMatchObject({ code: 'provider_rate_limited', retryable: true, providerCode: '421', details: { sent: false } });
    expect(err.message).toContain('Too many messages, slow down');

    emulator.chaos.rateLimitNext = 1;
    await expect(connect(emulator.url, emulator.credentials).send(message())).resolves.toMatchObject({ status: 'sent' });
    expect(emulator.accepted).toHaveLength(1);
  });

  it('maps a 451 temporary failure to a retryable provider_unavailable, surely not sent', async () => {
    emulator.chaos.errorRate = 1;
    const err = await failure(connect(emulator.url, emulator.credentials, once).send(message()));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, providerCode: '451', details: { sent: false } });
    expect(err.details?.uncertain).toBeUndefined();
    expect(emulator.accepted).toHaveLength(0);
  });

  it('reports a connection dropped after DATA as uncertain and sends it only once', async () => {
    emulator.chaos.dropAfterAcceptNext = 1;
    const provider = connect(emulator.url, emulator.credentials);
    const msg = message();
    const err = await failure(provider.send(msg));
    expect(err).toMatchObject({ code: 'provider_unavailable', details: { uncertain: true } });
    expect(err.details?.sent).toBeUndefined();
    await new Promise((r) => setTimeout(r, 300)); // nodemailer would requeue after 50 ms
    expect(emulator.accepted.map((m) => m.parsed?.headers['x-switchboard-id'])).toEqual([msg.id]);
    await expect(provider.send(message())).resolves.toMatchObject({ status: 'sent' });
  });

  it('reports a reply slower than the timeout as provider_timeout, uncertain, not retried', async () => {
    emulator.chaos.latencyMs = 1_000;
    const err = await failure(connect(emulator.url, emulator.credentials, { ...quick, timeoutMs: 300 }).send(message()));
    expect(err).toMatchObject({ code: 'provider_timeout', retryable: true, details: { uncertain: true } });
    await new Promise((r) => setTimeout(r, 900));
    expect(emulator.accepted).toHaveLength(1);
  });

  it('maps a server that is down to provider_unavailable (surely not sent)', async () => {
    const down = await startEmulator();
    await down.close();
    const err = await failure(connect(down.url, down.credentials).send(message()));
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, details: { sent: false } });
    expect(err.details?.uncertain).toBeUndefined();
    expect(err.message).toMatch(/ECONNREFUSED.*SMTP_HOST and SMTP_PORT/);
  });

  it('fails a server that hangs up before its greeting at once instead of requeueing the message', async () => {
    let connections = 0;
    const hangUp = createServer((socket: Socket) => {
      connections++;
      socket.destroy();
    });
    await new Promise<void>((resolve) => hangUp.listen(0, '127.0.0.1', resolve));
    const { port } = hangUp.address() as { port: number };
    try {
      const started = Date.now();
      const provider = connect(`smtp://127.0.0.1:${port}`, {}, { ...once, timeoutMs: 3_000 });
      const err = await failure(provider.send(message()));
      expect(err).toMatchObject({ code: 'provider_unavailable', details: { sent: false } });
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(connections).toBe(1);
    } finally {
      await new Promise((resolve) => hangUp.close(resolve));
    }
  });

  it('refuses X-Switchboard-* headers and bad metadata keys before connecting', async () => {
    const down = await startEmulator();
    await down.close();
    // Had it connected, the closed port would answer provider_unavailable.
    const provider = connect(down.url, down.credentials);
    await expect(provider.send(message({ headers: { 'x-switchboard-id': 'forged' } }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(provider.send(message({ metadata: { 'bad key': 'x' } }))).rejects.toMatchObject({ code: 'validation_failed' });
    await expect(provider.send(message())).rejects.toMatchObject({ code: 'provider_unavailable' });
  });
});
