/**
 * Provider chains: try each provider in order; a failure whose code allows failover (retryable
 * after the transport's own retries, an open breaker, refused credentials) moves to the next.
 * A failure caused by the request itself (invalid recipient, validation) stops the chain: another
 * provider would refuse it too.
 */
import { HubError, toHubError } from '../core/errors.js';

export interface ChainAttempt {
  provider: string;
  code: string;
  message: string;
}

export interface ChainResult<T> {
  provider: string;
  value: T;
  /** Providers tried before the one that succeeded, and why they failed. */
  failures: ChainAttempt[];
}

/**
 * @example
 * const { provider, value } = await runChain(['sendgrid', 'mailgun'], (id) => send(id, msg));
 */
export async function runChain<T>(providers: string[], attempt: (provider: string) => Promise<T>): Promise<ChainResult<T>> {
  if (providers.length === 0) throw new HubError('not_configured', 'No provider is configured for this category');
  const failures: ChainAttempt[] = [];
  for (const provider of providers) {
    try {
      return { provider, value: await attempt(provider), failures };
    } catch (err) {
      const e = toHubError(err);
      if (!e.failover) throw e;
      failures.push({ provider, code: e.code, message: e.message });
    }
  }
  throw new HubError('all_providers_failed', `Every provider failed: ${failures.map((f) => `${f.provider}: ${f.message}`).join('; ')}`, {
    details: { causes: failures },
    // Worth retrying later only if at least one failure was transient.
    retryable: failures.some((f) => ['provider_unavailable', 'provider_timeout', 'provider_rate_limited', 'circuit_open'].includes(f.code)),
  });
}
