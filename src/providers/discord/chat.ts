/**
 * The Discord incoming-webhook connector: `POST <webhook URL>?wait=true` with `{content, embeds?}`,
 * so Discord answers the created message (its id and channel) instead of an empty 204.
 * Notification-only; Slack Block Kit is not Discord's: `text` is the message.
 *
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 */
import { HubError, validationError } from '../../core/errors.js';
import type { ChatCapability, ChatMessage, ChatProvider } from '../../categories/chat/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { DiscordCredentials } from './manifest.js';
import { checkWebhookUrl } from '../../categories/chat/webhook-url.js';

/** Discord's webhook hosts (`discordapp.com` is the older name; canary and PTB clients use their own). */
const DISCORD_HOSTS = /^((canary|ptb)\.)?discord(app)?\.com$/;

const CAPABILITIES: ReadonlySet<ChatCapability> = new Set<ChatCapability>();
/** Discord refuses longer content. */
export const DISCORD_MAX_CONTENT = 2000;

interface DiscordMessage {
  id: string;
  channel_id: string;
  content: string;
}

export function createDiscordChat(ctx: ProviderContext<DiscordCredentials>): ChatProvider {
  const url = ctx.connection.credentials.webhookUrl;
  return {
    id: 'discord-webhook',
    kind: 'notification',
    capabilities: CAPABILITIES,
    async send(message: ChatMessage) {
      if (message.threadTs) throw new HubError('capability_unsupported', 'threadTs: a Discord webhook message cannot reply in a Slack thread; send it through slack', { provider: 'discord-webhook' });
      if (message.text.length > DISCORD_MAX_CONTENT) throw validationError('text', `is ${message.text.length} characters; Discord takes at most ${DISCORD_MAX_CONTENT}`);
      checkWebhookUrl(url, ctx.connection.baseUrl, { name: 'Discord', id: 'discord-webhook', env: 'DISCORD_WEBHOOK_URL', hosts: DISCORD_HOSTS });
      const res = await ctx.http.request({ method: 'POST', path: url, query: { wait: 'true' }, body: { content: message.text, allowed_mentions: { parse: [] } }, operation: 'chat.send', secrets: [new URL(url).pathname] });
      const m = res.status === 204 || res.text === '' ? undefined : res.json<DiscordMessage>();
      return { provider: 'discord-webhook', providerMessageId: m?.id ?? null, channel: m?.channel_id ?? null, ts: null, raw: m ?? null };
    },
  };
}
