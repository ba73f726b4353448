/**
 * The OAuth catalog's providers that have no vendor folder (GitHub, Discord, HubSpot,
 * Salesforce, any OIDC issuer, and the API-key services Mixpanel, Sentry, GA4), as provider
 * definitions made from their catalog entry: a connection to one of them carries its tokens (or
 * key) for the proxy, and the transport applies the entry's `api.auth`. An OAuth entry's
 * environment variables configure the hub's OAuth application, not a connection
 * (`defaultConnection: false`); tenants connect accounts through the connect flow. In sandbox
 * mode the one sandbox authorization server (`oauth-sandbox/`) plays them, its `/<id>/api` their API.
 *
 * @example
 * catalogProviders(['sendgrid', 'google']).map((p) => p.manifest.id) // ['microsoft', 'github', …, 'mixpanel', …]
 */
import { z } from 'zod';
import { HubError } from '../core/errors.js';
import type { ProviderDefinition } from '../kit/connector.js';
import type { Emulator, EmulatorOptions } from '../kit/emulator.js';
import { oauthProviders } from '../oauth/catalog.js';
import { requiredFields } from '../oauth/resolve.js';
import type { CredentialField, OAuthProviderEntry } from '../oauth/types.js';
import { authFields } from '../transport/auth-spec.js';
import type { HttpResponse } from '../transport/types.js';
import { sharedOAuthEmulator } from './oauth-sandbox/shared.js';


/** Status → hub error for APIs reached through the proxy (the proxy answers the provider's own body). */
function statusError(provider: string) {
  return (res: HttpResponse): HubError => {
    const opts = { provider, providerStatus: res.status };
    if (res.status === 401 || res.status === 403) return new HubError('provider_auth_failed', `${provider} refused the connection's credentials (${res.status})`, opts);
    if (res.status === 429) return new HubError('provider_rate_limited', `${provider} answered 429`, opts);
    if (res.status >= 500) return new HubError('provider_unavailable', `${provider} answered ${res.status}`, opts);
    return new HubError('provider_error', `${provider} answered ${res.status}`, opts);
  };
}

/** The definition of one catalog entry. */
export function catalogProvider(entry: OAuthProviderEntry): ProviderDefinition {
  const fields = Object.keys(entry.env) as CredentialField[];
  const env = Object.fromEntries(fields.map((f) => [f, entry.env[f]![0]!]));
  const apiKey = entry.kind === 'api_key';
  const required = requiredFields(entry);
  const shape = Object.fromEntries(fields.map((f) => [f, apiKey && required.includes(f) ? z.string().min(1) : z.string().optional()]));
  return {
    manifest: {
      id: entry.id,
      name: entry.name,
      categories: [],
      docsUrl: entry.docs,
      auth: entry.api.auth,
      baseUrl: entry.api.baseUrl,
      env,
      credentials: z.object(shape) as unknown as z.ZodType<Record<string, unknown>>,
      liveWhen: required,
      // What the auth sends is a secret, whatever its name (a Mixpanel service account's username too).
      secretFields: fields.filter((f) => ['clientSecret', 'privateKey', 'apiKey', 'secret'].includes(f) || authFields(entry.api.auth).includes(f)),
      mapError: statusError(entry.id),
      ...(apiKey ? {} : { oauth: entry.id, defaultConnection: false as const }),
    },
    ...(apiKey ? {} : { startEmulator: (options?: EmulatorOptions) => sandboxView(entry.id, options) }),
  };
}

/** This provider's view of the shared sandbox authorization server: its API under `/<id>/api` (vendor folders of catalog entries use it too: LinkedIn). */
export async function sandboxView(id: string, options?: EmulatorOptions): Promise<Emulator> {
  const { emulator, release } = await sharedOAuthEmulator(options);
  return {
    url: `${emulator.url}/${id}/api`,
    credentials: {},
    chaos: emulator.chaos,
    accepted: emulator.accepted,
    setWebhookTarget() {},
    close: release,
  };
}

/** Definitions for every catalog entry whose id no vendor folder in `taken` uses. */
export function catalogProviders(taken: readonly string[]): ProviderDefinition[] {
  return oauthProviders()
    .filter((e) => !taken.includes(e.id))
    .map(catalogProvider);
}
