/**
 * The SMTP sandbox: a real SMTP server (smtp-server) on a loopback port that keeps every message
 * it accepts, with the chaos knobs mapped to what mail servers really do: `451` temporary
 * failures, `421` throttling (which also closes the connection), a slow reply to the end of
 * DATA, and a connection dropped after the message was received but before the `250` reply.
 *
 * SMTP has no delivery webhooks, so the emulator posts none.
 *
 * @see https://nodemailer.com/extras/smtp-server/
 * @see https://www.rfc-editor.org/rfc/rfc5321#section-4.2.3 (reply codes)
 */
import { randomBytes } from 'node:crypto';
import { SMTPServer, type SMTPServerDataStream, type SMTPServerSession } from 'smtp-server';
import { NO_CHAOS, type ChaosSettings, type Emulator, type EmulatorOptions } from '../../../kit/emulator.js';
import { parseMessage, type ParsedSmtpMessage } from './parse.js';

export type { ParsedAddress, ParsedAttachment, ParsedSmtpMessage } from './parse.js';

/** One message the emulator accepted (kept before the `250` reply, or before a chaos drop). */
export interface SmtpAcceptedMessage {
  /** smtp-server's id of the connection: messages sent over one pooled connection share it. */
  connectionId: string;
  /** Login name, when the client authenticated. */
  user?: string;
  envelope: { mailFrom: string; rcptTo: string[] };
  /** The message exactly as received (dot-unstuffed). */
  raw: Buffer;
  /** Decoded with mailparser (undefined when it is not installed). */
  parsed?: ParsedSmtpMessage;
  receivedAt: number;
}

export interface SmtpEmulator extends Emulator {
  readonly accepted: SmtpAcceptedMessage[];
  /** `{ host, port, user, pass }`: AUTH with these succeeds, any other password gets `535`. */
  readonly credentials: { host: string; port: string; user: string; pass: string };
  /** SMTP connections open right now (pooling and `close()` are observable). */
  readonly openConnections: number;
}

const smtpError = (responseCode: number, message: string): Error => Object.assign(new Error(message), { responseCode });

function readAll(stream: SMTPServerDataStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => resolve(Buffer.concat(chunks)));
    stream.on('error', reject);
  });
}

/**
 * Start the SMTP emulator on 127.0.0.1 (port 0: a free one). Authentication is optional;
 * recipients whose local part starts with `reject` are refused with `550` at RCPT.
 *
 * @example
 * const emulator = await startEmulator();
 * // connection: { baseUrl: emulator.url, credentials: emulator.credentials }
 * emulator.chaos.dropAfterAcceptNext = 1;
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<SmtpEmulator> {
  const chaos: ChaosSettings = { ...NO_CHAOS };
  const accepted: SmtpAcceptedMessage[] = [];
  const user = 'switchboard';
  const pass = randomBytes(12).toString('base64url');

  const keep = async (raw: Buffer, session: SMTPServerSession): Promise<void> => {
    accepted.push({
      connectionId: session.id,
      user: typeof session.user === 'string' ? session.user : undefined,
      envelope: {
        mailFrom: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
        rcptTo: session.envelope.rcptTo.map((r) => r.address),
      },
      raw,
      parsed: await parseMessage(raw),
      receivedAt: Date.now(),
    });
  };

  const server: SMTPServer = new SMTPServer({
    name: 'switchboard-smtp-emulator',
    secure: false,
    disabledCommands: ['STARTTLS'],
    authOptional: true,
    allowInsecureAuth: true,
    authMethods: ['PLAIN', 'LOGIN'],
    size: 30 * 1024 * 1024,
    logger: false,
    closeTimeout: 1_000,
    onAuth(auth, _session, callback) {
      if (auth.username === user && auth.password === pass) return callback(null, { user: auth.username });
      callback(smtpError(535, '5.7.8 Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      if (chaos.rateLimitNext > 0) {
        chaos.rateLimitNext--;
        return callback(smtpError(421, `4.7.0 Too many messages, slow down; try again in ${chaos.retryAfterSec} s`));
      }
      if (chaos.errorRate > 0 && Math.random() < chaos.errorRate) {
        return callback(smtpError(451, '4.3.0 Temporary failure, try again later'));
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (/^reject/i.test(address.address)) {
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: User unknown`));
      }
      callback();
    },
    onData(stream, session, callback) {
      void (async () => {
        const raw = await readAll(stream);
        if (stream.sizeExceeded) return callback(smtpError(552, '5.3.4 Message too big'));
        await keep(raw, session);
        if (chaos.dropAfterAcceptNext > 0) {
          chaos.dropAfterAcceptNext--;
          // Kept, but the client never hears `250`: from its side the outcome is unknown.
          for (const connection of server.connections) if (connection.id === session.id) connection._socket.destroy();
          return;
        }
        if (chaos.latencyMs > 0) await new Promise((r) => setTimeout(r, chaos.latencyMs));
        callback(null, `2.0.0 Ok: queued as ${session.id}.${accepted.length}`);
      })().catch((err: unknown) => callback(smtpError(451, `4.3.0 Local error: ${(err as Error).message}`)));
    },
  });
  server.on('error', () => undefined);

  await new Promise<void>((resolve, reject) => {
    server.server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const address = server.server.address();
  if (address === null || typeof address === 'string') throw new Error('SMTP emulator did not bind a TCP port');
  const port = address.port;

  return {
    url: `smtp://127.0.0.1:${port}`,
    credentials: { host: '127.0.0.1', port: String(port), user, pass },
    webhookSecret: undefined,
    setWebhookTarget: () => undefined,
    chaos,
    accepted,
    get openConnections() {
      return server.connections.size;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // A 421 reply also closes the connection (RFC 5321 §3.8); pooled clients reconnect later.
        for (const connection of server.connections) connection.send(421, 'Server shutting down');
      }),
  };
}
