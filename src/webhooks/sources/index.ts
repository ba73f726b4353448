/**
 * Installs custom inbound sources on a hub: `POST/GET/PATCH/DELETE /api/v1/webhooks/sources` and
 * the public `POST /webhooks/sources/:sourceId`. See `docs/webhooks.md`.
 *
 * @example
 * const hub = await createHub(); // createHub calls installSources(hub)
 */
import type { Hub } from '../../hub.js';
import { SourceReceiver } from './receiver.js';
import { sourceApiRoutes, sourceReceiveRoutes } from './routes.js';
import { SourceStore } from './source-store.js';

export { SCHEME_IDS, SCHEMES, type SchemeId } from './schemes.js';
export { SourceStore, type SourceView } from './source-store.js';
export { SourceReceiver } from './receiver.js';
export { verifyStandardWebhooks, standardWebhooksSignature } from './standard-webhooks.js';
export { verifyGithub, githubSignature } from './github.js';
export { verifyHmacSha256, hmacSha256Signature } from './hmac-sha256.js';

export function installSources(hub: Hub): { sources: SourceStore; receiver: SourceReceiver } {
  const sources = new SourceStore(hub.store, hub.vault, hub.clock);
  const receiver = new SourceReceiver({ store: hub.store, events: hub.events, sources, clock: hub.clock, registry: hub.registry, toleranceSec: hub.config.webhookToleranceSec });
  hub.routePlugins.push(sourceApiRoutes(hub, sources), sourceReceiveRoutes(receiver));
  return { sources, receiver };
}
