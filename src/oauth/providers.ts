/**
 * The OAuth catalog's data: each provider's endpoints, grants, scopes, PKCE, client
 * authentication, refresh-token rotation, token-answer deviations, env variables, API hosts and
 * profile mapping. `catalog.ts` validates every entry when it loads. Facts checked against each
 * vendor's documentation (the `docs` link).
 */
import { appleProfile, discordProfile, githubProfile, microsoftProfile, oidcProfile, zoomProfile } from './profiles.js';
import { API_KEY_PROVIDERS, BUSINESS_PROVIDERS } from './business-providers.js';
import type { OAuthProviderEntry, TokenResponseShape } from './types.js';

const STANDARD: TokenResponseShape = { format: 'json', errors: 'status', expiresIn: true };
const OAUTH2 = { type: 'oauth2' } as const;
const none = {};

const google: OAuthProviderEntry = {
  id: 'google',
  name: 'Google',
  kind: 'oidc',
  docs: 'https://developers.google.com/identity/protocols/oauth2/web-server',
  endpoints: {
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    userinfoUrl: 'https://openidconnect.googleapis.com/v1/userinfo',
    jwksUrl: 'https://www.googleapis.com/oauth2/v3/certs',
    issuer: 'https://accounts.google.com',
  },
  revoke: { url: 'https://oauth2.googleapis.com/revoke', style: 'rfc7009' },
  grants: ['authorization_code', 'refresh_token'],
  scopes: { default: ['openid', 'email', 'profile'], separator: ' ' },
  // Without both, Google sends a refresh token only on the very first consent.
  authorizeParams: { access_type: 'offline', prompt: 'consent', include_granted_scopes: 'true' },
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_post',
  refreshRotation: 'never',
  tokenResponse: STANDARD,
  env: { clientId: ['GOOGLE_CLIENT_ID', 'GOOGLE_OAUTH_CLIENT_ID'], clientSecret: ['GOOGLE_CLIENT_SECRET', 'GOOGLE_OAUTH_CLIENT_SECRET'] },
  api: { baseUrl: 'https://www.googleapis.com', hosts: ['www.googleapis.com', 'gmail.googleapis.com', 'people.googleapis.com', 'openidconnect.googleapis.com'], auth: OAUTH2 },
  profile: oidcProfile,
};

const microsoft: OAuthProviderEntry = {
  id: 'microsoft',
  name: 'Microsoft (Entra ID)',
  kind: 'oidc',
  docs: 'https://learn.microsoft.com/en-us/entra/identity-platform/v2-oauth2-auth-code-flow',
  endpoints: {
    authorizeUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize',
    tokenUrl: 'https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token',
    userinfoUrl: 'https://graph.microsoft.com/oidc/userinfo',
    jwksUrl: 'https://login.microsoftonline.com/{tenant}/discovery/v2.0/keys',
    // For `common` and `organizations` the id_token's `iss` names the user's own tenant id, not `{tenant}`.
    issuer: 'https://login.microsoftonline.com/{tenant}/v2.0',
  },
  tenant: {
    default: 'common',
    pattern: '^(common|organizations|consumers|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[a-z0-9-]+(\\.[a-z0-9-]+)+)$',
    special: ['common', 'organizations', 'consumers'],
  },
  grants: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: { default: ['openid', 'profile', 'email', 'offline_access', 'User.Read'], separator: ' ' },
  authorizeParams: { response_mode: 'query' },
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_post',
  refreshRotation: 'always',
  tokenResponse: STANDARD,
  env: { clientId: ['MICROSOFT_CLIENT_ID', 'AZURE_AD_CLIENT_ID'], clientSecret: ['MICROSOFT_CLIENT_SECRET', 'AZURE_AD_CLIENT_SECRET'], tenantId: ['MICROSOFT_TENANT_ID', 'AZURE_AD_TENANT_ID'] },
  api: { baseUrl: 'https://graph.microsoft.com/v1.0', hosts: ['graph.microsoft.com'], auth: OAUTH2 },
  profile: microsoftProfile,
};

