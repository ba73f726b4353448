/**
 * Provider chains: try each provider in order and move to the next only when the category's
 * failover policy allows it for the failure at hand. One mechanism, three policies:
 *
 * - `retryable` (email, sms): a failure whose code allows failover (retryable after the
 *   transport's own retries, an open breaker, refused credentials). A failure caused by the
 *   request itself (invalid recipient, validation) stops the chain: another provider would refuse
 *   it too.
 * - `not-acted` (payments): only when the first provider surely did not act ({@link surelyNotSent}),
 *   so a charge is never made twice at two providers.
 * - `none` (calendar, meetings, storage): the object lives at one provider; no failover.
 */
import { HubError, surelyNotSent, toHubError } from '../core/errors.js';

export type FailoverPolicy = 'retryable' | 'not-acted' | 'none';

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

export interface ChainOptions {
  /** Default `retryable`. */
  policy?: FailoverPolicy;
  /**
   * When every provider failed: `aggregate` (default) throws `all_providers_failed` listing each
   * cause; `last` throws the last provider's own error (payments keeps its decline code).
   */
  exhausted?: 'aggregate' | 'last';
}

/**
 * May the chain move on after `err` under `policy`?
 *
 * @example
 * mayFailOver('not-acted', new HubError('provider_timeout', 'no answer')) // false: it may have charged
 */
export function mayFailOver(policy: FailoverPolicy, err: HubError): boolean {
  if (policy === 'none') return false;
  return policy === 'not-acted' ? surelyNotSent(err) : err.failover;
}

/**
 * @example
 * const { provider, value } = await runChain(['sendgrid', 'mailgun'], (id) => send(id, msg));
 */
export async function runChain<T>(providers: string[], attempt: (provider: string) => Promise<T>, options: ChainOptions = {}): Promise<ChainResult<T>> {
  if (providers.length === 0) throw new HubError('not_configured', 'No provider is configured for this category');
  const policy = options.policy ?? 'retryable';
  const failures: ChainAttempt[] = [];
  for (const [i, provider] of providers.entries()) {
    try {
      return { provider, value: await attempt(provider), failures };
    } catch (err) {
      const e = toHubError(err);
      if (!mayFailOver(policy, e) || (options.exhausted === 'last' && i === providers.length - 1)) throw e;
      failures.push({ provider, code: e.code, message: e.message });
    }
  }
  throw new HubError('all_providers_failed', `Every provider failed: ${failures.map((f) => `${f.provider}: ${f.message}`).join('; ')}`, {
    details: { causes: failures },
    // Worth retrying later only if at least one failure was transient.
    retryable: failures.some((f) => ['provider_unavailable', 'provider_timeout', 'provider_rate_limited', 'circuit_open'].includes(f.code)),
  });
}
