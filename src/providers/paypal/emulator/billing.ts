/**
 * Subscriptions v1: create (APPROVAL_PENDING + approve link on `/checkoutnow`), approval (ACTIVE,
 * first non-free cycle charged as PAYMENT.SALE.COMPLETED), get, revise (applied at once), cancel,
 * suspend, activate; plus the test control `POST /__emulator/subscriptions/:id/bill` that bills
 * the next cycle.
 *
 * @see https://developer.paypal.com/docs/api/subscriptions/v1/
 * @see https://developer.paypal.com/api/rest/webhooks/event-names/#subscriptions
 */
import { badValue, missing, notFound, unprocessable } from './errors.js';
import { objectBody, optionalObject, optionalString, paypalTime, type PaypalContext, type SandboxPayer } from './context.js';
import { registerPlans, type BillingCycle, type PlanRecord } from './billing-plans.js';
import { formatMoney, paypalFee } from './money.js';
import { paypalId } from './signing.js';

type Status = 'APPROVAL_PENDING' | 'APPROVED' | 'ACTIVE' | 'SUSPENDED' | 'CANCELLED' | 'EXPIRED';

interface SubscriptionRecord {
  id: string;
  planId: string;
  status: Status;
  statusUpdateTime: string;
  statusChangeNote?: string;
  quantity: number;
  customId?: string;
  subscriber?: Record<string, unknown>;
  returnUrl?: string;
  cancelUrl?: string;
  baToken: string;
  createTime: string;
  updateTime: string;
  startTime: string;
  /** Cycles completed, by sequence. */
  completed: Map<number, number>;
  lastPayment?: { amount: { currency_code: string; value: string }; time: string };
  nextBillingTime?: string;
}

const UNIT_MS = { DAY: 86_400_000, WEEK: 7 * 86_400_000, MONTH: 30 * 86_400_000, YEAR: 365 * 86_400_000 };
const nextTime = (from: number, c: BillingCycle) => paypalTime(from + UNIT_MS[c.frequency.interval_unit] * c.frequency.interval_count);

/**
 * Registers products, plans and subscriptions.
 *
 * @example
 * registerBilling(ctx);
 */
