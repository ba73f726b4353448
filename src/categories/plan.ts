/**
 * Reads what the categories declare, before anything starts: each category's provider chain
 * (`<NAME>_PROVIDERS`, checked against the providers that serve it), its settings (validated like
 * the hub's own variables) and the scopes of its routes. A mistake is a `config_invalid` that
 * names the variable, at start.
 */
import { listVar, parseEnvVars } from '../core/config.js';
import { HubError } from '../core/errors.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import { chainVarOf, type AnyCategory } from './category.js';

export interface CategoryPlan {
  /** Provider ids in order, per category name. */
  chains: Record<string, string[]>;
  /** Parsed settings, per category name. */
  settings: Record<string, unknown>;
  /** Every scope the categories' routes use, with its description. */
  scopes: Record<string, string>;
}

/**
 * @example
 * planCategories(CATEGORIES, catalog, { EMAIL_PROVIDERS: 'smtp' }).chains.email // ['smtp']
 */
export function planCategories(categories: readonly AnyCategory[], catalog: ProviderCatalog, env: Record<string, string | undefined>): CategoryPlan {
  const plan: CategoryPlan = { chains: {}, settings: {}, scopes: {} };
  for (const c of categories) {
    const variable = chainVarOf(c);
    const known = catalog.of(c.name).map((p) => p.manifest.id);
    const raw = env[variable]?.trim();
    const chosen = raw ? listVar.parse(raw) : known;
    const unknown = chosen.filter((p) => !known.includes(p));
    if (unknown.length > 0) throw new HubError('config_invalid', `${variable}: unknown provider(s) ${unknown.join(', ')}; known: ${known.join(', ')}`);
    plan.chains[c.name] = chosen;
    plan.settings[c.name] = c.settings ? parseEnvVars(c.settings as never, env) : {};
    Object.assign(plan.scopes, c.scopes);
    for (const name of Object.keys(c.migrations ?? {})) {
      if (!name.startsWith(`${c.name}-`)) throw new HubError('config_invalid', `category ${c.name}: migration "${name}" must be named "${c.name}-NNN-what" (its tables live beside every other category's)`);
    }
  }
  return plan;
}

/** The categories' own migrations, for `openStore({ migrations })`. */
export function categoryMigrations(categories: readonly AnyCategory[]): NonNullable<AnyCategory['migrations']> {
  return Object.assign({}, ...categories.map((c) => c.migrations ?? {})) as NonNullable<AnyCategory['migrations']>;
}

/** Every variable the categories read: their chain variables and settings (for `.env.example`). */
export function categoryEnvVars(categories: readonly AnyCategory[]): string[] {
  return categories.flatMap((c) => [chainVarOf(c), ...Object.keys((c.settings as { shape?: object } | undefined)?.shape ?? {})]);
}
