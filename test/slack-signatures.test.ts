/**
 * Slack request signing judged by code nobody on this team wrote: `@slack/bolt`'s
 * `isValidSlackRequest`. Slack's published vector (documentation: signing secret, timestamp, a
 * slash-command body and its signature) is reproduced by our signer and accepted by bolt and by
 * the hub's verifier at that moment; requests the Slack emulator signs and posts (commands, events,
 * interactions) are accepted by both, and tampered or stale ones refused by both.
 */
import { createServer, type Server } from 'node:http';
import { isValidSlackRequest } from '@slack/bolt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HubError } from '../src/core/errors.js';
import { parseSlackRequest, signSlackRequest, slackWebhooks, startSlackEmulator, type SlackEmulator } from '../src/providers/slack/index.js';
import { vectors } from './fixtures/vectors/index.js';

interface Captured {
  body: string;
  headers: Record<string, string>;
}

/** What the hub's verifier says: 'ok', or the HubError code. */
function hubSays(secret: string, body: string, headers: Record<string, string>, nowMs: number): string {
  try {
    slackWebhooks.verify({ rawBody: Buffer.from(body), headers, secrets: [secret], now: nowMs, toleranceSec: 300 });
    return 'ok';
  } catch (err) {
    return err instanceof HubError ? err.code : String(err);
  }
}

/** What bolt says. */
function boltSays(secret: string, body: string, headers: Record<string, string>, nowMs: number): boolean {
  return isValidSlackRequest({
    signingSecret: secret,
    body,
    headers: { 'x-slack-signature': headers['x-slack-signature']!, 'x-slack-request-timestamp': Number(headers['x-slack-request-timestamp']) },
    nowMilliseconds: nowMs,
  });
}

describe("Slack's published vector", () => {
  const v = vectors.slack();
  const at = Number(v.timestamp) * 1000 + 30_000;

  it('our signer reproduces the documented signature; bolt and the hub accept it at that time', () => {
    const headers = signSlackRequest(v.signingSecret, Number(v.timestamp), v.body);
    expect(headers['x-slack-signature']).toBe(v.signature);
    expect(boltSays(v.signingSecret, v.body, headers, at)).toBe(true);
    expect(hubSays(v.signingSecret, v.body, headers, at)).toBe('ok');
  });

  it('both refuse it six minutes later, and with a changed body', () => {
    const headers = { 'x-slack-signature': v.signature, 'x-slack-request-timestamp': v.timestamp };
    const later = Number(v.timestamp) * 1000 + 6 * 60_000;
    expect(boltSays(v.signingSecret, v.body, headers, later)).toBe(false);
    expect(hubSays(v.signingSecret, v.body, headers, later)).toBe('webhook_timestamp_stale');
    const changed = v.body.replace('user_name=roadrunner', 'user_name=coyote');
    expect(boltSays(v.signingSecret, changed, headers, at)).toBe(false);
    expect(hubSays(v.signingSecret, changed, headers, at)).toBe('webhook_signature_invalid');
  });

  it('parses into chat.command with its response_url', () => {
    const [event] = parseSlackRequest(Buffer.from(v.body));
    expect(event).toMatchObject({
      type: 'chat.command',
      providerEventId: 'command:398738663015.47445629121.803a0bc887a14d10d2c447fce8b6703c',
      data: { command: '/webhook-collect', text: '', user: 'U2CERLKJA', channel: 'G8PSS9T3V', teamId: 'T1DC2JH3J', responseUrl: 'https://hooks.slack.com/commands/T1DC2JH3J/397700885554/96rGlfmibIGlgcZRskXaIFfN' },
    });
    expect(JSON.stringify(event!.raw)).not.toContain('xyzz0WbapA4vBCDEFasx0q6G'); // the legacy verification token is not kept
  });
});

describe('requests the Slack emulator signs', () => {
  let emulator: SlackEmulator;
  let receiver: Server;
  let target: string;
  const captured: Captured[] = [];

  beforeAll(async () => {
    emulator = await startSlackEmulator();
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        captured.push({ body: Buffer.concat(chunks).toString('utf8'), headers: Object.fromEntries(Object.entries(req.headers).map(([k, val]) => [k, String(val)])) });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const address = receiver.address();
    if (!address || typeof address === 'string') throw new Error('no port');
    target = `http://127.0.0.1:${address.port}/webhooks/slack`;
  });
  afterAll(async () => {
    await emulator?.close();
    await new Promise((r) => receiver?.close(r));
  });

  it('commands, events and interactions: accepted by bolt and by the hub alike', async () => {
    await emulator.slashCommand({ command: '/deal', text: '42', target });
    await emulator.event({ event: { type: 'message', channel: 'C0GENERAL', user: 'U0ADA', text: 'hi', ts: '1712345678.000300' }, target });
    await emulator.interaction({ payload: { type: 'block_actions', actions: [{ action_id: 'a' }] }, target });
    expect(captured).toHaveLength(3);
    const secret = emulator.credentials.signingSecret;
    for (const c of captured) {
      expect(boltSays(secret, c.body, c.headers, Date.now())).toBe(true);
      expect(hubSays(secret, c.body, c.headers, Date.now())).toBe('ok');
    }
    expect(captured.map((c) => parseSlackRequest(Buffer.from(c.body))[0]?.type)).toEqual(['chat.command', 'chat.message', 'chat.interaction']);
  });

  it('tampered, wrongly keyed and stale ones: refused by both', async () => {
    captured.length = 0;
    await emulator.slashCommand({ command: '/deal', text: '7', target });
    await emulator.slashCommand({ command: '/deal', text: 'old', target, timestampSec: Math.floor(Date.now() / 1000) - 6 * 60 });
    const [fresh, stale] = captured as [Captured, Captured];
    const secret = emulator.credentials.signingSecret;
    const tampered = fresh.body.replace('text=7', 'text=8');
    const cases: [string, string, Record<string, string>, string][] = [
      ['tampered body', secret, { ...fresh.headers }, tampered],
      ['another secret', 'not-the-signing-secret', fresh.headers, fresh.body],
      ['stale timestamp', secret, stale.headers, stale.body],
      ['signature of another timestamp', secret, { ...fresh.headers, 'x-slack-request-timestamp': String(Number(fresh.headers['x-slack-request-timestamp']) - 1) }, fresh.body],
    ];
    for (const [what, key, headers, body] of cases) {
      expect(boltSays(key, body, headers, Date.now()), what).toBe(false);
      expect(hubSays(key, body, headers, Date.now()), what).not.toBe('ok');
    }
    expect(hubSays(secret, stale.body, stale.headers, Date.now())).toBe('webhook_timestamp_stale');
  });
});