export function registerBilling(ctx: PaypalContext): void {
  const { app } = ctx;
  const plans = registerPlans(ctx);
  const subs = new Map<string, SubscriptionRecord>();
  const find = (id: string) => {
    const s = subs.get(id);
    if (!s) throw notFound(id);
    return s;
  };
  const planOf = (s: SubscriptionRecord) => plans.get(s.planId)!;
  /** The cycle being billed next (trials first), or undefined when all are done. */
  const currentCycle = (s: SubscriptionRecord, plan: PlanRecord) =>
    plan.billing_cycles.find((c) => c.total_cycles === 0 || (s.completed.get(c.sequence) ?? 0) < c.total_cycles);

  const render = (s: SubscriptionRecord) => {
    const self = `/v1/billing/subscriptions/${s.id}`;
    const plan = planOf(s);
    const currency = plan.billing_cycles.find((c) => c.currency)?.currency ?? 'USD';
    const links = s.status === 'APPROVAL_PENDING'
      ? [ctx.link(`/checkoutnow?ba_token=${s.baToken}`, 'approve'), ctx.link(self, 'edit', 'PATCH'), ctx.link(self, 'self')]
      : [ctx.link(`${self}/cancel`, 'cancel', 'POST'), ctx.link(self, 'edit', 'PATCH'), ctx.link(self, 'self'), ctx.link(`${self}/suspend`, 'suspend', 'POST'), ctx.link(`${self}/capture`, 'capture', 'POST')];
    const active = s.status !== 'APPROVAL_PENDING' && s.status !== 'APPROVED';
    return {
      id: s.id,
      plan_id: s.planId,
      status: s.status,
      status_update_time: s.statusUpdateTime,
      ...(s.statusChangeNote ? { status_change_note: s.statusChangeNote } : {}),
      start_time: s.startTime,
      quantity: String(s.quantity),
      ...(s.subscriber ? { subscriber: s.subscriber } : {}),
      ...(active ? {
        billing_info: {
          outstanding_balance: formatMoney(0, currency),
          cycle_executions: plan.billing_cycles.map((c) => ({
            tenure_type: c.tenure_type, sequence: c.sequence, cycles_completed: s.completed.get(c.sequence) ?? 0,
            cycles_remaining: c.total_cycles === 0 ? 0 : c.total_cycles - (s.completed.get(c.sequence) ?? 0),
            current_pricing_scheme_version: 1, total_cycles: c.total_cycles,
          })),
          ...(s.lastPayment ? { last_payment: s.lastPayment } : {}),
          ...(s.nextBillingTime && s.status === 'ACTIVE' ? { next_billing_time: s.nextBillingTime } : {}),
          failed_payments_count: 0,
        },
      } : {}),
      ...(s.customId ? { custom_id: s.customId } : {}),
      plan_overridden: false,
      create_time: s.createTime,
      update_time: s.updateTime,
      links,
    };
  };

  const setStatus = (s: SubscriptionRecord, status: Status, note?: string) => {
    s.status = status;
    s.statusUpdateTime = s.updateTime = paypalTime();
    if (note) s.statusChangeNote = note;
  };

  /** Bills the current cycle: a sale (if not free), the cycle counted, the next billing time moved. */
  const bill = (s: SubscriptionRecord) => {
    const plan = planOf(s);
    const cycle = currentCycle(s, plan);
    if (!cycle) return setStatus(s, 'EXPIRED');
    s.completed.set(cycle.sequence, (s.completed.get(cycle.sequence) ?? 0) + 1);
    const now = Date.now();
    s.nextBillingTime = nextTime(now, cycle);
    if (cycle.minor === 0 || !cycle.currency) return;
    const minor = cycle.minor * s.quantity;
    const amount = formatMoney(minor, cycle.currency);
    s.lastPayment = { amount, time: paypalTime(now) };
    const saleId = paypalId(17);
    ctx.emit('PAYMENT.SALE.COMPLETED', 'sale', `Payment completed for ${amount.value} ${amount.currency_code}`, {
      id: saleId,
      state: 'completed',
      amount: { total: amount.value, currency: amount.currency_code, details: { subtotal: amount.value } },
      payment_mode: 'INSTANT_TRANSFER',
      protection_eligibility: 'ELIGIBLE',
      protection_eligibility_type: 'ITEM_NOT_RECEIVED_ELIGIBLE,UNAUTHORIZED_PAYMENT_ELIGIBLE',
      transaction_fee: { value: formatMoney(paypalFee(minor, cycle.currency), cycle.currency).value, currency: cycle.currency },
      billing_agreement_id: s.id,
      ...(s.customId ? { custom: s.customId } : {}),
      create_time: paypalTime(now),
      update_time: paypalTime(now),
      links: [ctx.link(`/v1/payments/sale/${saleId}`, 'self'), ctx.link(`/v1/payments/sale/${saleId}/refund`, 'refund', 'POST')],
    }, '1.0');
  };

  const approve = (s: SubscriptionRecord, payer: SandboxPayer): string => {
    if (s.status === 'APPROVAL_PENDING') {
      s.subscriber = { email_address: s.subscriber?.email_address ?? payer.email_address, payer_id: payer.payer_id, name: s.subscriber?.name ?? payer.name };
      setStatus(s, 'ACTIVE');
      ctx.emit('BILLING.SUBSCRIPTION.ACTIVATED', 'subscription', 'Subscription activated', render(s));
      bill(s);
    }
    const target = new URL(s.returnUrl ?? `${ctx.baseUrl()}/checkoutnow/done`);
    target.searchParams.set('subscription_id', s.id);
    target.searchParams.set('ba_token', s.baToken);
    target.searchParams.set('token', s.baToken);
    return target.href;
  };

  app.post('/v1/billing/subscriptions', async (req, reply) => {
    const body = objectBody(req);
    const planId = optionalString(body, 'plan_id', '/plan_id', 50);
    if (!planId) throw missing('/plan_id');
    const plan = plans.get(planId);
    if (!plan) throw badValue('/plan_id', planId, 'The specified plan does not exist.');
    if (plan.status !== 'ACTIVE') throw unprocessable('PLAN_STATUS_INVALID', 'Invalid plan status for subscription creation.');
    const quantity = Number(optionalString(body, 'quantity', '/quantity', 32) ?? '1');
    if (!Number.isInteger(quantity) || quantity < 1) throw badValue('/quantity', body.quantity);
    if (quantity > 1 && !plan.quantity_supported) throw unprocessable('SUBSCRIPTION_CANNOT_HAVE_QUANTITY', 'The plan does not support quantity.', '/quantity', quantity);
    const subscriber = optionalObject(body, 'subscriber', '/subscriber');
    const email = optionalString(subscriber, 'email_address', '/subscriber/email_address', 254);
    if (email !== undefined && !/^[^@\s]+@[^@\s]+$/.test(email)) throw badValue('/subscriber/email_address', email);
    const context = optionalObject(body, 'application_context', '/application_context');
    const now = paypalTime();
    const s: SubscriptionRecord = {
      id: `I-${paypalId(12)}`, planId, status: 'APPROVAL_PENDING', statusUpdateTime: now, quantity,
      baToken: `BA-${paypalId(17)}`, createTime: now, updateTime: now,
      startTime: optionalString(body, 'start_time', '/start_time', 64) ?? now, completed: new Map(),
      ...(optionalString(body, 'custom_id', '/custom_id', 127) ? { customId: body.custom_id as string } : {}),
      ...(Object.keys(subscriber).length ? { subscriber } : {}),
      ...(optionalString(context, 'return_url', '/application_context/return_url', 4000) ? { returnUrl: context.return_url as string } : {}),
      ...(optionalString(context, 'cancel_url', '/application_context/cancel_url', 4000) ? { cancelUrl: context.cancel_url as string } : {}),
    };
    subs.set(s.id, s);
    const approvable = {
      title: `Subscribe to ${plan.name}`,
      approve: (payer: SandboxPayer) => approve(s, payer),
      cancel: () => new URL(s.cancelUrl ?? `${ctx.baseUrl()}/checkoutnow/done`).href,
    };
    ctx.approvals.set(s.baToken, approvable);
    ctx.approvals.set(s.id, approvable);
    ctx.emit('BILLING.SUBSCRIPTION.CREATED', 'subscription', 'Subscription created', render(s));
    return ctx.answer(req, reply, 201, render(s));
  });

  app.get<{ Params: { id: string } }>('/v1/billing/subscriptions/:id', async (req) => render(find(req.params.id)));

  app.post<{ Params: { id: string } }>('/v1/billing/subscriptions/:id/revise', async (req, reply) => {
    const s = find(req.params.id);
    const body = objectBody(req);
    const planId = optionalString(body, 'plan_id', '/plan_id', 50) ?? s.planId;
    const plan = plans.get(planId);
    if (!plan) throw badValue('/plan_id', planId, 'The specified plan does not exist.');
    if (plan.product_id !== planOf(s).product_id) throw unprocessable('PLAN_PRODUCT_NOT_COMPATIBLE', 'The new plan must belong to the same product as the current plan.', '/plan_id', planId);
    if (s.status !== 'ACTIVE' && s.status !== 'SUSPENDED') throw unprocessable('SUBSCRIPTION_STATUS_INVALID', 'Invalid subscription status for revise action; subscription should be active or suspended.');
    const quantity = Number(optionalString(body, 'quantity', '/quantity', 32) ?? s.quantity);
    if (!Number.isInteger(quantity) || quantity < 1) throw badValue('/quantity', body.quantity);
    // PayPal waits for the buyer to approve the revision; the emulator applies it at once.
    Object.assign(s, { planId, quantity, updateTime: paypalTime() });
    ctx.emit('BILLING.SUBSCRIPTION.UPDATED', 'subscription', 'Subscription updated', render(s));
    const self = `/v1/billing/subscriptions/${s.id}`;
    return ctx.answer(req, reply, 200, {
      plan_id: planId, quantity: String(quantity), effective_time: paypalTime(), plan_overridden: false,
      links: [ctx.link(`/checkoutnow?ba_token=${s.baToken}`, 'approve'), ctx.link(self, 'edit', 'PATCH'), ctx.link(self, 'self'), ctx.link(`${self}/cancel`, 'cancel', 'POST')],
    });
  });

  const transition = (action: 'cancel' | 'suspend' | 'activate', from: Status[], to: Status, event: string, summary: string) =>
    app.post<{ Params: { id: string } }>(`/v1/billing/subscriptions/:id/${action}`, async (req, reply) => {
      const s = find(req.params.id);
      const reason = optionalString(objectBody(req), 'reason', '/reason', 128);
      if (!reason && action !== 'activate') throw missing('/reason');
      if (!from.includes(s.status)) throw unprocessable('SUBSCRIPTION_STATUS_INVALID', `Invalid subscription status for ${action} action; subscription status should be ${from.join(' or ').toLowerCase()}.`);
      setStatus(s, to, reason);
      ctx.emit(event, 'subscription', summary, render(s));
      return ctx.answer(req, reply, 204);
    });
  transition('cancel', ['ACTIVE', 'SUSPENDED'], 'CANCELLED', 'BILLING.SUBSCRIPTION.CANCELLED', 'Subscription cancelled');
  transition('suspend', ['ACTIVE'], 'SUSPENDED', 'BILLING.SUBSCRIPTION.SUSPENDED', 'Subscription suspended');
  transition('activate', ['SUSPENDED'], 'ACTIVE', 'BILLING.SUBSCRIPTION.ACTIVATED', 'Subscription activated');

  app.post<{ Params: { id: string } }>('/__emulator/subscriptions/:id/bill', async (req, reply) => {
    const s = subs.get(req.params.id);
    if (!s || s.status !== 'ACTIVE') return reply.code(409).send({ error: `subscription ${req.params.id} is not ACTIVE` });
    bill(s);
    return render(s);
  });
}
