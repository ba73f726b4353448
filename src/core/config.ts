/**
 * Hub configuration from the environment and an optional `.env` file, validated with zod.
 * Provider credentials are not here: each provider's manifest names its own variables
 * (see `providers/registry.ts`), and each category its own (`<NAME>_PROVIDERS` and the `settings`
 * of `categories/<name>/index.ts`), so adding a provider or a category never edits this file.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import { parse as parseDotenv } from 'dotenv';
import { z } from 'zod';
import { HubError } from './errors.js';

const bool = z
  .string()
  .trim()
  .toLowerCase()
  .refine((v) => ['true', 'false', '1', '0', 'yes', 'no', ''].includes(v), 'must be true or false')
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** A comma-separated list, lower-cased: `EMAIL_PROVIDERS=sendgrid,smtp`. */
export const listVar = z
  .string()
  .transform((v) => v.split(',').map((s) => s.trim().toLowerCase()).filter(Boolean));

const rateLimit = z
  .string()
  .regex(/^\d+\/(s|sec|second|m|min|minute|h|hour)$/i, 'must look like 600/min, 10/s or 1000/h');

/** The REST API's default body limit (25 MiB): attachments are base64 inside JSON. */
export const DEFAULT_BODY_LIMIT_BYTES = 25 * 1024 * 1024;

/** Names whose values are secrets: a configuration error names them, never shows them. */
const SECRET_NAME = /(^|_)(KEY|SECRET|TOKEN|PASSWORD|PASS|PASSPHRASE|CREDENTIALS?)(_|$)/i;

/**
 * How a bad value is quoted in a configuration error: ` (got "abc")`, nothing for a secret-looking
 * name (`*_KEY`, `*_SECRET`, `*_TOKEN`, `*_PASSWORD`, `*_PASS`), and a URL's password masked
 * (`postgres://app:***@db/hub`).
 *
 * @example
 * shownValue('PORT', 'abc')                           // ' (got "abc")'
 * shownValue('STRIPE_SECRET_KEY', 'sk_live_…')         // ''
 * shownValue('DATABASE_URL', 'mysql://u:pw@h/db')     // ' (got "mysql://u:***@h/db")'
 */
export function shownValue(name: string, value: string | undefined): string {
  if (value === undefined || SECRET_NAME.test(name)) return '';
  const masked = value.replace(/^((?:[a-z][a-z0-9+.-]*:\/\/)?[^:/@\s]*):.*@/i, '$1:***@');
  return ` (got ${JSON.stringify(masked)})`;
}

