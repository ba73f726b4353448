/**
 * Catalog data, continued: the CRMs (HubSpot, Salesforce), the generic OIDC provider (any Okta,
 * Auth0, Keycloak or Entra tenant, configured by its issuer alone), and the API-key services the
 * proxy reaches (Mixpanel, Sentry, GA4 Measurement Protocol). `providers.ts` lists them.
 */
import { hubspotProfile, oidcProfile } from './profiles.js';
import type { OAuthProviderEntry } from './types.js';

const OAUTH2 = { type: 'oauth2' } as const;
const none = {};
const noScopes = { default: [] as string[], separator: ' ' as const };

const hubspot: OAuthProviderEntry = {
  id: 'hubspot',
  name: 'HubSpot',
  kind: 'oauth2',
  docs: 'https://developers.hubspot.com/docs/api/oauth-quickstart-guide',
  endpoints: {
    authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
    tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
    // The token goes in the path, not in a header.
    userinfoUrl: 'https://api.hubapi.com/oauth/v1/access-tokens/{accessToken}',
  },
  revoke: { url: 'https://api.hubapi.com/oauth/v1/refresh-tokens/{refreshToken}', style: 'hubspot_refresh_token' },
  grants: ['authorization_code', 'refresh_token'],
  scopes: { default: ['oauth', 'crm.objects.contacts.read'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: false,
  clientAuth: 'client_secret_post',
  // The refresh token never changes.
  refreshRotation: 'never',
  tokenResponse: { format: 'json', errors: 'status', expiresIn: true },
  env: { clientId: ['HUBSPOT_CLIENT_ID'], clientSecret: ['HUBSPOT_CLIENT_SECRET'] },
  api: { baseUrl: 'https://api.hubapi.com', hosts: ['api.hubapi.com', 'api.hubspot.com'], auth: OAUTH2 },
  profile: hubspotProfile,
};

const salesforce: OAuthProviderEntry = {
  id: 'salesforce',
  name: 'Salesforce',
  kind: 'oidc',
  docs: 'https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm',
  endpoints: {
    authorizeUrl: 'https://login.salesforce.com/services/oauth2/authorize',
    tokenUrl: 'https://login.salesforce.com/services/oauth2/token',
    userinfoUrl: 'https://login.salesforce.com/services/oauth2/userinfo',
    jwksUrl: 'https://login.salesforce.com/id/keys',
    issuer: 'https://login.salesforce.com',
  },
  revoke: { url: 'https://login.salesforce.com/services/oauth2/revoke', style: 'rfc7009' },
  grants: ['authorization_code', 'refresh_token', 'client_credentials'],
  // `refresh_token` is a scope here: without it no refresh token is issued.
  scopes: { default: ['api', 'refresh_token', 'openid'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_post',
  refreshRotation: 'never',
  // `instance_url` is this org's API base; no `expires_in` (the org's session policy decides).
  tokenResponse: { format: 'json', errors: 'status', apiBaseField: 'instance_url', expiresIn: false },
  env: { clientId: ['SALESFORCE_CLIENT_ID'], clientSecret: ['SALESFORCE_CLIENT_SECRET'] },
  api: { baseUrl: 'https://login.salesforce.com/services/data', hosts: ['*.my.salesforce.com', '*.salesforce.com'], auth: OAUTH2 },
  profile: oidcProfile,
};

/** Any standards-following OIDC provider: endpoints from `${OIDC_ISSUER}/.well-known/openid-configuration`. */
const oidc: OAuthProviderEntry = {
  id: 'oidc',
  name: 'OpenID Connect (generic)',
  kind: 'oidc',
  docs: 'https://openid.net/specs/openid-connect-discovery-1_0.html',
  endpoints: {},
  discovery: true,
  grants: ['authorization_code', 'refresh_token', 'client_credentials'],
  scopes: { default: ['openid', 'email', 'profile', 'offline_access'], separator: ' ' },
  authorizeParams: none,
  refreshParams: none,
  pkce: true,
  clientAuth: 'client_secret_basic',
  refreshRotation: 'sometimes',
  tokenResponse: { format: 'json', errors: 'status', expiresIn: true },
  env: { issuer: ['OIDC_ISSUER'], clientId: ['OIDC_CLIENT_ID'], clientSecret: ['OIDC_CLIENT_SECRET'] },
  api: { baseUrl: 'https://{issuerHost}', hosts: ['{issuerHost}'], auth: OAUTH2 },
  profile: oidcProfile,
};

/** The OAuth entries of this file, in catalog order. */
export const BUSINESS_PROVIDERS: readonly OAuthProviderEntry[] = [hubspot, salesforce, oidc];

const apiKey = (entry: Pick<OAuthProviderEntry, 'id' | 'name' | 'docs' | 'env' | 'api'>): OAuthProviderEntry => ({
  ...entry,
  kind: 'api_key',
  endpoints: {},
  grants: [],
  scopes: noScopes,
  authorizeParams: none,
  refreshParams: none,
  pkce: false,
});

/** API-key services for the proxy: no OAuth, the key applied as the vendor wants it. */
export const API_KEY_PROVIDERS: readonly OAuthProviderEntry[] = [
  apiKey({
    id: 'mixpanel',
    name: 'Mixpanel',
    docs: 'https://developer.mixpanel.com/reference/service-accounts',
    env: { username: ['MIXPANEL_SERVICE_ACCOUNT_USERNAME'], secret: ['MIXPANEL_SERVICE_ACCOUNT_SECRET'] },
    api: {
      baseUrl: 'https://api.mixpanel.com',
      hosts: ['api.mixpanel.com', 'api-eu.mixpanel.com', 'mixpanel.com', 'eu.mixpanel.com', 'data.mixpanel.com', 'data-eu.mixpanel.com'],
      auth: { type: 'basic', username: '{username}', password: '{secret}' },
    },
  }),
  apiKey({
    id: 'sentry',
    name: 'Sentry',
    docs: 'https://docs.sentry.io/api/auth/',
    env: { apiKey: ['SENTRY_AUTH_TOKEN'] },
    api: { baseUrl: 'https://sentry.io/api/0', hosts: ['sentry.io', 'us.sentry.io', 'de.sentry.io'], auth: { type: 'bearer', token: '{apiKey}' } },
  }),
  apiKey({
    id: 'ga4',
    name: 'Google Analytics 4 (Measurement Protocol)',
    docs: 'https://developers.google.com/analytics/devguides/collection/protocol/ga4/sending-events',
    // `measurement_id` (or `firebase_app_id`) goes in the query of each call beside the secret.
    env: { secret: ['GA4_API_SECRET'], measurementId: ['GA4_MEASUREMENT_ID'] },
    api: {
      baseUrl: 'https://www.google-analytics.com/mp',
      hosts: ['www.google-analytics.com', 'region1.google-analytics.com'],
      auth: { type: 'query', name: 'api_secret', value: '{secret}' },
    },
  }),
];
