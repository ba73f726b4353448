/**
 * The proxy's host guard for live connections: the catalog's `api.hosts` (GitHub's, Salesforce's
 * `*.my.salesforce.com` instance URLs), a vendor folder's base host, and the escapes refused.
 */
import { describe, expect, it } from 'vitest';
import type { HubError } from '../core/errors.js';
import { allowedHosts, proxyTarget } from './proxy-target.js';

const github = allowedHosts({ mode: 'live', baseUrl: 'https://api.github.com' }, { id: 'github' });
const refused = (fn: () => unknown): HubError => {
  try {
    fn();
  } catch (err) {
    return err as HubError;
  }
  throw new Error('not refused');
};

describe('proxyTarget', () => {
  it('keeps a path and its query under the API base', () => {
    expect(proxyTarget('https://api.github.com', '/repos/a/b/issues?state=open&labels=x,y', github)).toBe('/repos/a/b/issues?state=open&labels=x,y');
    expect(github.names).toEqual(['api.github.com', 'uploads.github.com']);
  });

  it.each([['//evil.example.com/x'], ['/https://evil.example.com'], ['/%2f%2fevil.example.com'], ['/%40evil.example.com'], ['/..%2fuser'], ['/a\\b'], ['user']])('refuses %s naming the catalog hosts', (path) => {
    const err = refused(() => proxyTarget('https://api.github.com', path, github));
    expect(err.code).toBe('validation_failed');
    expect(err.message).toContain('api.github.com, uploads.github.com');
  });

  it("Switchboard-Proxy-Host picks another of the provider's hosts, never one outside them", () => {
    expect(proxyTarget('https://api.github.com', '/repos/a/b/releases/1/assets?name=x.zip', github, 'uploads.github.com')).toBe('https://uploads.github.com/repos/a/b/releases/1/assets?name=x.zip');
    expect(proxyTarget('https://api.github.com', '/user', github, 'api.github.com')).toBe('/user');
    expect(refused(() => proxyTarget('https://api.github.com', '/x', github, 'evil.example.com')).message).toContain('api.github.com, uploads.github.com');
    for (const host of ['uploads.github.com:8443', 'user@uploads.github.com', 'uploads.github.com/x', 'localhost']) expect(refused(() => proxyTarget('https://api.github.com', '/x', github, host)).code, host).toBe('validation_failed');
    expect(refused(() => proxyTarget('https://api.github.com', '//evil.example.com', github, 'uploads.github.com')).code).toBe('validation_failed');
  });

  it('a base URL outside the catalog hosts (a Salesforce instance elsewhere, plain http) is refused', () => {
    const sf = (base: string) => allowedHosts({ mode: 'live', baseUrl: base }, { id: 'salesforce' });
    expect(proxyTarget('https://acme.my.salesforce.com', '/services/data/v61.0/sobjects', sf('https://acme.my.salesforce.com'))).toBe('/services/data/v61.0/sobjects');
    expect(refused(() => proxyTarget('https://acme.evil.example.com', '/services/data', sf('https://acme.evil.example.com'))).message).toContain('*.my.salesforce.com');
    expect(refused(() => proxyTarget('http://acme.my.salesforce.com', '/x', sf('http://acme.my.salesforce.com'))).code).toBe('validation_failed');
  });

  it('a vendor folder without a catalog entry may reach its base host only; a base path is not left', () => {
    const sendgrid = allowedHosts({ mode: 'live', baseUrl: 'https://api.sendgrid.com/v3' }, { id: 'sendgrid' });
    expect(sendgrid.names).toEqual(['api.sendgrid.com']);
    expect(proxyTarget('https://api.sendgrid.com/v3', '/mail/send', sendgrid)).toBe('/mail/send');
    expect(refused(() => proxyTarget('https://api.sendgrid.com/v3', '/%2e%2e/v2/x', sendgrid)).code).toBe('validation_failed');
  });
});
