/**
 * Which provider, connection and secrets one inbound URL stands for:
 * `/webhooks/:provider` → the provider's default connection (env secrets and, in sandbox mode,
 * the emulator's); `/webhooks/:provider/:connectionId` → that connection's own secrets (its
 * credentials' `webhooks.secretFields`, sealed in the vault; a sandbox connection also its
 * emulator's), 404 for a connection of another provider.
 */
import type { Clock } from '../core/clock.js';
import { HubError } from '../core/errors.js';
import type { Logger } from '../core/logger.js';
import { DEFAULT_TENANT, type ConnectionManager } from '../connections/connections.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import type { ProviderDefinition, ResolvedConnection } from '../kit/connector.js';
import type { WebhookHandler, WebhookVerifyInput } from '../kit/inbound.js';

export interface ProviderTargetDeps {
  connections: ConnectionManager;
  catalog: ProviderCatalog;
  clock: Clock;
  logger: Logger;
}

/** A resolved provider URL: the handler and what the verifier may trust. */
export interface ProviderTarget {
  provider: string;
  handler: WebhookHandler;
  /** Null on the default route. */
  connectionId: string | null;
  tenantId: string;
  trust: Pick<WebhookVerifyInput, 'secrets' | 'emulator' | 'context'>;
}

const unknown = (what: string) => new HubError('unknown_webhook_source', what);

/**
 * Resolve `provider` (and `connectionId`, when the URL names one). Throws `unknown_webhook_source`
 * (404) for an unknown provider or connection, `webhook_signature_invalid` when no secret is set.
 *
 * @example
 * const t = await resolveProviderTarget(deps, 'stripe', 'conn_01J…'); // t.trust.secrets: that connection's whsec_
 */
export async function resolveProviderTarget(deps: ProviderTargetDeps, provider: string, connectionId?: string): Promise<ProviderTarget> {
  const def = deps.catalog.find(provider);
  if (!def?.webhooks) throw unknown(`No provider with inbound webhooks is registered as "${provider.slice(0, 64)}"`);
  const fallback = deps.connections.defaultConnection(provider);
  if (connectionId === undefined || connectionId === fallback?.id) return defaultTarget(deps, def, def.webhooks, fallback);
  const conn = await deps.connections.byId(connectionId);
  // Another provider's connection is as unknown here as a missing one: nothing about it is told.
  if (!conn || conn.provider !== provider) throw unknown(`No ${def.manifest.name} connection "${connectionId.slice(0, 64)}"`);
  const secrets = def.webhooks.secretFields.map((f) => (conn.credentials as Record<string, unknown>)[f]).filter((v): v is string => typeof v === 'string' && v.trim() !== '');
  secrets.push(...(conn.ownWebhookSecrets ?? []));
  if (def.webhooks.pushKeys) secrets.push(...deps.connections.pushKeys(conn.id));
  // A sandbox connection talks to the provider's emulator, which signs with its own key.
  const emu = conn.mode === 'sandbox' ? deps.connections.emulator(provider) : undefined;
  if (emu?.webhookSecret) secrets.push(emu.webhookSecret);
  if (secrets.length === 0) {
    throw new HubError('webhook_signature_invalid', `Connection ${conn.id} has no ${def.manifest.name} webhook verification key: add ${def.webhooks.secretFields.join(' or ')} to its credentials`, { provider });
  }
  const emulator = emu ? { url: emu.url, certificatePem: emu.certificatePem } : undefined;
  return { provider, handler: def.webhooks, connectionId: conn.id, tenantId: conn.tenantId, trust: { secrets, emulator, context: contextOf(deps, conn) } };
}

function defaultTarget(deps: ProviderTargetDeps, def: ProviderDefinition, handler: WebhookHandler, conn: ResolvedConnection | undefined): ProviderTarget {
  const provider = def.manifest.id;
  const secrets = deps.connections.webhookSecrets(provider);
  if (handler.pushKeys && conn) secrets.push(...deps.connections.pushKeys(conn.id));
  if (secrets.length === 0) {
    const vars = handler.secretFields.map((f) => (def.manifest.env as Record<string, string>)[f]).join(' or ');
    throw new HubError('webhook_signature_invalid', `No verification key is configured for ${def.manifest.name}; set ${vars}`, { provider });
  }
  const emu = deps.connections.emulator(provider);
  const emulator = emu ? { url: emu.url, certificatePem: emu.certificatePem } : undefined;
  return { provider, handler, connectionId: null, tenantId: DEFAULT_TENANT, trust: { secrets, emulator, context: conn ? contextOf(deps, conn) : undefined } };
}

function contextOf(deps: ProviderTargetDeps, connection: ResolvedConnection): WebhookVerifyInput['context'] {
  return { connection, http: deps.connections.http(connection), clock: deps.clock, logger: deps.logger };
}
