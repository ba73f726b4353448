/**
 * The `profile()` mappings of the catalog: a provider's raw profile (userinfo answer, id_token
 * claims, or what the flow merged into it) → {@link OAuthProfile}. Only the surprising vendors get
 * their own function; OIDC standard claims share one.
 */
import type { OAuthProfile } from './types.js';

type Raw = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);
/** Apple sends `email_verified` as the string `"true"`; Zoom's `verified` is 1. */
const bool = (v: unknown): boolean => v === true || v === 'true' || v === 1;

function subjectOf(raw: Raw, ...keys: string[]): string {
  for (const key of keys) {
    const value = str(raw[key]);
    if (value) return value;
  }
  throw new Error(`profile has no subject (looked for ${keys.join(', ')})`);
}

/**
 * OIDC standard claims (`sub`, `email`, `email_verified`, `name`, `picture`).
 *
 * @example
 * oidcProfile({ sub: '1', email: 'a@b.c', email_verified: true }) // { subject: '1', email: 'a@b.c', emailVerified: true, name: null, picture: null }
 * @see https://openid.net/specs/openid-connect-core-1_0.html#StandardClaims
 */
export function oidcProfile(raw: Raw): OAuthProfile {
  const name = str(raw.name) ?? ([str(raw.given_name), str(raw.family_name)].filter(Boolean).join(' ') || null);
  return { subject: subjectOf(raw, 'sub'), email: str(raw.email), emailVerified: bool(raw.email_verified), name, picture: str(raw.picture) };
}

/**
 * Microsoft: `email` is optional and unverified by Microsoft (only `xms_edov` says the domain
 * owner verified it); `preferred_username` is the sign-in name.
 *
 * @see https://learn.microsoft.com/en-us/entra/identity-platform/id-token-claims-reference
 *
 * @example
 * microsoftProfile({ sub: 's', preferred_username: 'ada@contoso.com' }).email // 'ada@contoso.com' (emailVerified false)
 */
export function microsoftProfile(raw: Raw): OAuthProfile {
  return { subject: subjectOf(raw, 'sub', 'oid'), email: str(raw.email) ?? str(raw.preferred_username), emailVerified: bool(raw.xms_edov), name: str(raw.name), picture: null };
}

/**
 * GitHub: `/user` merged with `emails` from `/user/emails`; the verified primary one wins (the
 * public `email` of `/user` may be empty or unverified).
 *
 * @see https://docs.github.com/en/rest/users/emails#list-email-addresses-for-the-authenticated-user
 *
 * @example
 * githubProfile({ id: 1, login: 'octocat', emails: [{ email: 'o@x.y', primary: true, verified: true }] }).email // 'o@x.y'
 */
export function githubProfile(raw: Raw): OAuthProfile {
  const emails = Array.isArray(raw.emails) ? (raw.emails as Raw[]) : [];
  const primary = emails.find((e) => e.primary === true && e.verified === true) ?? emails.find((e) => e.verified === true);
  return {
    subject: subjectOf(raw, 'id'),
    email: str(primary?.email) ?? str(raw.email),
    emailVerified: primary !== undefined,
    name: str(raw.name) ?? str(raw.login),
    picture: str(raw.avatar_url),
  };
}

/**
 * Apple: id_token claims; the name arrives only on the first sign-in, in the `user` form field
 * the flow merges in as `user`.
 *
 * @see https://developer.apple.com/documentation/sign_in_with_apple/authenticating-users-with-sign-in-with-apple
 *
 * @example
 * appleProfile({ sub: '001.a', email_verified: 'true', user: { name: { firstName: 'Ada', lastName: 'L' } } }).name // 'Ada L'
 */
export function appleProfile(raw: Raw): OAuthProfile {
  const user = (raw.user ?? {}) as { name?: { firstName?: string; lastName?: string } };
  const name = [user.name?.firstName, user.name?.lastName].filter(Boolean).join(' ') || null;
  return { subject: subjectOf(raw, 'sub'), email: str(raw.email), emailVerified: bool(raw.email_verified), name, picture: null };
}

/**
 * Zoom: `GET /v2/users/me`; `verified` is 1.
 *
 * @example
 * zoomProfile({ id: 'KDcu', email: 'a@z.us', verified: 1, display_name: 'Ada' }).emailVerified // true
 * @see https://developers.zoom.us/docs/api/users/#tag/users/GET/users/{userId}
 */
export function zoomProfile(raw: Raw): OAuthProfile {
  const name = str(raw.display_name) ?? ([str(raw.first_name), str(raw.last_name)].filter(Boolean).join(' ') || null);
  return { subject: subjectOf(raw, 'id'), email: str(raw.email), emailVerified: bool(raw.verified), name, picture: str(raw.pic_url) };
}

/**
 * Discord: `GET /users/@me`; the avatar is a hash on Discord's CDN.
 *
 * @example
 * discordProfile({ id: '8035', username: 'nelly', avatar: 'ab12' }).picture // 'https://cdn.discordapp.com/avatars/8035/ab12.png'
 * @see https://discord.com/developers/docs/resources/user#user-object
 */
export function discordProfile(raw: Raw): OAuthProfile {
  const id = subjectOf(raw, 'id');
  const avatar = str(raw.avatar);
  return {
    subject: id,
    email: str(raw.email),
    emailVerified: bool(raw.verified),
    name: str(raw.global_name) ?? str(raw.username),
    picture: avatar ? `https://cdn.discordapp.com/avatars/${id}/${avatar}.png` : null,
  };
}

/**
 * HubSpot: `GET /oauth/v1/access-tokens/{token}` names the installing user and portal.
 *
 * @example
 * hubspotProfile({ user: 'ada@example.com', user_id: 123, hub_id: 62515 }).subject // '123'
 * @see https://developers.hubspot.com/docs/api/oauth/tokens
 */
export function hubspotProfile(raw: Raw): OAuthProfile {
  return { subject: subjectOf(raw, 'user_id'), email: str(raw.user), emailVerified: false, name: null, picture: null };
}
