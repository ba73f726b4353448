import { describe, expect, it } from 'vitest';
import { loadConfig } from './config.js';
import type { HubError } from './errors.js';

describe('loadConfig', () => {
  it('applies defaults: port 3001, SQLite, no forced sandbox', () => {
    const c = loadConfig({}, { envFile: false });
    expect(c).toMatchObject({ port: 3001, databaseUrl: undefined, forceSandbox: false });
  });

  it('NODE_ENV=test or MOCK_EXTERNAL_APIS=true forces sandbox', () => {
    expect(loadConfig({ NODE_ENV: 'test' }, { envFile: false }).forceSandbox).toBe(true);
    expect(loadConfig({ MOCK_EXTERNAL_APIS: 'true' }, { envFile: false }).forceSandbox).toBe(true);
  });

  it('names every bad variable and what is wrong', () => {
    const err = (() => {
      try {
        loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x', MOCK_EXTERNAL_APIS: 'maybe' }, { envFile: false });
      } catch (e) {
        return e as HubError;
      }
    })();
    expect(err?.code).toBe('config_invalid');
    expect(err?.message).toMatch(/PORT: .*\(got "abc"\)/);
    expect(err?.message).toMatch(/DATABASE_URL: must start with postgres:\/\//);
    expect(err?.message).toMatch(/MOCK_EXTERNAL_APIS: must be true or false/);
    expect(err?.errors?.map((e) => e.field).sort()).toEqual(['DATABASE_URL', 'MOCK_EXTERNAL_APIS', 'PORT']);
  });

  it('rejects a malformed RATE_LIMIT_ override', () => {
    expect(() => loadConfig({ RATE_LIMIT_SENDGRID: 'fast' }, { envFile: false })).toThrow(/RATE_LIMIT_SENDGRID: must look like 600\/min/);
    expect(loadConfig({ RATE_LIMIT_SENDGRID: '10/s' }, { envFile: false }).rateLimits).toEqual({ sendgrid: '10/s' });
  });
});
