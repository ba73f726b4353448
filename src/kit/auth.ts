/**
 * How a provider's requests authenticate, as connectors and manifests name it: the auth data of
 * `ProviderManifest.auth` and the signing hook types. They are defined beside the transport that
 * applies them (`transport/auth-spec.ts`, as the import rules keep `transport/` below `kit/`).
 *
 * @example
 * import type { AuthSpec } from '../../kit/auth.js';
 * const auth: AuthSpec = { type: 'basic', username: 'api', password: '{apiKey}' };
 */
export {
  authFields,
  type AuthSpec,
  type BasicAuth,
  type BearerAuth,
  type BodyDescriptor,
  type CustomAuth,
  type HeaderAuth,
  type NoAuth,
  type OAuth2Auth,
  type QueryAuth,
  type SignHook,
  type SigningConnection,
  type SigningRequest,
  type SmtpAuth,
} from '../transport/auth-spec.js';
