/**
 * SSRF guard for outgoing webhooks: customers' URLs must not reach the hub's own network. Private,
 * loopback, link-local, CGNAT, unique-local IPv6, multicast and cloud metadata addresses are
 * refused, unless an allowlist CIDR (`SWITCHBOARD_WEBHOOK_ALLOWLIST`) opens them. The check runs at
 * endpoint creation and again at delivery, on the addresses the socket actually connects to (a
 * `lookup` wrapper), so a name that re-resolves to a private address later (DNS rebinding) fails.
 *
 * @see https://owasp.org/www-community/attacks/Server_Side_Request_Forgery
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { BlockList, isIP } from 'node:net';
import { HubError } from '../../core/errors.js';

/** `dns.lookup`-compatible function (what `net.connect` and undici's `connect.lookup` take). */
export type LookupFn = typeof dnsLookup;

const DENIED: [string, number, 'ipv4' | 'ipv6'][] = [
  ['0.0.0.0', 8, 'ipv4'], // "this network"
  ['10.0.0.0', 8, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'], // CGNAT
  ['127.0.0.0', 8, 'ipv4'],
  ['169.254.0.0', 16, 'ipv4'], // link-local, 169.254.169.254 metadata
  ['172.16.0.0', 12, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local, fd00:ec2::254 metadata
  ['fe80::', 10, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
];

const denied = new BlockList();
for (const [net, prefix, type] of DENIED) denied.addSubnet(net, prefix, type);

/** IPv4-mapped (`::ffff:a.b.c.d`, `::ffff:7f00:1`) and NAT64 (`64:ff9b::…`) addresses as IPv4. */
function embeddedV4(ip: string): string | undefined {
  const m = /^(?:::ffff:|64:ff9b::)(?:(\d+\.\d+\.\d+\.\d+)|([0-9a-f]{1,4}):([0-9a-f]{1,4}))$/i.exec(ip);
  if (!m) return undefined;
  if (m[1]) return m[1];
  const hi = parseInt(m[2]!, 16);
  const lo = parseInt(m[3]!, 16);
  return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
}

/**
 * Parse allowlist CIDRs (`127.0.0.0/8`, `::1/128`, a bare address) into a BlockList.
 *
 * @example
 * const allow = parseAllowlist(['127.0.0.0/8', '::1/128']);
 */
export function parseAllowlist(cidrs: string[]): BlockList {
  const list = new BlockList();
  for (const cidr of cidrs) {
    const [ip, bits] = cidr.split('/');
    const family = isIP(ip ?? '');
    if (family === 0) throw new HubError('config_invalid', `SWITCHBOARD_WEBHOOK_ALLOWLIST: "${cidr}" is not a CIDR`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    list.addSubnet(ip!, bits === undefined ? (family === 4 ? 32 : 128) : Number(bits), type);
  }
  return list;
}

/**
 * Why an address may not be reached, or null when it may.
 *
 * @example
 * forbiddenReason('169.254.169.254', new BlockList()) // 'private, loopback, link-local or metadata address'
 */
export function forbiddenReason(address: string, allow: BlockList): string | null {
  const bare = address.replace(/^\[|\]$/g, '').replace(/%.*$/, '');
  const family = isIP(bare);
  if (family === 0) return 'not an IP address';
  const v4 = family === 6 ? embeddedV4(bare) : undefined;
  const [ip, type] = v4 ? [v4, 'ipv4' as const] : [bare, family === 4 ? ('ipv4' as const) : ('ipv6' as const)];
  if (allow.check(ip, type) || (v4 && allow.check(bare, 'ipv6'))) return null;
  if (denied.check(ip, type)) return `${bare} is a private, loopback, link-local or metadata address`;
  return null;
}

/**
 * A `lookup` for `net.connect` that resolves with `base` and refuses forbidden addresses: the
 * address checked is the one the socket connects to.
 *
 * @example
 * new Agent({ connect: { lookup: guardedLookup(allow) } })
 */
export function guardedLookup(allow: BlockList, base: LookupFn = dnsLookup): LookupFn {
  const guarded = (hostname: string, options: unknown, callback: unknown) => {
    const cb = (typeof options === 'function' ? options : callback) as (err: Error | null, address?: string | LookupAddress[], family?: number) => void;
    const opts = (typeof options === 'function' ? {} : (options ?? {})) as { all?: boolean };
    base(hostname, { ...opts, all: true }, (err, addresses) => {
      if (err) return cb(err);
      const list = addresses;
      for (const a of list) {
        const reason = forbiddenReason(a.address, allow);
        if (reason) return cb(Object.assign(new Error(`${hostname} resolves to ${reason}`), { code: 'WEBHOOK_ADDRESS_FORBIDDEN' }));
      }
      if (list.length === 0) return cb(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }));
      if (opts.all) return cb(null, list);
      cb(null, list[0]!.address, list[0]!.family);
    });
  };
  return guarded as unknown as LookupFn;
}

/** Resolve every address of `hostname` with a callback-style lookup. */
function resolveAll(hostname: string, lookup: LookupFn): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) => lookup(hostname, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))));
}

/**
 * Validate an endpoint URL: http(s) only, and the host (literal or resolved) not forbidden.
 * A name that does not resolve (yet) is accepted: delivery checks again.
 *
 * @throws HubError `validation_failed` naming `url`
 * @example
 * await assertDeliverableUrl('http://10.0.0.1/hook', allow) // throws: url: 10.0.0.1 is a private…
 */
export async function assertDeliverableUrl(raw: string, allow: BlockList, lookup: LookupFn = dnsLookup): Promise<URL> {
  const invalid = (message: string) => new HubError('validation_failed', `url: ${message}`, { errors: [{ field: 'url', message }] });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw invalid('must be an absolute http:// or https:// URL');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw invalid(`scheme ${url.protocol} is not allowed; use http or https`);
  if (url.username || url.password) throw invalid('must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host)) {
    const reason = forbiddenReason(host, allow);
    if (reason) throw invalid(`${reason}; allow it with SWITCHBOARD_WEBHOOK_ALLOWLIST if intended`);
    return url;
  }
  let addresses: LookupAddress[] = [];
  try {
    addresses = await resolveAll(host, lookup);
  } catch {
    return url;
  }
  for (const a of addresses) {
    const reason = forbiddenReason(a.address, allow);
    if (reason) throw invalid(`${host} resolves to ${reason}; allow it with SWITCHBOARD_WEBHOOK_ALLOWLIST if intended`);
  }
  return url;
}
