/**
 * The import rules of ARCHITECTURE.md are enforced by `npm run lint` (eslint.boundaries.js): a
 * deliberately wrong import fails, the allowed direction passes.
 */
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('..', import.meta.url).pathname });

async function restricted(filePath: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(source, { filePath });
  return (result?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('import rules', () => {
  it.each([
    ['src/core/x.ts', "import { PROVIDERS } from '../providers/registry.js';", 'providers/'],
    ['src/store/x.ts', "import type { EmailProvider } from '../categories/email/contract.js';", 'categories/'],
    ['src/transport/x.ts', "import { sendgrid } from '../providers/sendgrid/index.js';", 'providers/'],
    ['src/queue/x.ts', "import type { Hub } from '../hub.js';", 'hub.ts'],
    ['src/categories/sms/x.ts', "import { getProvider } from '../../providers/registry.js';", 'providers/'],
    ['src/providers/acme/x.ts', "import { buildServer } from '../../server/app.js';", 'server/'],
    ['src/providers/acme/x.ts', "import { runChain } from '../../routing/failover.js';", 'routing/'],
    ['src/webhooks/x.ts', "import { tenantOf } from '../server/app.js';", 'server/'],
    ['src/server/x.ts', "import type { Hub } from '../hub.js';", 'hub.ts'],
  ])('%s may not %s', async (file, source, what) => {
    const messages = await restricted(file, `${source}\nexport const used = [${source.includes('type') ? '' : source.match(/\{ (\w+) \}/)![1]}];\n`);
    expect(messages.join('\n')).toContain(what);
  });

  it.each([
    ['src/categories/sms/x.ts', "import { HubError } from '../../core/errors.js';"],
    ['src/providers/acme/x.ts', "import type { EmailProvider } from '../../categories/email/contract.js';"],
    ['src/transport/x.ts', "import { HubError } from '../core/errors.js';"],
    ['src/server/x.ts', "import { tenantOf } from '../kit/api.js';"],
  ])('%s may %s', async (file, source) => {
    expect(await restricted(file, `${source}\nexport const used = [${source.includes('type') ? '' : source.match(/\{ (\w+) \}/)![1]}];\n`)).toEqual([]);
  });
});
