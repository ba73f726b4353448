/**
 * Stripe's idempotent requests: a POST with `Idempotency-Key` stores the key with the request's
 * endpoint and parameters and the answer, for 24 hours. The same key with the same parameters
 * replays the first answer (`Idempotent-Replayed: true`); with other parameters or another
 * endpoint it is a 400 `idempotency_error`; while the first request still runs, a 409. Parameter
 * errors are never stored (the key stays free), card errors are.
 *
 * @see https://docs.stripe.com/api/idempotent_requests
 */
import { stripeErrors } from './errors.js';

/** Keys are kept this long. */
export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;

/** One stored answer. */
export interface StoredAnswer {
  status: number;
  body: unknown;
  /** The `Request-Id` of the request that produced it (`Original-Request` on replays). */
  requestId: string;
}

/** What identifies a request under a key: `POST /v1/customers` and its canonical parameters. */
export interface RequestFingerprint {
  endpoint: string;
  params: string;
}

interface Entry {
  fingerprint: RequestFingerprint;
  storedAt: number;
  /** Undefined while the first request runs. */
  answer?: StoredAnswer;
}

/**
 * The emulator's idempotency key store (per instance: one API key).
 *
 * @example
 * const store = new IdempotencyStore();
 * const fp = { endpoint: 'POST /v1/payment_intents', params: '{"amount":"2000"}' };
 * store.begin('key-1', fp); // undefined: run the request
 * store.finish('key-1', { status: 200, body: pi, requestId: 'req_1' });
 * store.begin('key-1', fp); // the stored answer: replay it
 */
export class IdempotencyStore {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly now: () => number = Date.now) {}

  /**
   * Claims `key` for a request: undefined when the key is new (the caller runs the request and
   * then calls {@link finish} or {@link abort}), the stored answer when it is a retry; throws the
   * `idempotency_error` Stripe answers for another request or a request still in progress.
   */
  begin(key: string, fingerprint: RequestFingerprint): StoredAnswer | undefined {
    this.sweep();
    const entry = this.entries.get(key);
    if (!entry) {
      this.entries.set(key, { fingerprint, storedAt: this.now() });
      return undefined;
    }
    if (entry.fingerprint.endpoint !== fingerprint.endpoint) {
      throw stripeErrors.idempotencyEndpoint(key, entry.fingerprint.endpoint.replace(/^\w+ /, ''), fingerprint.endpoint.replace(/^\w+ /, ''));
    }
    if (entry.fingerprint.params !== fingerprint.params) throw stripeErrors.idempotencyMismatch(key);
    if (!entry.answer) throw stripeErrors.idempotencyInProgress(key);
    return { ...entry.answer, body: structuredClone(entry.answer.body) };
  }

  /** Stores the answer of the request that claimed `key`. */
  finish(key: string, answer: StoredAnswer): void {
    const entry = this.entries.get(key);
    if (entry) entry.answer = { ...answer, body: structuredClone(answer.body) };
  }

  /** Releases `key` without storing anything (the request failed validation). */
  abort(key: string): void {
    if (this.entries.get(key)?.answer === undefined) this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private sweep(): void {
    const cutoff = this.now() - IDEMPOTENCY_TTL_MS;
    for (const [key, entry] of this.entries) {
      if (entry.storedAt >= cutoff) break; // insertion order is storage order
      this.entries.delete(key);
    }
  }
}
