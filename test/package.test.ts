/**
 * The package as npm publishes it: `import { createHub } from 'switchboard'` in another folder,
 * from another `node` process, sends an email in sandbox mode.
 *
 * What is real:
 * - the build: the project's own `tsc` and `tsconfig.build.json` (what `npm run build` runs), into
 *   a staging copy of the package: `package.json`, README and every entry of its `files` field
 *   copied from the repository; only `dist` is built fresh there;
 * - the tarball: `npm pack` of that staging folder (npm applies `files`, negations included);
 * - the installed package: the tarball extracted into `<consumer>/node_modules/switchboard`, as
 *   npm would place it; the consumer imports `switchboard` by name, from its own cwd, with a clean
 *   environment (no NODE_PATH, no loader), so `exports`, `main`, `bin` and `types` are the
 *   tarball's;
 * - the dependencies it sees: only those the tarball's `package.json` declares, each at exactly
 *   the pinned version (checked), so a runtime import of an undeclared or dev-only package fails.
 *
 * What is a shortcut, for time (a real install builds better-sqlite3 from source, ~70 s):
 * - the declared dependencies are symlinks into this repository's `node_modules` (installed by
 *   `npm ci` from the same lockfile) instead of a fresh `npm install` of the tarball;
 * - `tsc --noCheck`: emit without the type check (`npm run typecheck` checks the same sources),
 *   about three times faster; the emitted JavaScript is the same;
 * - the consumer's type check uses this repository's `typescript` and `@types/node`.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('..', import.meta.url));
const CLEAN_ENV = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? tmpdir() };

interface PackedFile {
  path: string;
}

let work: string;
let consumer: string;
let packed: string[];

/** Build into a staging copy of the package, pack it, and extract the tarball into a consumer. */
async function packAndInstall(): Promise<void> {
  work = mkdtempSync(join(tmpdir(), 'sb-package-'));
  const stage = join(work, 'stage');
  mkdirSync(stage);
  const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { files: string[]; dependencies: Record<string, string> };
  for (const entry of ['package.json', 'README.md', 'LICENSE', ...pkg.files.filter((f) => !f.startsWith('!') && f !== 'dist')]) {
    if (existsSync(join(ROOT, entry))) cpSync(join(ROOT, entry), join(stage, entry), { recursive: true });
  }
  const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(stage, 'dist'), '--tsBuildInfoFile', join(work, 'build.tsbuildinfo'), '--noCheck'], { cwd: ROOT });

  // --ignore-scripts: `prepack` would build again, in the staging folder that has no sources.
  const { stdout } = await run('npm', ['pack', stage, '--pack-destination', work, '--ignore-scripts', '--json', '--no-audit', '--no-fund'], { cwd: work });
  const [info] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
  packed = info.files.map((f) => f.path);

  consumer = join(work, 'consumer');
  const installed = join(consumer, 'node_modules', 'switchboard');
  mkdirSync(installed, { recursive: true });
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  await run('tar', ['-xzf', join(work, info.filename), '-C', installed, '--strip-components=1']);

  const declared = (JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }).dependencies;
  for (const [name, version] of Object.entries(declared)) {
    const source = join(ROOT, 'node_modules', name);
    const have = (JSON.parse(readFileSync(join(source, 'package.json'), 'utf8')) as { version: string }).version;
    if (have !== version) throw new Error(`node_modules/${name} is ${have}, the package pins ${version}: run npm ci`);
    mkdirSync(dirname(join(consumer, 'node_modules', name)), { recursive: true });
    symlinkSync(source, join(consumer, 'node_modules', name), 'dir');
  }
}

/** Run `node <file>` in the consumer folder with a clean environment; answers stdout. */
async function consumerNode(file: string, source: string): Promise<string> {
  writeFileSync(join(consumer, file), source);
  const { stdout } = await run(process.execPath, [file], { cwd: consumer, env: CLEAN_ENV, timeout: 60_000 });
  return stdout;
}

describe('the npm package', () => {
  beforeAll(packAndInstall, 180_000);
  afterAll(() => {
    if (work) rmSync(work, { recursive: true, force: true });
  });

  it('sends an email through `import { createHub } from "switchboard"` in another process', async () => {
    const out = await consumerNode(
      'send.mjs',
      `
import { createHub, HubError } from 'switchboard';
const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true', DATA_DIR: new URL('./data', import.meta.url).pathname, EMAIL_PROVIDERS: 'sendgrid', LOG_LEVEL: 'silent' } });
try {
  const sent = await hub.email.send('default', { to: 'ann@example.com', subject: 'From the package', text: 'Hello' });
  let refused;
  try { await hub.email.send('default', { to: 'not an address', subject: 'x', text: 'y' }); } catch (err) { refused = err instanceof HubError ? err.code : String(err); }
  console.log(JSON.stringify({ resolved: import.meta.resolve('switchboard'), status: sent.status, provider: sent.provider, refused }));
} finally {
  await hub.close();
}
`,
    );
    const answer = JSON.parse(out.trim().split('\n').pop()!) as { resolved: string; status: string; provider: string; refused: string };
    expect(answer.resolved).toBe(`file://${join(consumer, 'node_modules/switchboard/dist/index.js')}`);
    expect(answer).toMatchObject({ status: 'sent', provider: 'sendgrid', refused: 'validation_failed' });
    expect(existsSync(join(consumer, 'data'))).toBe(true);
  });

  it('ships the runtime, the CLI, the types and the docs, and no tests or build leftovers', async () => {
    for (const f of ['package.json', 'README.md', 'bin/switchboard.js', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js', 'docs/configuration.md']) expect([f, packed.includes(f)]).toEqual([f, true]);
    expect(packed.filter((f) => /\.test\.|test-utils|test-support|contract-suite|\.map$|tsbuildinfo|^src\/|^test\//.test(f))).toEqual([]);
    const { stdout } = await run(process.execPath, [join(consumer, 'node_modules/switchboard/bin/switchboard.js'), '--version'], { cwd: consumer, env: CLEAN_ENV });
    expect(stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('types a consumer: `hub.email` and `hub.payments` are typed, an unknown category is an error', async () => {
    writeFileSync(
      join(consumer, 'check.ts'),
      `
import { createHub, HubError, type EmailStatus, type PaymentView, type SendEmailInput } from 'switchboard';
const hub = await createHub({ env: { MOCK_EXTERNAL_APIS: 'true' } });
const input: SendEmailInput = { to: 'ann@example.com', subject: 'Hi', text: 'Hello' };
const status: EmailStatus = (await hub.email.send('default', input)).status;
const payment: PaymentView = await hub.payments.create('default', { amount: '9.99', currency: 'USD' });
const err: HubError = new HubError('validation_failed', 'x');
// @ts-expect-error the hub has no such category
hub.nonsense;
console.log(status, payment.id, err.code);
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { target: 'ES2022', module: 'NodeNext', moduleResolution: 'NodeNext', strict: true, noEmit: true, skipLibCheck: true, typeRoots: [join(ROOT, 'node_modules/@types')], types: ['node'] }, files: ['check.ts'] }),
    );
    const tsc = join(ROOT, 'node_modules/typescript/bin/tsc');
    const result = await run(process.execPath, [tsc, '-p', join(consumer, 'tsconfig.json')], { cwd: consumer, env: CLEAN_ENV }).catch((err: { stdout: string }) => ({ stdout: err.stdout, failed: true }));
    expect(result.stdout).toBe('');
  });
});
