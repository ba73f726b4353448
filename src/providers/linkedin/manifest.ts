/**
 * LinkedIn as data: the catalog entry `linkedin` it links (OAuth app, sign-in, connect flow), its
 * access token as the API's auth, the API base, the two headers every versioned call carries, and
 * LinkedIn's error answers (`{ status, code, message }`, 422 with `errorDetails.inputErrors`)
 * mapped to hub errors.
 *
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 * @see https://learn.microsoft.com/en-us/linkedin/shared/api-guide/concepts/error-handling
 */
import { z } from 'zod';
import { HubError } from '../../core/errors.js';
import type { ProviderManifest } from '../../kit/connector.js';
import type { HttpResponse } from '../../transport/types.js';

/** The monthly API version sent as `LinkedIn-Version` (each is served for at least a year). */
export const LINKEDIN_VERSION = '202611';

/**
 * Headers of every call to LinkedIn's versioned `/rest` API.
 *
 * @example
 * linkedinHeaders() // { 'linkedin-version': '202611', 'x-restli-protocol-version': '2.0.0' }
 */
export function linkedinHeaders(version = LINKEDIN_VERSION): Record<string, string> {
  return { 'linkedin-version': version, 'x-restli-protocol-version': '2.0.0' };
}

/** A connection holds no credential of its own: its tokens come from the connect flow. */
const credentials = z.object({ clientId: z.string().optional(), clientSecret: z.string().optional() });

/**
 * LinkedIn's error answer → a hub error (the status stays, so a 401 still triggers one refresh).
 *
 * @example
 * mapLinkedInError(toResponse({ status: 403, headers: {}, text: '{"status":403,"code":"ACCESS_DENIED","message":"Not enough permissions"}' })).code // 'provider_auth_failed'
 */
export function mapLinkedInError(res: HttpResponse): HubError {
  let body: { message?: string; code?: string; errorDetails?: { inputErrors?: { description?: string; input?: { inputPath?: { fieldPath?: string } } }[] } } = {};
  try {
    body = res.json();
  } catch {
    // not JSON: the status says enough
  }
  const message = `LinkedIn answered ${res.status}${body.code ? ` ${body.code}` : ''}: ${body.message ?? (res.text.slice(0, 200) || 'no message')}`;
  const opts = { provider: 'linkedin', providerStatus: res.status, providerCode: body.code };
  if (res.status === 401 || res.status === 403) return new HubError('provider_auth_failed', message, opts);
  if (res.status === 429) return new HubError('provider_rate_limited', message, opts);
  if (res.status >= 500) return new HubError('provider_unavailable', message, opts);
  if (res.status === 400 || res.status === 422) {
    const errors = (body.errorDetails?.inputErrors ?? []).map((e) => ({ field: e.input?.inputPath?.fieldPath ?? '(body)', message: e.description ?? 'is invalid' }));
    return new HubError('provider_rejected', message, { ...opts, ...(errors.length > 0 && { errors }) });
  }
  return new HubError('provider_error', message, opts);
}

/**
 * The LinkedIn manifest: replaces the definition the catalog entry would generate
 * (`catalogProviders()` skips ids a vendor folder takes).
 *
 * @example
 * linkedinManifest.oauth // 'linkedin'
 */
export const linkedinManifest: ProviderManifest<z.infer<typeof credentials>> = {
  id: 'linkedin',
  name: 'LinkedIn',
  categories: [],
  docsUrl: 'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api',
  auth: { type: 'oauth2' },
  baseUrl: 'https://api.linkedin.com',
  env: { clientId: 'LINKEDIN_CLIENT_ID', clientSecret: 'LINKEDIN_CLIENT_SECRET' },
  credentials,
  liveWhen: ['clientId', 'clientSecret'],
  secretFields: ['clientSecret'],
  // LinkedIn's member-level daily limits are per application and endpoint; a gentle pace per member.
  rateLimit: { limit: 100, intervalMs: 60_000 },
  mapError: mapLinkedInError,
  oauth: 'linkedin',
  defaultConnection: false,
};
