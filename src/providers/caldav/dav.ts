/**
 * The WebDAV side of the CalDAV connector: finding the account (principal, calendar home, the
 * user's addresses), naming calendars and events, and reading and writing calendar object
 * resources with their ETags. tsdav builds and parses the XML; every request goes through the
 * hub's transport (`dav-fetch.ts`), plain GET/PUT/DELETE directly.
 *
 * Ids: a calendar directly under the home is named by its path segment (`work` for
 * `/alice/work/`); any other collection by `b64.<base64url of its path>`. An event is named by its
 * resource's file name without `.ics` (ours are `<UID>.ics`); one occurrence of a series by
 * `<eventId>_<occurrenceIdSuffix(originalStart)>` (`…_20261207T080000Z`, `…_20261224`).
 *
 * @see https://www.rfc-editor.org/rfc/rfc4791#section-6
 */
import { fetchCalendarUserAddresses, fetchHomeUrl, fetchPrincipalUrl, propfind, type DAVAccount } from 'tsdav';
import { HubError, type ErrorCode } from '../../core/errors.js';
import type { ProviderContext } from '../../kit/connection.js';
import type { AuthSpec, HttpResponse } from '../../transport/types.js';
import { transportFetch } from './dav-fetch.js';
import { caldavErrorMapper } from './errors.js';
import { caldavManifest, type CaldavCredentials } from './manifest.js';

export interface DavAccount {
  principalUrl: string;
  homeUrl: string;
  /** The user's calendar addresses (`alice@example.com`), from `calendar-user-address-set` or the user name. */
  addresses: string[];
}

export interface DavCalendar {
  url: string;
  name: string;
  description: string | null;
  timeZone: string | null;
  syncToken: string | null;
  raw: unknown;
}

/** A calendar object resource as read: its text and ETag. */
export interface StoredObject {
  href: string;
  etag: string | null;
  text: string;
}

const INSTANCE_RE = /^(.+)_(\d{8}(?:T\d{6}Z)?)$/;

/** `{ base, suffix }` of an occurrence id, else `{ base: id }`. */
export function splitEventId(eventId: string): { base: string; suffix?: string } {
  const m = INSTANCE_RE.exec(eventId);
  return m ? { base: m[1]!, suffix: m[2]! } : { base: eventId };
}

const b64 = (s: string) => Buffer.from(s).toString('base64url');

/** The transport-bound helpers one connection's connector uses. */
export class Dav {
  private account?: Promise<DavAccount>;
  /** Origins the server named for the principal and the calendar home (iCloud's `pNN-caldav.icloud.com`). */
  private readonly named = new Set<string>();

  constructor(private readonly ctx: ProviderContext<CaldavCredentials>) {}

  /** A tsdav `fetch` for `operation` whose 404 means `notFound`. */
  fetch(operation: string, notFound: ErrorCode = 'calendar_not_found'): typeof fetch {
    return transportFetch(this.ctx.http, operation, caldavErrorMapper(notFound), (url) => this.authFor(url));
  }

  /**
   * The connection's Basic auth for a URL on another origin than CALDAV_URL's that the server
   * itself named as the principal or calendar home (the transport sends credentials to the
   * connection's own origin only); none for any other origin.
   */
  authFor(url: string): AuthSpec | undefined {
    const origin = new URL(url).origin;
    return origin !== new URL(this.ctx.connection.baseUrl).origin && this.named.has(origin) ? caldavManifest.auth : undefined;
  }

  /** Principal, home and addresses, asked once per connector (CALDAV_URL may be the root, the principal or the home). */
  discover(): Promise<DavAccount> {
    this.account ??= this.findAccount().catch((err: unknown) => {
      this.account = undefined;
      throw err;
    });
    return this.account;
  }

  private async findAccount(): Promise<DavAccount> {
    const root = new URL(this.ctx.connection.baseUrl).href;
    const fetch = this.fetch('calendar.discover', 'not_found');
    const account: DAVAccount = { accountType: 'caldav', serverUrl: root, rootUrl: root };
    account.principalUrl = await fetchPrincipalUrl({ account, fetch });
    this.named.add(new URL(account.principalUrl).origin);
    account.homeUrl = await fetchHomeUrl({ account, fetch });
    if (account.homeUrl) this.named.add(new URL(account.homeUrl).origin);
    if (!account.principalUrl || !account.homeUrl) throw new HubError('provider_error', `The CalDAV server at ${root} named no current-user-principal or calendar-home-set: is CALDAV_URL a CalDAV server?`, { provider: 'caldav' });
    const found = await fetchCalendarUserAddresses({ account, fetch }).catch(() => [] as string[]);
    const user = this.ctx.connection.credentials.username ?? '';
    const addresses = [...found.filter((a) => /^mailto:/i.test(a)).map((a) => a.replace(/^mailto:/i, '')), ...(user.includes('@') ? [user] : [])];
    return { principalUrl: account.principalUrl, homeUrl: account.homeUrl.endsWith('/') ? account.homeUrl : `${account.homeUrl}/`, addresses: [...new Set(addresses.map((a) => a.toLowerCase()))] };
  }

