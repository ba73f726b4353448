import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { NO_CHAOS } from '../../kit/emulator.js';
import type { EmailMessage } from '../../categories/email/contract.js';
import { buildMailgunForm } from './email.js';
import { startMailgunEmulator, type MailgunEmulator } from './emulator/index.js';
import { mailgunCredentials, mailgunManifest } from './manifest.js';
import { connectMailgun } from './test-utils/connect.js';
import { failure } from '../../../test/helpers/hub-error.js';

let emu: MailgunEmulator;
beforeAll(async () => {
  emu = await startMailgunEmulator();
});
afterAll(async () => emu.close());
afterEach(() => Object.assign(emu.chaos, NO_CHAOS));

const message = (over: Partial<EmailMessage> = {}): EmailMessage => ({
  id: 'msg_test1',
  from: { email: 'app@sandbox.switchboard.test', name: 'The App' },
  to: [{ email: 'ann@example.com', name: 'Ann, "A."' }, { email: 'bob@example.com' }],
  subject: 'Hello',
  text: 'Hi there',
  ...over,
});


describe('buildMailgunForm', () => {
  it("sends the hub id once, as v:switchboard_id, even when metadata tries to set it", () => {
    const { form, droppedTags } = buildMailgunForm(message({ metadata: { switchboard_id: 'spoofed', plan: 'pro' }, tags: ['a', 'b', 'c', 'd', 'e'] }));
    expect(form.getAll('v:switchboard_id')).toEqual(['msg_test1']);
    expect(form.getAll('v:plan')).toEqual(['pro']);
    expect(form.getAll('o:tag')).toEqual(['a', 'b', 'c']);
    expect(droppedTags).toEqual(['d', 'e']);
  });
});

