/**
 * What the emulator's route modules share: the base URL, HATEOAS links, webhook emission, the
 * approval registry behind `/checkoutnow`, and PayPal's request conventions — `PayPal-Request-Id`
 * idempotency (answers kept 6 hours and replayed), `Prefer: return=minimal|representation` and
 * the chaos "dropped after accepting" knob, applied after the answer is stored.
 *
 * @see https://developer.paypal.com/api/rest/reference/idempotency/
 * @see https://developer.paypal.com/api/rest/requests/#http-request-headers
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dropIfChaos } from '../../emulator-kit.js';
import type { ChaosSettings } from '../../../kit/emulator.js';
import { invalidRequest } from './errors.js';

/** A HATEOAS link. */
export interface Link {
  href: string;
  rel: string;
  method: string;
}

/** Something the buyer approves on the `/checkoutnow` page (an order or a subscription). */
export interface Approvable {
  /** Shown on the page: `Pay $10.00 USD to Switchboard Sandbox Store`. */
  title: string;
  /** Approves; returns where the buyer's browser goes next (the merchant's return_url). */
  approve(payer: SandboxPayer): string;
  /** Returns the cancel_url to send the buyer to. */
  cancel(): string;
}

/** The sandbox buyer every approval uses (PayPal's personal sandbox account). */
export interface SandboxPayer {
  payer_id: string;
  email_address: string;
  name: { given_name: string; surname: string };
  address: { country_code: string };
}

/** What route modules receive. */
export interface PaypalContext {
  readonly app: FastifyInstance;
  readonly chaos: ChaosSettings;
  baseUrl(): string;
  link(path: string, rel: string, method?: string): Link;
  /** Posts a signed webhook event (when a target is set) and records it. */
  emit(eventType: string, resourceType: string, summary: string, resource: unknown, resourceVersion?: string): void;
  /** Tokens the approval page knows, keyed by the `token` query parameter. */
  readonly approvals: Map<string, Approvable>;
  /** Orders as created (newest last): the emulator's `accepted`. */
  readonly accepted: unknown[];
  /**
   * Sends a POST answer: stores it under `PayPal-Request-Id` (2xx only), then either drops the
   * connection (chaos) or sends it.
   */
  answer(req: FastifyRequest, reply: FastifyReply, status: number, body?: unknown): FastifyReply;
}

const IDEMPOTENCY_TTL_MS = 6 * 60 * 60 * 1000;

interface Stored {
  status: number;
  body: unknown;
  at: number;
}

/**
 * `Prefer: return=representation` asked for (PayPal's default is minimal).
 *
 * @example
 * const body = wantsRepresentation(req) ? render(order) : { id, status, links };
 */
export const wantsRepresentation = (req: FastifyRequest): boolean => /return=representation/i.test(String(req.headers.prefer ?? ''));

/**
 * `Prefer: return=minimal` asked for explicitly.
 *
 * @example
 * wantsMinimal(req) // true for `Prefer: return=minimal`
 */
export const wantsMinimal = (req: FastifyRequest): boolean => /return=minimal/i.test(String(req.headers.prefer ?? ''));

/**
 * ISO 8601 UTC without milliseconds, as PayPal writes times.
 *
 * @example
 * paypalTime(Date.UTC(2026, 11, 1, 10, 49, 33)) // '2026-12-01T10:49:33Z'
 */
export const paypalTime = (ms = Date.now()): string => `${new Date(ms).toISOString().slice(0, 19)}Z`;

/**
 * Installs `PayPal-Request-Id` replay on `app` and returns the `answer` function that stores.
 *
 * @example
 * const answer = installIdempotency(app, chaos);
 * app.post('/v2/checkout/orders', (req, reply) => answer(req, reply, 201, order));
 */
export function installIdempotency(app: FastifyInstance, chaos: ChaosSettings): PaypalContext['answer'] {
  const stored = new Map<string, Stored>();
  const keyOf = (req: FastifyRequest): string | undefined => {
    const id = req.headers['paypal-request-id'];
    if (req.method !== 'POST' || typeof id !== 'string' || id === '') return undefined;
    return `${req.url.split('?')[0]} ${id}`;
  };

  app.addHook('preHandler', async (req, reply) => {
    const key = keyOf(req);
    if (!key) return;
    const hit = stored.get(key);
    if (!hit) return;
    if (Date.now() - hit.at > IDEMPOTENCY_TTL_MS) {
      stored.delete(key);
      return;
    }
    // The answer to a replay can be lost on the way back too (chaos), the work staying done.
    if (hit.status < 300 && dropIfChaos(chaos, reply)) return reply;
    // PayPal answers a replayed create or capture with 200 instead of 201, same body.
    reply.code(hit.status === 201 ? 200 : hit.status);
    return hit.body === undefined ? reply.send() : reply.send(hit.body);
  });

  return (req, reply, status, body) => {
    const key = keyOf(req);
    if (key && status < 300) {
      const now = Date.now();
      for (const [k, v] of stored) if (now - v.at > IDEMPOTENCY_TTL_MS) stored.delete(k);
      stored.set(key, { status, body, at: now });
    }
    if (status < 300 && dropIfChaos(chaos, reply)) return reply;
    reply.code(status);
    return body === undefined ? reply.send() : reply.send(body);
  };
}

/**
 * Reads a JSON object body (absent: `{}`) or throws PayPal's 400 MALFORMED_REQUEST_JSON.
 *
 * @example
 * const body = objectBody(req);
 */
export function objectBody(req: FastifyRequest): Record<string, unknown> {
  const body = req.body;
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidRequest('MALFORMED_REQUEST_JSON', '/', 'The request JSON is not well formed.');
  return body as Record<string, unknown>;
}

/**
 * The string at `obj[key]`, or undefined; anything else, or longer than `max`, is a 400 at `pointer`.
 *
 * @example
 * optionalString(body, 'custom_id', '/purchase_units/0/custom_id', 127)
 */
export function optionalString(obj: Record<string, unknown>, key: string, pointer: string, max = 2048): string | undefined {
  const v = obj[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw invalidRequest('INVALID_PARAMETER_SYNTAX', pointer, 'The value of a field does not conform to the expected format.', v);
  if (v.length > max) throw invalidRequest('INVALID_STRING_LENGTH', pointer, 'The value of a field is either too short or too long.', v);
  return v;
}

/**
 * The object at `obj[key]` (absent: `{}`); anything else is a 400 at `pointer`.
 *
 * @example
 * optionalObject(body, 'application_context', '/application_context').return_url
 */
export function optionalObject(obj: Record<string, unknown>, key: string, pointer: string): Record<string, unknown> {
  const v = obj[key];
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidRequest('INVALID_PARAMETER_SYNTAX', pointer, 'The value of a field does not conform to the expected format.');
  return v as Record<string, unknown>;
}
