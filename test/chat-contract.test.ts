/**
 * The chat contract suite against every chat provider: Slack (the whole suite), the Teams and
 * Discord incoming webhooks (the notification part), each through a real Transport that tries each
 * call once to its emulator.
 */
import { chatContractSuite, type ReceivedChat } from '../src/categories/chat/contract-suite.js';
import type { ChatProvider } from '../src/categories/chat/contract.js';
import { systemClock } from '../src/core/clock.js';
import { createLogger } from '../src/core/logger.js';
import type { ProviderDefinition, ResolvedConnection } from '../src/kit/connector.js';
import { discordWebhook, startDiscordEmulator } from '../src/providers/discord/index.js';
import { slack, startSlackEmulator } from '../src/providers/slack/index.js';
import { startTeamsEmulator, teamsWebhook } from '../src/providers/teams/index.js';
import { Transport } from '../src/transport/transport.js';

function connect<C extends Record<string, unknown>>(def: ProviderDefinition<C>, baseUrl: string, credentials: Record<string, string>): ChatProvider {
  const connection: ResolvedConnection<C> = { id: `conn_contract_${def.manifest.id}`, tenantId: 'ten_contract', provider: def.manifest.id, mode: 'sandbox', baseUrl, credentials: def.manifest.credentials.parse(credentials) };
  const http = new Transport().forConnection({ ...def.manifest, retry: { maxAttempts: 1 } }, connection);
  return def.chat!({ connection, http, clock: systemClock, logger: createLogger('silent') });
}

chatContractSuite('slack', async () => {
  const emulator = await startSlackEmulator();
  const channel = 'C0GENERAL';
  return {
    provider: connect(slack, emulator.url, emulator.credentials),
    channel,
    knownUser: { email: 'grace@sandbox.example.com', id: 'U0GRACE' },
    chaos: emulator.chaos,
    received: async () =>
      emulator.workspace.channel(channel)!.messages.map((m): ReceivedChat => ({ text: m.text, channel, id: m.ts, threadTs: m.thread_ts === m.ts ? null : (m.thread_ts ?? null), blocks: m.blocks ?? null })),
    teardown: () => emulator.close(),
  };
});

chatContractSuite('teams-webhook', async () => {
  const emulator = await startTeamsEmulator();
  return {
    provider: connect(teamsWebhook, emulator.url, emulator.credentials),
    chaos: emulator.chaos,
    received: async () =>
      emulator.accepted.map((m): ReceivedChat => {
        const card = (m.body.attachments as { content: { body: { text: string }[] } }[])[0]!.content;
        return { text: card.body.map((b) => b.text).join('\n'), channel: null, id: null, threadTs: null, blocks: null };
      }),
    teardown: () => emulator.close(),
  };
});

chatContractSuite('discord-webhook', async () => {
  const emulator = await startDiscordEmulator();
  return {
    provider: connect(discordWebhook, emulator.url, emulator.credentials),
    chaos: emulator.chaos,
    received: async () => emulator.accepted.map((m): ReceivedChat => ({ text: m.content, channel: m.channel_id, id: m.id, threadTs: null, blocks: null })),
    teardown: () => emulator.close(),
  };
});
