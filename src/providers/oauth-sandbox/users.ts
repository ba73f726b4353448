/**
 * The sandbox's people: a default user per provider (stable subject, email, name, picture) and a
 * second one the consent page offers, and each provider's raw profile shape for them (what its
 * userinfo, `/user`, `/users/me` or `/users/@me` answers), so the catalog's `profile()` runs on
 * the vendor's real field names.
 */
import type { OAuthProviderEntry } from '../../oauth/types.js';

export interface SandboxUser {
  /** Stable per provider: the `sub` / `id` the provider reports. */
  subject: string;
  email: string;
  emailVerified: boolean;
  givenName: string;
  familyName: string;
  picture: string;
  /** GitHub login, Discord username, … */
  login: string;
}

/** Numeric or opaque ids shaped as each vendor's are. */
const SUBJECTS: Record<string, [string, string]> = {
  github: ['583231', '9919'],
  discord: ['80351110224678912', '80351110224678913'],
  zoom: ['KDcuGIm1QgePTO8WbOqwIQ', 'z8yCxjabSqeOWzVOwC5IQg'],
  hubspot: ['4242001', '4242002'],
  apple: ['001234.5c0a8d3e1b2f4a6c8e0d2b4f6a8c0e2d.1200', '001234.7e9f1a3c5e7a9c1e3a5c7e9a1c3e5a7c.1201'],
  slack: ['U0SANDBOX1', 'U0SANDBOX2'],
  salesforce: ['005SANDBOX0000001AAA', '005SANDBOX0000002AAA'],
};

/**
 * The users of one provider: Ada (the default) and Grace.
 *
 * @example
 * defaultUsers('github', 'http://127.0.0.1:4100')[0].subject // '583231'
 */
export function defaultUsers(providerId: string, baseUrl: string): SandboxUser[] {
  const [first, second] = SUBJECTS[providerId] ?? [`${providerId}-sandbox-user-1`, `${providerId}-sandbox-user-2`];
  const person = (subject: string, givenName: string, familyName: string, login: string): SandboxUser => ({
    subject,
    email: `${login}@sandbox.example.com`,
    emailVerified: true,
    givenName,
    familyName,
    picture: `${baseUrl}/${providerId}/picture/${encodeURIComponent(subject)}.png`,
    login,
  });
  return [person(first, 'Ada', 'Lovelace', 'ada'), person(second, 'Grace', 'Hopper', 'grace')];
}

export const fullName = (u: SandboxUser): string => `${u.givenName} ${u.familyName}`;

/** OIDC standard claims for `u`. */
export function oidcClaims(u: SandboxUser): Record<string, unknown> {
  return { sub: u.subject, email: u.email, email_verified: u.emailVerified, name: fullName(u), given_name: u.givenName, family_name: u.familyName, picture: u.picture };
}

/**
 * What the provider's userinfo-like endpoint answers for `u`.
 *
 * @see https://docs.github.com/en/rest/users/users#get-the-authenticated-user
 * @see https://discord.com/developers/docs/resources/user#get-current-user
 */
export function rawProfile(entry: OAuthProviderEntry, u: SandboxUser, context: { accessToken: string; scopes: string[]; clientId: string }): Record<string, unknown> {
  switch (entry.id) {
    case 'github':
      // The public email is unset, as for most accounts: the verified one is only in /user/emails.
      return { login: u.login, id: Number(u.subject), node_id: `U_${u.subject}`, avatar_url: u.picture, type: 'User', name: fullName(u), email: null };
    case 'zoom':
      return { id: u.subject, first_name: u.givenName, last_name: u.familyName, display_name: fullName(u), email: u.email, verified: 1, pic_url: u.picture, type: 1, account_id: 'sandbox-account' };
    case 'discord':
      return { id: u.subject, username: u.login, global_name: fullName(u), avatar: 'a1b2c3d4e5f60718293a4b5c6d7e8f90', email: u.email, verified: u.emailVerified };
    case 'hubspot':
      return { token: context.accessToken, user: u.email, hub_domain: 'sandbox.hubspot.example', scopes: context.scopes, hub_id: 62515, app_id: 1001, user_id: Number(u.subject), token_type: 'access' };
    case 'slack':
      return { ok: true, ...oidcClaims(u), 'https://slack.com/user_id': u.subject, 'https://slack.com/team_id': 'T0SANDBOX' };
    case 'microsoft':
      return { sub: u.subject, name: fullName(u), given_name: u.givenName, family_name: u.familyName, email: u.email, picture: `${u.picture}` };
    default:
      return oidcClaims(u);
  }
}

/** GitHub's `/user/emails`: the verified primary first, then an unverified one. */
export function githubEmails(u: SandboxUser): Record<string, unknown>[] {
  return [
    { email: u.email, primary: true, verified: true, visibility: 'private' },
    { email: `${u.login}@old.example.com`, primary: false, verified: false, visibility: null },
  ];
}

/** A 1×1 transparent PNG: every sandbox picture. */
export const PIXEL_PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
