/**
 * Slack's inbound requests parsed into chat events, the replay key the inbox de-duplicates on,
 * and Slack's `ok:false` answers mapped to hub codes.
 */
import { describe, expect, it } from 'vitest';
import { surelyNotSent } from '../../core/errors.js';
import { toResponse } from '../../transport/http.js';
import { mapSlackError, slackApiError } from './errors.js';
import { parseSlackRequest, slackReplayKey } from './webhooks.js';

const callback = (event: Record<string, unknown>, eventId = 'Ev0001') => Buffer.from(JSON.stringify({ type: 'event_callback', team_id: 'T1', event_id: eventId, event_time: 1712345678, event }));

describe('parseSlackRequest', () => {
  it('a user message is chat.message; edits, joins and bot messages make none', () => {
    const [e] = parseSlackRequest(callback({ type: 'message', channel: 'C1', user: 'U1', text: 'hi', ts: '1712345678.000100', thread_ts: '1712345600.000100' }));
    expect(parseSlackRequest(Buffer.from(JSON.stringify({ type: 'event_callback', token: 'legacy', event: { type: 'message', text: 'x' } })))[0]!.raw).not.toHaveProperty('token');
    expect(e).toMatchObject({ type: 'chat.message', providerEventId: 'Ev0001', occurredAt: 1712345678000, data: { channel: 'C1', user: 'U1', text: 'hi', threadTs: '1712345600.000100', teamId: 'T1', subtype: null } });
    for (const subtype of ['message_changed', 'channel_join', 'bot_message']) expect(parseSlackRequest(callback({ type: 'message', subtype, channel: 'C1', ts: '1.000001' }))).toEqual([]);
    expect(parseSlackRequest(callback({ type: 'app_home_opened', user: 'U1' }))).toEqual([]);
  });

  it('reaction_added, and an interaction payload with a selected option', () => {
    const [r] = parseSlackRequest(callback({ type: 'reaction_added', user: 'U1', reaction: 'tada', item: { type: 'message', channel: 'C1', ts: '1712345678.000100' } }));
    expect(r).toMatchObject({ type: 'chat.reaction_added', data: { reaction: 'tada', channel: 'C1', ts: '1712345678.000100' } });
    const payload = { type: 'block_actions', token: 'legacy', user: { id: 'U1' }, team: { id: 'T1' }, trigger_id: 'tr1', actions: [{ action_id: 'pick', block_id: 'b', selected_option: { value: 'v2' } }] };
    const [i] = parseSlackRequest(Buffer.from(new URLSearchParams({ payload: JSON.stringify(payload) }).toString()));
    expect(i).toMatchObject({ type: 'chat.interaction', data: { kind: 'block_actions', user: 'U1', teamId: 'T1', triggerId: 'tr1', actions: [{ actionId: 'pick', value: 'v2', blockId: 'b' }] } });
    expect(i!.raw).not.toHaveProperty('token');
  });

  it('the replay key is the event id for events (a retry has the same), the body otherwise', () => {
    expect(slackReplayKey(callback({ type: 'message' }, 'Ev42'))).toBe('event:Ev42');
    expect(slackReplayKey(Buffer.from('command=%2Fdeal&text=1'))).toMatch(/^body:[0-9a-f]{64}$/);
    expect(slackReplayKey(Buffer.from('command=%2Fdeal&text=1'))).not.toBe(slackReplayKey(Buffer.from('command=%2Fdeal&text=2')));
  });
});

describe("Slack's errors", () => {
  it('ok:false answers name the problem; only credentials, rate limits and outages are surely not sent', () => {
    const cases: [string, string, number, boolean][] = [
      ['channel_not_found', 'chat_channel_not_found', 404, false],
      ['not_in_channel', 'chat_not_in_channel', 409, false],
      ['cant_update_message', 'chat_message_not_found', 404, false],
      ['users_not_found', 'chat_user_not_found', 404, false],
      ['name_taken', 'chat_name_taken', 409, false],
      ['invalid_blocks', 'provider_rejected', 422, false],
      ['invalid_auth', 'provider_auth_failed', 502, true],
      ['missing_scope', 'provider_auth_failed', 502, true],
      ['fatal_error', 'provider_unavailable', 503, true],
    ];
    for (const [slack, code, status, notSent] of cases) {
      const err = slackApiError('chat.postMessage', { ok: false, error: slack });
      expect({ slack, code: err.code, status: err.status, providerCode: err.providerCode, notSent: surelyNotSent(err) }).toEqual({ slack, code, status, providerCode: slack, notSent });
    }
    expect(slackApiError('chat.postMessage', { ok: false, error: 'missing_scope', needed: 'chat:write' }).message).toMatch(/needed: chat:write/);
  });

  it('an HTTP 429 keeps its Retry-After', () => {
    const err = mapSlackError(toResponse({ status: 429, headers: { 'retry-after': '3' }, text: '{"ok":false,"error":"ratelimited"}' }));
    expect(err).toMatchObject({ code: 'provider_rate_limited', retryAfter: 3, providerStatus: 429 });
  });
});
