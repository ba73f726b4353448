import { describe, expect, it } from 'vitest';
import { HubError } from '../../core/errors.js';
import { mapSmtpError, type NodemailerError } from './errors.js';

/** An error shaped as nodemailer's `_formatError` builds it. */
function smtpError(fields: Partial<Omit<NodemailerError, 'rejected'>> & { rejected?: readonly string[] }): NodemailerError {
  const err: NodemailerError = new Error(fields.message ?? 'Failed');
  Object.assign(err, fields);
  if (fields.response) err.message += `: ${fields.response}`;
  return err;
}

const ctx = { server: 'smtp.example.com:587' };

describe('mapSmtpError', () => {
  it.each([
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '550 5.1.1 <x@example.com>: user unknown', rejected: ['x@example.com'] }, 'invalid_recipient'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '553 5.1.3 Bad recipient address syntax' }, 'invalid_recipient'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '551 5.1.6 User not local' }, 'invalid_recipient'],
    [{ code: 'EENVELOPE', response: '501 5.1.3 Invalid address', rejected: ['bad'] }, 'invalid_recipient'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', response: '550 5.7.1 Sender address rejected' }, 'provider_rejected'],
    [{ code: 'EAUTH', command: 'AUTH PLAIN', response: '535 5.7.8 Username and Password not accepted' }, 'provider_auth_failed'],
    [{ code: 'EAUTH', command: 'AUTH LOGIN', response: '534 5.7.9 Application-specific password required' }, 'provider_auth_failed'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', response: '530 5.7.0 Authentication Required' }, 'provider_auth_failed'],
    [{ code: 'EAUTH', command: 'API', message: 'Missing credentials for "PLAIN"' }, 'provider_auth_failed'],
    [{ code: 'EENVELOPE', command: 'MAIL FROM', response: '421 4.7.0 Too many messages, slow down' }, 'provider_rate_limited'],
    [{ code: 'EAUTH', command: 'AUTH PLAIN', response: '454 4.7.0 Too many login attempts, please try again later' }, 'provider_rate_limited'],
    [{ code: 'ECONNECTION', command: 'CONN', response: '421 4.3.2 Service shutting down' }, 'provider_unavailable'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '450 4.2.1 Mailbox busy', rejected: ['x@example.com'] }, 'provider_unavailable'],
    [{ code: 'EENVELOPE', command: 'RCPT TO', response: '452 4.5.3 Too many recipients' }, 'provider_unavailable'],
    [{ code: 'EMESSAGE', command: 'DATA', response: '451 4.3.0 Temporary failure' }, 'provider_unavailable'],
    [{ code: 'EMESSAGE', command: 'DATA', response: '552 5.3.4 Message size exceeds fixed limit' }, 'provider_rejected'],
    [{ code: 'EMESSAGE', command: 'DATA', response: '554 5.7.1 Message rejected as spam' }, 'provider_rejected'],
    [{ code: 'ESOCKET', command: 'CONN', message: 'connect ECONNREFUSED 127.0.0.1:587' }, 'provider_unavailable'],
    [{ code: 'ETIMEDOUT', command: 'CONN', message: 'Connection timeout' }, 'provider_unavailable'],
    [{ code: 'EDNS', command: 'CONN', message: 'getaddrinfo ENOTFOUND smtp.example.invalid' }, 'provider_unavailable'],
    [{ message: 'Reached maximum number of retries after connection was closed' }, 'provider_unavailable'],
    [{ code: 'EPROTOCOL', command: 'CONN', message: 'Invalid greeting' }, 'provider_error'],
  ] as const)('%o → %s', (fields, code) => {
    const err = mapSmtpError(smtpError(fields), ctx);
    expect(err).toBeInstanceOf(HubError);
    expect(err.code).toBe(code);
    expect(err.provider).toBe('smtp');
    expect(err.message).toContain('smtp.example.com:587');
    if ('response' in fields) expect(err.message).toContain(fields.response);
    // a reply or a failure before the body means the server surely did not take the message
    expect(err.details).toMatchObject({ sent: false });
  });

  it('marks a connection lost after the body as uncertain (not "sent: false")', () => {
    const err = mapSmtpError(smtpError({ code: 'ECONNECTION', command: 'CONN', message: 'Connection closed unexpectedly' }), { ...ctx, bodySent: true });
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: true, details: { uncertain: true } });
    expect(err.details?.sent).toBeUndefined();
  });

  it('maps a timeout after the body to provider_timeout, uncertain', () => {
    const err = mapSmtpError(smtpError({ code: 'ETIMEDOUT', command: 'CONN', message: 'Timeout' }), { ...ctx, bodySent: true });
    expect(err).toMatchObject({ code: 'provider_timeout', details: { uncertain: true } });
  });

  it('keeps a refusal after the body certain: the server answered', () => {
    const err = mapSmtpError(smtpError({ code: 'EMESSAGE', command: 'DATA', response: '451 4.3.0 Try later' }), { ...ctx, bodySent: true });
    expect(err).toMatchObject({ code: 'provider_unavailable', details: { sent: false } });
  });

  it('points at SMTP_SECURE on a TLS mismatch and does not retry it', () => {
    const err = mapSmtpError(smtpError({ code: 'ESOCKET', command: 'CONN', message: 'ssl3_get_record:wrong version number' }), ctx);
    expect(err).toMatchObject({ code: 'provider_unavailable', retryable: false });
    expect(err.message).toContain('SMTP_SECURE');
  });

  it('passes HubErrors through and names the rejected recipients', () => {
    const own = new HubError('validation_failed', 'x');
    expect(mapSmtpError(own, ctx)).toBe(own);
    const err = mapSmtpError(smtpError({ code: 'EENVELOPE', command: 'RCPT TO', response: '550 no such user', rejected: ['a@x.org', 'b@x.org'] }), ctx);
    expect(err.message).toContain('<a@x.org>, <b@x.org>');
    expect(err.details).toMatchObject({ rejected: ['a@x.org', 'b@x.org'], command: 'RCPT TO', response: '550 no such user' });
  });
});
