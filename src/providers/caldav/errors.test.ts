import { describe, expect, it } from 'vitest';
import { toResponse } from '../../transport/http.js';
import { mapCaldavError } from './errors.js';

const res = (status: number, text = '') => toResponse({ status, headers: {}, text });

describe('mapCaldavError', () => {
  it('reads the precondition of a DAV:error body, with or without a prefix', () => {
    const radicale = mapCaldavError(res(403, `<?xml version='1.0' encoding='utf-8'?>\n<error xmlns="DAV:"><valid-sync-token /></error>`));
    const prefixed = mapCaldavError(res(409, '<d:error xmlns:d="DAV:"><d:valid-sync-token/></d:error>'));
    for (const e of [radicale, prefixed]) expect([e.code, e.status, e.providerCode]).toEqual(['calendar_sync_expired', 410, 'valid-sync-token']);
  });

  it('maps statuses to what the caller should do', () => {
    expect(mapCaldavError(res(401)).message).toMatch(/CALDAV_USERNAME and CALDAV_PASSWORD/);
    expect(mapCaldavError(res(404), 'calendar_event_not_found').code).toBe('calendar_event_not_found');
    expect(mapCaldavError(res(404)).code).toBe('not_found');
    expect(mapCaldavError(res(412)).code).toBe('calendar_conflict');
    expect(mapCaldavError(res(503)).retryable).toBe(true);
    expect(mapCaldavError(res(415, 'Unsupported media type')).code).toBe('provider_rejected');
    expect(mapCaldavError(res(403, '<error xmlns="urn:ietf:params:xml:ns:caldav"><valid-calendar-data/></error>'))).toMatchObject({ code: 'provider_rejected', providerCode: 'valid-calendar-data' });
    expect(mapCaldavError(res(403, 'Access to the requested resource forbidden.')).code).toBe('provider_auth_failed');
  });
});
