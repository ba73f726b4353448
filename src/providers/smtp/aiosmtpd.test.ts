/**
 * The connector against an SMTP server nobody on this team wrote: Debian's python3-aiosmtpd,
 * storing what it receives in a Maildir. Without the package the test is skipped loudly, and
 * fails when CI=true.
 */
import { randomBytes } from 'node:crypto';
import { simpleParser } from 'mailparser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemClock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import { Transport } from '../../transport/transport.js';
import { createSmtpEmail } from './email.js';
import { smtpCredentials, smtpManifest } from './manifest.js';
import { AIOSMTPD_PACKAGE as PACKAGE, findAiosmtpdPython, startAiosmtpd, warnAiosmtpdMissing, type AiosmtpdServer } from './test-utils/aiosmtpd.js';

const inCi = process.env.CI === 'true';
const python = findAiosmtpdPython();
if (!python && !inCi) warnAiosmtpdMissing('the SMTP test against a real server');

describe.skipIf(!python && !inCi)(`smtp connector against ${PACKAGE} (a real, independent SMTP server)`, () => {
  let server: AiosmtpdServer | undefined;
  let baseUrl = '';
  const SIZE_LIMIT = 200_000;

  beforeAll(async () => {
    if (!python) throw new Error(`CI=true but ${PACKAGE} is not installed: add \`apt-get install -y ${PACKAGE}\` to the CI image`);
    server = await startAiosmtpd(python, { sizeLimit: SIZE_LIMIT });
    baseUrl = server.baseUrl;
  });

  afterAll(async () => {
    await server?.stop();
  });

  const connect = () => {
    const connection = { id: 'c1', tenantId: 't', provider: 'smtp', mode: 'live' as const, baseUrl, credentials: smtpCredentials.parse({ host: '127.0.0.1' }) };
    const once = { ...smtpManifest, retry: { maxAttempts: 1 } };
    return createSmtpEmail({ connection, http: new Transport().forConnection(once, connection), clock: systemClock, logger: createLogger('silent') });
  };
  const delivered = () => server!.delivered();

  it('delivers subject, bodies, attachment, envelope and headers intact', async () => {
    const pdf = randomBytes(4096);
    const { provider, close } = connect();
    try {
      const result = await provider.send({
        id: 'msg_aiosmtpd_1',
        from: { email: 'sender@example.com', name: 'Zoë Sender' },
        to: [{ email: 'alice@example.com' }],
        cc: [{ email: 'carol@example.com' }],
        bcc: [{ email: 'bob@example.com' }],
        subject: 'Réunion — ✓ confirmed',
        text: 'Line one\n.\n..two dots\nend',
        html: '<p>Hello <i>Alice</i></p>',
        attachments: [{ filename: 'report.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' }],
        headers: { 'X-Campaign': 'spring' },
        tags: ['welcome'],
        metadata: { orderId: '42' },
      });
      const files = await delivered();
      expect(files).toHaveLength(1);
      const mail = await simpleParser(files[0]!);
      expect(mail.subject).toBe('Réunion — ✓ confirmed');
      expect(mail.text?.trim()).toBe('Line one\n.\n..two dots\nend');
      expect(mail.html).toBe('<p>Hello <i>Alice</i></p>');
      expect(mail.from?.value[0]).toEqual({ address: 'sender@example.com', name: 'Zoë Sender' });
      expect(mail.attachments).toHaveLength(1);
      expect(mail.attachments[0]).toMatchObject({ filename: 'report.pdf', contentType: 'application/pdf' });
      expect(mail.attachments[0]!.content.equals(pdf)).toBe(true);
      expect(mail.headers.get('x-switchboard-id')).toBe('msg_aiosmtpd_1');
      expect(mail.headers.get('x-switchboard-tags')).toBe('welcome');
      expect(mail.headers.get('x-switchboard-meta-orderid')).toBe('42');
      expect(mail.headers.get('x-campaign')).toBe('spring');
      expect(mail.headers.has('bcc')).toBe(false);
      // aiosmtpd's Message handler records the envelope as X-MailFrom / X-RcptTo
      expect(mail.headers.get('x-mailfrom')).toBe('sender@example.com');
      expect(String(mail.headers.get('x-rcptto')).split(/,\s*/).sort()).toEqual(['alice@example.com', 'bob@example.com', 'carol@example.com']);
      expect(mail.messageId).toBe(`<${result.providerMessageId}>`);
      expect(result.raw).toMatchObject({ response: expect.stringMatching(/^250 /) });
    } finally {
      await close();
    }
  });

  it('maps its 552 for an oversized message to provider_rejected, and stores nothing', async () => {
    const before = (await delivered()).length;
    const { provider, close } = connect();
    try {
      const big = randomBytes(SIZE_LIMIT).toString('base64');
      const err = await provider
        .send({ id: 'msg_big', from: { email: 's@example.com' }, to: [{ email: 'a@example.com' }], subject: 'big', text: 'x', attachments: [{ filename: 'big.bin', content: big }] })
        .then(() => undefined, (e: unknown) => e);
      expect(err).toMatchObject({ code: 'provider_rejected', providerCode: '552', retryable: false });
      expect((err as Error).message).toMatch(/552/);
      expect(await delivered()).toHaveLength(before);
    } finally {
      await close();
    }
  });
});
