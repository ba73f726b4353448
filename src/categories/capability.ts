/**
 * A provider's capability as a category checks it before a call: a connector declares what it can
 * do beyond its category's core (`capabilities`), and a call that needs more answers 422
 * `capability_unsupported` naming the capability, never a half-done call at the provider.
 *
 * @example
 * requireCapability(connector, 'calendar', 'sharing', 'share calendars');
 */
import { HubError } from '../core/errors.js';

export function requireCapability<C extends string>(connector: { readonly id: string; readonly capabilities: ReadonlySet<C> }, category: string, capability: C, what: string): void {
  if (!connector.capabilities.has(capability)) {
    throw new HubError('capability_unsupported', `${connector.id} cannot ${what} (it lacks the ${category} capability "${capability}")`, { provider: connector.id, details: { provider: connector.id, capability } });
  }
}
