import { afterEach, describe, expect, it } from 'vitest';
import type { TokenSet } from '../kit/connector.js';
import { gmail } from '../providers/gmail/index.js';
import { sendgrid } from '../providers/sendgrid/index.js';
import { Sandboxes } from './sandboxes.js';

describe('Sandboxes', () => {
  let sandboxes: Sandboxes;
  afterEach(() => sandboxes?.close());

  it('puts the emulator’s OAuth tokens on a sandbox connection that has none, and they work against it', async () => {
    sandboxes = new Sandboxes();
    sandboxes.add(gmail as never);
    const connection: { tokens?: TokenSet } = {};
    const emulator = await sandboxes.start('gmail', connection);
    expect(connection.tokens?.accessToken).toBe(emulator.tokens?.accessToken);
    const res = await fetch(`${emulator.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${connection.tokens!.accessToken}` } });
    expect(res.status).toBe(200);
    // the same running emulator for the next caller, whose connection gets the same token
    const again: { tokens?: TokenSet } = {};
    expect(await sandboxes.start('gmail', again)).toBe(emulator);
    expect(again.tokens?.accessToken).toBe(emulator.tokens?.accessToken);
  });

  it('keeps the tokens a connection holds of its own', async () => {
    sandboxes = new Sandboxes();
    sandboxes.add(gmail as never);
    const own: TokenSet = { accessToken: 'ya29.from-the-sandbox-authorization-server', refreshToken: 'r' };
    const connection = { tokens: own };
    await sandboxes.start('gmail', connection);
    expect(connection.tokens).toBe(own);
  });

  it('gives no tokens for a provider whose emulator issues none (SendGrid), nor without a connection', async () => {
    sandboxes = new Sandboxes();
    sandboxes.add(sendgrid as never);
    sandboxes.add(gmail as never);
    const connection: { tokens?: TokenSet } = {};
    const emulator = await sandboxes.start('sendgrid', connection);
    expect(emulator.tokens).toBeUndefined();
    expect(connection).toEqual({});
    await expect(sandboxes.start('gmail')).resolves.toMatchObject({ tokens: { accessToken: expect.stringMatching(/^ya29\./) } });
    await expect(sandboxes.start('nope')).rejects.toThrow('nope has no emulator');
  });
});
