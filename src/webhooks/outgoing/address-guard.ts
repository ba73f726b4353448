/**
 * SSRF guard for outgoing webhooks: customers' URLs must not reach the hub's own network. Private,
 * loopback, link-local, CGNAT, unique-local and site-local IPv6, multicast, 6to4 relay and cloud
 * metadata addresses are refused, and so are IPv6 forms that embed such an IPv4 address
 * (IPv4-mapped, IPv4-compatible, IPv4-translated, NAT64, 6to4), unless an allowlist CIDR
 * (`SWITCHBOARD_WEBHOOK_ALLOWLIST`) opens them. The check runs at
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
  ['192.88.99.0', 24, 'ipv4'], // 6to4 relay anycast (RFC 7526)
  ['192.168.0.0', 16, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'], // multicast
  ['240.0.0.0', 4, 'ipv4'], // reserved, broadcast
  ['::', 128, 'ipv6'],
  ['::1', 128, 'ipv6'],
  ['fc00::', 7, 'ipv6'], // unique local, fd00:ec2::254 metadata
  ['fe80::', 10, 'ipv6'],
  ['fec0::', 10, 'ipv6'], // site-local (deprecated, still routed inside some networks)
  ['64:ff9b:1::', 48, 'ipv6'], // NAT64 local-use (RFC 8215): translated inside the network
  ['ff00::', 8, 'ipv6'],
];

const denied = new BlockList();
for (const [net, prefix, type] of DENIED) denied.addSubnet(net, prefix, type);

/** The 16 bytes of an IPv6 address (already checked by `isIP`), a trailing dotted IPv4 included. */
function ipv6Bytes(ip: string): number[] {
  let text = ip.toLowerCase();
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const groups = (part: string | undefined) => (part ? part.split(':').map((g) => parseInt(g, 16)) : []);
  const left = groups(head);
  const right = groups(tail);
  const words = tail === undefined ? left : [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  return words.flatMap((w) => [w >> 8, w & 255]);
}

const zero = (bytes: number[], from: number, to: number) => bytes.slice(from, to).every((b) => b === 0);

/**
 * The IPv4 address an IPv6 address carries, where the network would deliver to that IPv4
 * address: IPv4-mapped `::ffff:a.b.c.d`, IPv4-translated `::ffff:0:a.b.c.d` (RFC 2765),
 * IPv4-compatible `::a.b.c.d` (deprecated), NAT64 well-known `64:ff9b::a.b.c.d` (RFC 6052) and
 * 6to4 `2002:AABB:CCDD::` (RFC 3056).
 */
function embeddedV4(ip: string): string | undefined {
  const b = ipv6Bytes(ip);
  const v4 = (at: number) => b.slice(at, at + 4).join('.');
  if (zero(b, 0, 10) && b[10] === 0xff && b[11] === 0xff) return v4(12); // mapped
  if (zero(b, 0, 8) && b[8] === 0xff && b[9] === 0xff && zero(b, 10, 12)) return v4(12); // translated
  if (zero(b, 0, 12)) return v4(12); // compatible (and :: / ::1, denied as 0.0.0.0/8)
  if (b[0] === 0x00 && b[1] === 0x64 && b[2] === 0xff && b[3] === 0x9b && zero(b, 4, 12)) return v4(12); // NAT64
  if (b[0] === 0x20 && b[1] === 0x02) return v4(2); // 6to4
  return undefined;
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
  const type = family === 4 ? 'ipv4' : 'ipv6';
  if (allow.check(bare, type)) return null;
  const v4 = family === 6 ? embeddedV4(bare) : undefined;
  if (v4 && allow.check(v4, 'ipv4')) return null;
  if (denied.check(bare, type) || (v4 && denied.check(v4, 'ipv4'))) {
    return `${bare}${v4 ? ` (embedding ${v4})` : ''} is a private, loopback, link-local or metadata address`;
  }
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
