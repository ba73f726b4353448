/**
 * The per-attempt deadline. One AbortController and one timer per attempt (cleared on
 * completion, unlike `AbortSignal.timeout`, whose timers pile up under load); the caller's signal
 * aborts the attempt too. The returned promise settles at the deadline even if `fn` ignores its
 * signal (a vendor SDK that cannot be cancelled).
 */

/**
 * Whether a failure is the caller's own cancellation (their signal aborted): such a failure is
 * rethrown as the signal's reason, never retried, and does not count against the provider.
 *
 * @example
 * if (isCallerAbort(signal)) throw signal.reason;
 */
export function isCallerAbort(signal: AbortSignal | undefined): signal is AbortSignal {
  return signal?.aborted === true;
}

/**
 * Runs `fn` with a signal that aborts after `timeoutMs` or when `outer` aborts. On timeout the
 * promise rejects with `onTimeout()`; on the caller's abort with `outer.reason`.
 *
 * @example
 * await withTimeout((signal) => fetch(url, { signal }), 5000, req.signal, () => timeoutError(provider, 5000));
 */
export function withTimeout<T>(
  fn: (signal: AbortSignal) => Promise<T>,
  timeoutMs: number,
  outer: AbortSignal | undefined,
  onTimeout: () => Error,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    if (outer?.aborted) {
      reject(outer.reason);
      return;
    }
    const controller = new AbortController();
    let settled = false;
    const finish = (): boolean => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      outer?.removeEventListener('abort', onAbort);
      return true;
    };
    const onAbort = (): void => {
      if (!finish()) return;
      controller.abort(outer?.reason);
      reject(outer?.reason);
    };
    const timer = setTimeout(() => {
      if (!finish()) return;
      const err = onTimeout();
      controller.abort(err);
      reject(err);
    }, timeoutMs);
    outer?.addEventListener('abort', onAbort, { once: true });
    let pending: Promise<T>;
    try {
      pending = fn(controller.signal);
    } catch (err) {
      pending = Promise.reject(err);
    }
    pending.then(
      (value) => {
        if (finish()) resolve(value);
      },
      (err: unknown) => {
        if (finish()) reject(err);
      },
    );
  });
}
