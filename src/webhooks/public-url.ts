/**
 * The URL a sender posted to, as the sender saw it: some vendors sign it (Twilio), some put a
 * check in its query (Microsoft Graph). Behind a proxy the hub sees another host and scheme, so
 * the configured public URL wins, then forwarded headers when the proxy is trusted, then Host.
 */

export interface PublicUrlOptions {
  /** `SWITCHBOARD_PUBLIC_URL`: the origin (and base path) senders use. */
  publicUrl?: string;
  /** `TRUST_PROXY=true`: believe `X-Forwarded-Proto` and `X-Forwarded-Host`. */
  trustProxy?: boolean;
}

const first = (v: string | string[] | undefined): string | undefined => {
  const s = Array.isArray(v) ? v[0] : v;
  const head = s?.split(',')[0]?.trim();
  return head === '' ? undefined : head;
};

/**
 * The public URL of a request for `path` (path and query as received).
 *
 * @example
 * publicUrlOf('/webhooks/twilio?x=1', { host: '10.0.0.5:3001' }, false, { publicUrl: 'https://hub.example.com' })
 * // 'https://hub.example.com/webhooks/twilio?x=1'
 * publicUrlOf('/webhooks/twilio', { host: 'a', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hub.example.com' }, false, { trustProxy: true })
 * // 'https://hub.example.com/webhooks/twilio'
 */
export function publicUrlOf(path: string, headers: Record<string, string | string[] | undefined>, tls: boolean, o: PublicUrlOptions): string {
  if (o.publicUrl) return `${o.publicUrl.replace(/\/+$/, '')}${path}`;
  const forwarded = o.trustProxy ? { proto: first(headers['x-forwarded-proto']), host: first(headers['x-forwarded-host']) } : {};
  const proto = forwarded.proto ?? (tls ? 'https' : 'http');
  const host = forwarded.host ?? first(headers.host) ?? 'localhost';
  return `${proto}://${host}${path}`;
}
