/**
 * Installs inbound webhooks on a hub: custom sources (`/api/v1/webhooks/sources`, received on
 * `POST /webhooks/sources/:sourceId` by the one inbound route), the event stream the inbox
 * records to, and the inbox retention purge. See `docs/webhooks.md`.
 *
 * @example
 * const hub = await createHub(); // createHub calls installSources(hub)
 */
import type { WebhookDeps } from '../deps.js';
import { sourceResolver } from './receiver.js';
import { sourceApiRoutes } from './routes.js';
import { SourceStore } from './source-store.js';

export { SCHEME_IDS, SCHEMES, type SchemeId, type SourceVerifier, type SourceVerifyInput } from './schemes.js';
export { SourceStore, type SourceView } from './source-store.js';
export { sourceResolver, sourceTarget } from './receiver.js';
export { verifyGithub, githubSignature } from './github.js';
export { verifyHmacSha256, hmacSha256Signature } from './hmac-sha256.js';

export interface SourcesOptions {
  /** How often the inbox retention purge runs (default hourly). */
  purgeEveryMs?: number;
}

export function installSources(deps: WebhookDeps, options: SourcesOptions = {}): { sources: SourceStore } {
  const sources = new SourceStore(deps.store, deps.vault, deps.clock);
  deps.inbox.attach({ events: deps.events, sources: sourceResolver({ store: deps.store, events: deps.events, sources }) });
  deps.routePlugins.push(sourceApiRoutes(deps.config, sources));

  const retentionMs = deps.config.webhookRetentionDays * 86_400_000;
  const timer = setInterval(() => {
    deps.inbox.purge(retentionMs).catch((err: unknown) => deps.logger.error({ err }, 'webhook inbox purge failed'));
  }, options.purgeEveryMs ?? 3600_000);
  timer.unref();
  deps.onClose(async () => clearInterval(timer));
  return { sources };
}
