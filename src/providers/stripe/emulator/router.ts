/**
 * The request pipeline every `/v1` route shares, in Stripe's order: API key (Bearer, or Basic with
 * the key as user name as `curl -u` sends it), form parameters (`parameter_unknown|missing|…`),
 * the `Idempotency-Key` (replay, 400 mismatch, 409 in progress), the endpoint, `expand[]`, and
 * the headers Stripe answers with (`Request-Id`, `Stripe-Version`, `Idempotent-Replayed`,
 * `Original-Request`). Chaos may drop the connection after the work is done and stored.
 *
 * @see https://docs.stripe.com/api/authentication
 * @see https://docs.stripe.com/api/idempotent_requests
 * @see https://docs.stripe.com/api/expanding_objects
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dropIfChaos } from '../../emulator-kit.js';
import type { ChaosSettings } from '../../../kit/emulator.js';
import { StripeApiError, stripeErrors } from './errors.js';
import { EMULATOR_API_VERSION, type StripeEventSender } from './events.js';
import { parseStripeForm, type FormObject } from './form.js';
import type { IdempotencyStore } from './idempotency.js';
import { stripeId, type StripeObject, type StripeStore } from './objects.js';
import { Args, canonicalParams, readParams, type ParamSpec } from './params.js';

/** One call to an endpoint, as its handler sees it. */
export interface Call {
  args: Args;
  /** Path parameters (`:id`). */
  path: Record<string, string>;
  requestId: string;
  /** Records and posts an event for this request (`request.id`, `request.idempotency_key`). */
  emit: Emit;
}

/** Records and posts one event. */
export type Emit = (type: string, object: StripeObject, previous?: Record<string, unknown>) => void;

export type Handler = (call: Call) => unknown;
export type Method = 'GET' | 'POST' | 'DELETE';
export type Route = (method: Method, path: string, spec: ParamSpec, handler: Handler) => void;

export interface RouterDeps {
  app: FastifyInstance;
  secretKey: string;
  publishableKey: string;
  store: StripeStore;
  events: StripeEventSender;
  idempotency: IdempotencyStore;
  chaos: ChaosSettings;
  /** Test hook: time a handler takes, so concurrent retries can meet an in-progress key. */
  processingDelayMs?: number;
}

