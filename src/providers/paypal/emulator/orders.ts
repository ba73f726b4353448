/**
 * Orders v2: create, get, patch, approve (through `/checkoutnow`), capture and authorize, with PayPal's
 * statuses (CREATED | PAYER_ACTION_REQUIRED → APPROVED → COMPLETED) and HATEOAS links.
 *
 * @see https://developer.paypal.com/docs/api/orders/v2/
 * @see https://developer.paypal.com/docs/checkout/standard/customize/
 */
import type { FastifyRequest } from 'fastify';
import { notFound, unprocessable } from './errors.js';
import { objectBody, optionalString, paypalTime, wantsRepresentation, type Link, type PaypalContext, type SandboxPayer } from './context.js';
import { describeIssue, mockedIssue } from './mock-response.js';
import { formatMoney } from './money.js';
import { applyOrderPatch } from './orders-patch.js';
import { validateOrderCreate, type OrderInput, type PurchaseUnit } from './orders-validate.js';
import type { PaymentsStore } from './payments-model.js';
import { paypalId } from './signing.js';

/** An order as the emulator keeps it. */
export interface OrderRecord extends OrderInput {
  id: string;
  status: 'CREATED' | 'PAYER_ACTION_REQUIRED' | 'APPROVED' | 'COMPLETED';
  payer?: SandboxPayer;
  captureIds: string[];
  authorizationIds: string[];
  createTime: string;
  updateTime: string;
}

const PAYEE = { email_address: 'sb-merchant@business.example.com', merchant_id: 'SWBSANDB7X2QK' };
const ORDER_NOT_APPROVED = "Payer has not yet approved the Order for payment. Please redirect the payer to the 'rel':'approve' url returned as part of the HATEOAS links within the Create Order call or provide a valid `payment_source` in the request.";

/**
 * Registers the Orders v2 routes; returns the order map (disputes and tests look orders up).
 *
 * @example
 * const orders = registerOrders(ctx, payments);
 */
