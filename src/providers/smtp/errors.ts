/**
 * Maps nodemailer / SMTP failures to the hub's error codes.
 *
 * nodemailer reports a server refusal as an Error with `responseCode` (the 3-digit reply),
 * `response` (the whole reply line), `command` (`MAIL FROM`, `RCPT TO`, `DATA`, `AUTH PLAIN`…)
 * and `code` (`EENVELOPE`, `EMESSAGE`, `EAUTH`); network failures carry `code` `ESOCKET`,
 * `ECONNECTION`, `ETIMEDOUT`, `EDNS` or `ETLS`.
 *
 * @see https://nodemailer.com/smtp/#error-handling
 * @see https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3 (reply codes)
 */
import { HubError, type ErrorCode } from '../../core/errors.js';
import '../../categories/email/errors.js'; // registers the email error codes this file uses

/** The fields nodemailer sets on its errors (all optional: a plain Error maps too). */
export interface NodemailerError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  /** Recipients the server refused, set when every recipient was refused. */
  rejected?: string[];
}

export interface SmtpErrorContext {
  /** `host:port` of the server, for messages. */
  server: string;
  /** The whole message was handed to the socket (after `354`), so the server may have kept it. */
  bodySent?: boolean;
}

const NETWORK_CODES = new Set(['ECONNECTION', 'ESOCKET', 'ETIMEDOUT', 'ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'EDNS', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ETLS']);
const RECIPIENT_CODES = new Set([501, 550, 551, 553]);
const AUTH_CODES = new Set([530, 534, 535]);
const RATE_TEXT = /rate|too many|slow down|throttl|limit/i;

/**
 * Turn anything nodemailer threw into a HubError whose message quotes the server's reply and
 * says what to fix.
 *
 * @example
 * try { await transporter.sendMail(mail) } catch (err) { throw mapSmtpError(err, { server: 'smtp.example.com:587' }) }
 */
export function mapSmtpError(err: unknown, ctx: SmtpErrorContext): HubError {
  if (err instanceof HubError) return err;
  const e: NodemailerError = err instanceof Error ? err : new Error(String(err));
  const reply = e.response?.trim() ?? '';
  const status = e.responseCode ?? (Number(/^([2-5]\d\d)\b/.exec(reply)?.[1]) || undefined);
  const said = reply ? `answered "${reply}"` : `failed: ${e.message}`;
  // Any reply other than 250 to the end of DATA means the server did not take the message
  // (RFC 5321 §4.1.1.4), and a connection lost before the whole body went out leaves an
  // incomplete message the server must discard: both are `sent: false`, which lets the
  // transport retry even this non-idempotent call. Only a loss after the body is `uncertain`.
  const make = (code: ErrorCode, message: string, details: Record<string, unknown> = {}, retryable?: boolean) =>
    new HubError(code, message, {
      provider: 'smtp',
      providerCode: status !== undefined ? String(status) : e.code,
      details: { command: e.command, response: reply || undefined, ...(details.uncertain ? {} : { sent: false }), ...details },
      cause: err,
      retryable,
    });
  const at = e.command && e.command !== 'CONN' && e.command !== 'API' ? ` to ${e.command}` : '';

  if (status === undefined) {
    if (e.code === 'EAUTH') {
      return make('provider_auth_failed', `SMTP server ${ctx.server} refused to log in: ${e.message}. Check SMTP_USER and SMTP_PASS.`);
    }
    if (e.code === 'ETIMEDOUT' && ctx.bodySent) {
      return make('provider_timeout', `SMTP server ${ctx.server} did not confirm the message after receiving it; it may have been delivered (the X-Switchboard-Id header identifies duplicates).`, { uncertain: true });
    }
    if (e.code === 'EENVELOPE' && /recipient/i.test(e.message)) {
      return make('invalid_recipient', `${e.message}. Fix the address.`);
    }
    if (e.code === 'EMESSAGE' && /size/i.test(e.message)) {
      return make('provider_rejected', `SMTP server ${ctx.server}: ${e.message}. Send smaller attachments.`);
    }
    if (e.code === undefined || NETWORK_CODES.has(e.code)) {
      if (ctx.bodySent) {
        return make('provider_unavailable', `The connection to SMTP server ${ctx.server} closed after the message was sent but before the server confirmed it (${e.message}); it may have been delivered (the X-Switchboard-Id header identifies duplicates).`, { uncertain: true });
      }
      const tls = e.code === 'ETLS' || /wrong version number|ssl|tls|certificate/i.test(e.message);
      const hint = tls
        ? ' Check SMTP_SECURE: "true" for implicit TLS (port 465), "false" for STARTTLS (port 587 or 25).'
        : ' Check SMTP_HOST and SMTP_PORT, and that the server is up and reachable from here.';
      return make('provider_unavailable', `SMTP server ${ctx.server} could not be reached: ${e.message}.${hint}`, {}, tls ? false : undefined);
    }
    return make('provider_error', `SMTP server ${ctx.server} ${said}.`);
  }

  const isRecipient = e.command === 'RCPT TO' || e.rejected !== undefined;
  if (isRecipient && RECIPIENT_CODES.has(status)) {
    const who = e.rejected?.length ? ` ${e.rejected.map((r) => `<${r}>`).join(', ')}` : '';
    return make('invalid_recipient', `SMTP server ${ctx.server} refused the recipient${who}: "${reply}". Check the address; the server will not accept it on retry.`, {
      rejected: e.rejected,
    });
  }
  if (AUTH_CODES.has(status)) {
    const fix = status === 530
      ? 'The server requires login (or TLS first): set SMTP_USER and SMTP_PASS, and SMTP_SECURE for port 465.'
      : 'Check SMTP_USER and SMTP_PASS (Gmail and Microsoft 365 need an app password).';
    return make('provider_auth_failed', `SMTP server ${ctx.server} refused the login: "${reply}". ${fix}`);
  }
  if (status >= 400 && status < 500) {
    if ((status === 421 || status === 454) && RATE_TEXT.test(reply)) {
      return make('provider_rate_limited', `SMTP server ${ctx.server} is throttling${at}: "${reply}". Slow down (lower the connection's rate limit) and retry later.`);
    }
    return make('provider_unavailable', `SMTP server ${ctx.server} failed temporarily${at}: "${reply}". Retry later.`);
  }
  if (status >= 500) {
    return make('provider_rejected', `SMTP server ${ctx.server} refused the message${at}: "${reply}". Fix the message or sender; the server will not accept it on retry.`);
  }
  return make('provider_error', `SMTP server ${ctx.server} ${said}.`);
}
