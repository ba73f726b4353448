/**
 * LinkedIn: a vendor folder over the catalog entry `linkedin`, for the typed subset in `api.ts`
 * (the member's profile, sharing a post, an organization's page). Accounts connect through the
 * connect flow; in sandbox the shared authorization server plays its API under `/linkedin/api`.
 *
 * @example
 * import { linkedinApi } from './providers/linkedin/index.js';
 * const li = linkedinApi(hub, 'conn_01…');
 */
import { defineProvider } from '../../kit/connector.js';
import { sandboxView } from '../catalog-providers.js';
import { linkedinManifest } from './manifest.js';

export const linkedin = defineProvider({
  manifest: linkedinManifest,
  startEmulator: (options) => sandboxView('linkedin', options),
});

export { linkedinApi, type LinkedInApi, type LinkedInOrganization, type LinkedInProfile, type SharedPost, type SharePostInput } from './api.js';
export { LINKEDIN_VERSION, linkedinHeaders } from './manifest.js';