/** Every variable the hub itself reads (provider variables come from manifests). */
const schema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PORT: z.coerce.number().int().min(0, 'must be a port number 0..65535').max(65535, 'must be a port number 0..65535').default(3001),
  HOST: z.string().default('0.0.0.0'),
  PUBLIC_URL: z.url('must be an absolute URL such as https://hub.example.com').optional(),
  SWITCHBOARD_PUBLIC_URL: z.url('must be an absolute URL such as https://hub.example.com').optional(),
  TRUST_PROXY: bool.default(false),
  DATA_DIR: z.string().default('./data'),
  DATABASE_URL: z
    .string()
    .refine((v) => /^(postgres(ql)?|sqlite|file):/.test(v), 'must start with postgres://, sqlite: or file:')
    .optional(),
  SWITCHBOARD_API_KEY: z.string().min(20, 'must be at least 20 characters (use `switchboard keys create`)').optional(),
  SWITCHBOARD_ENCRYPTION_KEY: z.string().optional(),
  MOCK_EXTERNAL_APIS: bool.default(false),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  WEBHOOK_TOLERANCE_SECONDS: z.coerce.number().int().positive().default(300),
  QUEUE_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(16),
  QUEUE_POLL_MS: z.coerce.number().int().min(10).default(500),
  QUEUE_LEASE_MS: z.coerce.number().int().min(300).default(30_000),
  EVENTS_SSE_HEARTBEAT_MS: z.coerce.number().int().min(10).default(15_000),
  EVENTS_POLL_MS: z.coerce.number().int().min(10).default(1_000),
  EVENTS_COMMIT_GRACE_MS: z.coerce.number().int().min(0).default(10_000),
  SWITCHBOARD_WEBHOOK_ALLOWLIST: z
    .string()
    .refine((v) => v.split(',').every((c) => c.trim() === '' || isCidr(c.trim())), 'must be comma-separated CIDRs such as 127.0.0.0/8,::1/128')
    .optional(),
  SWITCHBOARD_WEBHOOK_RETENTION_DAYS: z.coerce.number().positive().default(30),
  SWITCHBOARD_AUTH_REDIRECTS: z
    .string()
    .refine((v) => v.split(',').every((o) => o.trim() === '' || /^https?:\/\/[^/?#\s]+\/?$/.test(o.trim())), 'must be comma-separated origins such as https://app.example.com,http://localhost:3000')
    .optional(),
  SWITCHBOARD_OAUTH_AUTO_APPROVE: bool.default(false),
  BODY_LIMIT_BYTES: z.coerce.number().int('must be a whole number of bytes').min(1024, 'must be at least 1024 (bytes)').default(DEFAULT_BODY_LIMIT_BYTES),
});

export type HubEnv = z.infer<typeof schema>;

export interface HubConfig {
  nodeEnv: HubEnv['NODE_ENV'];
  port: number;
  host: string;
  /** Base URL providers post webhooks to, as they see it (`SWITCHBOARD_PUBLIC_URL`, else `PUBLIC_URL`). */
  publicUrl?: string;
  /** Believe `X-Forwarded-Proto`/`X-Forwarded-Host` for the public URL of inbound webhooks (`TRUST_PROXY`). */
  trustProxy: boolean;
  dataDir: string;
  /** Absent: SQLite file `<dataDir>/switchboard.db`. */
  databaseUrl?: string;
  apiKey?: string;
  encryptionKey?: string;
  /** Every provider runs against its emulator (MOCK_EXTERNAL_APIS=true or NODE_ENV=test). */
  forceSandbox: boolean;
  logLevel: HubEnv['LOG_LEVEL'];
  webhookToleranceSec: number;
  queueConcurrency: number;
  queuePollMs: number;
  /** How long a job stays leased without a heartbeat before another worker may take it. */
  queueLeaseMs: number;
  /** SSE heartbeat, cross-process poll interval, and the longest insert-to-commit wait of the event tail. */
  events: { heartbeatMs: number; pollMs: number; graceMs: number };
  /** CIDRs outgoing webhooks may reach although private/loopback (SSRF guard exceptions). */
  webhookAllowlist: string[];
  /** Outgoing webhook payloads and attempts older than this are purged. */
  webhookRetentionDays: number;
  /** Origins an OAuth connect or sign-in may send users back to (`SWITCHBOARD_AUTH_REDIRECTS`). */
  authRedirects: string[];
  /** The sandbox authorization server approves at once, no consent page (`SWITCHBOARD_OAUTH_AUTO_APPROVE`). */
  oauthAutoApprove: boolean;
  /** Largest request body the REST API accepts, in bytes (`BODY_LIMIT_BYTES`; webhooks have their own). */
  bodyLimitBytes: number;
  /** `RATE_LIMIT_<PROVIDER>=600/min` overrides, by provider id. */
  rateLimits: Record<string, string>;
  /** The raw environment, for provider manifests. */
  env: Record<string, string | undefined>;
}

/**
 * Read `.env` (if present; real environment variables win) and validate.
 * Throws HubError `config_invalid` whose message lists every bad variable and what is wrong.
 *
 * @example
 * const config = loadConfig(process.env); // PORT=abc → "PORT: expected number, received NaN (got "abc")"
 */
export function loadConfig(
  env: Record<string, string | undefined> = process.env,
  options: { envFile?: string | false } = {},
): HubConfig {
  const merged = { ...readEnvFile(options.envFile), ...env };
  const e = parseEnvVars(schema, merged);
  const rateLimits: Record<string, string> = {};
  for (const [k, v] of Object.entries(merged)) {
    const m = /^RATE_LIMIT_([A-Z0-9_]+)$/.exec(k);
    if (!m || !v) continue;
    const r = rateLimit.safeParse(v);
    if (!r.success) throw new HubError('config_invalid', `Invalid configuration:\n  ${k}: ${r.error.issues[0]?.message}${shownValue(k, v)}`);
    rateLimits[m[1]!.toLowerCase()] = v;
  }
  return {
    nodeEnv: e.NODE_ENV,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.SWITCHBOARD_PUBLIC_URL ?? e.PUBLIC_URL,
    trustProxy: e.TRUST_PROXY,
    dataDir: resolve(e.DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    apiKey: e.SWITCHBOARD_API_KEY,
    encryptionKey: e.SWITCHBOARD_ENCRYPTION_KEY,
    forceSandbox: e.MOCK_EXTERNAL_APIS || e.NODE_ENV === 'test',
    logLevel: e.LOG_LEVEL,
    webhookToleranceSec: e.WEBHOOK_TOLERANCE_SECONDS,
    queueConcurrency: e.QUEUE_CONCURRENCY,
    queuePollMs: e.QUEUE_POLL_MS,
    queueLeaseMs: e.QUEUE_LEASE_MS,
    events: { heartbeatMs: e.EVENTS_SSE_HEARTBEAT_MS, pollMs: e.EVENTS_POLL_MS, graceMs: e.EVENTS_COMMIT_GRACE_MS },
    webhookAllowlist: (e.SWITCHBOARD_WEBHOOK_ALLOWLIST ?? '').split(',').map((c) => c.trim()).filter(Boolean),
    webhookRetentionDays: e.SWITCHBOARD_WEBHOOK_RETENTION_DAYS,
    authRedirects: (e.SWITCHBOARD_AUTH_REDIRECTS ?? '').split(',').map((o) => o.trim().replace(/\/$/, '')).filter(Boolean),
    oauthAutoApprove: e.SWITCHBOARD_OAUTH_AUTO_APPROVE,
    bodyLimitBytes: e.BODY_LIMIT_BYTES,
    rateLimits,
    env: merged,
  };
}

/**
 * Validate the variables named by `schema`'s keys in `env` (empty counts as unset). Throws
 * HubError `config_invalid` listing every bad variable and what is wrong; categories parse their
 * own settings with it.
 *
 * @example
 * parseEnvVars(z.object({ EMAIL_FROM: z.email().optional() }), process.env)
 */
export function parseEnvVars<S extends z.ZodObject>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const input = Object.fromEntries(Object.keys(schema.shape).map((k) => [k, emptyToUndefined(env[k])]));
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => {
      const name = String(i.path[0]);
      return `${name}: ${i.message}${shownValue(name, env[name])}`;
    });
    throw new HubError('config_invalid', `Invalid configuration:\n  ${lines.join('\n  ')}`, {
      errors: parsed.error.issues.map((i) => ({ field: String(i.path[0]), message: i.message })),
    });
  }
  return parsed.data;
}

/** Names of the variables the hub itself reads (for the `.env.example` sync test). */
export const HUB_ENV_VARS = Object.keys(schema.shape);

function readEnvFile(path: string | false | undefined): Record<string, string> {
  if (path === false) return {};
  const file = resolve(path ?? '.env');
  return existsSync(file) ? parseDotenv(readFileSync(file)) : {};
}

function isCidr(v: string): boolean {
  const [ip, bits, extra] = v.split('/');
  if (extra !== undefined || !ip) return false;
  const family = isIP(ip);
  if (family === 0) return false;
  if (bits === undefined) return true;
  const n = Number(bits);
  return /^\d+$/.test(bits) && n <= (family === 4 ? 32 : 128);
}

function emptyToUndefined(v: string | undefined): string | undefined {
  return v === undefined || v.trim() === '' ? undefined : v;
}