  /** The calendars of the home (collections whose resourcetype is `calendar` holding VEVENTs). */
  async calendars(): Promise<DavCalendar[]> {
    const { homeUrl } = await this.discover();
    const res = await propfind({
      url: homeUrl,
      props: { 'd:displayname': {}, 'c:calendar-description': {}, 'c:calendar-timezone': {}, 'd:resourcetype': {}, 'c:supported-calendar-component-set': {}, 'd:sync-token': {} },
      depth: '1',
      fetch: this.fetch('calendar.list'),
    });
    return res
      .filter((r) => r.href && Object.keys((r.props?.resourcetype as object | undefined) ?? {}).includes('calendar'))
      .filter((r) => {
        const comps = JSON.stringify(r.props?.supportedCalendarComponentSet ?? '');
        return comps === '""' || comps.includes('VEVENT');
      })
      .map((r) => {
        const props = r.props ?? {};
        const url = new URL(r.href!, homeUrl).href;
        const tz = typeof props.calendarTimezone === 'string' ? /TZID:([^\r\n]+)/.exec(props.calendarTimezone)?.[1] ?? null : null;
        const name = props.displayname?._cdata ?? props.displayname;
        const description = props.calendarDescription?._cdata ?? props.calendarDescription;
        return { url, name: typeof name === 'string' || typeof name === 'number' ? String(name) : decodeURIComponent(new URL(url).pathname.split('/').filter(Boolean).pop() ?? ''), description: description ? String(description) : null, timeZone: tz, syncToken: props.syncToken ? String(props.syncToken) : null, raw: props };
      });
  }

  /** The id of a calendar URL (see the module doc). */
  async calendarId(url: string): Promise<string> {
    const home = new URL((await this.discover()).homeUrl).pathname;
    const path = new URL(url).pathname;
    const rest = path.startsWith(home) ? path.slice(home.length).replace(/\/$/, '') : '';
    return rest !== '' && !rest.includes('/') ? decodeURIComponent(rest) : `b64.${b64(path)}`;
  }

  /** The URL of a calendar id (`primary` is resolved by the caller). */
  async calendarUrl(calendarId: string): Promise<string> {
    const { homeUrl } = await this.discover();
    if (calendarId.startsWith('b64.')) return new URL(Buffer.from(calendarId.slice(4), 'base64url').toString(), homeUrl).href;
    if (calendarId === '' || calendarId.includes('/')) throw new HubError('validation_failed', `calendarId: "${calendarId}" is not a CalDAV calendar id; GET /api/v1/calendar/calendars lists them`, { errors: [{ field: 'calendarId', message: 'use an id listCalendars answers, or primary' }] });
    return new URL(`${encodeURIComponent(calendarId)}/`, homeUrl).href;
  }

  /** The event id of a resource href. */
  static eventId(href: string): string {
    const name = decodeURIComponent(href.replace(/\/$/, '').split('/').pop() ?? '');
    return name.replace(/\.ics$/i, '');
  }

  /** A resource's URL from its calendar and event id. */
  static eventUrl(calendarUrl: string, eventId: string): string {
    return new URL(`${encodeURIComponent(eventId)}.ics`, calendarUrl).href;
  }

  private authOf(url: string): { auth?: AuthSpec } {
    const auth = this.authFor(url);
    return auth ? { auth } : {};
  }

  /** GET a calendar object; 404 is `calendar_event_not_found`. */
  async get(href: string): Promise<StoredObject> {
    const res = await this.ctx.http.request({ ...this.authOf(href), method: 'GET', path: href, operation: 'calendar.event.get', mapError: caldavErrorMapper('calendar_event_not_found') });
    return { href, etag: res.headers.etag ?? null, text: res.text };
  }

  /**
   * PUT a calendar object: `etag` given → `If-Match` (a 412 is `calendar_conflict`); `null` →
   * `If-None-Match: *` (create only). Answers the new ETag when the server gives one.
   */
  async put(href: string, text: string, etag: string | null, operation: string): Promise<string | null> {
    const res: HttpResponse = await this.ctx.http.request({
      ...this.authOf(href),
      method: 'PUT',
      path: href,
      headers: { 'content-type': 'text/calendar; charset=utf-8', ...(etag === null ? { 'if-none-match': '*' } : { 'if-match': etag }) },
      body: text,
      operation,
      mapError: caldavErrorMapper(etag === null ? 'calendar_not_found' : 'calendar_event_not_found'),
    });
    return res.headers.etag ?? null;
  }

  async delete(href: string, etag: string | null, operation = 'calendar.event.delete'): Promise<void> {
    await this.ctx.http.request({ ...this.authOf(href), method: 'DELETE', path: href, headers: etag ? { 'if-match': etag } : {}, operation, mapError: caldavErrorMapper('calendar_event_not_found') });
  }
}
