/**
 * The chat category end to end on a sandbox hub: sends along CHAT_PROVIDERS with failover to the
 * Teams and Discord webhook receivers, the workspace routes against the Slack emulator (Slack's
 * `ok:false` errors as 4xx naming the problem, notification-only providers answering 422), and
 * Slack inbound: url_verification, a message event to `hub.on('chat.message')`, a retried event
 * stored once, an interaction, and `/deal` registered with `hub.chat.command` answered at the
 * response_url the emulator serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signSlackRequest } from '../src/providers/slack/index.js';
import type { SlackEmulator } from '../src/providers/slack/index.js';
import type { TeamsEmulator } from '../src/providers/teams/index.js';
import type { DiscordEmulator } from '../src/providers/discord/index.js';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

const APP = 'https://app.example.com';
const CONFIGURED_SECRET = 'configured-signing-secret-0123456789';
let t: TestHub;
let slack: SlackEmulator;
let teams: TeamsEmulator;
let discord: DiscordEmulator;
const messages: UnifiedEvent[] = [];
const commandsSeen: string[] = [];

beforeAll(async () => {
  t = await startTestHub({ CHAT_PROVIDERS: 'slack,teams-webhook,discord-webhook', SLACK_SIGNING_SECRET: CONFIGURED_SECRET, SWITCHBOARD_AUTH_REDIRECTS: APP, SWITCHBOARD_OAUTH_AUTO_APPROVE: 'true' });
  t.hub.on('chat.message', (event) => {
    messages.push(event);
  });
  t.hub.on('chat.interaction', (event) => t.hub.chat.respond(event, { text: `Approved ${String((event.data.actions as { value: string }[])[0]?.value)}`, replaceOriginal: true }));
  t.hub.chat.command('/deal', (cmd) => {
    commandsSeen.push(cmd.text);
    return { text: `Deal ${cmd.text}: closed won`, responseType: 'in_channel' };
  });
  slack = t.hub.connections.emulator('slack') as SlackEmulator;
  teams = t.hub.connections.emulator('teams-webhook') as TeamsEmulator;
  discord = t.hub.connections.emulator('discord-webhook') as DiscordEmulator;
  slack.setWebhookTarget(`${t.url}/webhooks/slack`);
});
afterAll(() => t?.close());

const send = (body: Record<string, unknown>) => t.api('/api/v1/integrations/chat/send', { body });
const count = async (sql: { table: 'events' | 'webhook_inbox'; where: [string, string] }) =>
  Number((await t.hub.store.db.selectFrom(sql.table).select((eb) => eb.fn.countAll().as('n')).where(sql.where[0] as never, '=', sql.where[1] as never).executeTakeFirstOrThrow()).n);

describe('chat: send and failover', () => {
  it('posts to Slack first (text and Block Kit) and answers the ts', async () => {
    const res = await send({ channel: 'C0GENERAL', text: 'Deploy finished', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* finished' } }] });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^chat_/), provider: 'slack', channel: 'C0GENERAL', ts: expect.stringMatching(/^\d+\.\d{6}$/), failures: [] });
    const posted = slack.workspace.channel('C0GENERAL')!.messages.find((m) => m.ts === res.body.ts);
    expect(posted).toMatchObject({ text: 'Deploy finished', blocks: [{ type: 'section' }] });
  });

  it('replies in a thread', async () => {
    const root = await send({ channel: 'general', text: 'Incident 7' });
    const reply = await send({ channel: 'C0GENERAL', text: 'Mitigated', threadTs: root.body.ts });
    expect(reply.status).toBe(200);
    const channel = slack.workspace.channel('C0GENERAL')!;
    expect(channel.messages.find((m) => m.ts === reply.body.ts)).toMatchObject({ thread_ts: root.body.ts });
    expect(channel.messages.find((m) => m.ts === root.body.ts)).toMatchObject({ reply_count: 1 });
  });

  it('a 429 with Retry-After is waited for and the same provider posts', async () => {
    Object.assign(slack.chaos, { rateLimitNext: 1, retryAfterSec: 0 });
    const res = await send({ channel: 'C0GENERAL', text: 'after a 429' });
    expect(res.body).toMatchObject({ provider: 'slack', failures: [] });
    expect(slack.chaos.rateLimitNext).toBe(0);
  });

  it('fails over to Teams when Slack surely did not post (rate limited on every attempt)', async () => {
    const before = teams.accepted.length;
    Object.assign(slack.chaos, { rateLimitNext: 10, retryAfterSec: 0 });
    try {
      const res = await send({ channel: 'C0GENERAL', text: 'Disk 91% full' });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ provider: 'teams-webhook', ts: null, failures: [{ provider: 'slack', code: 'provider_rate_limited' }] });
    } finally {
      slack.chaos.rateLimitNext = 0;
    }
    expect(teams.accepted.length).toBe(before + 1);
    expect(JSON.stringify(teams.accepted.at(-1)!.body)).toContain('Disk 91% full');
  });

  it('a refusal of the request itself (unknown channel) is a 404 and no failover', async () => {
    const before = teams.accepted.length;
    const res = await send({ channel: 'C0NOPE', text: 'hello' });
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({ code: 'chat_channel_not_found', provider: 'slack' });
    expect(res.body.detail).toMatch(/channel_not_found/);
    const notIn = await send({ channel: 'C0RANDOM', text: 'hello' });
    expect(notIn.status).toBe(409);
    expect(notIn.body).toMatchObject({ code: 'chat_not_in_channel' });
    expect(teams.accepted.length).toBe(before);
  });

  it('provider: discord-webhook posts there only, and a Discord 429 (retry_after) is waited for', async () => {
    Object.assign(discord.chaos, { rateLimitNext: 1, retryAfterSec: 0.05 });
    const res = await send({ text: 'Build green', provider: 'discord-webhook' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'discord-webhook', providerMessageId: discord.accepted.at(-1)!.id, channel: discord.accepted.at(-1)!.channel_id });
    expect(discord.accepted.at(-1)).toMatchObject({ content: 'Build green', wait: true });
    expect(discord.chaos.rateLimitNext).toBe(0);
  });

  it('bad input is a 400 naming the field', async () => {
    const noText = await send({ channel: 'C0GENERAL' });
    expect(noText.status).toBe(400);
    expect(noText.body.code).toBe('validation_failed');
    expect(JSON.stringify(noText.body)).toContain('text');
    const badBlocks = await send({ channel: 'C0GENERAL', text: 'x', blocks: [{ text: 'no type' }] });
    expect(badBlocks.status).toBe(400);
    expect(JSON.stringify(badBlocks.body)).toMatch(/blocks/);
    const unknown = await send({ channel: 'C0GENERAL', text: 'x', provider: 'sendgrid' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toMatch(/provider: must be one of CHAT_PROVIDERS/);
  });
});

describe('chat: workspace operations', () => {
  it('the routes are in the OpenAPI document with their bodies', async () => {
    const spec = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { paths: Record<string, Record<string, { requestBody?: unknown }>> };
    expect(spec.paths['/api/v1/integrations/chat/send']?.post?.requestBody).toBeDefined();
    for (const path of ['/api/v1/chat/messages/update', '/api/v1/chat/messages/delete', '/api/v1/chat/channels', '/api/v1/chat/channels/{id}/invite', '/api/v1/chat/users/lookup']) expect(spec.paths, path).toHaveProperty([path]);
  });

  it('updates and deletes a message; a second delete is a 404', async () => {
    const { body } = await send({ channel: 'C0GENERAL', text: 'v1' });
    const up = await t.api('/api/v1/chat/messages/update', { body: { channel: 'C0GENERAL', ts: body.ts, text: 'v2' } });
    expect(up).toMatchObject({ status: 200, body: { provider: 'slack', channel: 'C0GENERAL', ts: body.ts } });
    expect(slack.workspace.channel('C0GENERAL')!.messages.find((m) => m.ts === body.ts)).toMatchObject({ text: 'v2', edited: expect.any(Object) });
    const del = await t.api('/api/v1/chat/messages/delete', { body: { channel: 'C0GENERAL', ts: body.ts } });
    expect(del).toMatchObject({ status: 200, body: { ts: body.ts } });
    const again = await t.api('/api/v1/chat/messages/delete', { body: { channel: 'C0GENERAL', ts: body.ts } });
    expect(again).toMatchObject({ status: 404, body: { code: 'chat_message_not_found' } });
  });

  it('lists, creates (name taken: 409) and invites; looks users up by email', async () => {
    const created = await t.api('/api/v1/chat/channels', { body: { name: 'deals-e2e' } });
    expect(created).toMatchObject({ status: 201, body: { provider: 'slack', name: 'deals-e2e', isMember: true, isPrivate: false } });
    expect((await t.api('/api/v1/chat/channels', { body: { name: 'deals-e2e' } })).body).toMatchObject({ code: 'chat_name_taken' });
    expect((await t.api('/api/v1/chat/channels', { body: { name: 'Has Spaces' } })).status).toBe(400);
    const page1 = await t.api('/api/v1/chat/channels?limit=1');
    expect(page1.body.channels).toHaveLength(1);
    expect(page1.body.nextCursor).toEqual(expect.any(String));
    const page2 = await t.api(`/api/v1/chat/channels?limit=100&cursor=${encodeURIComponent(page1.body.nextCursor)}`);
    expect([...page1.body.channels, ...page2.body.channels].map((c: { name: string }) => c.name)).toEqual(expect.arrayContaining(['general', 'random', 'deals-e2e']));
    const user = await t.api('/api/v1/chat/users/lookup?email=grace@sandbox.example.com');
    expect(user).toMatchObject({ status: 200, body: { id: 'U0GRACE', name: 'grace', realName: 'Grace Hopper', isBot: false } });
    expect((await t.api('/api/v1/chat/users/lookup?email=nobody@example.com')).body).toMatchObject({ code: 'chat_user_not_found' });
    const invited = await t.api(`/api/v1/chat/channels/${created.body.id}/invite`, { body: { users: [user.body.id] } });
    expect(invited.status).toBe(200);
    expect(slack.workspace.channel(created.body.id)!.members.has('U0GRACE')).toBe(true);
  });

  it('a notification-only provider is a 422 capability_unsupported for workspace operations', async () => {
    const res = await t.api('/api/v1/chat/channels?provider=teams-webhook');
    expect(res).toMatchObject({ status: 422, body: { code: 'capability_unsupported' } });
    expect(res.body.detail).toMatch(/notification-only/);
    const thread = await send({ text: 'x', threadTs: '1712345678.000100', provider: 'discord-webhook' });
    expect(thread.body.code).toBe('capability_unsupported');
  });

  it('scopes: a chat:read key lists channels but cannot send', async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'chat-reader', scopes: ['chat:read'] });
    expect((await t.as(key, '/api/v1/chat/channels')).status).toBe(200);
    expect((await t.as(key, '/api/v1/integrations/chat/send', { channel: 'C0GENERAL', text: 'x' })).status).toBe(403);
  });
});

describe('chat: the slack vendor folder keeps the OAuth catalog entry', () => {
  it("a workspace connected through the connect flow (provider slack) is a tenant's chat connection", async () => {
    const { key } = await t.hub.apiKeys.create({ name: 'acme', tenantId: 'acme' });
    const started = await t.as(key, '/api/v1/connections/oauth/start', { provider: 'slack', redirectUrl: APP });
    expect(started.status).toBe(200);
    expect(new URL(started.body.authorizeUrl).searchParams.get('scope')!.split(',')).toEqual(expect.arrayContaining(['chat:write', 'users:read.email', 'commands']));
    const consent = await fetch(started.body.authorizeUrl, { redirect: 'manual' });
    const back = await fetch(consent.headers.get('location')!, { redirect: 'manual' });
    const connectionId = new URL(back.headers.get('location')!).searchParams.get('connectionId');
    expect(connectionId).toMatch(/^conn_/);
    expect(await t.hub.connections.forTenant('acme', 'slack')).toMatchObject({ id: connectionId, tenantId: 'acme', provider: 'slack' });
    const sent = await t.as(key, '/api/v1/integrations/chat/send', { channel: 'C0GENERAL', text: 'from acme', provider: 'slack' });
    expect(sent).toMatchObject({ status: 200, body: { provider: 'slack', channel: 'C0GENERAL' } });
  });
});

describe('chat: Slack inbound at /webhooks/slack', () => {
  it('answers url_verification with the challenge', async () => {
    const res = await slack.urlVerification({ challenge: 'chal-123' });
    expect(res.status).toBe(200);
    expect(JSON.parse(res.body)).toEqual({ challenge: 'chal-123' });
  });

  it('a message event reaches hub.on("chat.message"); its retry is stored once', async () => {
    const posted = await slack.event({ event: { type: 'message', channel: 'C0GENERAL', user: 'U0ADA', text: 'hello bot', ts: '1712345678.000200' } });
    expect(posted.status).toBe(200);
    expect(JSON.parse(posted.body)).toMatchObject({ received: true, duplicate: false });
    await expect.poll(() => messages.find((m) => m.data.text === 'hello bot')).toBeDefined();
    expect(messages.find((m) => m.data.text === 'hello bot')).toMatchObject({ provider: 'slack', data: { channel: 'C0GENERAL', user: 'U0ADA', ts: '1712345678.000200' } });
    const retry = await slack.event({ retryOf: posted.eventId });
    expect(retry.status).toBe(200);
    expect(JSON.parse(retry.body)).toMatchObject({ received: true, duplicate: true });
    expect(retry.headers['x-slack-retry-num']).toBe('1');
    expect(await count({ table: 'webhook_inbox', where: ['provider', 'slack'] })).toBeGreaterThan(0);
    expect(await count({ table: 'events', where: ['dedupe_key', posted.eventId] })).toBe(1);
  });

  it('/deal registered with hub.chat.command is answered at its response_url', async () => {
    const res = await slack.slashCommand({ command: '/deal', text: '42' });
    expect(res.status).toBe(200);
    expect(res.body).toBe(''); // an empty 200 is an acknowledgment; Slack would show any other body to the user
    await expect.poll(() => slack.responses.find((r) => r.responseUrl === res.responseUrl)).toBeDefined();
    expect(slack.responses.find((r) => r.responseUrl === res.responseUrl)!.body).toMatchObject({ text: 'Deal 42: closed won', response_type: 'in_channel' });
    expect(commandsSeen).toContain('42');
  });

  it("the emulator's HTTP control posts a command as well (sandbox users without the emulator object)", async () => {
    const res = await fetch(`${slack.origin}/__emulator/slash-command`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ command: '/deal', text: '99' }) });
    const answer = (await res.json()) as { status: number; responseUrl: string };
    expect(answer.status).toBe(200);
    await expect.poll(() => slack.responses.find((r) => r.responseUrl === answer.responseUrl)?.body.text).toBe('Deal 99: closed won');
  });

  it('an interaction becomes chat.interaction, answered with hub.chat.respond at its response_url', async () => {
    const res = await slack.interaction({ payload: { type: 'block_actions', user: { id: 'U0ADA' }, channel: { id: 'C0GENERAL' }, actions: [{ action_id: 'approve', value: 'deal-42', block_id: 'b1' }] } });
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    await expect.poll(() => slack.responses.find((r) => r.responseUrl === res.responseUrl)?.body).toMatchObject({ text: 'Approved deal-42', replace_original: true });
    expect(await count({ table: 'events', where: ['type', 'chat.interaction'] })).toBe(1);
  });

  it('refuses a tampered or stale request, and honours a configured SLACK_SIGNING_SECRET beside the emulator\'s', async () => {
    const body = 'command=%2Fdeal&text=1&user_id=U0ADA&channel_id=C0GENERAL&response_url=x&trigger_id=t-config';
    const now = Math.floor(Date.now() / 1000);
    const post = (headers: Record<string, string>, b = body) => fetch(`${t.url}/webhooks/slack`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: b });
    expect((await post(signSlackRequest(CONFIGURED_SECRET, now, body))).status).toBe(200);
    expect((await post(signSlackRequest(CONFIGURED_SECRET, now, body), body.replace('text=1', 'text=2'))).status).toBe(401);
    expect((await post(signSlackRequest('another-secret', now, body))).status).toBe(401);
    const stale = await slack.slashCommand({ command: '/deal', text: 'old', timestampSec: now - 6 * 60 });
    expect(stale.status).toBe(401);
    expect(JSON.parse(stale.body)).toMatchObject({ code: 'webhook_timestamp_stale' });
  });
});
