/**
 * docs/oauth.md's catalog table is the catalog: every entry's row, as made here, is in the file.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { oauthProviders } from './catalog.js';
import type { OAuthProviderEntry } from './types.js';

const code = (s: string) => `\`${s}\``;

/** One Markdown row of the catalog table. */
function catalogRow(e: OAuthProviderEntry): string {
  const env = Object.values(e.env)
    .map((names) => names.map(code).join(' / '))
    .join(', ');
  const cells = [
    code(e.id),
    e.kind,
    e.grants.map(code).join(', ') || '—',
    e.kind === 'api_key' ? '—' : e.pkce ? 'S256' : 'no',
    e.clientAuth ? code(e.clientAuth) : `${e.api.auth.type} key`,
    e.refreshRotation ?? '—',
    env,
  ];
  return `| ${cells.join(' | ')} |`;
}

describe('docs/oauth.md', () => {
  it('lists every catalog entry with its grants, PKCE, client authentication, rotation and env variables', () => {
    const doc = readFileSync(new URL('../../docs/oauth.md', import.meta.url), 'utf8');
    for (const entry of oauthProviders()) expect(doc).toContain(catalogRow(entry));
  });
});
