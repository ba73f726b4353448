/**
 * Microsoft Teams incoming webhooks as data: the webhook URL is the whole credential (and the
 * address), no auth header, error mapping. Notification-only: a webhook posts to the one channel
 * it was created in.
 *
 * Teams answers a delivered message with HTTP 200 and the text `1`. It has also answered refusals
 * with HTTP 200 and a sentence ("Webhook message delivery failed with error: Microsoft Teams
 * endpoint returned HTTP error 429 …"): the connector reads the body, not only the status.
 *
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook
 * @see https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/connectors-using#rate-limiting-for-connectors
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { ProviderManifest } from '../../kit/connector.js';
import type { HttpResponse } from '../../transport/types.js';

export const teamsCredentials = z.object({
  webhookUrl: z.url({ protocol: /^https?$/, error: 'TEAMS_WEBHOOK_URL must be the incoming webhook URL Teams showed (https://….webhook.office.com/webhookb2/… or a Workflows URL)' }),
});
export type TeamsCredentials = z.infer<typeof teamsCredentials>;

/**
 * A Teams refusal (its status, or the status named in a 200's sentence) → a hub error. What Teams
 * refused was not posted (`details.sent: false`) unless it failed in a way that may have posted.
 *
 * @example
 * teamsError(429, 'Microsoft Teams endpoint returned HTTP error 429').code // 'provider_rate_limited'
 */
export function teamsError(status: number, text: string, retryAfter?: number): HubError {
  const said = text.trim().slice(0, 300) || `HTTP ${status}`;
  const named = Number(/HTTP error (\d{3})/.exec(text)?.[1] ?? status);
  const opts = { provider: 'teams-webhook', providerStatus: named, retryAfter };
  if (named === 429) return new HubError('provider_rate_limited', `Teams is throttling this webhook (${said}); at most 4 messages a second.`, { ...opts, details: { sent: false } });
  if (named === 400 || named === 413) return new HubError('provider_rejected', `Teams refused the card (${said}): the message is malformed or over 28 KB.`, opts);
  if (named === 401 || named === 403 || named === 404 || named === 410) {
    return new HubError('provider_auth_failed', `Teams refused the webhook URL (${said}): the connector or workflow was removed or disabled; set TEAMS_WEBHOOK_URL to a current one.`, { ...opts, details: { sent: false } });
  }
  if (named >= 500) return new HubError('provider_unavailable', `Teams is unavailable (${said}).`, opts);
  return new HubError('provider_error', `Teams answered ${said}.`, opts);
}

export const teamsManifest: ProviderManifest<TeamsCredentials> = {
  id: 'teams-webhook',
  name: 'Microsoft Teams (incoming webhook)',
  categories: ['chat'],
  docsUrl: 'https://learn.microsoft.com/en-us/microsoftteams/platform/webhooks-and-connectors/how-to/add-incoming-webhook',
  // The URL carries its own secret; nothing else is sent.
  auth: { type: 'none' },
  // Not where messages go (the webhook URL is): the one origin besides Microsoft's webhook hosts a
  // webhook URL may point at (TEAMS_WEBHOOK_API_BASE: a proxy or a test server; the emulator in sandbox).
  baseUrl: 'https://outlook.office.com',
  env: { webhookUrl: 'TEAMS_WEBHOOK_URL' },
  credentials: teamsCredentials,
  liveWhen: ['webhookUrl'],
  secretFields: ['webhookUrl'],
  /** Teams throttles a connector at 4 requests a second (and 60 in 30 seconds per channel). */
  rateLimit: { limit: 60, intervalMs: 30_000 },
  retry: { maxAttempts: 3 },
  mapError: (res: HttpResponse) => teamsError(res.status, res.text),
};
