/**
 * Where a notification provider's webhook URL may point: the vendor's hosts over HTTPS, or the
 * origin of the connection's base URL (the emulator in sandbox mode, `<ID>_API_BASE` for a proxy
 * or a test server). A tenant's connection cannot make the hub post to an address of its choosing
 * (an internal service, a metadata endpoint).
 */
import { HubError } from '../../core/errors.js';

/**
 * Throws `config_invalid` (surely not sent) unless `url` may be posted to.
 *
 * @example
 * checkWebhookUrl('https://acme.webhook.office.com/webhookb2/…', 'https://outlook.office.com', { name: 'Teams', id: 'teams-webhook', env: 'TEAMS_WEBHOOK_URL', hosts: /\.webhook\.office\.com$/ }); // ok
 */
export function checkWebhookUrl(url: string, baseUrl: string, vendor: { name: string; id: string; env: string; hosts: RegExp }): void {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new HubError('config_invalid', `${vendor.env} is not a URL`, { provider: vendor.id, details: { sent: false } });
  }
  let base: string | undefined;
  try {
    base = new URL(baseUrl).origin;
  } catch {
    base = undefined;
  }
  if (u.origin === base || (u.protocol === 'https:' && vendor.hosts.test(u.hostname))) return;
  throw new HubError('config_invalid', `The ${vendor.name} webhook URL points at ${u.origin}, which is not ${vendor.name}'s: set ${vendor.env} to the URL ${vendor.name} showed`, {
    provider: vendor.id,
    details: { sent: false, origin: u.origin },
  });
}
