/**
 * The Gmail emulator over HTTP: Google's Bearer check and error shape, validation of `raw`,
 * what it keeps, `messages.get` formats, `getProfile`, chaos and the token handles.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startGmailEmulator, type GmailEmulator } from './server.js';

const mime = (lines: string[]): string => Buffer.from(`${lines.join('\r\n')}\r\n`).toString('base64url');
const MINIMAL = mime(['From: me@gmail.example', 'To: "Ann Lee" <ann@example.com>', 'Bcc: audit@example.com', 'Subject: Hi', 'Message-ID: <m1@gmail.example>', '', 'Hello Ann']);

describe('Gmail emulator', () => {
  let emu: GmailEmulator;
  const call = (path: string, init: { method?: string; token?: string | null; body?: unknown } = {}) =>
    fetch(`${emu.url}${path}`, {
      method: init.method ?? (init.body === undefined ? 'GET' : 'POST'),
      headers: {
        ...(init.token === null ? {} : { authorization: `Bearer ${init.token ?? emu.tokens.accessToken}` }),
        ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
    });
  const send = (body: unknown, token?: string | null) => call('/gmail/v1/users/me/messages/send', { body, token });
  const errorOf = async (res: Response) => ((await res.json()) as { error: { code: number; status: string; message: string; errors: { reason: string }[] } }).error;

  beforeAll(async () => {
    emu = await startGmailEmulator({ emailAddress: 'me@gmail.example' });
  });
  afterAll(() => emu.close());
  beforeEach(() => Object.assign(emu.chaos, { errorRate: 0, rateLimitNext: 0, latencyMs: 0 }));

  it('sends a valid message and keeps it decoded, Bcc out of the delivered headers', async () => {
    const res = await send({ raw: MINIMAL });
    expect(res.status).toBe(200);
    const sent = (await res.json()) as { id: string; threadId: string; labelIds: string[] };
    expect(sent).toEqual({ id: expect.stringMatching(/^[0-9a-f]{16}$/), threadId: sent.id, labelIds: ['SENT'] });
    const kept = emu.accepted.at(-1)!;
    expect(kept.parsed).toMatchObject({ subject: 'Hi', to: [{ address: 'ann@example.com', name: 'Ann Lee' }], bcc: [{ address: 'audit@example.com', name: '' }] });
    expect(kept.parsed.headers.bcc).toBeUndefined();
    expect(kept.parsed.text?.trim()).toBe('Hello Ann');
  });

  it('answers 401 in Google’s shape without a token, or with one it does not accept', async () => {
    const none = await send({ raw: MINIMAL }, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer /);
    expect(await errorOf(none)).toMatchObject({ code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'required' }] });
    const wrong = await send({ raw: MINIMAL }, 'ya29.not-issued-here');
    expect(wrong.status).toBe(401);
    expect(await errorOf(wrong)).toMatchObject({ code: 401, status: 'UNAUTHENTICATED', errors: [{ reason: 'authError' }] });
  });

  it.each([
    ['no raw', {}, "'raw' RFC822 payload"],
    ['raw that is not base64', { raw: 'not base64!' }, 'Base64 decoding failed'],
    ['no recipient', { raw: mime(['From: me@gmail.example', 'Subject: Hi', '', 'x']) }, 'Recipient address required'],
    ['a malformed To', { raw: mime(['To: bob@', 'Subject: Hi', '', 'x']) }, 'Invalid To header'],
    ['a malformed Cc', { raw: mime(['To: ann@example.com', 'Cc: carol@@example', 'Subject: Hi', '', 'x']) }, 'Invalid Cc header'],
  ])('refuses %s with a 400 invalidArgument, keeping nothing', async (_name, body, said) => {
    const before = emu.accepted.length;
    const res = await send(body);
    expect(res.status).toBe(400);
    const error = await errorOf(res);
    expect(error).toMatchObject({ code: 400, status: 'INVALID_ARGUMENT', errors: [{ reason: 'invalidArgument' }] });
    expect(error.message).toContain(said);
    expect(emu.accepted.length).toBe(before);
  });

  it('answers messages.get as raw, metadata (filtered headers) and minimal; 404 for an unknown id', async () => {
    const { id } = (await (await send({ raw: MINIMAL })).json()) as { id: string };
    const raw = (await (await call(`/gmail/v1/users/me/messages/${id}?format=raw`)).json()) as { raw: string; id: string };
    expect(Buffer.from(raw.raw, 'base64url').toString()).toBe(Buffer.from(MINIMAL, 'base64url').toString());
    const meta = (await (await call(`/gmail/v1/users/me/messages/${id}?format=metadata&metadataHeaders=Subject&metadataHeaders=To`)).json()) as { payload: { headers: { name: string; value: string }[] } };
    expect(meta.payload.headers).toEqual([
      { name: 'To', value: '"Ann Lee" <ann@example.com>' },
      { name: 'Subject', value: 'Hi' },
    ]);
    const minimal = (await (await call(`/gmail/v1/users/me/messages/${id}?format=minimal`)).json()) as Record<string, unknown>;
    expect(minimal).toMatchObject({ id, labelIds: ['SENT'], snippet: 'Hello Ann' });
    expect(minimal).not.toHaveProperty('raw');
    const missing = await call('/gmail/v1/users/me/messages/0000000000000000?format=raw');
    expect(missing.status).toBe(404);
    expect(await errorOf(missing)).toMatchObject({ status: 'NOT_FOUND', errors: [{ reason: 'notFound' }] });
    expect((await call(`/gmail/v1/users/me/messages/${id}?format=weird`)).status).toBe(400);
  });

  it('answers getProfile for me and for its own address; another user is delegation denied', async () => {
    const profile = (await (await call('/gmail/v1/users/me/profile')).json()) as { emailAddress: string; messagesTotal: number };
    expect(profile).toMatchObject({ emailAddress: 'me@gmail.example', messagesTotal: emu.accepted.length });
    expect((await call('/gmail/v1/users/me%40gmail.example/profile')).status).toBe(200);
    const other = await call('/gmail/v1/users/someone@example.com/profile');
    expect(other.status).toBe(403);
  });

  it('threads a reply by In-Reply-To', async () => {
    const first = (await (await send({ raw: mime(['To: ann@example.com', 'Subject: T', 'Message-ID: <t1@gmail.example>', '', 'a']) })).json()) as { threadId: string };
    const reply = (await (await send({ raw: mime(['To: ann@example.com', 'Subject: Re: T', 'In-Reply-To: <t1@gmail.example>', '', 'b']) })).json()) as { threadId: string; id: string };
    expect(reply.threadId).toBe(first.threadId);
    expect(reply.id).not.toBe(first.threadId);
  });

  it('expires its token on request (a handle and an HTTP control), and accepts a newly issued one', async () => {
    const own = await startGmailEmulator();
    try {
      const first = own.tokens.accessToken;
      own.expireToken();
      expect((await fetch(`${own.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${first}` } })).status).toBe(401);
      const second = own.issueToken().accessToken;
      expect((await fetch(`${own.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(200);
      await fetch(`${own.url}/__emulator/expire-token`, { method: 'POST' });
      expect((await fetch(`${own.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${second}` } })).status).toBe(401);
    } finally {
      await own.close();
    }
  });

  it('keeps its own token past the hour (a sandbox default connection has no grant to renew it with)', async () => {
    const own = await startGmailEmulator();
    const realNow = Date.now;
    try {
      expect(own.tokens.expiresAt).toBeUndefined(); // the hub never schedules a renewal it cannot make
      Date.now = () => realNow() + 2 * 3_600_000;
      expect((await fetch(`${own.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${own.tokens.accessToken}` } })).status).toBe(200);
    } finally {
      Date.now = realNow;
      await own.close();
    }
  });

  it('accepts the tokens an injected validToken accepts, and only those', async () => {
    const seen: string[] = [];
    const own = await startGmailEmulator({ validToken: async (t) => (seen.push(t), t === 'ya29.from-the-auth-server') });
    try {
      const profile = (token: string) => fetch(`${own.url}/gmail/v1/users/me/profile`, { headers: { authorization: `Bearer ${token}` } });
      expect((await profile('ya29.from-the-auth-server')).status).toBe(200);
      expect((await profile(own.tokens.accessToken)).status).toBe(401);
      expect(seen).toEqual(['ya29.from-the-auth-server', own.tokens.accessToken]);
    } finally {
      await own.close();
    }
  });

  it('chaos: 429 with Retry-After and 500 in Google’s shape, added latency', async () => {
    Object.assign(emu.chaos, { rateLimitNext: 1, retryAfterSec: 4 });
    const limited = await send({ raw: MINIMAL });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(await errorOf(limited)).toMatchObject({ status: 'RESOURCE_EXHAUSTED', errors: [{ reason: 'rateLimitExceeded' }] });
    emu.chaos.errorRate = 1;
    const failed = await send({ raw: MINIMAL });
    expect(failed.status).toBe(500);
    expect(await errorOf(failed)).toMatchObject({ status: 'INTERNAL', errors: [{ reason: 'backendError' }] });
    Object.assign(emu.chaos, { errorRate: 0, latencyMs: 150 });
    const started = Date.now();
    expect((await send({ raw: MINIMAL })).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(140);
  });
});
