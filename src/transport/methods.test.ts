import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock } from '../core/clock.js';
import { checkMethod, isIdempotentMethod } from './http.js';
import { acmeConnection, acmeManifest, rejection, startServer, type TestServer } from './test-utils/server.js';
import { Transport } from './transport.js';

let server: TestServer;
beforeEach(async () => {
  server = await startServer();
});
afterEach(() => server.close());

const bind = () => new Transport({ clock: fakeClock(), random: () => 0.5 }).forConnection(acmeManifest(), acmeConnection(server.url));

const PROPFIND_BODY = '<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:displayname/></d:prop></d:propfind>';

describe('any HTTP method', () => {
  it('sends PROPFIND with its XML body and Depth header, and retries it after a 503 (safe)', async () => {
    server.reply({ status: 503 }, { status: 207, headers: { 'content-type': 'application/xml' }, body: '<d:multistatus xmlns:d="DAV:"/>' });
    const res = await bind().request({
      method: 'PROPFIND',
      path: '/dav/calendars/alice/',
      headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' },
      body: PROPFIND_BODY,
      operation: 'calendar.list',
    });
    expect(res.status).toBe(207);
    expect(server.hits.map((h) => h.method)).toEqual(['PROPFIND', 'PROPFIND']);
    expect(server.hits[1]).toMatchObject({ body: PROPFIND_BODY, headers: { depth: '1', 'content-type': 'application/xml; charset=utf-8' } });
  });

  it('sends MKCALENDAR and REPORT; does not retry MKCALENDAR after a 503 (not idempotent)', async () => {
    server.reply({ status: 201 }, { status: 503 });
    await bind().request({ method: 'REPORT', path: '/dav/calendars/alice/work/', body: '<c:calendar-query xmlns:c="urn:ietf:params:xml:ns:caldav"/>', operation: 'calendar.events' });
    const err = await rejection(bind().request({ method: 'MKCALENDAR', path: '/dav/calendars/alice/home/', operation: 'calendar.create' }));
    expect(err.providerStatus).toBe(503);
    expect(server.hits.map((h) => h.method)).toEqual(['REPORT', 'MKCALENDAR']);
  });

  it.each(['GET /x', 'PROP FIND', '', 'GET\r\nX-Injected: 1', 'CAFÉ'])('refuses %j before sending', async (method) => {
    const err = await rejection(bind().request({ method, path: '/x', operation: 'bad' }));
    expect(err.code).toBe('internal_error');
    expect(err.message).toMatch(/not a valid RFC 9110 token/);
    expect(server.hits).toHaveLength(0);
  });

  it('accepts any token, COPY and extension methods included', () => {
    for (const method of ['COPY', 'MOVE', 'MKCOL', 'PROPPATCH', 'LOCK', 'X-CUSTOM_1.0', "A!#$%&'*+-.^_`|~"]) expect(checkMethod(method)).toBe(method);
  });

  it('knows which methods are idempotent', () => {
    const idempotent = ['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS', 'PROPFIND', 'REPORT'];
    const not = ['POST', 'PATCH', 'MKCALENDAR', 'MKCOL', 'COPY', 'MOVE', 'PROPPATCH', 'get'];
    expect(idempotent.filter(isIdempotentMethod)).toEqual(idempotent);
    expect(not.filter(isIdempotentMethod)).toEqual([]);
  });
});
