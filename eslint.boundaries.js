/**
 * The import rules of ARCHITECTURE.md, as ESLint `no-restricted-imports` settings: each folder of
 * src/ names the folders it must not import. Lower layers never import higher ones:
 *
 *   core → store → queue · vault · transport → kit → oauth → connections · routing → events → webhooks
 *        → categories → providers (vendor folders) → server → hub.ts → cli
 *
 * (`a → b`: b may import a.) Tests are exempt: they wire whole hubs on purpose.
 */
const folder = (name) => ({ regex: `(^|/)${name}/`, message: `see ARCHITECTURE.md "Import rules": this folder must not import ${name}/` });
const hubFile = { regex: '(^|/)hub\\.js$', message: 'see ARCHITECTURE.md "Import rules": only cli/ and the library entry import hub.ts' };

const above = (...names) => [...names.map(folder), hubFile];

/** Folder glob → forbidden import patterns. */
export const boundaries = {
  'src/core/**': above('store', 'queue', 'vault', 'transport', 'kit', 'oauth', 'connections', 'routing', 'events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/store/**': above('queue', 'vault', 'transport', 'kit', 'oauth', 'connections', 'routing', 'events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/{queue,vault,transport}/**': above('kit', 'oauth', 'connections', 'routing', 'events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/kit/**': above('oauth', 'connections', 'routing', 'events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/oauth/**': above('connections', 'routing', 'events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/{connections,routing}/**': above('events', 'webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/events/**': above('webhooks', 'categories', 'providers', 'server', 'cli'),
  'src/webhooks/**': above('categories', 'providers', 'server', 'cli'),
  'src/categories/**': above('providers', 'server', 'cli'),
  'src/providers/**': [...above('server', 'routing', 'cli'), { regex: '(^|/)categories/(registry|wire|plan)\\.js$', message: 'a vendor folder uses category contracts, not the category wiring' }],
  'src/server/**': above('cli'),
};

/** Flat-config entries enforcing {@link boundaries} on source files (tests exempt). */
export const boundaryConfigs = Object.entries(boundaries).map(([files, patterns]) => ({
  files: [files],
  ignores: ['**/*.test.ts', '**/test-utils/**'],
  rules: { 'no-restricted-imports': ['error', { patterns }] },
}));
