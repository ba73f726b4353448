import { describe, expect, it } from 'vitest';
import { oauthProvider } from './catalog.js';

const profile = (id: string, raw: Record<string, unknown>) => oauthProvider(id).profile!(raw);

describe('catalog profile() mappings', () => {
  it('OIDC claims (Google, LinkedIn, Salesforce, generic)', () => {
    const raw = { sub: '1057', email: 'ada@example.com', email_verified: true, name: 'Ada Lovelace', picture: 'https://p/x.png' };
    for (const id of ['google', 'linkedin', 'salesforce', 'oidc', 'slack']) {
      expect(profile(id, raw)).toEqual({ subject: '1057', email: 'ada@example.com', emailVerified: true, name: 'Ada Lovelace', picture: 'https://p/x.png' });
    }
    expect(profile('google', { sub: '1', given_name: 'Ada', family_name: 'L' })).toMatchObject({ name: 'Ada L', email: null, emailVerified: false });
    expect(() => profile('google', { email: 'x@y.z' })).toThrow(/no subject/);
  });

  it('GitHub: the verified primary of /user/emails, not the public email', () => {
    const raw = {
      id: 583231, login: 'octocat', name: null, email: 'public@example.com', avatar_url: 'https://avatars/u/583231',
      emails: [
        { email: 'old@example.com', primary: false, verified: true },
        { email: 'octo@example.com', primary: true, verified: true },
      ],
    };
    expect(profile('github', raw)).toEqual({ subject: '583231', email: 'octo@example.com', emailVerified: true, name: 'octocat', picture: 'https://avatars/u/583231' });
    expect(profile('github', { ...raw, emails: [{ email: 'x@example.com', primary: true, verified: false }] })).toMatchObject({ email: 'public@example.com', emailVerified: false });
  });

  it('Apple: string "true" email_verified, the name from the first sign-in `user` field', () => {
    expect(profile('apple', { sub: '001.abc', email: 'x@privaterelay.appleid.com', email_verified: 'true', user: { name: { firstName: 'Ada', lastName: 'L' } } })).toEqual({
      subject: '001.abc', email: 'x@privaterelay.appleid.com', emailVerified: true, name: 'Ada L', picture: null,
    });
    expect(profile('apple', { sub: '001.abc', email_verified: 'false' })).toMatchObject({ name: null, emailVerified: false });
  });

  it('Microsoft, Zoom, Discord, HubSpot shapes', () => {
    expect(profile('microsoft', { sub: 's', oid: 'o', preferred_username: 'ada@contoso.com', name: 'Ada' })).toEqual({ subject: 's', email: 'ada@contoso.com', emailVerified: false, name: 'Ada', picture: null });
    expect(profile('zoom', { id: 'KDcuGIm1QgePTO8WbOqwIQ', email: 'a@z.us', verified: 1, first_name: 'Ada', last_name: 'L', pic_url: 'https://z/p' })).toEqual({ subject: 'KDcuGIm1QgePTO8WbOqwIQ', email: 'a@z.us', emailVerified: true, name: 'Ada L', picture: 'https://z/p' });
    expect(profile('discord', { id: '80351110224678912', username: 'nelly', global_name: null, avatar: '8342729096ea3675442027381ff50dfe', verified: true, email: 'nelly@discord.com' })).toEqual({
      subject: '80351110224678912', email: 'nelly@discord.com', emailVerified: true, name: 'nelly', picture: 'https://cdn.discordapp.com/avatars/80351110224678912/8342729096ea3675442027381ff50dfe.png',
    });
    expect(profile('hubspot', { user: 'ada@example.com', user_id: 123, hub_id: 62515 })).toMatchObject({ subject: '123', email: 'ada@example.com' });
  });
});
