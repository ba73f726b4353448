/**
 * CalDAV as data: any RFC 4791 server (Radicale, Nextcloud, Baïkal, iCloud, Fastmail, SOGo),
 * reached with HTTP Basic auth through the hub's transport.
 *
 * `CALDAV_URL` may be the server root, the principal or the calendar home: the connector asks
 * the server for the current user's principal and its `calendar-home-set` (RFC 5397, RFC 4791
 * §6.2.1). `CALDAV_CALENDAR` picks the `primary` calendar by display name or URL; absent, the
 * server's usual default collection (`calendar`, `default`, `personal`, `home`), else the first by URL.
 *
 * @see https://www.rfc-editor.org/rfc/rfc4791
 * @see https://www.rfc-editor.org/rfc/rfc6578
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { mapCaldavError } from './errors.js';

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one CalDAV connection.
 *
 * @example
 * caldavCredentials.parse({ url: 'https://dav.example.com/', username: 'alice', password: 's3cret' })
 */
export const caldavCredentials = z.object({
  url: optional(z.url({ error: 'CALDAV_URL must be an http(s) URL: the server root, the principal or the calendar home, e.g. https://dav.example.com/' })),
  username: optional(z.string().min(1, 'CALDAV_USERNAME is empty: the account name the server knows')),
  password: optional(z.string().min(1, 'CALDAV_PASSWORD is empty: the account password (an app password at iCloud or Fastmail)')),
  calendar: optional(z.string().min(1, 'CALDAV_CALENDAR is empty: a calendar display name or URL, or unset for the server\'s default calendar')),
});

export type CaldavCredentials = z.infer<typeof caldavCredentials>;

export const caldavManifest: ProviderManifest<CaldavCredentials> = {
  id: 'caldav',
  name: 'CalDAV',
  categories: ['calendar'],
  docsUrl: 'https://www.rfc-editor.org/rfc/rfc4791',
  auth: { type: 'basic', username: '{username}', password: '{password}' },
  baseUrl: 'http://localhost:5232/',
  baseUrlFor: (c) => c.url ?? 'http://localhost:5232/',
  env: { url: 'CALDAV_URL', username: 'CALDAV_USERNAME', password: 'CALDAV_PASSWORD', calendar: 'CALDAV_CALENDAR' },
  credentials: caldavCredentials,
  liveWhen: ['url', 'username', 'password'],
  // The user name is a credential too: the basic auth reads it, and sandbox mode replaces it with the emulator's.
  secretFields: ['username', 'password'],
  // No published limit; self-hosted servers are single processes: a gentle pace.
  rateLimit: { limit: 20, intervalMs: 1000 },
  timeoutMs: 15_000,
  mapError: mapCaldavError,
};
