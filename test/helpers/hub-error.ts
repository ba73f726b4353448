import { expect } from 'vitest';
import { HubError } from '../../src/core/errors.js';

/** The HubError a promise rejects with (fails the test if it resolves or throws something else). */
export async function failure(promise: Promise<unknown>): Promise<HubError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(HubError);
  return err as HubError;
}

/** The code of the HubError `fn` throws (fails the test if it returns or throws something else). */
export function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    return (err as HubError).code;
  }
  throw new Error('expected a refusal');
}
