/**
 * The library entry: `import { createHub } from 'switchboard'`. A deliberate list, not every
 * module's exports: what an application needs to run the hub in-process and read its answers, and
 * what a provider author needs to write a connector. Anything not listed here is internal and may
 * change without notice.
 *
 * @example
 * import { createHub, HubError } from 'switchboard';
 * const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true' } });
 * try {
 *   const sent = await hub.email.send('default', { to: 'ann@example.com', subject: 'Hi', text: 'Hello' });
 *   console.log(sent.status, sent.provider);
 * } catch (err) {
 *   if (err instanceof HubError) console.error(err.code, err.status, err.retryable);
 * } finally {
 *   await hub.close();
 * }
 */

// ---- The hub
export { createHub, type CreateHubOptions, type Hub, type HubCore } from './hub.js';
export type { HubConfig } from './core/config.js';
export type { Clock } from './core/clock.js';
export type { Logger } from './core/logger.js';

// ---- Errors: one type with a stable `code` (docs/errors.md lists them)
export {
  HubError,
  errorCodes,
  errorCodeInfo,
  CORE_ERROR_CODES,
  type ErrorCode,
  type ErrorCodeInfo,
  type FieldError,
  type HubErrorOptions,
} from './core/errors.js';

// ---- Categories. Importing the category definitions also brings their declaration merging
// (`hub.email`, `hub.payments`, their error codes and event types) into the published types.
export { defineCategory, type CategoryServices, type CategoryContext, type CategoryDefinition, type CategoryParts } from './categories/category.js';
export { CATEGORIES } from './categories/registry.js';
export type { ChainOptions, ChainResult, FailoverPolicy } from './routing/failover.js';
// Each category's public types, services and its definition (`categories/<name>/public.ts`): one line each.
export * from './categories/email/public.js';
export * from './categories/payments/public.js';
export * from './categories/chat/public.js';
export * from './categories/sms/public.js';
export * from './categories/voice/public.js';
export * from './categories/meetings/public.js';
export * from './categories/calendar/public.js';

// ---- Using a connection: the proxy (`hub.proxy`) and LinkedIn's typed subset over it
export type { ConnectionProxy, ProxyAnswer, ProxyRequest } from './connections/proxy.js';
export { linkedinApi as linkedin, type LinkedInApi, type LinkedInOrganization, type LinkedInProfile, type SharedPost, type SharePostInput } from './providers/linkedin/index.js';

// ---- Events (`hub.on`, `hub.events`)
export type { UnifiedEvent } from './events/event-store.js';
export type { EventHandler, EventFor, HandlerContext, EventType } from './events/index.js';

// ---- Writing a provider: the kit (src/kit/)
export {
  defineProvider,
  type Category,
  type CategoryContracts,
  type ConnectionStatus,
  type ConnectorFactory,
  type ProviderContext,
  type ProviderDefinition,
  type ProviderManifest,
  type ResolvedConnection,
  type TokenSet,
} from './kit/connector.js';
export { ProviderCatalog } from './kit/catalog.js';
export { PROVIDERS } from './providers/registry.js';
export type {
  AuthSpec,
  BasicAuth,
  BearerAuth,
  BodyDescriptor,
  CustomAuth,
  HeaderAuth,
  NoAuth,
  OAuth2Auth,
  QueryAuth,
  SignHook,
  SigningConnection,
  SigningRequest,
  SmtpAuth,
} from './kit/auth.js';
export type { ChaosSettings, Emulator, EmulatorOptions } from './kit/emulator.js';
export type { EmulatorTrust, HandshakeReply, InboundEvent, VerifyOutcome, WebhookHandler, WebhookVerifyInput } from './kit/inbound.js';
export { checkTimestamp, hmacSha256, matchSecret, safeEqual, type VerifyInput } from './kit/webhook-verify.js';
export type { ErrorMapper, HttpRequest, HttpResponse, ProviderHttp } from './transport/types.js';

// ---- Standard Webhooks: verify what the hub sends (or any Standard Webhooks sender)
export { verifyStandardWebhooks, generateSecret as generateWebhookSecret } from './webhooks/standard-webhooks.js';
