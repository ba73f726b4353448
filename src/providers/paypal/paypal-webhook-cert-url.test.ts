import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { checkPaypalCertUrl } from './paypal-webhook-cert-url.js';

function reason(url: string, extra?: string[]): string {
  try {
    checkPaypalCertUrl(url, extra);
  } catch (err) {
    expect(err).toBeInstanceOf(HubError);
    expect((err as HubError).code).toBe('webhook_signature_invalid');
    return String((err as HubError).details?.reason);
  }
  return 'accepted';
}

describe('PAYPAL-CERT-URL host check', () => {
  it.each([
    'https://api.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270',
    'https://api.sandbox.paypal.com/v1/notifications/certs/CERT-360caa42-fca2a594-1d93a270',
    'https://api-m.paypal.com/v1/notifications/certs/CERT-1',
    'https://api-m.sandbox.paypal.com/v1/notifications/certs/CERT-1',
    'https://API.PayPal.com:443/v1/notifications/certs/CERT-1',
  ])('accepts %s', (url) => expect(reason(url)).toBe('accepted'));

  it.each([
    ['https://paypal.com.evil.com/cert', /not a PayPal host/],
    ['https://api.paypal.com.evil.com/cert', /not a PayPal host/],
    ['https://evilpaypal.com/cert', /not a PayPal host/],
    ['https://api.evil-paypal.com/cert', /not a PayPal host/],
    ['https://paypal.com/cert', /not a PayPal host/],
    ['https://api.paypal.com./cert', /not a PayPal host/],
    ['https://api.paypal.co/cert', /not a PayPal host/],
    ['https://127.0.0.1/cert', /not a PayPal host/],
    ['http://api.paypal.com/cert', /scheme "http:"/],
    ['ftp://api.paypal.com/cert', /scheme/],
    ['https://api.paypal.com@evil.com/cert', /userinfo/],
    ['https://user:pw@api.paypal.com/cert', /userinfo/],
    ['https://api.paypal.com:8443/cert', /port 8443/],
    ['/v1/notifications/certs/CERT-1', /not an absolute URL/],
  ])('refuses %s', (url, why) => expect(reason(url)).toMatch(why));

  it('accepts an exact extra origin (the sandbox emulator) and nothing near it', () => {
    const emulator = ['http://127.0.0.1:4010'];
    expect(reason('http://127.0.0.1:4010/v1/notifications/certs/EMU', emulator)).toBe('accepted');
    expect(reason('http://127.0.0.1:4011/v1/notifications/certs/EMU', emulator)).toMatch(/scheme/);
    expect(reason('http://u:p@127.0.0.1:4010/certs', emulator)).toMatch(/scheme/);
    expect(reason('http://127.0.0.1:4010/v1/notifications/certs/EMU')).toMatch(/scheme/);
  });

  it('returns the normalized URL that must then be fetched', () => {
    expect(checkPaypalCertUrl(' https://API.sandbox.PAYPAL.com/v1/a/../certs/X ').href).toBe('https://api.sandbox.paypal.com/v1/certs/X');
  });
});