const github: OAuthProviderEntry = {
  id: 'github',
  name: 'GitHub',
  kind: 'oauth2',
  docs: 'https://docs.github.com/en/apps/oauth-apps/building-oauth-apps/authorizing-oauth-apps',
  endpoints: {
    authorizeUrl: 'https://github.com/login/oauth/authorize',
    tokenUrl: 'https://github.com/login/oauth/access_token',
    userinfoUrl: 'https://api.github.com/user',
    emailsUrl: 'https://api.github.com/user/emails',
  },
  revoke: { url: 'https://api.github.com/applications/{clientId}/token', style: 'github_app_token' },
  // refresh_token: GitHub Apps with expiring user tokens (8 h); OAuth apps' tokens never expire.
  grants: ['authorization_code', 'refresh_token'],
  scopes: { default: ['read:user', 'user:email'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_post',
  refreshRotation: 'always',
  // Form-encoded unless `Accept: application/json`; errors come back as HTTP 200 with `error`.
  tokenResponse: {
    format: 'form_unless_accept_json',
    errors: 'http200_error',
    expiresIn: true,
    errorCodes: {
      bad_verification_code: 'invalid_grant',
      bad_refresh_token: 'invalid_grant',
      redirect_uri_mismatch: 'invalid_grant',
      incorrect_client_credentials: 'invalid_client',
      unsupported_grant_type: 'unsupported_grant_type',
    },
  },
  env: { clientId: ['GITHUB_CLIENT_ID'], clientSecret: ['GITHUB_CLIENT_SECRET'] },
  api: {
    baseUrl: 'https://api.github.com',
    hosts: ['api.github.com', 'uploads.github.com'],
    auth: OAUTH2,
    headers: { accept: 'application/vnd.github+json', 'x-github-api-version': '2022-11-28' },
  },
  profile: githubProfile,
};

const linkedin: OAuthProviderEntry = {
  id: 'linkedin',
  name: 'LinkedIn',
  kind: 'oidc',
  docs: 'https://learn.microsoft.com/en-us/linkedin/consumer/integrations/self-serve/sign-in-with-linkedin-v2',
  endpoints: {
    authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    userinfoUrl: 'https://api.linkedin.com/v2/userinfo',
    jwksUrl: 'https://www.linkedin.com/oauth/openid/jwks',
    issuer: 'https://www.linkedin.com/oauth',
  },
  revoke: { url: 'https://www.linkedin.com/oauth/v2/revoke', style: 'rfc7009' },
  // Refresh tokens only for approved partners (programmatic refresh); the 3-legged token lasts 60 days.
  grants: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: { default: ['openid', 'profile', 'email'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  // LinkedIn's PKCE is for native (mobile) clients only.
  pkce: false,
  clientAuth: 'client_secret_post',
  refreshRotation: 'never',
  tokenResponse: STANDARD,
  env: { clientId: ['LINKEDIN_CLIENT_ID'], clientSecret: ['LINKEDIN_CLIENT_SECRET'] },
  api: { baseUrl: 'https://api.linkedin.com', hosts: ['api.linkedin.com'], auth: OAUTH2, headers: { 'x-restli-protocol-version': '2.0.0' } },
  profile: oidcProfile,
};

const slack: OAuthProviderEntry = {
  id: 'slack',
  name: 'Slack',
  kind: 'oauth2',
  docs: 'https://api.slack.com/authentication/oauth-v2',
  endpoints: {
    authorizeUrl: 'https://slack.com/oauth/v2/authorize',
    tokenUrl: 'https://slack.com/api/oauth.v2.access',
    userinfoUrl: 'https://slack.com/api/openid.connect.userInfo',
  },
  revoke: { url: 'https://slack.com/api/auth.revoke', style: 'slack_auth_revoke' },
  // refresh_token only once the app opts into token rotation (12 h access tokens).
  grants: ['authorization_code', 'refresh_token'],
  // Bot scopes, comma-separated; user scopes go in `user_scope`.
  scopes: { default: ['chat:write', 'channels:read'], separator: ',' },
  authorizeParams: none,
  refreshParams: none,
  pkce: false,
  clientAuth: 'client_secret_basic',
  refreshRotation: 'sometimes',
  // HTTP 200 `{ok: false, error}` on errors; the user's token is nested under `authed_user`.
  tokenResponse: {
    format: 'json',
    errors: 'slack_ok',
    userTokenUnder: 'authed_user',
    expiresIn: true,
    errorCodes: {
      invalid_code: 'invalid_grant',
      code_already_used: 'invalid_grant',
      invalid_refresh_token: 'invalid_grant',
      bad_redirect_uri: 'invalid_grant',
      invalid_client_id: 'invalid_client',
      bad_client_secret: 'invalid_client',
      invalid_grant_type: 'unsupported_grant_type',
      invalid_scope: 'invalid_scope',
    },
  },
  env: { clientId: ['SLACK_CLIENT_ID'], clientSecret: ['SLACK_CLIENT_SECRET'] },
  api: { baseUrl: 'https://slack.com/api', hosts: ['slack.com', 'files.slack.com'], auth: OAUTH2 },
  profile: oidcProfile,
};

const zoom: OAuthProviderEntry = {
  id: 'zoom',
  name: 'Zoom',
  kind: 'oauth2',
  docs: 'https://developers.zoom.us/docs/integrations/oauth/',
  endpoints: { authorizeUrl: 'https://zoom.us/oauth/authorize', tokenUrl: 'https://zoom.us/oauth/token', userinfoUrl: 'https://api.zoom.us/v2/users/me' },
  revoke: { url: 'https://zoom.us/oauth/revoke', style: 'rfc7009' },
  // account_credentials: Server-to-Server OAuth (`account_id`), a 1 h token and no refresh token.
  grants: ['authorization_code', 'refresh_token', 'account_credentials'],
  // Zoom grants the scopes configured on the app; none need be asked for.
  scopes: { default: [], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_basic',
  refreshRotation: 'always',
  tokenResponse: STANDARD,
  env: { clientId: ['ZOOM_CLIENT_ID'], clientSecret: ['ZOOM_CLIENT_SECRET'], accountId: ['ZOOM_ACCOUNT_ID'] },
  api: { baseUrl: 'https://api.zoom.us/v2', hosts: ['api.zoom.us'], auth: OAUTH2 },
  profile: zoomProfile,
};

const discord: OAuthProviderEntry = {
  id: 'discord',
  name: 'Discord',
  kind: 'oauth2',
  docs: 'https://discord.com/developers/docs/topics/oauth2',
  endpoints: { authorizeUrl: 'https://discord.com/oauth2/authorize', tokenUrl: 'https://discord.com/api/oauth2/token', userinfoUrl: 'https://discord.com/api/users/@me' },
  revoke: { url: 'https://discord.com/api/oauth2/token/revoke', style: 'rfc7009' },
  grants: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: { default: ['identify', 'email'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: false,
  clientAuth: 'client_secret_basic',
  refreshRotation: 'always',
  tokenResponse: STANDARD,
  env: { clientId: ['DISCORD_CLIENT_ID'], clientSecret: ['DISCORD_CLIENT_SECRET'] },
  api: { baseUrl: 'https://discord.com/api', hosts: ['discord.com'], auth: OAUTH2 },
  profile: discordProfile,
};

const apple: OAuthProviderEntry = {
  id: 'apple',
  name: 'Apple',
  kind: 'oidc',
  docs: 'https://developer.apple.com/documentation/accountorganizationaldatasharing/request-an-authorization-to-the-sign-in-with-apple-server',
  endpoints: {
    authorizeUrl: 'https://appleid.apple.com/auth/authorize',
    tokenUrl: 'https://appleid.apple.com/auth/token',
    jwksUrl: 'https://appleid.apple.com/auth/keys',
    issuer: 'https://appleid.apple.com',
  },
  revoke: { url: 'https://appleid.apple.com/auth/revoke', style: 'rfc7009' },
  grants: ['authorization_code', 'refresh_token'],
  scopes: { default: ['name', 'email'], separator: ' ' },
  // Asking for name or email requires form_post: the callback is a POST carrying `code`, `state` and (first time only) `user`.
  authorizeParams: { response_mode: 'form_post' },
  refreshParams: none,
  pkce: false,
  clientAuth: 'apple_es256_jwt',
  refreshRotation: 'never',
  tokenResponse: STANDARD,
  env: { clientId: ['APPLE_CLIENT_ID'], teamId: ['APPLE_TEAM_ID'], keyId: ['APPLE_KEY_ID'], privateKey: ['APPLE_PRIVATE_KEY'] },
  api: { baseUrl: 'https://appleid.apple.com', hosts: ['appleid.apple.com'], auth: OAUTH2 },
  profile: appleProfile,
};

/** Every catalog entry, in the order docs and listings show them. */
export const OAUTH_PROVIDERS: readonly OAuthProviderEntry[] = [google, microsoft, github, linkedin, slack, zoom, discord, apple, ...BUSINESS_PROVIDERS, ...API_KEY_PROVIDERS];
