/**
 * The SSRF guard's address classification for IPv6 forms that carry an IPv4 address, and the
 * ranges added beside the private ones (site-local IPv6, NAT64 local-use, 6to4 relay anycast).
 * An embedded public IPv4 address stays allowed, and the allowlist opens an embedded address
 * by its IPv4 range.
 */
import { BlockList } from 'node:net';
import { describe, expect, it } from 'vitest';
import { assertDeliverableUrl, forbiddenReason, parseAllowlist } from './address-guard.js';

const none = new BlockList();

describe('IPv6 forms embedding a private or loopback IPv4 address', () => {
  it.each([
    ['::127.0.0.1', 'IPv4-compatible, dotted'],
    ['::7f00:1', 'IPv4-compatible, hex'],
    ['::10.0.0.1', 'IPv4-compatible, private'],
    ['::ffff:0:127.0.0.1', 'IPv4-translated, dotted'],
    ['::ffff:0:7f00:1', 'IPv4-translated, hex'],
    ['::ffff:0:a9fe:a9fe', 'IPv4-translated metadata 169.254.169.254'],
    ['2002:7f00:1::', '6to4 of 127.0.0.1'],
    ['2002:a00:1::1', '6to4 of 10.0.0.1'],
    ['2002:c0a8:101:1::5', '6to4 of 192.168.1.1'],
    ['2002:a9fe:a9fe::', '6to4 of the metadata address'],
    ['64:ff9b::127.0.0.1', 'NAT64 well-known prefix of loopback'],
    ['64:ff9b::a00:1', 'NAT64 well-known prefix of 10.0.0.1'],
    ['64:ff9b:1::1', 'NAT64 local-use /48'],
    ['64:ff9b:1:ffff::808:808', 'NAT64 local-use /48, even of a public address'],
    ['fec0::1', 'site-local'],
    ['feff:ffff::1', 'site-local, top of fec0::/10'],
    ['192.88.99.1', '6to4 relay anycast'],
    ['::ffff:192.88.99.1', 'IPv4-mapped 6to4 relay anycast'],
    ['2002:c058:6301::', '6to4 of the relay anycast'],
  ])('%s (%s) is refused', (ip) => {
    expect(forbiddenReason(ip, none)).toMatch(/private, loopback, link-local or metadata/);
  });

  it('names the embedded IPv4 address', () => {
    expect(forbiddenReason('2002:7f00:1::', none)).toBe('2002:7f00:1:: (embedding 127.0.0.1) is a private, loopback, link-local or metadata address');
    expect(forbiddenReason('::ffff:0:127.0.0.1', none)).toContain('(embedding 127.0.0.1)');
  });

  it.each(['2002:808:808::1', '64:ff9b::8.8.8.8', '::ffff:0:8.8.8.8', '2001:db8::1', 'fe00::1', '2606:4700:4700::1111', '192.88.100.1'])(
    '%s (a public address, or one embedding a public IPv4) is allowed',
    (ip) => {
      expect(forbiddenReason(ip, none)).toBeNull();
    },
  );

  it('the allowlist opens an embedded address by its IPv4 range, and nothing else', () => {
    const allow = parseAllowlist(['127.0.0.0/8']);
    expect(forbiddenReason('2002:7f00:1::', allow)).toBeNull();
    expect(forbiddenReason('::127.0.0.1', allow)).toBeNull();
    expect(forbiddenReason('2002:a00:1::', allow)).not.toBeNull();
    expect(forbiddenReason('fec0::1', parseAllowlist(['fec0::/10']))).toBeNull();
  });

  it.each(['http://[::127.0.0.1]/hook', 'http://[::ffff:0:127.0.0.1]:8080/', 'http://[2002:7f00:1::]/', 'http://[64:ff9b:1::a00:1]/', 'http://[fec0::1]/', 'http://192.88.99.1/'])(
    'an endpoint URL %s is a 400 naming url',
    async (url) => {
      await expect(assertDeliverableUrl(url, none)).rejects.toMatchObject({ code: 'validation_failed', errors: [{ field: 'url' }] });
    },
  );
});
