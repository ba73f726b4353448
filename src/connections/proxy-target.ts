/**
 * Where the proxy may send a request: the connection's API base joined with the caller's path,
 * on one of the provider's hosts only — the catalog entry's `api.hosts` (`*.my.salesforce.com`
 * included), a vendor folder's base URL host when the catalog has no entry for it, the emulator's
 * in sandbox. Every way of escaping the base is refused before anything is sent: an absolute URL,
 * a scheme-relative `//host`, backslashes, an authority-like `@host` first segment, dot segments
 * (`/../`), control characters, and the same spelled with percent-encoding (decoded up to three
 * times: `%2F%2F`, `%252e%252e`, `%5C`, `%40`).
 *
 * @example
 * proxyTarget('https://api.github.com', '/user/repos?per_page=5', allowedHosts(connection, manifest)) // '/user/repos?per_page=5'
 * proxyTarget('https://api.github.com', '//evil.example.com/x', hosts) // throws validation_failed naming api.github.com, uploads.github.com
 */
import { HubError } from '../core/errors.js';
import type { ProviderManifest, ResolvedConnection } from '../kit/connector.js';
import { hostAllowed, oauthProviders } from '../oauth/catalog.js';
import type { OAuthProviderEntry } from '../oauth/types.js';

/** The hosts a connection's requests may reach, and the check. */
export interface AllowedHosts {
  /** As the catalog writes them (`*.my.salesforce.com`), for error messages. */
  names: string[];
  allows(url: URL): boolean;
}

/**
 * The OAuth catalog entry `id`, or undefined (vendor folders such as SendGrid have none).
 *
 * @example
 * catalogEntry('github')?.api.hosts // ['api.github.com', 'uploads.github.com']
 */
export function catalogEntry(id: string): OAuthProviderEntry | undefined {
  return oauthProviders().find((e) => e.id === id);
}

/**
 * The hosts `connection` may reach: the emulator's in sandbox, else its catalog entry's (the
 * entry its manifest links with `oauth`, or its own id), else its base URL's host.
 *
 * @example
 * allowedHosts(githubConnection, githubManifest).names // ['api.github.com', 'uploads.github.com']
 */
export function allowedHosts(connection: Pick<ResolvedConnection, 'mode' | 'baseUrl'>, manifest: Pick<ProviderManifest, 'id' | 'oauth'>): AllowedHosts {
  const entry = catalogEntry(manifest.oauth ?? manifest.id);
  if (connection.mode === 'sandbox' || !entry) {
    const host = new URL(connection.baseUrl).host;
    return { names: [host], allows: (url) => url.host === host };
  }
  return { names: entry.api.hosts, allows: (url) => url.port === '' && url.protocol === 'https:' && hostAllowed(entry, url.hostname) };
}

/** Decoded forms of `path` (itself, then up to three rounds of percent-decoding); undefined if malformed. */
function decodings(path: string): string[] | undefined {
  const forms = [path];
  for (let i = 0; i < 3; i++) {
    const last = forms[forms.length - 1]!;
    if (!last.includes('%')) break;
    try {
      forms.push(decodeURIComponent(last));
    } catch {
      return undefined;
    }
  }
  return forms;
}

// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const CONTROL = /[\u0000-\u001f\u007f]/;
const DOT_SEGMENT = /(^|\/)\.\.?(\/|$)/;
const SCHEME_FIRST = /^\/*[a-z][a-z\d+.-]*:/i;

/** Why `path` could leave the API base, or undefined when it cannot. */
function escapeOf(path: string): string | undefined {
  if (!path.startsWith('/')) return 'it must start with /';
  const forms = decodings(path);
  if (!forms) return 'its percent-encoding is malformed';
  for (const form of forms) {
    if (SCHEME_FIRST.test(form)) return 'an absolute URL is not accepted: send a path under the API base';
    if (/^[/\\]{2}/.test(form) || form.startsWith('\\')) return 'it names another host (//host)';
    if (form.includes('\\')) return 'backslashes are not accepted';
    if (/^\/?@/.test(form)) return 'it names another host (@host)';
    if (DOT_SEGMENT.test(form)) return 'dot segments (. and ..) are not accepted';
    if (CONTROL.test(form)) return 'control characters are not accepted';
  }
  return undefined;
}

/**
 * The path (with its query) to send under `baseUrl`, checked; a `validation_failed` (400) naming
 * the allowed hosts when it would leave the API base or its hosts. With `host` (another of the
 * provider's hosts, `uploads.github.com`: the `Switchboard-Proxy-Host` header) the answer is the
 * absolute `https://<host><path>`.
 *
 * @example
 * proxyTarget('https://api.github.com', '/repos/a/b/releases/1/assets?name=x.zip', hosts, 'uploads.github.com') // 'https://uploads.github.com/repos/a/b/releases/1/assets?name=x.zip'
 */
export function proxyTarget(baseUrl: string, pathAndQuery: string, allowed: AllowedHosts, host?: string): string {
  const q = pathAndQuery.indexOf('?');
  const path = q < 0 ? pathAndQuery : pathAndQuery.slice(0, q);
  const other = host !== undefined && host.toLowerCase() !== new URL(baseUrl).host;
  if (other && !/^[a-z\d]([a-z\d-]*[a-z\d])?(\.[a-z\d]([a-z\d-]*[a-z\d])?)+$/i.test(host)) {
    throw new HubError('validation_failed', `Switchboard-Proxy-Host: ${JSON.stringify(host.slice(0, 100))} is not a host name; the proxy reaches only ${allowed.names.join(', ')}`, { errors: [{ field: 'Switchboard-Proxy-Host', message: 'not a host name' }], details: { allowedHosts: allowed.names } });
  }
  if (other) baseUrl = `https://${host.toLowerCase()}`;
  const base = new URL(baseUrl);
  const refuse = (why: string) =>
    new HubError('validation_failed', `path: ${JSON.stringify(pathAndQuery.slice(0, 200))} is refused: ${why}. This connection's API is ${base.origin}${base.pathname.replace(/\/$/, '')}; the proxy reaches only ${allowed.names.join(', ')}`, {
      errors: [{ field: 'path', message: why }],
      details: { allowedHosts: allowed.names },
    });
  const why = escapeOf(path);
  if (why) throw refuse(why);
  let url: URL;
  try {
    url = new URL(baseUrl.replace(/\/$/, '') + pathAndQuery);
  } catch {
    throw refuse('it does not make a valid URL');
  }
  const basePath = base.pathname.replace(/\/$/, '');
  if (url.origin !== base.origin || url.username || url.password || !(url.pathname === basePath || url.pathname.startsWith(`${basePath}/`))) throw refuse('it leaves the API base');
  if (!allowed.allows(url)) throw refuse(`${url.host} is not one of the provider's hosts`);
  return other ? url.toString() : pathAndQuery;
}
