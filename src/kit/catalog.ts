/**
 * The providers a hub knows, as data: lookup by id and by category. The hub builds one from
 * `providers/registry.ts` (or a test passes its own), and hands it to connections and the inbound
 * pipeline, so nothing below the hub imports the vendor folders.
 *
 * @example
 * const catalog = new ProviderCatalog([sendgrid, mailgun]);
 * catalog.of('email').map((p) => p.manifest.id) // ['sendgrid', 'mailgun']
 */
import { HubError } from '../core/errors.js';
import type { ProviderDefinition } from './connector.js';

export class ProviderCatalog {
  private readonly byId: Map<string, ProviderDefinition>;

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own credential type
  constructor(readonly all: readonly ProviderDefinition<any>[]) {
    this.byId = new Map(all.map((p) => [p.manifest.id, p as ProviderDefinition]));
  }

  /** The provider registered under `id`, or undefined. */
  find(id: string): ProviderDefinition | undefined {
    return this.byId.get(id);
  }

  /** The provider registered under `id`; a 404-class error naming the known ones otherwise. */
  get(id: string): ProviderDefinition {
    const p = this.byId.get(id);
    if (!p) throw new HubError('not_found', `Unknown provider "${id}". Known: ${this.ids().join(', ')}`);
    return p;
  }

  ids(): string[] {
    return [...this.byId.keys()];
  }

  /** Providers serving `category`, in registry order. */
  of(category: string): ProviderDefinition[] {
    return this.all.filter((p) => p.manifest.categories.includes(category)) as ProviderDefinition[];
  }

  /** Every environment variable the providers read (for `.env.example` and docs). */
  envVars(): string[] {
    return this.all.flatMap((p) => [
      ...Object.values(p.manifest.env as Record<string, string>),
      ...Object.values((p.manifest.envFallback ?? {}) as Record<string, string[]>).flat(),
      ...(p.manifest.auth.type === 'smtp' ? [] : [apiBaseVar(p.manifest.id)]),
    ]);
  }
}

/** `SENDGRID_API_BASE` for `sendgrid`: overrides a provider's base URL. */
export function apiBaseVar(providerId: string): string {
  return `${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_BASE`;
}
