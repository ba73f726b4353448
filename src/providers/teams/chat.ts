/**
 * The Teams incoming-webhook connector: a message is one POST of an Adaptive Card (the text as a
 * wrapped TextBlock) to the webhook URL. Notification-only: no update, delete, channels or users;
 * no threads.
 *
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#send-adaptive-cards-using-an-incoming-webhook
 */
import { HubError } from '../../core/errors.js';
import type { ChatCapability, ChatMessage, ChatProvider } from '../../categories/chat/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import { teamsError, type TeamsCredentials } from './manifest.js';
import { checkWebhookUrl } from '../../categories/chat/webhook-url.js';

/** Incoming webhooks (`<tenant>.webhook.office.com`, the older `outlook.office.com`) and Workflows (Power Automate). */
const TEAMS_WEBHOOK_HOSTS = /(^|\.)webhook\.office\.com$|^outlook\.office(365)?\.com$|\.logic\.azure\.com$|\.powerplatform\.com$/;

const CAPABILITIES: ReadonlySet<ChatCapability> = new Set<ChatCapability>();

/**
 * The body Teams takes for a message: one Adaptive Card attachment.
 *
 * @example
 * teamsCard('Deploy finished').attachments[0].content.body[0] // { type: 'TextBlock', text: 'Deploy finished', wrap: true }
 */
export function teamsCard(text: string) {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        contentUrl: null,
        content: { $schema: 'http://adaptivecards.io/schemas/adaptive-card.json', type: 'AdaptiveCard', version: '1.4', body: [{ type: 'TextBlock', text, wrap: true }] },
      },
    ],
  };
}

export function createTeamsChat(ctx: ProviderContext<TeamsCredentials>): ChatProvider {
  const url = ctx.connection.credentials.webhookUrl;
  return {
    id: 'teams-webhook',
    kind: 'notification',
    capabilities: CAPABILITIES,
    async send(message: ChatMessage) {
      if (message.threadTs) throw new HubError('capability_unsupported', 'threadTs: a Teams incoming webhook cannot reply in a thread; send it through slack', { provider: 'teams-webhook' });
      checkWebhookUrl(url, ctx.connection.baseUrl, { name: 'Teams', id: 'teams-webhook', env: 'TEAMS_WEBHOOK_URL', hosts: TEAMS_WEBHOOK_HOSTS });
      const res = await ctx.http.request({ method: 'POST', path: url, body: teamsCard(message.text), operation: 'chat.send', secrets: [new URL(url).pathname] });
      // 200 "1" is delivered; any other 2xx text is Teams telling of a failure.
      if (res.text.trim() !== '1') throw teamsError(res.status, res.text);
      return { provider: 'teams-webhook', providerMessageId: null, channel: null, ts: null, raw: res.text };
    },
  };
}
