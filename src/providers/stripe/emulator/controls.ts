/**
 * The event routes (`GET /v1/events`, `GET /v1/events/:id`) and the emulator's test controls,
 * which are not Stripe's: completing or failing 3-D Secure (`POST
 * /__emulator/payment_intents/:id/authenticate`, and the page at `/3ds/:id` that a
 * `redirect_to_url` next action points to), and opening a dispute (`POST /__emulator/disputes`).
 *
 * @see https://docs.stripe.com/api/events
 * @see https://docs.stripe.com/testing#regulatory-cards (3-D Secure test cards)
 * @see https://docs.stripe.com/testing#disputes
 */
import type { FastifyInstance } from 'fastify';
import type { EmulatorContext } from './context.js';
import { StripeApiError, stripeErrors } from './errors.js';
import type { StripeEventSender } from './events.js';
import { LIST_PARAMS, listPage } from './lists.js';
import { nowSec, stripeId, type StripeCharge, type StripeObject, type StripePaymentIntent, type StripeSubscription } from './objects.js';
import { completeAuthentication } from './payments.js';
import { renewSubscription } from './renewals.js';
import type { Emit, Route } from './router.js';

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Routes: `/v1/events…`.
 *
 * @example
 * eventRoutes(route, events); // GET /v1/events?type=payment_intent.*
 */
export function eventRoutes(route: Route, events: StripeEventSender): void {
  route('GET', '/v1/events', { params: { ...LIST_PARAMS, type: 'string', types: 'strings', delivery_success: 'boolean' } }, (call) => {
    const type = call.args.str('type');
    const types = call.args.strs('types');
    const pattern = type?.endsWith('.*') ? type.slice(0, -1) : undefined;
    const items = events.sent.filter(
      (e) => (type === undefined || e.type === type || (pattern !== undefined && e.type.startsWith(pattern))) && (types === undefined || types.includes(e.type)),
    );
    return listPage(items as unknown as StripeObject[], call.args, '/v1/events');
  });
  route('GET', '/v1/events/:id', { params: {} }, (call) => {
    const event = events.get(call.path.id!);
    if (!event) throw stripeErrors.noSuch('event', call.path.id!);
    return event;
  });
}

/**
 * Test controls under `/__emulator/` and the 3-D Secure page.
 *
 * @example
 * controlRoutes(app, ctx, events); // POST /__emulator/payment_intents/pi_123/authenticate {"outcome":"fail"}
 */
export function controlRoutes(app: FastifyInstance, ctx: EmulatorContext, events: StripeEventSender): void {
  const emit: Emit = (type, object, previous) => events.emit(type, object, {}, previous);
  const fail = (err: unknown) => {
    if (err instanceof StripeApiError) return { status: err.status, body: { error: err.body } };
    throw err;
  };

  app.post<{ Params: { id: string } }>('/__emulator/payment_intents/:id/authenticate', async (req, reply) => {
    const body = (req.body ?? {}) as { outcome?: string };
    const outcome = body.outcome === 'fail' ? 'fail' : 'succeed';
    let pi: StripePaymentIntent;
    let returnUrl: string | undefined;
    try {
      pi = ctx.store.find<StripePaymentIntent>('payment_intent', req.params.id);
      if (pi.status !== 'requires_action') throw stripeErrors.unexpectedState(`This PaymentIntent has a status of ${pi.status}; only one in requires_action can be authenticated.`);
      returnUrl = (pi.next_action?.redirect_to_url as { return_url?: string } | undefined)?.return_url;
      completeAuthentication(ctx, pi, outcome, emit);
    } catch (err) {
      const { status, body: answer } = fail(err);
      return reply.code(status).send(answer);
    }
    // The page's buttons post a form: send the browser back to the shop as Stripe does.
    if (returnUrl && req.headers['content-type']?.includes('form')) {
      const target = new URL(returnUrl);
      target.searchParams.set('payment_intent', pi.id);
      target.searchParams.set('payment_intent_client_secret', String(pi.client_secret));
      target.searchParams.set('redirect_status', outcome === 'succeed' ? 'succeeded' : 'failed');
      return reply.code(303).header('location', target.toString()).send();
    }
    return reply.send(pi);
  });

  app.get<{ Params: { id: string } }>('/3ds/:id', async (req, reply) => {
    const pi = ctx.store.get<StripePaymentIntent>(req.params.id);
    if (pi?.object !== 'payment_intent') return reply.code(404).type('text/html').send('<p>No such payment.</p>');
    const action = `/__emulator/payment_intents/${escape(pi.id)}/authenticate`;
    const form = (outcome: string, label: string) =>
      `<form method="post" action="${action}"><input type="hidden" name="outcome" value="${outcome}"><button type="submit">${label}</button></form>`;
    return reply
      .type('text/html; charset=utf-8')
      .send(
        `<!doctype html><title>3D Secure test payment</title><h1>3D Secure 2 test page</h1><p>${escape(String(pi.amount))} ${escape(pi.currency)} — ${escape(pi.id)} (${escape(pi.status)})</p>${form('succeed', 'Complete authentication')}${form('fail', 'Fail authentication')}`,
      );
  });

  app.post('/__emulator/disputes', async (req, reply) => {
    const body = (req.body ?? {}) as { payment_intent?: string; reason?: string };
    try {
      const pi = ctx.store.find<StripePaymentIntent>('payment_intent', String(body.payment_intent), 'payment_intent');
      if (!pi.latest_charge) throw stripeErrors.unexpectedState('This PaymentIntent has no charge to dispute.');
      const charge = ctx.store.find<StripeCharge>('charge', pi.latest_charge);
      charge.disputed = true;
      const dispute = ctx.store.put<StripeObject>({
        id: stripeId('dp'),
        object: 'dispute',
        amount: charge.amount_captured,
        balance_transactions: [],
        charge: charge.id,
        created: nowSec(),
        currency: charge.currency,
        evidence: {},
        evidence_details: { due_by: nowSec() + 7 * 86_400, has_evidence: false, past_due: false, submission_count: 0 },
        is_charge_refundable: false,
        livemode: false,
        metadata: {},
        payment_intent: pi.id,
        reason: body.reason ?? 'fraudulent',
        status: 'needs_response',
      });
      emit('charge.dispute.created', dispute);
      return reply.send(dispute);
    } catch (err) {
      const { status, body: answer } = fail(err);
      return reply.code(status).send(answer);
    }
  });

  app.post<{ Params: { id: string } }>('/__emulator/subscriptions/:id/advance', async (req, reply) => {
    try {
      const sub = ctx.store.find<StripeSubscription>('subscription', req.params.id);
      renewSubscription(ctx, sub, emit);
      return reply.send(sub);
    } catch (err) {
      const { status, body: answer } = fail(err);
      return reply.code(status).send(answer);
    }
  });

  app.get('/__emulator/events', async () => events.sent);
}
