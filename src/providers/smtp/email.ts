/**
 * The SMTP email connector: nodemailer with a small pool of kept-alive connections per hub
 * connection, each send run through the transport's policies (`ctx.http.execute`).
 *
 * @see https://nodemailer.com/smtp/pooled/
 * @see https://www.rfc-editor.org/rfc/rfc5321#section-3.3 (mail transactions)
 */
import { Transform } from 'node:stream';
import nodemailer, { type SendMailOptions, type Transporter } from 'nodemailer';
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js';
import { HubError } from '../../core/errors.js';
import type { EmailCapability, EmailMessage, EmailProvider, EmailSendResult } from '../../categories/email/contract.js';
import type { ProviderContext } from '../../kit/connector.js';
import { mapSmtpError } from './errors.js';
import { smtpManifest, type SmtpCredentials } from './manifest.js';
import { toMailOptions } from '../../categories/email/mime.js';

/** An {@link EmailProvider} that holds sockets: `close()` releases them. */
export interface SmtpEmailProvider extends EmailProvider {
  /** Close the pooled connections (messages in flight finish first). A later send reopens. */
  close(): Promise<void>;
}

export interface SmtpEmailOptions {
  /** Parallel SMTP connections per hub connection (default 2). */
  maxConnections?: number;
  /** Messages per connection before it is recycled (default 100). */
  maxMessages?: number;
}

const CAPABILITIES: ReadonlySet<EmailCapability> = new Set(['attachments', 'inline-images', 'custom-headers', 'tags', 'metadata']);

/** Key set on the options of one send (nodemailer copies unknown string keys, not symbols);
 * a stream plugin flips `bodySent` once the whole body has been written. */
const TRACKER = 'switchboardTracker';
interface Tracker {
  bodySent: boolean;
}
type TrackedOptions = SendMailOptions & { [TRACKER]?: Tracker };

/** Where the connection points: `smtp://host:port`, or `smtps://` for implicit TLS. */
function endpoint(baseUrl: string): { host: string; port: number; secure: boolean } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    url = new URL('invalid:');
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    throw new HubError('config_invalid', `SMTP connection base URL "${baseUrl}" must look like smtp://host:587 or smtps://host:465`, { provider: 'smtp' });
  }
  const secure = url.protocol === 'smtps:';
  return { host: url.hostname.replace(/^\[|\]$/g, ''), port: Number(url.port) || (secure ? 465 : 587), secure };
}

function createPool(ctx: ProviderContext<SmtpCredentials>, options: SmtpEmailOptions): Transporter<SMTPPool.SentMessageInfo> {
  const { host, port, secure } = endpoint(ctx.connection.baseUrl);
  const { user, pass } = ctx.connection.credentials;
  const timeoutMs = smtpManifest.timeoutMs ?? 30_000;
  const poolOptions: SMTPPool.Options & { maxRequeues: number } = {
    pool: true,
    host,
    port,
    secure,
    auth: user === undefined ? undefined : { user, pass },
    maxConnections: options.maxConnections ?? 2,
    maxMessages: options.maxMessages ?? 100,
    // nodemailer re-sends a message whose connection closed mid-transaction, by default without
    // limit: after DATA that duplicates mail. Fail instead; the hub decides about retries.
    maxRequeues: 0,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    // Also the idle timeout of pooled sockets: a forgotten pool frees its sockets by itself.
    socketTimeout: timeoutMs,
    disableFileAccess: true,
    disableUrlAccess: true,
  };
  const transporter = nodemailer.createTransport(poolOptions);
  transporter.use('stream', (mail, done) => {
    const tracker = (mail.data as TrackedOptions)[TRACKER];
    if (tracker) {
      mail.message.transform(
        new Transform({
          transform: (chunk, _enc, next) => next(null, chunk),
          flush(next) {
            tracker.bodySent = true;
            next();
          },
        }),
      );
    }
    done();
  });
  // An idle pooled socket that times out or is closed by the server surfaces here; the pool
  // drops it and reconnects on the next send.
  transporter.on('error', (err) => ctx.logger.debug({ err, provider: 'smtp' }, 'smtp pool connection closed'));
  return transporter;
}

/**
 * Resolve with nodemailer's answer, or reject with a mapped HubError. On abort (the transport's
 * deadline or the caller) reject at once with the signal's reason: nodemailer cannot cancel a
 * send, so the transaction runs on and its outcome is ignored.
 */
function sendOnce(
  transporter: Transporter<SMTPPool.SentMessageInfo>,
  mail: SendMailOptions,
  server: string,
  signal: AbortSignal,
): Promise<SMTPPool.SentMessageInfo> {
  const tracker: Tracker = { bodySent: false };
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      const reason: unknown = signal.reason;
      reject(
        reason instanceof HubError
          ? reason
          : new HubError('provider_timeout', `SMTP send to ${server} was cut short: ${String(reason)}`, {
              provider: 'smtp',
              details: { uncertain: tracker.bodySent, ...(tracker.bodySent ? {} : { sent: false }) },
              cause: reason,
            }),
      );
    };
    if (signal.aborted) return onAbort();
    signal.addEventListener('abort', onAbort, { once: true });
    transporter
      .sendMail({ ...mail, [TRACKER]: tracker } as TrackedOptions)
      .then(resolve, (err: unknown) => reject(mapSmtpError(err, { server, bodySent: tracker.bodySent })))
      .finally(() => signal.removeEventListener('abort', onAbort));
  });
}

/**
 * Build the SMTP email provider of one connection. The pool opens on the first send and stays
 * open between sends; `close()` releases it (the hub calls it when the connection is removed
 * or at shutdown).
 *
 * @example
 * const { provider, close } = createSmtpEmail(ctx);
 * await provider.send({ id: 'msg_1', from: { email: 'me@example.com' }, to: [{ email: 'you@example.com' }], subject: 'Hi', text: 'Hello' });
 * await close();
 */
export function createSmtpEmail(
  ctx: ProviderContext<SmtpCredentials>,
  options: SmtpEmailOptions = {},
): { provider: SmtpEmailProvider; close: () => Promise<void> } {
  let pool: Transporter<SMTPPool.SentMessageInfo> | undefined;
  const { host, port } = endpoint(ctx.connection.baseUrl);
  const server = `${host}:${port}`;

  const close = async (): Promise<void> => {
    const closing = pool;
    pool = undefined;
    closing?.close();
  };

  const send = async (message: EmailMessage, sendOptions: { signal?: AbortSignal } = {}): Promise<EmailSendResult> => {
    const mail = toMailOptions(message);
    const info = await ctx.http.execute(
      'email.send',
      (signal) => {
        pool ??= createPool(ctx, options);
        return sendOnce(pool, mail, server, signal);
      },
      { idempotent: false, signal: sendOptions.signal },
    );
    const rejected = (info.rejected ?? []).map(String);
    if (rejected.length > 0) {
      ctx.logger.warn({ provider: 'smtp', messageId: message.id, rejected: rejected.length }, 'smtp server refused some recipients; sent to the others');
    }
    return {
      provider: 'smtp',
      providerMessageId: String(info.messageId).replace(/^<|>$/g, ''),
      status: 'sent',
      raw: { messageId: info.messageId, response: info.response, accepted: (info.accepted ?? []).map(String), rejected, envelope: info.envelope },
    };
  };

  return { provider: { id: 'smtp', capabilities: CAPABILITIES, send, close }, close };
}
