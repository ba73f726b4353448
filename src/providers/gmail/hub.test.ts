/**
 * Gmail in a sandboxed hub: the default connection gets the emulator's URL, credentials and
 * access token, `POST /api/v1/integrations/email/send` reaches the emulator through the real
 * connector and transport, and a Gmail refusal fails over like any email provider's.
 */
import { simpleParser } from 'mailparser';
import { afterEach, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from '../../../test/helpers/hub.js';
import type { GmailEmulator } from './emulator/server.js';

const SEND = '/api/v1/integrations/email/send';

describe('Gmail in a sandboxed hub', () => {
  let t: TestHub | undefined;
  afterEach(async () => {
    await t?.close();
    t = undefined;
  });
  const gmailOf = async (hub: TestHub) => (await hub.hub.connections.sandbox('gmail')) as GmailEmulator;

  it('sends through the Gmail emulator with the token the sandbox connection got from it', async () => {
    t = await startTestHub({ EMAIL_PROVIDERS: 'gmail', GMAIL_FROM_EMAIL: 'me@gmail.example' });
    const res = await t.api(SEND, { body: { to: 'Ann <ann@example.com>', cc: 'carol@example.com', subject: 'Through the hub', text: 'hello', tags: ['welcome'] } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    const emulator = await gmailOf(t);
    expect(res.body).toMatchObject({ provider: 'gmail', status: 'sent', providerMessageId: emulator.accepted.at(-1)!.id });
    const connection = t.hub.connections.defaultConnection('gmail')!;
    expect(connection.tokens?.accessToken).toBe(emulator.tokens.accessToken);
    const parsed = await simpleParser(emulator.accepted.at(-1)!.raw);
    expect(parsed.subject).toBe('Through the hub');
    expect(parsed.from?.value).toEqual([{ address: 'me@gmail.example', name: '' }]);
    expect(parsed.headers.get('x-switchboard-id')).toBe(res.body.id);
    expect(parsed.headers.get('x-switchboard-tags')).toBe('welcome');
  });

  it('fails over from Gmail answering 401 (an expired token) to the next provider', async () => {
    t = await startTestHub({ EMAIL_PROVIDERS: 'gmail,smtp', GMAIL_FROM_EMAIL: 'me@gmail.example' });
    const emulator = await gmailOf(t);
    emulator.expireToken();
    const res = await t.api(SEND, { body: { to: 'ann@example.com', subject: 'Expired', text: 'hello' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.provider).toBe('smtp');
    expect(emulator.accepted).toHaveLength(0);
  });

  it('fails over into Gmail when the provider before it is down', async () => {
    t = await startTestHub({ EMAIL_PROVIDERS: 'sendgrid,gmail', GMAIL_FROM_EMAIL: 'me@gmail.example' });
    (await t.hub.connections.sandbox('sendgrid')).chaos.errorRate = 1;
    const res = await t.api(SEND, { body: { to: 'ann@example.com', subject: 'Failover', text: 'hello' } });
    expect(res.status, JSON.stringify(res.body)).toBe(200);
    expect(res.body.provider).toBe('gmail');
    expect((await gmailOf(t)).accepted).toHaveLength(1);
  });
});
