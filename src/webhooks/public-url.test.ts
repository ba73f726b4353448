/** The public URL of an inbound request: configured URL, then trusted forwarded headers, then Host. */
import { describe, expect, it } from 'vitest';
import { publicUrlOf } from './public-url.js';

describe('publicUrlOf', () => {
  const headers = { host: '10.0.0.5:3001', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'hooks.example.com, proxy.internal' };

  it('prefers SWITCHBOARD_PUBLIC_URL, keeping its base path and the query', () => {
    expect(publicUrlOf('/webhooks/twilio?a=1', headers, false, { publicUrl: 'https://hub.example.com/base/', trustProxy: true })).toBe('https://hub.example.com/base/webhooks/twilio?a=1');
  });

  it('reads the first forwarded proto and host only when the proxy is trusted', () => {
    expect(publicUrlOf('/webhooks/x', headers, false, { trustProxy: true })).toBe('https://hooks.example.com/webhooks/x');
    expect(publicUrlOf('/webhooks/x', headers, false, {})).toBe('http://10.0.0.5:3001/webhooks/x');
    expect(publicUrlOf('/webhooks/x', { host: 'hub.local' }, true, { trustProxy: true })).toBe('https://hub.local/webhooks/x');
  });
});
