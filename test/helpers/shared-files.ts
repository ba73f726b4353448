/**
 * Files from `../shared/` beside the repository that suites check against: the providers' large
 * API descriptions (`specs/`), which are not copied into the project. Found from the repository
 * root whatever the working directory; a missing one skips its suite with a loud warning, and is a
 * failing test under CI=true. The only way a suite reads `../shared`.
 *
 * The small published test vectors are NOT read from here: they are kept in
 * `test/fixtures/vectors/` (see its README), so a fresh clone with no `../shared` runs them.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const SHARED_DIR = resolve(fileURLToPath(new URL('../..', import.meta.url)), '../shared');

/**
 * The absolute path of `relative` under `../shared/`.
 *
 * @example
 * sharedFile('specs/stripe/stripe.openapi.json') // '/work/shared/specs/stripe/stripe.openapi.json'
 */
export function sharedFile(relative: string): string {
  return resolve(SHARED_DIR, relative);
}

/**
 * Are all of `relatives` present? When not: a loud warning, and under CI=true a failing test.
 *
 * @example
 * const haveSpec = requireShared('Stripe spec conformance', 'specs/stripe/stripe.openapi.json');
 * describe.skipIf(!haveSpec)('…', () => { … });
 */
export function requireShared(what: string, ...relatives: string[]): boolean {
  const missing = relatives.map(sharedFile).filter((f) => !existsSync(f));
  if (missing.length === 0) return true;
  console.warn(`\n!!! ${what} SKIPPED: ${missing.join(', ')} absent (set CI=true to make this a failure) !!!\n`);
  it.runIf(process.env.CI === 'true')(`has the files of ${what} in CI`, () => {
    expect.fail(`${missing.join(', ')} missing: ${what} cannot run`);
  });
  return false;
}
