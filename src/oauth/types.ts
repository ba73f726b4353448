/**
 * The shape of one OAuth catalog entry: a provider's authorization facts as data, in the manner
 * of Nango's `providers.yaml` (auth facts) and Auth.js providers (endpoints plus one `profile()`).
 * `catalog.ts` validates every entry against a schema at load; `providers.ts` holds the data.
 *
 * @see https://github.com/NangoHQ/nango/blob/master/packages/providers/providers.yaml
 * @see https://authjs.dev/guides/configuring-oauth-providers
 */
import type { BasicAuth, BearerAuth, HeaderAuth, OAuth2Auth, QueryAuth } from '../transport/auth-spec.js';

export type OAuthKind = 'oauth2' | 'oidc' | 'api_key';

/** `account_credentials`: Zoom's Server-to-Server grant (`account_id`, no refresh token). */
export type OAuthGrant = 'authorization_code' | 'refresh_token' | 'client_credentials' | 'account_credentials';

/**
 * How the client authenticates at the token endpoint (RFC 6749 §2.3.1): HTTP Basic, or
 * `client_id` + `client_secret` in the form. `apple_es256_jwt`: the form's `client_secret` is an
 * ES256 JWT made per request (`apple.ts`).
 */
export type ClientAuthMethod = 'client_secret_basic' | 'client_secret_post' | 'apple_es256_jwt';

/**
 * What a refresh answers. `always`: a new refresh token each time, the old one dead (Microsoft,
 * Zoom). `sometimes`: a new one may come, the old one stays valid (keep the newest).
 * `never`: the answer has no refresh token; keep the stored one (Google, Apple).
 */
export type RefreshRotation = 'always' | 'sometimes' | 'never';

/** How the token endpoint's answer departs from RFC 6749 §5. */
export interface TokenResponseShape {
  /** `form_unless_accept_json`: GitHub answers `application/x-www-form-urlencoded` unless asked for JSON. */
  format: 'json' | 'form_unless_accept_json';
  /**
   * `status`: RFC 6749 §5.2 (400/401 with `error`). `http200_error`: GitHub's HTTP 200 with `error`.
   * `slack_ok`: Slack's HTTP 200 `{ok: false, error}` and `{ok: true, …}` on success.
   */
  errors: 'status' | 'http200_error' | 'slack_ok';
  /** Slack v2: the user token is nested under `authed_user` (the top level is the bot's). */
  userTokenUnder?: 'authed_user';
  /** Salesforce: the API base of this connection comes back in `instance_url`. */
  apiBaseField?: 'instance_url';
  /** False when the answer never carries `expires_in` (Salesforce: the session policy decides). */
  expiresIn: boolean;
  /** The vendor's own error codes → their RFC 6749 meaning (GitHub's `bad_verification_code` is `invalid_grant`). */
  errorCodes?: Record<string, OAuthErrorCode>;
}

/** RFC 6749 §5.2 error codes. */
export type OAuthErrorCode = 'invalid_request' | 'invalid_client' | 'invalid_grant' | 'unauthorized_client' | 'unsupported_grant_type' | 'invalid_scope';

/**
 * How tokens are revoked. `rfc7009`: POST `token` (+ `token_type_hint`) to `url`.
 * `github_app_token`: DELETE `url` with Basic client credentials and `{access_token}` (GitHub).
 * `slack_auth_revoke`: GET `url` with the token as Bearer (Slack's `auth.revoke`).
 * `hubspot_refresh_token`: DELETE `url` with the refresh token in the path.
 */
export interface RevokeSpec {
  url: string;
  style: 'rfc7009' | 'github_app_token' | 'slack_auth_revoke' | 'hubspot_refresh_token';
}

export interface OAuthEndpoints {
  authorizeUrl?: string;
  tokenUrl?: string;
  userinfoUrl?: string;
  jwksUrl?: string;
  /** OIDC issuer (`iss` of id_tokens); `${issuer}/.well-known/openid-configuration` is its discovery document. */
  issuer?: string;
  /** GitHub: the verified primary email is only in `/user/emails`. */
  emailsUrl?: string;
}

/** The profile every provider's `profile()` answers. */
export interface OAuthProfile {
  subject: string;
  email: string | null;
  emailVerified: boolean;
  name: string | null;
  picture: string | null;
}

/** How the proxy authenticates API calls of this provider: OAuth access token or an API key template. */
export type ProxyAuth = OAuth2Auth | BearerAuth | BasicAuth | HeaderAuth | QueryAuth;

/** What the proxy may reach for this provider and how it authenticates. */
export interface ProviderApi {
  /** The API base URL (`instance_url` replaces it where `tokenResponse.apiBaseField` says so). */
  baseUrl: string;
  /** Hosts the proxy may reach; `*.example.com` matches any subdomain. */
  hosts: string[];
  auth: ProxyAuth;
  /** Headers every API call carries (LinkedIn's `X-Restli-Protocol-Version`). */
  headers?: Record<string, string>;
}

/** For tenant-aware providers: the `{tenant}` placeholder in their URLs. */
export interface TenantSpec {
  default: string;
  /** Regular expression (source) a tenant value must match. */
  pattern: string;
  /** Values that are not a tenant id but a set of accounts (`common`, `organizations`, …). */
  special: string[];
}

/**
 * Environment variable names per credential field; the first name is the canonical one, the rest
 * are aliases (the seeds' `GOOGLE_OAUTH_CLIENT_ID`).
 */
export type EnvNames = Partial<Record<CredentialField, string[]>>;

export type CredentialField =
  | 'clientId' | 'clientSecret' | 'tenantId' | 'accountId' | 'issuer' | 'teamId' | 'keyId' | 'privateKey'
  | 'apiKey' | 'username' | 'secret' | 'measurementId';

/** One catalog entry. */
export interface OAuthProviderEntry {
  id: string;
  name: string;
  kind: OAuthKind;
  /** The vendor's documentation of these facts. */
  docs: string;
  endpoints: OAuthEndpoints;
  /** Generic OIDC: endpoints come from the issuer's discovery document at run time. */
  discovery?: boolean;
  revoke?: RevokeSpec;
  tenant?: TenantSpec;
  grants: OAuthGrant[];
  scopes: { default: string[]; separator: ' ' | ',' };
  authorizeParams: Record<string, string>;
  refreshParams: Record<string, string>;
  /** Supports PKCE with S256 (send it). */
  pkce: boolean;
  clientAuth?: ClientAuthMethod;
  refreshRotation?: RefreshRotation;
  tokenResponse?: TokenResponseShape;
  env: EnvNames;
  api: ProviderApi;
  /** The raw profile (userinfo, id_token claims, or what `profileSource` says) → the hub's profile. */
  profile?(raw: Record<string, unknown>): OAuthProfile;
}
