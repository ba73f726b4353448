/**
 * Every provider the hub knows. Adding one is a folder under `providers/` plus one line here.
 */
import { HubError } from '../core/errors.js';
import { mailgun } from './mailgun/index.js';
import { paypal } from './paypal/index.js';
import { sendgrid } from './sendgrid/index.js';
import { smtp } from './smtp/index.js';
import { stripe } from './stripe/index.js';
import type { Category, ProviderDefinition } from '../kit/connector.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- each entry keeps its own credential type
export const PROVIDERS: readonly ProviderDefinition<any>[] = [sendgrid, mailgun, smtp, stripe, paypal];

const byId = new Map(PROVIDERS.map((p) => [p.manifest.id, p]));

/** The provider registered under `id`; a clear 404-class error otherwise. */
export function getProvider(id: string): ProviderDefinition {
  const p = byId.get(id);
  if (!p) throw new HubError('not_found', `Unknown provider "${id}". Known: ${[...byId.keys()].join(', ')}`);
  return p;
}

export function providersOf(category: Category): ProviderDefinition[] {
  return PROVIDERS.filter((p) => p.manifest.categories.includes(category));
}

/** `SENDGRID_API_BASE` for `sendgrid`. */
export function apiBaseVar(providerId: string): string {
  return `${providerId.toUpperCase().replace(/[^A-Z0-9]/g, '_')}_API_BASE`;
}

/** Every environment variable the providers read (for `.env.example` and docs). */
export function providerEnvVars(): string[] {
  return PROVIDERS.flatMap((p) => [
    ...Object.values(p.manifest.env as Record<string, string>),
    ...(p.manifest.auth === 'smtp' ? [] : [apiBaseVar(p.manifest.id)]),
  ]);
}
