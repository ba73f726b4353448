/**
 * What every route of the sandbox authorization server shares: the state, the sandboxed catalog
 * entries, each provider's registered client and users, and the settings of this run.
 */
import type { OAuthProviderEntry } from '../../oauth/types.js';
import type { SandboxState } from './state.js';
import type { OidcSigner } from './oidc.js';
import type { AppleJwtCheck, SandboxClient } from './wire.js';
import type { SandboxUser } from './users.js';

export interface SandboxContext {
  /** The emulator's base URL. */
  url: string;
  state: SandboxState;
  signer: OidcSigner;
  /** The catalog entry of `id` with its URLs pointed at this emulator. */
  entries: Map<string, OAuthProviderEntry>;
  clients: Map<string, SandboxClient>;
  users: Map<string, SandboxUser[]>;
  /** Zoom's Server-to-Server account id. */
  zoomAccountId: string;
  apple: AppleJwtCheck;
  /** Redirect at once instead of showing the consent page. */
  autoApprove: boolean;
  /** When set, the only redirect URIs accepted (exact match); otherwise any http(s) URI without fragment. */
  redirectUris?: string[];
  /** Token requests answered with tokens, newest last. */
  accepted: { provider: string; grant: string; at: number }[];
  /** Users (per provider) whose first Apple authorization already sent their name. */
  appleNamed: Set<string>;
}

/** Microsoft's `iss` names the user's tenant; for `common`/`organizations` the sandbox's own. */
export const SANDBOX_TENANT_ID = '5b0d1c2e-0000-4000-8000-5a0db0c5a11d';

/** The tenant id a token of a tenant-aware entry names: the request's, or the sandbox's for `common` and the like. */
export function tenantIdFor(entry: OAuthProviderEntry, tenant?: string): string | undefined {
  if (!entry.tenant) return undefined;
  return !tenant || entry.tenant.special.includes(tenant) ? SANDBOX_TENANT_ID : tenant;
}

/** The issuer an id_token of `entry` carries, given the `{tenant}` of the request. */
export function issuerFor(ctx: SandboxContext, entry: OAuthProviderEntry, tenant?: string): string {
  const issuer = ctx.entries.get(entry.id)?.endpoints.issuer ?? `${ctx.url}/${entry.id}`;
  return issuer.replace('{tenant}', tenantIdFor(entry, tenant) ?? '');
}
