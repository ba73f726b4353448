/**
 * The env default connection of a provider: live when the manifest's `liveWhen` variables are set
 * (each read from its own variable, else from its `envFallback` ones; and the hub is not sandboxed), else a sandbox one whose emulator supplies the rest when it
 * starts; without an emulator, a configuration error for health to show.
 *
 * @example
 * resolveDefault(sendgrid, { SENDGRID_API_KEY: 'SG.x' }, false) // { connection: { id: 'conn_default_sendgrid', mode: 'live', … } }
 */
import { HubError } from '../core/errors.js';
import { apiBaseVar } from '../kit/catalog.js';
import type { ProviderDefinition, ResolvedConnection } from '../kit/connector.js';

export const DEFAULT_TENANT = 'default';

export function resolveDefault(def: ProviderDefinition, envIn: Record<string, string | undefined>, forceSandbox: boolean): { connection: ResolvedConnection } | { error: string } {
  const m = def.manifest;
  const env = m.env as Record<string, string>;
  const raw: Record<string, string> = {};
  const fallback = (m.envFallback ?? {}) as Record<string, string[] | undefined>;
  for (const [field, envVar] of Object.entries(env)) {
    // The field's own variable, then its fallbacks (GOOGLE_CALENDAR_CLIENT_ID, then GOOGLE_CLIENT_ID).
    const v = [envVar, ...(fallback[field] ?? [])].map((name) => envIn[name]).find((value) => value !== undefined && value.trim() !== '');
    if (v !== undefined) raw[field] = v.trim();
  }
  const live = !forceSandbox && m.liveWhen.every((f) => raw[f] !== undefined);
  const id = `conn_default_${m.id}`;
  if (live) {
    const parsed = m.credentials.safeParse(raw);
    if (!parsed.success) {
      const names = parsed.error.issues.map((i) => `${env[String(i.path[0])] ?? i.path.join('.')}: ${i.message}`);
      throw new HubError('config_invalid', `Invalid ${m.name} configuration:\n  ${names.join('\n  ')}`);
    }
    const credentials = parsed.data as Record<string, unknown>;
    const baseUrl = envIn[apiBaseVar(m.id)] ?? m.baseUrlFor?.(credentials as never) ?? m.baseUrl;
    return { connection: { id, tenantId: DEFAULT_TENANT, provider: m.id, mode: 'live', baseUrl, credentials, status: 'active' } };
  }
  if (!def.startEmulator) return { error: `not configured: set ${m.liveWhen.map((f) => env[f]).join(', ')}` };
  // Non-secret settings (from addresses, region) come from the env; the emulator supplies the rest when it starts.
  return { connection: { id, tenantId: DEFAULT_TENANT, provider: m.id, mode: 'sandbox', baseUrl: '', credentials: raw, status: 'active' } };
}

/**
 * Every provider's env default (only those of `providers` when given), the providers whose
 * emulator serves them, and configuration errors. A provider whose environment configures an
 * OAuth app (`defaultConnection: false`) gets no default; it is sandboxed when its app is.
 */
export function resolveDefaults(all: readonly ProviderDefinition[], o: { env: Record<string, string | undefined>; forceSandbox: boolean; providers?: string[] }, oauthSandboxed: (link: string) => boolean) {
  const out = { defaults: [] as ResolvedConnection[], sandboxed: [] as ProviderDefinition[], errors: new Map<string, string>() };
  for (const p of all) {
    const m = p.manifest;
    if (m.defaultConnection === false) {
      if (m.oauth && p.startEmulator && oauthSandboxed(m.oauth)) out.sandboxed.push(p);
      continue;
    }
    if (o.providers && !o.providers.includes(m.id)) continue;
    const found = resolveDefault(p, o.env, o.forceSandbox);
    if ('error' in found) out.errors.set(m.id, found.error);
    else {
      if (found.connection.mode === 'sandbox') out.sandboxed.push(p);
      out.defaults.push(found.connection);
    }
  }
  return out;
}
