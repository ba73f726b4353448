import { pino, type Logger } from 'pino';

export type { Logger };

/** Paths pino blanks in every log line, wherever they appear. */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  '*.apiKey',
  '*.password',
  '*.pass',
  '*.secret',
  '*.token',
  '*.credentials',
  'credentials',
  'apiKey',
  'password',
  'secret',
];

/**
 * The hub's logger (pino, JSON to stdout). Secrets are redacted by path; provider calls are
 * logged by the transport with URLs already scrubbed.
 */
export function createLogger(level: string = process.env.LOG_LEVEL ?? 'info'): Logger {
  return pino({ level, redact: { paths: REDACT_PATHS, censor: '[redacted]' }, base: { svc: 'switchboard' } });
}
