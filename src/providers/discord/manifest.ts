/**
 * Discord incoming webhooks as data: the webhook URL (`https://discord.com/api/webhooks/<id>/<token>`)
 * is the whole credential, no auth header, Discord's error answers mapped. Notification-only.
 *
 * The id is `discord-webhook`: `discord` is the OAuth catalog's entry (sign-in with Discord, the
 * proxy), whose environment configures an OAuth application and no default connection; a webhook
 * URL is another credential for another use, so it gets its own id.
 *
 * @see https://discord.com/developers/docs/resources/webhook#execute-webhook
 * @see https://discord.com/developers/docs/topics/rate-limits
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { ProviderManifest } from '../../kit/connector.js';
import type { HttpResponse } from '../../transport/types.js';

export const discordCredentials = z.object({
  webhookUrl: z.url({ protocol: /^https?$/, error: 'DISCORD_WEBHOOK_URL must be the webhook URL Discord showed (https://discord.com/api/webhooks/<id>/<token>)' }),
});
export type DiscordCredentials = z.infer<typeof discordCredentials>;

/** Discord's error body: `{ message, code }`, a 429's `{ message, retry_after, global }`. */
interface DiscordErrorBody {
  message?: string;
  code?: number;
  retry_after?: number;
  global?: boolean;
  errors?: unknown;
}

/**
 * A Discord refusal → a hub error (`retry_after`, seconds with a fraction, becomes `retryAfter`).
 *
 * @example
 * mapDiscordError(toResponse({ status: 429, headers: {}, text: '{"message":"You are being rate limited.","retry_after":0.5,"global":false}' })).retryAfter // 0.5
 */
export function mapDiscordError(res: HttpResponse): HubError {
  let body: DiscordErrorBody = {};
  try {
    body = res.json<DiscordErrorBody>() ?? {};
  } catch {
    // a proxy's page: the status says enough
  }
  const said = `${body.message ?? (res.text.slice(0, 200) || `HTTP ${res.status}`)}${body.code !== undefined ? ` (code ${body.code})` : ''}`;
  const opts = { provider: 'discord-webhook', providerStatus: res.status, providerCode: body.code === undefined ? undefined : String(body.code) };
  if (res.status === 429) {
    const retryAfter = typeof body.retry_after === 'number' ? body.retry_after : undefined;
    return new HubError('provider_rate_limited', `Discord is rate limiting this webhook${body.global ? ' (global limit)' : ''}: ${said}.`, { ...opts, retryAfter, details: { sent: false } });
  }
  if (res.status === 401 || res.status === 403 || res.status === 404) {
    return new HubError('provider_auth_failed', `Discord refused the webhook (${said}): it was deleted or its token is wrong; set DISCORD_WEBHOOK_URL to a current one.`, { ...opts, details: { sent: false } });
  }
  if (res.status === 400 || res.status === 413) {
    return new HubError('provider_rejected', `Discord refused the message (${said}): content is at most 2000 characters, at most 10 embeds.`, { ...opts, details: { discordErrors: body.errors } });
  }
  if (res.status >= 500) return new HubError('provider_unavailable', `Discord is unavailable (${said}).`, opts);
  return new HubError('provider_error', `Discord answered ${said}.`, opts);
}

export const discordManifest: ProviderManifest<DiscordCredentials> = {
  id: 'discord-webhook',
  name: 'Discord (incoming webhook)',
  categories: ['chat'],
  docsUrl: 'https://discord.com/developers/docs/resources/webhook#execute-webhook',
  auth: { type: 'none' },
  // Not where messages go (the webhook URL is): the one origin besides Discord's hosts a webhook URL
  // may point at (DISCORD_WEBHOOK_API_BASE: a proxy or a test server; the emulator in sandbox).
  baseUrl: 'https://discord.com',
  env: { webhookUrl: 'DISCORD_WEBHOOK_URL' },
  credentials: discordCredentials,
  liveWhen: ['webhookUrl'],
  secretFields: ['webhookUrl'],
  /** A webhook takes about 5 requests per 2 seconds (the headers say the exact bucket). */
  rateLimit: { limit: 5, intervalMs: 2_000 },
  mapError: mapDiscordError,
};