export function registerOrders(ctx: PaypalContext, payments: PaymentsStore): Map<string, OrderRecord> {
  const orders = new Map<string, OrderRecord>();

  const links = (o: OrderRecord): Link[] => {
    const self = `/v2/checkout/orders/${o.id}`;
    const out = [ctx.link(self, 'self')];
    if (o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED') {
      out.push(ctx.link(`/checkoutnow?token=${o.id}`, o.status === 'CREATED' ? 'approve' : 'payer-action'));
    }
    if (o.status !== 'COMPLETED') {
      out.push(ctx.link(self, 'update', 'PATCH'));
      out.push(o.intent === 'CAPTURE' ? ctx.link(`${self}/capture`, 'capture', 'POST') : ctx.link(`${self}/authorize`, 'authorize', 'POST'));
    }
    return out;
  };

  const renderUnit = (o: OrderRecord, pu: PurchaseUnit) => {
    const mine = <T extends { orderId: string; referenceId: string }>(list: Iterable<T>) => [...list].filter((x) => x.orderId === o.id && x.referenceId === pu.reference_id);
    const captures = mine(payments.captures.values()).filter((c) => c.status !== 'DECLINED');
    const auths = mine(payments.authorizations.values());
    const paid = {
      ...(auths.length ? { authorizations: auths.map((a) => payments.renderAuthorization(a)) } : {}),
      ...(captures.length ? { captures: captures.map((c) => payments.renderCapture(c)) } : {}),
    };
    return {
      reference_id: pu.reference_id,
      amount: pu.amount,
      payee: PAYEE,
      ...(pu.description ? { description: pu.description } : {}),
      ...(pu.custom_id ? { custom_id: pu.custom_id } : {}),
      ...(pu.invoice_id ? { invoice_id: pu.invoice_id } : {}),
      ...(pu.soft_descriptor ? { soft_descriptor: pu.soft_descriptor } : {}),
      ...(pu.items ? { items: pu.items } : {}),
      ...(Object.keys(paid).length ? { payments: paid } : {}),
    };
  };

  const render = (o: OrderRecord) => ({
    id: o.id,
    intent: o.intent,
    status: o.status,
    ...(o.payer
      ? { payment_source: { paypal: { email_address: o.payer.email_address, account_id: o.payer.payer_id, account_status: 'VERIFIED', name: o.payer.name, address: o.payer.address } } }
      : o.paypalSource ? { payment_source: { paypal: {} } } : {}),
    purchase_units: o.purchaseUnits.map((pu) => renderUnit(o, pu)),
    ...(o.payer ? { payer: o.payer } : {}),
    create_time: o.createTime,
    ...(o.updateTime !== o.createTime ? { update_time: o.updateTime } : {}),
    links: links(o),
  });

  const find = (id: string): OrderRecord => {
    const o = orders.get(id);
    if (!o) throw notFound(id);
    return o;
  };

  const approve = (o: OrderRecord, payer: SandboxPayer): string => {
    if (o.status === 'CREATED' || o.status === 'PAYER_ACTION_REQUIRED') {
      Object.assign(o, { status: 'APPROVED', payer, updateTime: paypalTime() });
      ctx.emit('CHECKOUT.ORDER.APPROVED', 'checkout-order', 'An order has been approved by buyer', render(o));
    }
    const target = new URL(o.returnUrl ?? `${ctx.baseUrl()}/checkoutnow/done`);
    target.searchParams.set('token', o.id);
    target.searchParams.set('PayerID', payer.payer_id);
    return target.href;
  };

  ctx.app.post('/v2/checkout/orders', async (req, reply) => {
    const input = validateOrderCreate(objectBody(req));
    const issue = mockedIssue(req);
    if (issue) throw unprocessable(issue, describeIssue(issue));
    const now = paypalTime();
    const order: OrderRecord = {
      ...input,
      id: paypalId(17),
      status: input.paypalSource ? 'PAYER_ACTION_REQUIRED' : 'CREATED',
      captureIds: [],
      authorizationIds: [],
      createTime: now,
      updateTime: now,
    };
    orders.set(order.id, order);
    ctx.accepted.push(render(order));
    ctx.approvals.set(order.id, {
      get title() {
        return `Pay ${order.purchaseUnits.map((pu) => `${formatMoney(pu.minor, pu.currency).value} ${pu.currency}`).join(' + ')} to ${order.brandName ?? 'Switchboard Sandbox Store'}`;
      },
      approve: (payer) => approve(order, payer),
      cancel: () => {
        const target = new URL(order.cancelUrl ?? `${ctx.baseUrl()}/checkoutnow/done`);
        target.searchParams.set('token', order.id);
        return target.href;
      },
    });
    const body = wantsRepresentation(req) ? render(order) : { id: order.id, status: order.status, links: links(order) };
    return ctx.answer(req, reply, 201, body);
  });

  ctx.app.get<{ Params: { id: string } }>('/v2/checkout/orders/:id', async (req) => render(find(req.params.id)));

  ctx.app.patch<{ Params: { id: string } }>('/v2/checkout/orders/:id', async (req, reply) => {
    const o = find(req.params.id);
    if (o.status === 'COMPLETED') throw unprocessable('ORDER_ALREADY_COMPLETED', 'The order cannot be patched after it is completed.');
    const next = applyOrderPatch(o, req.body);
    Object.assign(o, { intent: next.intent, purchaseUnits: next.purchaseUnits, updateTime: paypalTime() });
    return reply.code(204).send();
  });

  const settle = (req: FastifyRequest<{ Params: { id: string } }>, action: 'CAPTURE' | 'AUTHORIZE'): OrderRecord => {
    const o = find(req.params.id);
    const body = objectBody(req);
    optionalString(body, 'note_to_payer', '/note_to_payer', 255);
    if (o.status === 'COMPLETED') {
      throw action === 'CAPTURE'
        ? unprocessable('ORDER_ALREADY_CAPTURED', "Order already captured.If 'intent=CAPTURE' only one capture per order is allowed.")
        : unprocessable('ORDER_ALREADY_AUTHORIZED', "Order already authorized.If 'intent=AUTHORIZE' only one authorization per order is allowed.");
    }
    if (o.intent !== action) throw unprocessable('ACTION_DOES_NOT_MATCH_INTENT', `Order was created with an intent to '${o.intent}'. Please use v2/checkout/orders/order_id/${o.intent.toLowerCase()} to complete the transaction or alternately Create an order with an intent of '${action}'.`);
    if (o.status !== 'APPROVED') throw unprocessable('ORDER_NOT_APPROVED', ORDER_NOT_APPROVED);
    return o;
  };

  ctx.app.post<{ Params: { id: string } }>('/v2/checkout/orders/:id/capture', async (req, reply) => {
    const o = settle(req, 'CAPTURE');
    const issue = mockedIssue(req);
    if (issue === 'INSTRUMENT_DECLINED') {
      // The emulator's choice: a refused capture is kept (DECLINED) and announced, the order stays APPROVED.
      const pu = o.purchaseUnits[0]!;
      const denied = payments.addCapture({ orderId: o.id, status: 'DECLINED', currency: pu.currency, minor: pu.minor, finalCapture: true, ...ids(pu) });
      o.captureIds.push(denied.id);
      ctx.emit('PAYMENT.CAPTURE.DENIED', 'capture', `A ${formatMoney(pu.minor, pu.currency).value} ${pu.currency} capture payment was denied`, payments.renderCapture(denied, { standalone: true }));
    }
    if (issue) throw unprocessable(issue, describeIssue(issue));
    // PayPal accounts block a second payment for the same invoice_id by default.
    const taken = new Set([...payments.captures.values()].filter((c) => c.status !== 'DECLINED' && c.invoiceId).map((c) => c.invoiceId));
    if (o.purchaseUnits.some((pu) => pu.invoice_id && taken.has(pu.invoice_id))) throw unprocessable('DUPLICATE_INVOICE_ID', describeIssue('DUPLICATE_INVOICE_ID'));
    for (const pu of o.purchaseUnits) {
      const c = payments.addCapture({ orderId: o.id, status: 'COMPLETED', currency: pu.currency, minor: pu.minor, finalCapture: true, ...ids(pu) });
      o.captureIds.push(c.id);
      ctx.emit('PAYMENT.CAPTURE.COMPLETED', 'capture', `Payment completed for ${formatMoney(pu.minor, pu.currency).value} ${pu.currency}`, payments.renderCapture(c, { standalone: true }));
    }
    Object.assign(o, { status: 'COMPLETED', updateTime: paypalTime() });
    return ctx.answer(req, reply, 201, render(o));
  });

  ctx.app.post<{ Params: { id: string } }>('/v2/checkout/orders/:id/authorize', async (req, reply) => {
    const o = settle(req, 'AUTHORIZE');
    const issue = mockedIssue(req);
    if (issue) throw unprocessable(issue, describeIssue(issue));
    const now = Date.now();
    for (const pu of o.purchaseUnits) {
      const a = {
        id: paypalId(17), orderId: o.id, status: 'CREATED' as const, currency: pu.currency, minor: pu.minor, capturedMinor: 0,
        ...ids(pu), createTime: paypalTime(now), expirationTime: paypalTime(now + 29 * 24 * 3600 * 1000),
      };
      payments.authorizations.set(a.id, a);
      o.authorizationIds.push(a.id);
      ctx.emit('PAYMENT.AUTHORIZATION.CREATED', 'authorization', `A payment authorization was created for ${formatMoney(pu.minor, pu.currency).value} ${pu.currency}`, payments.renderAuthorization(a, { standalone: true }));
    }
    Object.assign(o, { status: 'COMPLETED', updateTime: paypalTime() });
    return ctx.answer(req, reply, 201, render(o));
  });

  return orders;
}

const ids = (pu: PurchaseUnit) => ({ referenceId: pu.reference_id, ...(pu.invoice_id ? { invoiceId: pu.invoice_id } : {}), ...(pu.custom_id ? { customId: pu.custom_id } : {}) });