const header = (req: FastifyRequest, name: string): string | undefined => {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The API key of a request: `Bearer <key>` or Basic `<key>:` (curl -u). */
function apiKeyOf(req: FastifyRequest): string | undefined {
  const auth = header(req, 'authorization')?.trim();
  if (!auth) return undefined;
  const bearer = /^Bearer\s+(.+)$/i.exec(auth);
  if (bearer) return bearer[1]!.trim();
  const basic = /^Basic\s+(.+)$/i.exec(auth);
  if (basic) return Buffer.from(basic[1]!, 'base64').toString('utf8').split(':')[0];
  return auth;
}

/** Replaces id strings at each `expand` path (`customer`, `latest_charge`, `data.customer`) with the stored object. */
function expand(body: unknown, paths: string[], store: StripeStore): void {
  const walk = (node: unknown, parts: string[]): void => {
    if (node === null || typeof node !== 'object' || parts.length === 0) return;
    const [head, ...rest] = parts as [string, ...string[]];
    const obj = node as Record<string, unknown>;
    if (head === 'data' && Array.isArray(obj.data)) {
      for (const item of obj.data) walk(item, rest);
      return;
    }
    const value = obj[head];
    if (typeof value === 'string') {
      const found = store.get(value);
      if (found) obj[head] = structuredClone(found);
    }
    walk(obj[head], rest);
  };
  for (const path of paths) walk(body, path.split('.'));
}

/**
 * Installs the shared pipeline and returns `route(method, path, spec, handler)`.
 *
 * @example
 * const route = createRouter(deps);
 * route('GET', '/v1/customers/:id', { params: {} }, (call) => store.find('customer', call.path.id!));
 */
export function createRouter(deps: RouterDeps): Route {
  const { app, store, events, idempotency, chaos } = deps;
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, parseStripeForm(body as string));
  });
  app.addHook('onSend', async (req, reply) => {
    if (!reply.hasHeader('request-id')) reply.header('request-id', stripeId('req', 14));
    if (req.url.startsWith('/v1')) reply.header('stripe-version', header(req, 'stripe-version') ?? EMULATOR_API_VERSION);
  });
  const fail = (reply: FastifyReply, err: StripeApiError) => reply.code(err.status).send({ error: err.body });
  app.setNotFoundHandler((req, reply) => fail(reply, stripeErrors.unrecognizedUrl(req.method, req.url.split('?')[0]!)));
  app.setErrorHandler((err: Error & { statusCode?: number }, _req, reply) => {
    if (err instanceof StripeApiError) return fail(reply, err);
    const status = err.statusCode ?? 500;
    if (status < 500) return reply.code(status).send({ error: { type: 'invalid_request_error', message: `Invalid request: ${err.message}` } });
    return reply.code(500).send({ error: { type: 'api_error', message: 'An unknown error occurred' } });
  });

  return (method, path, spec, handler) => {
    app.route({
      method,
      url: path,
      handler: async (req, reply) => {
        const requestId = stripeId('req', 14);
        reply.header('request-id', requestId);
        const given = apiKeyOf(req);
        if (given === undefined) return fail(reply, stripeErrors.noApiKey());
        if (given !== deps.secretKey) return fail(reply, given === deps.publishableKey ? stripeErrors.publishableKey() : stripeErrors.badApiKey(given));
        if (method === 'POST' && req.body !== undefined && (typeof req.body !== 'object' || Array.isArray(req.body) || /json/i.test(header(req, 'content-type') ?? ''))) {
          return fail(reply, stripeErrors.invalidValue('body', 'Invalid request: Stripe takes application/x-www-form-urlencoded bodies (metadata[key]=value), not JSON.'));
        }
        const query = req.url.includes('?') ? parseStripeForm(req.url.slice(req.url.indexOf('?') + 1)) : {};
        const form: FormObject = method === 'POST' ? { ...query, ...((req.body as FormObject | undefined) ?? {}) } : query;
        const key = method === 'POST' ? header(req, 'idempotency-key') : undefined;
        if (key !== undefined) {
          try {
            const replay = idempotency.begin(key, { endpoint: `${method} ${req.url.split('?')[0]}`, params: canonicalParams(form) });
            if (replay) {
              // The answer to a replay can be lost on the way back too (chaos).
              if (replay.status < 300 && dropIfChaos(chaos, reply)) return reply;
              reply.header('idempotent-replayed', 'true').header('original-request', replay.requestId);
              return reply.code(replay.status).send(replay.body);
            }
          } catch (err) {
            return fail(reply, err as StripeApiError);
          }
        }
        let status = 200;
        let body: unknown;
        try {
          const args = new Args(readParams(form, spec));
          if (deps.processingDelayMs) await new Promise((r) => setTimeout(r, deps.processingDelayMs));
          const origin = { requestId, ...(key !== undefined ? { idempotencyKey: key } : {}), apiVersion: header(req, 'stripe-version') ?? EMULATOR_API_VERSION };
          const call: Call = {
            args,
            path: req.params as Record<string, string>,
            requestId,
            emit: (type, object, previous) => events.emit(type, object, origin, previous),
          };
          body = structuredClone(await handler(call));
          expand(body, args.expand, store);
        } catch (err) {
          if (!(err instanceof StripeApiError)) {
            if (key !== undefined) idempotency.abort(key);
            throw err;
          }
          if (!err.replayable) {
            if (key !== undefined) idempotency.abort(key);
            return fail(reply, err);
          }
          status = err.status;
          body = { error: err.body };
        }
        if (key !== undefined) idempotency.finish(key, { status, body, requestId });
        if (method === 'POST' && dropIfChaos(chaos, reply)) return reply;
        return reply.code(status).send(body);
      },
    });
  };
}
