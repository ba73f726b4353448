/**
 * A typed subset of LinkedIn's API over one connected account: the member's profile (OpenID
 * Connect userinfo), sharing a post as the member, and an organization's page data. Each call goes
 * through the connection's transport as the proxy's do (`hub.proxy.open`): its token, one refresh
 * and retry after a 401, rate limit, breaker, metrics and the audit log. LinkedIn's errors become
 * HubErrors (`provider_rejected` with the fields LinkedIn named, `provider_auth_failed`, …).
 *
 * @see https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
 */
import { HubError } from '../../core/errors.js';
import type { ConnectionProxy } from '../../connections/proxy.js';
import { LINKEDIN_VERSION, linkedinHeaders } from './manifest.js';

/** The member, from `GET /v2/userinfo`. */
export interface LinkedInProfile {
  /** The member id (OIDC `sub`). */
  id: string;
  /** `urn:li:person:<id>`: the author of the member's posts. */
  personUrn: string;
  name: string;
  givenName?: string;
  familyName?: string;
  email?: string;
  emailVerified?: boolean;
  picture?: string;
  raw: Record<string, unknown>;
}

export interface SharePostInput {
  /** The text, at most 3,000 characters; LinkedIn's reserved characters are escaped for you. */
  commentary: string;
  /** Default `PUBLIC`. */
  visibility?: 'PUBLIC' | 'CONNECTIONS' | 'LOGGED_IN';
  /** Default: the connected member (`urn:li:person:<id>`). */
  author?: string;
}

export interface SharedPost {
  /** The post's URN from `x-restli-id` (`urn:share:…` or `urn:ugcPost:…`). */
  id: string;
  author: string;
}

/** An organization's page, from `GET /rest/organizations/:id`. */
export interface LinkedInOrganization {
  id: number;
  urn: string;
  name: string;
  vanityName?: string;
  website?: string;
  raw: Record<string, unknown>;
}

export interface LinkedInApi {
  profile(): Promise<LinkedInProfile>;
  sharePost(input: SharePostInput): Promise<SharedPost>;
  organization(id: number | string): Promise<LinkedInOrganization>;
}

const COMMENTARY_MAX = 3000;
/** "little text format": these characters must be backslash-escaped, or LinkedIn cuts the text at them. */
const RESERVED = /[\\|{}@[\]()<>#*_~]/g;

/**
 * LinkedIn over the connection `connectionId` of `hub` (any tenant's, or only `tenantId`'s).
 *
 * @example
 * const li = linkedinApi(hub, 'conn_01…');
 * const me = await li.profile(); // { id, personUrn: 'urn:li:person:…', name, email, … }
 * const post = await li.sharePost({ commentary: 'Shipped v2 (finally)!' }); // { id: 'urn:share:…' }
 * const page = await li.organization(2414183); // { id: 2414183, name: 'Devtestco', … }
 */
export function linkedinApi(hub: { proxy: ConnectionProxy }, connectionId: string, options: { tenantId?: string; version?: string } = {}): LinkedInApi {
  const http = async () => (await hub.proxy.open(connectionId, options.tenantId)).http;
  const headers = linkedinHeaders(options.version ?? LINKEDIN_VERSION);
  let me: Promise<LinkedInProfile> | undefined;

  const profile = async (): Promise<LinkedInProfile> => {
    const res = await (await http()).request({ method: 'GET', path: '/v2/userinfo', operation: 'linkedin.profile' });
    const raw = res.json<Record<string, unknown>>();
    const str = (k: string) => (typeof raw[k] === 'string' ? (raw[k] as string) : undefined);
    const id = str('sub') ?? '';
    return { id, personUrn: `urn:li:person:${id}`, name: str('name') ?? '', givenName: str('given_name'), familyName: str('family_name'), email: str('email'), emailVerified: raw.email_verified === true || raw.email_verified === 'true', picture: str('picture'), raw };
  };

  return {
    profile: () => (me ??= profile().catch((err: unknown) => ((me = undefined), Promise.reject(err)))),
    async sharePost(input) {
      if (typeof input.commentary !== 'string' || input.commentary.trim() === '' || input.commentary.length > COMMENTARY_MAX) {
        throw new HubError('validation_failed', `commentary: 1 to ${COMMENTARY_MAX} characters`, { errors: [{ field: 'commentary', message: `1 to ${COMMENTARY_MAX} characters` }] });
      }
      const author = input.author ?? (await this.profile()).personUrn;
      const body = {
        author,
        commentary: input.commentary.replace(RESERVED, (c) => `\\${c}`),
        visibility: input.visibility ?? 'PUBLIC',
        distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
        lifecycleState: 'PUBLISHED',
        isReshareDisabledByAuthor: false,
      };
      const res = await (await http()).request({ method: 'POST', path: '/rest/posts', headers, body, operation: 'linkedin.posts.create' });
      const id = res.headers['x-restli-id'] ?? res.headers['x-linkedin-id'];
      if (!id) throw new HubError('provider_error', `LinkedIn answered ${res.status} without x-restli-id: the post may exist; look at the member's feed before sharing again`, { provider: 'linkedin', providerStatus: res.status });
      return { id, author };
    },
    async organization(id) {
      if (!/^\d+$/.test(String(id))) throw new HubError('validation_failed', `id: an organization id is a number (urn:li:organization:<id>), got ${JSON.stringify(id)}`, { errors: [{ field: 'id', message: 'must be a number' }] });
      const res = await (await http()).request({ method: 'GET', path: `/rest/organizations/${id}`, headers, operation: 'linkedin.organizations.get' });
      const raw = res.json<Record<string, unknown>>();
      const num = Number(raw.id);
      return { id: num, urn: `urn:li:organization:${num}`, name: String(raw.localizedName ?? ''), vanityName: raw.vanityName as string | undefined, website: raw.localizedWebsite as string | undefined, raw };
    },
  };
}
