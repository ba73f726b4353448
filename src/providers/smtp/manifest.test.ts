import { describe, expect, it } from 'vitest';
import { smtp } from './index.js';
import { smtpBaseUrl, smtpCredentials, smtpManifest } from './manifest.js';

const issues = (input: unknown): string[] => {
  const result = smtpCredentials.safeParse(input);
  return result.success ? [] : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
};

describe('smtp manifest', () => {
  it('coerces env strings: port, secure words, blanks', () => {
    expect(smtpCredentials.parse({ host: 'mail.example.com', port: '2525', secure: 'TRUE', user: 'me', pass: 'pw' })).toEqual({
      host: 'mail.example.com',
      port: 2525,
      secure: true,
      user: 'me',
      pass: 'pw',
    });
    expect(smtpCredentials.parse({ host: 'h', secure: '0' })).toMatchObject({ port: 587, secure: false });
    expect(smtpCredentials.parse({ host: 'h', port: '', secure: '', user: '', pass: '' })).toEqual({ host: 'h', port: 587, secure: false });
  });

  it('defaults secure to implicit TLS on port 465 only', () => {
    expect(smtpCredentials.parse({ port: '465' }).secure).toBe(true);
    expect(smtpCredentials.parse({ port: '465', secure: 'false' }).secure).toBe(false);
    expect(smtpCredentials.parse({ port: 25 }).secure).toBe(false);
  });

  it('explains bad values by their env names', () => {
    expect(issues({ port: '70000' })).toEqual(['port: SMTP_PORT must be between 1 and 65535']);
    expect(issues({ port: 'smtp' })[0]).toMatch(/^port: SMTP_PORT must be a number/);
    expect(issues({ port: '25.5' })).toEqual(['port: SMTP_PORT must be a whole number']);
    expect(issues({ secure: 'yes' })[0]).toMatch(/^secure: SMTP_SECURE must be "true" or "1"/);
    expect(issues({ pass: 'pw' })[0]).toMatch(/SMTP_PASS is set but SMTP_USER is not/);
    expect(issues({ fromEmail: 'not-an-address' })).toEqual(['fromEmail: SMTP_FROM_EMAIL must be an email address']);
  });

  it('builds smtp:// and smtps:// base URLs', () => {
    expect(smtpBaseUrl(smtpCredentials.parse({ host: 'mail.example.com' }))).toBe('smtp://mail.example.com:587');
    expect(smtpManifest.baseUrlFor?.(smtpCredentials.parse({ host: 'mail.example.com', port: '465' }))).toBe('smtps://mail.example.com:465');
    expect(smtpBaseUrl({ host: '::1', port: 25, secure: false })).toBe('smtp://[::1]:25');
  });

  it('is consistent: env names every credential, secrets and liveWhen are credentials', () => {
    expect(Object.keys(smtpManifest.env).sort()).toEqual(['fromEmail', 'host', 'pass', 'port', 'secure', 'user']);
    expect(Object.values(smtpManifest.env).every((name) => /^SMTP_[A-Z_]+$/.test(name))).toBe(true);
    expect(smtpManifest.secretFields).toEqual(['pass']);
    expect(smtpManifest.liveWhen).toEqual(['host']);
    expect(smtp).toMatchObject({ manifest: smtpManifest, email: expect.any(Function), startEmulator: expect.any(Function) });
    expect(smtp.webhooks).toBeUndefined();
  });

  it('maps an (impossible) HTTP answer to provider_error', () => {
    const err = smtpManifest.mapError({ status: 500, headers: {}, text: '', json: <T>() => ({}) as T });
    expect(err).toMatchObject({ code: 'provider_error', provider: 'smtp', providerStatus: 500 });
  });
});
