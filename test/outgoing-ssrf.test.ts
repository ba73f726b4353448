/**
 * SSRF guard: private, loopback, link-local, CGNAT, unique-local and metadata addresses are refused
 * at endpoint creation (400 naming `url`) and at delivery, where the address checked is the one
 * connected to (DNS rebinding: a name that resolved to a public address at creation and to
 * loopback at delivery never reaches the loopback receiver). The allowlist opens chosen ranges.
 */
import type { LookupAddress } from 'node:dns';
import { BlockList } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { outgoingOf } from '../src/webhooks/outgoing/index.js';
import { assertDeliverableUrl, forbiddenReason, parseAllowlist, type LookupFn } from '../src/webhooks/outgoing/address-guard.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { startReceiver, type Receiver } from './helpers/outgoing-receiver.js';

const none = new BlockList();
const fixedLookup = (answer: () => string): LookupFn =>
  ((_host: string, opts: unknown, cb: unknown) => {
    const callback = (typeof opts === 'function' ? opts : cb) as (e: Error | null, a: LookupAddress[] | string, f?: number) => void;
    const address = answer();
    const family = address.includes(':') ? 6 : 4;
    if ((opts as { all?: boolean })?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as unknown as LookupFn;

describe('address classification', () => {
  it.each(['127.0.0.1', '10.0.0.1', '172.16.5.4', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00:ec2::254', 'fc00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:7f00:1', '::ffff:a9fe:a9fe', '224.0.0.1'])('%s is refused', (ip) => {
    expect(forbiddenReason(ip, none)).toMatch(/private|loopback|metadata/);
  });
  it.each(['93.184.216.34', '8.8.8.8', '2606:4700:4700::1111', '172.32.0.1'])('%s is allowed', (ip) => {
    expect(forbiddenReason(ip, none)).toBeNull();
  });
  it('the allowlist opens chosen ranges only', () => {
    const allow = parseAllowlist(['127.0.0.0/8', '::1/128']);
    expect(forbiddenReason('127.0.0.1', allow)).toBeNull();
    expect(forbiddenReason('::1', allow)).toBeNull();
    expect(forbiddenReason('::ffff:127.0.0.1', allow)).toBeNull();
    expect(forbiddenReason('10.0.0.1', allow)).not.toBeNull();
  });
  it('refuses other schemes and names resolving to private addresses', async () => {
    await expect(assertDeliverableUrl('ftp://example.com/x', none)).rejects.toThrow(/url: scheme ftp:/);
    await expect(assertDeliverableUrl('file:///etc/passwd', none)).rejects.toThrow(/url: scheme/);
    await expect(assertDeliverableUrl('http://localhost:9/x', none)).rejects.toThrow(/url: localhost resolves to/);
    await expect(assertDeliverableUrl('https://hooks.example.com/x', none, fixedLookup(() => '10.1.2.3'))).rejects.toThrow(/10\.1\.2\.3/);
    await expect(assertDeliverableUrl('https://hooks.example.com/x', none, fixedLookup(() => '93.184.216.34'))).resolves.toBeInstanceOf(URL);
  });
});

describe('the endpoints API and delivery', () => {
  let t: TestHub;
  let receiver: Receiver;
  beforeAll(async () => {
    t = await startTestHub();
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await t?.close();
    await receiver?.close();
  });

  it.each(['http://127.0.0.1/hook', 'http://10.0.0.1/hook', 'http://169.254.169.254/latest/meta-data', 'http://[::1]:8080/hook', 'http://[fd00:ec2::254]/', 'http://localhost/hook', 'gopher://example.com/'])('POST %s → 400 naming url', async (url) => {
    const res = await t.api('/api/v1/webhooks/endpoints', { body: { url, eventTypes: ['*'] } });
    expect(res.status).toBe(400);
    expect(res.body.errors[0].field).toBe('url');
  });

  it('DNS rebinding: public at creation, loopback at delivery → refused, nothing reaches the receiver', async () => {
    let answer = '93.184.216.34';
    outgoingOf(t.hub).setLookup(fixedLookup(() => answer));
    const port = new URL(receiver.url).port;
    const created = await t.api('/api/v1/webhooks/endpoints', { body: { url: `http://rebind.example.test:${port}/hook`, eventTypes: ['*'] } });
    expect(created.status).toBe(201);
    answer = '127.0.0.1';
    const test = await t.api(`/api/v1/webhooks/endpoints/${created.body.id}/test`, { body: {} });
    expect(test.status).toBe(202);
    await expect
      .poll(async () => (await t.api(`/api/v1/webhooks/endpoints/${created.body.id}/attempts`)).body.data.length, { timeout: 10_000 })
      .toBeGreaterThan(0);
    const attempts = (await t.api(`/api/v1/webhooks/endpoints/${created.body.id}/attempts`)).body.data;
    expect(attempts[0]).toMatchObject({ statusCode: null });
    expect(attempts[0].error).toMatch(/refused: .*127\.0\.0\.1/);
    expect(receiver.received).toHaveLength(0);
  });
});
