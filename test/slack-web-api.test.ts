/**
 * The Slack emulator driven by Slack's own client, `@slack/web-api`'s `WebClient` with
 * `slackApiUrl` pointed at it: what the official client sends (form bodies, the bearer token,
 * pagination cursors) is what the emulator understands, and its answers and errors are what the
 * client expects (`ok: false` as platform errors, 429 with Retry-After as a rate-limited error).
 */
import { ErrorCode, LogLevel, WebClient, type WebAPIPlatformError, type WebAPIRateLimitedError } from '@slack/web-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSlackEmulator, type SlackEmulator } from '../src/providers/slack/index.js';

/** The client logs platform errors it also throws: keep the test output for failures. */
const quiet = { debug() {}, info() {}, warn() {}, error() {}, setLevel() {}, getLevel: () => LogLevel.ERROR, setName() {} };
let emulator: SlackEmulator;
let web: WebClient;

beforeAll(async () => {
  emulator = await startSlackEmulator();
  web = new WebClient(emulator.credentials.botToken, { slackApiUrl: `${emulator.url}/`, retryConfig: { retries: 0 }, rejectRateLimitedCalls: true, logger: quiet });
});
afterAll(() => emulator?.close());

const platformError = async (p: Promise<unknown>): Promise<string | undefined> => {
  try {
    await p;
    return undefined;
  } catch (err) {
    expect((err as WebAPIPlatformError).code).toBe(ErrorCode.PlatformError);
    return (err as WebAPIPlatformError).data.error;
  }
};

describe('Slack emulator × @slack/web-api WebClient', () => {
  it('auth.test, chat.postMessage with blocks, a thread reply, chat.update, chat.delete', async () => {
    expect(await web.auth.test()).toMatchObject({ ok: true, user_id: 'U0BOT', team_id: 'T0EMULATOR' });
    const posted = await web.chat.postMessage({ channel: 'C0GENERAL', text: 'hello', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*hello*' } }] });
    expect(posted).toMatchObject({ ok: true, channel: 'C0GENERAL', message: { text: 'hello', blocks: [{ type: 'section' }] } });
    const reply = await web.chat.postMessage({ channel: 'C0GENERAL', text: 'in thread', thread_ts: posted.ts! });
    const thread = await web.conversations.replies({ channel: 'C0GENERAL', ts: posted.ts! });
    expect(thread.messages!.map((m) => m.ts)).toEqual([posted.ts, reply.ts]);
    expect(await web.chat.update({ channel: 'C0GENERAL', ts: posted.ts!, text: 'edited' })).toMatchObject({ ok: true, text: 'edited' });
    expect(await web.chat.delete({ channel: 'C0GENERAL', ts: reply.ts! })).toMatchObject({ ok: true, ts: reply.ts });
    expect(emulator.requests.every((r) => /application\/x-www-form-urlencoded/.test(r.contentType))).toBe(true);
  });

  it('conversations.create, conversations.list paginated by the client, conversations.invite, users.lookupByEmail', async () => {
    for (const name of ['wc-a', 'wc-b', 'wc-c']) await web.conversations.create({ name });
    const names: string[] = [];
    for await (const page of web.paginate('conversations.list', { limit: 2 })) names.push(...(((page as { channels?: { name: string }[] }).channels) ?? []).map((c) => c.name));
    expect(names).toEqual(expect.arrayContaining(['general', 'random', 'wc-a', 'wc-b', 'wc-c']));
    expect(new Set(names).size).toBe(names.length);
    const user = await web.users.lookupByEmail({ email: 'ada@sandbox.example.com' });
    expect(user.user).toMatchObject({ id: 'U0ADA', profile: { email: 'ada@sandbox.example.com' } });
    const created = emulator.workspace.channel('wc-a')!;
    expect(await web.conversations.invite({ channel: created.id, users: 'U0ADA,U0GRACE' })).toMatchObject({ ok: true, channel: { id: created.id } });
    expect([...created.members]).toEqual(expect.arrayContaining(['U0ADA', 'U0GRACE']));
  });

  it("Slack's errors: ok:false platform errors, not_authed, invalid_auth", async () => {
    expect(await platformError(web.chat.postMessage({ channel: 'C0NOPE', text: 'x' }))).toBe('channel_not_found');
    expect(await platformError(web.chat.postMessage({ channel: 'C0RANDOM', text: 'x' }))).toBe('not_in_channel');
    expect(await platformError(web.conversations.create({ name: 'wc-a' }))).toBe('name_taken');
    expect(await platformError(web.users.lookupByEmail({ email: 'nobody@example.com' }))).toBe('users_not_found');
    expect(await platformError(web.chat.postMessage({ channel: 'C0GENERAL', text: 'x', blocks: 'not blocks' as never }))).toBe('invalid_blocks');
    const anonymous = new WebClient(undefined, { slackApiUrl: `${emulator.url}/`, retryConfig: { retries: 0 } });
    expect(await platformError(anonymous.chat.postMessage({ channel: 'C0GENERAL', text: 'x' }))).toBe('not_authed');
    const wrong = new WebClient('xoxb-wrong', { slackApiUrl: `${emulator.url}/`, retryConfig: { retries: 0 } });
    expect(await platformError(wrong.auth.test())).toBe('invalid_auth');
  });

  it('429 with Retry-After through chaos: the client reports a rate-limited error with the delay', async () => {
    Object.assign(emulator.chaos, { rateLimitNext: 1, retryAfterSec: 7 });
    try {
      await web.chat.postMessage({ channel: 'C0GENERAL', text: 'x' });
      expect.fail('rate limited call resolved');
    } catch (err) {
      expect((err as WebAPIRateLimitedError).code).toBe(ErrorCode.RateLimitedError);
      expect((err as WebAPIRateLimitedError).retryAfter).toBe(7);
    }
    expect(emulator.chaos.rateLimitNext).toBe(0);
  });
});
