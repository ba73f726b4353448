/**
 * The docs say what the code does: `docs/errors.md` lists exactly the error registry (core codes,
 * then each category's), with the same status and flags; `.env.example` lists every variable the
 * hub, its categories and its providers read.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { categoryEnvVars } from '../src/categories/plan.js';
import { CATEGORIES } from '../src/categories/registry.js';
import { HUB_ENV_VARS } from '../src/core/config.js';
import { errorCodes } from '../src/core/errors.js';
import { defaultCatalog } from '../src/providers/registry.js';

describe('docs/errors.md', () => {
  it('lists exactly the registry, with the same status and flags, in registry order', () => {
    expect(CATEGORIES.length).toBeGreaterThan(0); // loading the categories registers their codes
    const doc = readFileSync(new URL('../docs/errors.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \| (yes|no) \| (yes|no) \|/gm)].map((m) => ({ code: m[1]!, status: Number(m[2]), retryable: m[3] === 'yes', failover: m[4] === 'yes' }));
    const registry = [...errorCodes()].map(([code, i]) => ({ code, status: i.status, retryable: i.retryable, failover: i.failover }));
    expect(rows).toEqual(registry);
  });
});

describe('.env.example', () => {
  it('lists every variable the hub, its categories and its providers read', () => {
    const example = readFileSync(new URL('../.env.example', import.meta.url), 'utf8');
    const listed = new Set([...example.matchAll(/^#?\s*([A-Z][A-Z0-9_]+)=/gm)].map((m) => m[1]));
    const missing = [...HUB_ENV_VARS, ...categoryEnvVars(CATEGORIES), ...defaultCatalog.envVars()].filter((v) => !listed.has(v));
    expect(missing).toEqual([]);
  });
});
