/**
 * Chat on a hub that is not sandboxed, with one live provider: Discord's webhook (pointed at a
 * Discord emulator through DISCORD_WEBHOOK_API_BASE, as a proxy would be). Notifications go to the
 * live providers only (never failing over to one running on its emulator), and a tenant's webhook
 * URL that points elsewhere than the vendor's hosts is refused before anything is posted.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHub, type Hub } from '../src/hub.js';
import { startDiscordEmulator, type DiscordEmulator } from '../src/providers/discord/index.js';

let hub: Hub;
let discord: DiscordEmulator;

beforeAll(async () => {
  discord = await startDiscordEmulator();
  hub = await createHub({
    env: {
      NODE_ENV: 'development', LOG_LEVEL: 'silent', DATA_DIR: mkdtempSync(join(tmpdir(), 'sb-chat-live-')), QUEUE_POLL_MS: '50',
      CHAT_PROVIDERS: 'slack,teams-webhook,discord-webhook', DISCORD_WEBHOOK_URL: discord.credentials.webhookUrl, DISCORD_WEBHOOK_API_BASE: discord.url,
    },
  });
});
afterAll(async () => {
  await hub?.close();
  await discord?.close();
});

describe('chat with one live provider', () => {
  it('a notification goes to the live provider, not to the sandboxed ones before it in CHAT_PROVIDERS', async () => {
    expect(hub.connections.defaultConnection('slack')?.mode).toBe('sandbox');
    expect(hub.connections.defaultConnection('discord-webhook')?.mode).toBe('live');
    const sent = await hub.chat.send('default', { channel: 'C0GENERAL', text: 'live only' });
    expect(sent).toMatchObject({ provider: 'discord-webhook', failures: [] });
    expect(discord.accepted.at(-1)).toMatchObject({ content: 'live only' });
  });

  it("a tenant's webhook URL elsewhere than the vendor's hosts is refused, nothing posted", async () => {
    await hub.connections.create('acme', 'discord-webhook', 'metadata', { webhookUrl: 'http://169.254.169.254/api/webhooks/1/token' });
    await hub.connections.create('acme', 'teams-webhook', 'intranet', { webhookUrl: 'https://intranet.example.com/webhookb2/x' });
    const before = discord.accepted.length;
    for (const provider of ['discord-webhook', 'teams-webhook']) {
      await expect(hub.chat.send('acme', { text: 'x', provider })).rejects.toMatchObject({ code: 'config_invalid', details: { sent: false } });
    }
    expect(discord.accepted.length).toBe(before);
  });
});
