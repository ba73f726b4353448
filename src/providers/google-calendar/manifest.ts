/**
 * Google Calendar and Google Meet as data: one Google OAuth connection (user tokens the hub's
 * Google app refreshes, `oauth: 'google'`), the Calendar v3 base URL, the env variables, Google's
 * per-user quota and the error mapping. Google Meet has no REST API of its own for scheduling: a
 * Meet meeting is a Calendar event with a conference, so both providers share the credentials,
 * the variables and the emulator.
 *
 * `GOOGLE_CALENDAR_CLIENT_ID` and `GOOGLE_CALENDAR_CLIENT_SECRET` fall back to `GOOGLE_CLIENT_ID`
 * and `GOOGLE_CLIENT_SECRET` (the manifest's `envFallback`). `GOOGLE_CALENDAR_REDIRECT_URI` is the
 * redirect URI registered with that client: accounts connected through the hub come back to it
 * (`ConnectionManager.redirectUriOf`; the hub serves its path as the OAuth callback), else to
 * `<SWITCHBOARD_PUBLIC_URL>/oauth/callback`. A refresh does not send it (RFC 6749 §6).
 *
 * @see https://developers.google.com/calendar/api/v3/reference
 * @see https://developers.google.com/calendar/api/guides/quota
 */
import { z } from 'zod';
import type { ProviderManifest } from '../../kit/connector.js';
import { calendarErrorMapper, meetErrorMapper } from './errors.js';

/** Env values may be set but empty (`GOOGLE_CALENDAR_REDIRECT_URI=`): treat that as unset. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), schema.optional());

/**
 * The credentials of one Google Calendar (or Meet) connection: the OAuth client and the user's
 * refresh token, granted the `https://www.googleapis.com/auth/calendar` scope with offline access.
 * An account connected through `POST /api/v1/connections/oauth/start` holds none of them.
 *
 * @example
 * googleCalendarCredentials.parse({ clientId: '123.apps.googleusercontent.com', clientSecret: 'GOCSPX-…', refreshToken: '1//0g…' })
 */
export const googleCalendarCredentials = z.object({
  clientId: optional(z.string().trim().min(1, 'GOOGLE_CALENDAR_CLIENT_ID is empty: the OAuth client ID (Google Cloud console → APIs & Services → Credentials), or set GOOGLE_CLIENT_ID')),
  clientSecret: optional(z.string().trim().min(1, 'GOOGLE_CALENDAR_CLIENT_SECRET is empty: it is shown with the OAuth client ID, or set GOOGLE_CLIENT_SECRET')),
  redirectUri: optional(z.url({ error: 'GOOGLE_CALENDAR_REDIRECT_URI must be an absolute URL (the redirect URI registered with the OAuth client)' })),
  refreshToken: optional(z.string().trim().min(1, 'GOOGLE_CALENDAR_REFRESH_TOKEN is empty: connect the account with the calendar scope and offline access')),
});

export type GoogleCalendarCredentials = z.infer<typeof googleCalendarCredentials>;

/** The scopes a connected account grants (Meet events are Calendar events: the same ones). */
export const GOOGLE_CALENDAR_SCOPES = ['openid', 'email', 'https://www.googleapis.com/auth/calendar'];

const shared = {
  docsUrl: 'https://developers.google.com/calendar/api/v3/reference',
  auth: { type: 'oauth2' },
  // Tokens come from Google's authorization server: the hub's Google app renews them.
  oauth: 'google',
  oauthScopes: GOOGLE_CALENDAR_SCOPES,
  baseUrl: 'https://www.googleapis.com/calendar/v3',
  env: {
    clientId: 'GOOGLE_CALENDAR_CLIENT_ID',
    clientSecret: 'GOOGLE_CALENDAR_CLIENT_SECRET',
    redirectUri: 'GOOGLE_CALENDAR_REDIRECT_URI',
    refreshToken: 'GOOGLE_CALENDAR_REFRESH_TOKEN',
  },
  envFallback: { clientId: ['GOOGLE_CLIENT_ID'], clientSecret: ['GOOGLE_CLIENT_SECRET'] },
  credentials: googleCalendarCredentials,
  liveWhen: ['clientId', 'clientSecret', 'refreshToken'],
  secretFields: ['clientSecret', 'refreshToken'],
  /**
   * Calendar's default per-user quota is 600 requests a minute (and 10,000 a minute per project);
   * beyond it Google answers 403 `rateLimitExceeded` / `userRateLimitExceeded` or 429.
   */
  rateLimit: { limit: 600, intervalMs: 60_000 },
} satisfies Omit<ProviderManifest<GoogleCalendarCredentials>, 'id' | 'name' | 'categories' | 'mapError'>;

/**
 * The Google Calendar manifest.
 *
 * @example
 * googleCalendarManifest.env.refreshToken // 'GOOGLE_CALENDAR_REFRESH_TOKEN'
 */
export const googleCalendarManifest: ProviderManifest<GoogleCalendarCredentials> = {
  ...shared,
  id: 'google-calendar',
  name: 'Google Calendar',
  categories: ['calendar'],
  mapError: calendarErrorMapper('event'),
};

/**
 * The Google Meet manifest: the same connection variables as Google Calendar (its own default
 * connection), errors mapped to the meetings codes.
 */
export const googleMeetManifest: ProviderManifest<GoogleCalendarCredentials> = {
  ...shared,
  id: 'google-meet',
  name: 'Google Meet',
  categories: ['meetings'],
  docsUrl: 'https://developers.google.com/calendar/api/guides/create-events#conferencing',
  mapError: meetErrorMapper,
  // In sandbox mode Meet's meetings are events of the Google Calendar emulator's account.
  emulatorOf: 'google-calendar',
};
