/**
 * A configuration error names the variable and what is wrong, and shows the value it got, except
 * for secrets: `*_KEY`, `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, `*_PASS` are never echoed, and a
 * URL's password (DATABASE_URL) is masked. BODY_LIMIT_BYTES defaults to 25 MiB.
 */
import { describe, expect, it } from 'vitest';
import { DEFAULT_BODY_LIMIT_BYTES, loadConfig, shownValue } from './config.js';

const messageOf = (env: Record<string, string>): string => {
  try {
    loadConfig(env, { envFile: false });
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected a configuration error');
};

describe('configuration errors never echo a secret', () => {
  it('a too-short SWITCHBOARD_API_KEY is named, its value not shown', () => {
    const msg = messageOf({ SWITCHBOARD_API_KEY: 'sb_short_secret' });
    expect(msg).toContain('SWITCHBOARD_API_KEY: must be at least 20 characters');
    expect(msg).not.toContain('sb_short_secret');
    expect(msg).not.toContain('(got');
  });
  it('a DATABASE_URL with a password is shown with the password masked', () => {
    const msg = messageOf({ DATABASE_URL: 'mysql://app:hunter2pass@db:3306/hub' });
    expect(msg).toContain('DATABASE_URL: must start with postgres://');
    expect(msg).toContain('(got "mysql://app:***@db:3306/hub")');
    expect(msg).not.toContain('hunter2pass');
    const noScheme = messageOf({ DATABASE_URL: 'app:hunter2pass@db/hub' });
    expect(noScheme).not.toContain('hunter2pass');
  });
  it('other variables still show the value they got', () => {
    expect(messageOf({ PORT: 'abc' })).toMatch(/PORT: .*\(got "abc"\)/);
    expect(messageOf({ RATE_LIMIT_SENDGRID: 'lots' })).toContain('(got "lots")');
  });
  it.each([
    ['SWITCHBOARD_ENCRYPTION_KEY', 'k'],
    ['STRIPE_SECRET_KEY', 'sk_live_x'],
    ['PAYPAL_CLIENT_SECRET', 'x'],
    ['SLACK_BOT_TOKEN', 'xoxb-1'],
    ['SMTP_PASS', 'pw'],
    ['SMTP_PASSWORD', 'pw'],
    ['MAILGUN_WEBHOOK_SIGNING_KEY', 'k'],
  ])('%s is never shown', (name, value) => {
    expect(shownValue(name, value)).toBe('');
  });
  it.each([
    ['PORT', 'abc', ' (got "abc")'],
    ['DATABASE_URL', 'postgres://u:p@h/db', ' (got "postgres://u:***@h/db")'],
    ['DATABASE_URL', 'postgres://h/db', ' (got "postgres://h/db")'],
    ['PUBLIC_URL', 'not a url', ' (got "not a url")'],
  ])('%s=%s is shown as %s', (name, value, shown) => {
    expect(shownValue(name, value)).toBe(shown);
  });
});

describe('BODY_LIMIT_BYTES', () => {
  it('defaults to 25 MiB and can be raised', () => {
    expect(loadConfig({}, { envFile: false }).bodyLimitBytes).toBe(25 * 1024 * 1024);
    expect(DEFAULT_BODY_LIMIT_BYTES).toBe(26_214_400);
    expect(loadConfig({ BODY_LIMIT_BYTES: '104857600' }, { envFile: false }).bodyLimitBytes).toBe(104_857_600);
  });
  it('a bad value names the variable', () => {
    expect(messageOf({ BODY_LIMIT_BYTES: '10' })).toContain('BODY_LIMIT_BYTES: must be at least 1024');
  });
});