describe('mailgun email connector against the emulator', () => {
  it('sends every field as Mailgun form fields and returns the id without angle brackets', async () => {
    const email = connectMailgun(emu.url, emu.credentials);
    const pdf = Buffer.from('%PDF-1.4 fake');
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47]);
    const result = await email.send(
      message({
        cc: [{ email: 'carl@example.com' }],
        bcc: [{ email: 'dora@example.com' }],
        replyTo: { email: 'help@example.com', name: 'Help' },
        html: '<p>Hi <img src="cid:logo"></p>',
        headers: { 'X-Campaign': 'spring' },
        tags: ['a', 'b', 'c', 'd'],
        metadata: { plan: 'pro', switchboard_id: 'spoofed' },
        attachments: [
          { filename: 'invoice.pdf', content: pdf.toString('base64'), contentType: 'application/pdf' },
          { filename: 'logo.png', content: png.toString('base64'), contentType: 'image/png', disposition: 'inline', contentId: 'logo' },
        ],
      }),
    );
    const kept = emu.accepted.at(-1)!;
    expect(result.provider).toBe('mailgun');
    expect(result.providerMessageId).toBe(kept.messageId);
    expect(result.providerMessageId).not.toMatch(/[<>]/);
    expect(result.raw).toMatchObject({ message: 'Queued. Thank you.' });

    expect(kept.encoding).toBe('multipart');
    expect(kept.from).toBe('"The App" <app@sandbox.switchboard.test>');
    expect(kept.recipients).toEqual(['ann@example.com', 'bob@example.com', 'carl@example.com', 'dora@example.com']);
    expect(kept.to[0]).toBe('"Ann, \\"A.\\"" <ann@example.com>');
    expect(kept).toMatchObject({ subject: 'Hello', text: 'Hi there', html: '<p>Hi <img src="cid:logo"></p>' });
    expect(kept.headers).toEqual({ 'Reply-To': '"Help" <help@example.com>', 'X-Campaign': 'spring' });
    expect(kept.tags).toEqual(['a', 'b', 'c']);
    expect(kept.variables).toEqual({ plan: 'pro', switchboard_id: 'msg_test1' });
    expect(kept.attachments.map(({ field, filename, contentType }) => ({ field, filename, contentType }))).toEqual([
      { field: 'attachment', filename: 'invoice.pdf', contentType: 'application/pdf' },
      { field: 'inline', filename: 'logo', contentType: 'image/png' },
    ]);
    expect(kept.attachments[0]!.content.equals(pdf)).toBe(true);
    expect(kept.attachments[1]!.content.equals(png)).toBe(true);
  });

  it('picks the EU host for region eu (and accepts "EU" from env)', () => {
    const eu = mailgunCredentials.parse({ apiKey: 'k', domain: 'mg.example.com', region: 'EU' });
    const us = mailgunCredentials.parse({ apiKey: 'k', domain: 'mg.example.com', region: '' });
    expect(mailgunManifest.baseUrlFor?.(eu)).toBe('https://api.eu.mailgun.net');
    expect(mailgunManifest.baseUrlFor?.(us)).toBe('https://api.mailgun.net');
    const bad = mailgunCredentials.safeParse({ apiKey: 'k', domain: 'mg.example.com', region: 'asia' });
    expect(bad.success).toBe(false);
    expect(bad.error?.issues[0]?.message).toContain("MAILGUN_REGION must be 'us' or 'eu'");
  });

  it('falls back to MAILGUN_FROM_EMAIL when the message has no sender, and refuses without either', async () => {
    const noFrom = message({ from: { email: '' } });
    await connectMailgun(emu.url, { ...emu.credentials, fromEmail: 'default@sandbox.switchboard.test' }).send(noFrom);
    expect(emu.accepted.at(-1)!.from).toBe('default@sandbox.switchboard.test');
    const err = await failure(connectMailgun(emu.url, emu.credentials).send(noFrom));
    expect(err.code).toBe('validation_failed');
  });

  it('maps a wrong API key to provider_auth_failed', async () => {
    const email = connectMailgun(emu.url, { ...emu.credentials, apiKey: 'key-wrong' });
    const err = await failure(email.send(message()));
    expect(err.code).toBe('provider_auth_failed');
    expect(err.providerStatus).toBe(401);
    expect(err.message).toContain('Forbidden');
  });

  it('maps an unknown domain to provider_auth_failed naming MAILGUN_DOMAIN', async () => {
    const email = connectMailgun(emu.url, { ...emu.credentials, domain: 'mg.nowhere.test' });
    const err = await failure(email.send(message()));
    expect(err.code).toBe('provider_auth_failed');
    expect(err.providerStatus).toBe(404);
    expect(err.message).toContain('Domain not found: mg.nowhere.test');
  });

  it('maps an invalid recipient to invalid_recipient and keeps nothing', async () => {
    const before = emu.accepted.length;
    const email = connectMailgun(emu.url, emu.credentials);
    const err = await failure(email.send(message({ to: [{ email: 'not-an-address' }] })));
    expect(err.code).toBe('invalid_recipient');
    expect(err.message).toContain("'to' parameter is not a valid address");
    expect(emu.accepted.length).toBe(before);
  });

  it('maps chaos 429 to provider_rate_limited with Retry-After', async () => {
    Object.assign(emu.chaos, { rateLimitNext: 10, retryAfterSec: 0 });
    const err = await failure(connectMailgun(emu.url, emu.credentials).send(message()));
    expect(err.code).toBe('provider_rate_limited');
    expect(err.retryAfter).toBe(0);
  });

  it('maps chaos 500 to provider_unavailable', async () => {
    emu.chaos.errorRate = 1;
    const err = await failure(connectMailgun(emu.url, emu.credentials).send(message()));
    expect(err.code).toBe('provider_unavailable');
    expect(err.providerStatus).toBe(500);
  });

  it('keeps the message when chaos drops the connection after accepting', async () => {
    emu.chaos.dropAfterAcceptNext = 1;
    const before = emu.accepted.length;
    const err = await failure(connectMailgun(emu.url, emu.credentials).send(message({ id: 'msg_dropped' })));
    expect(err.code).toMatch(/^provider_(unavailable|timeout)$/);
    expect(emu.accepted.length).toBe(before + 1);
    expect(emu.accepted.at(-1)!.variables.switchboard_id).toBe('msg_dropped');
  });
});
