/**
 * Payments v2: captures (get, refund), refunds (get) and authorizations (get, capture, void).
 * A refund moves its capture to PARTIALLY_REFUNDED or REFUNDED and is announced as
 * PAYMENT.CAPTURE.REFUNDED with the refund as the resource.
 *
 * @see https://developer.paypal.com/docs/api/payments/v2/
 */
import { notFound, unprocessable } from './errors.js';
import { objectBody, optionalString, paypalTime, wantsMinimal, wantsRepresentation, type PaypalContext } from './context.js';
import { describeIssue, mockedIssue } from './mock-response.js';
import { formatMoney, readMoney } from './money.js';
import type { PaymentsStore } from './payments-model.js';
import { paypalId } from './signing.js';

const get = <T>(map: Map<string, T>, id: string, field: string): T => {
  const v = map.get(id);
  if (v === undefined) throw notFound(id, field);
  return v;
};

/**
 * Registers the Payments v2 routes.
 *
 * @example
 * registerPayments(ctx, payments);
 */
export function registerPayments(ctx: PaypalContext, payments: PaymentsStore): void {
  const { app } = ctx;

  app.get<{ Params: { id: string } }>('/v2/payments/captures/:id', async (req) =>
    payments.renderCapture(get(payments.captures, req.params.id, 'capture_id'), { standalone: true }));

  app.get<{ Params: { id: string } }>('/v2/payments/refunds/:id', async (req) =>
    payments.renderRefund(get(payments.refunds, req.params.id, 'refund_id')));

  app.get<{ Params: { id: string } }>('/v2/payments/authorizations/:id', async (req) =>
    payments.renderAuthorization(get(payments.authorizations, req.params.id, 'authorization_id'), { standalone: true }));

  app.post<{ Params: { id: string } }>('/v2/payments/captures/:id/refund', async (req, reply) => {
    const capture = get(payments.captures, req.params.id, 'capture_id');
    const body = objectBody(req);
    const noteToPayer = optionalString(body, 'note_to_payer', '/note_to_payer', 255);
    const invoiceId = optionalString(body, 'invoice_id', '/invoice_id', 127);
    const requested = body.amount === undefined ? undefined : readMoney(body.amount, '/amount', { api: 'payments' });
    const issue = mockedIssue(req);
    if (issue) throw unprocessable(issue, describeIssue(issue));
    if (capture.status === 'DECLINED') throw unprocessable('REFUND_NOT_ALLOWED', 'Capture cannot be refunded.');
    if (capture.status === 'REFUNDED') throw unprocessable('CAPTURE_FULLY_REFUNDED', describeIssue('CAPTURE_FULLY_REFUNDED'));
    if (requested && requested.currency !== capture.currency) {
      throw unprocessable('REFUND_CAPTURE_CURRENCY_MISMATCH', 'Refund must be in the same currency as the capture', '/amount/currency_code', requested.currency);
    }
    const remaining = capture.minor - capture.refundedMinor;
    const minor = requested?.minor ?? remaining;
    if (minor > remaining) throw unprocessable('REFUND_AMOUNT_EXCEEDED', describeIssue('REFUND_AMOUNT_EXCEEDED'), '/amount/value', body.amount && (body.amount as { value?: string }).value);
    capture.refundedMinor += minor;
    capture.status = capture.refundedMinor === capture.minor ? 'REFUNDED' : 'PARTIALLY_REFUNDED';
    capture.updateTime = paypalTime();
    const refund = {
      id: paypalId(17),
      captureId: capture.id,
      currency: capture.currency,
      minor,
      totalRefundedMinor: capture.refundedMinor,
      createTime: paypalTime(),
      ...(noteToPayer ? { noteToPayer } : {}),
      ...(invoiceId ? { invoiceId } : {}),
    };
    payments.refunds.set(refund.id, refund);
    const rendered = payments.renderRefund(refund);
    ctx.emit('PAYMENT.CAPTURE.REFUNDED', 'refund', `A ${formatMoney(minor, refund.currency).value} ${refund.currency} capture payment was refunded`, rendered);
    // PayPal's default is minimal ({id, status, links}); the emulator adds the amount unless minimal is asked for explicitly.
    const answer = wantsMinimal(req) ? { id: refund.id, status: 'COMPLETED', links: rendered.links } : rendered;
    return ctx.answer(req, reply, 201, answer);
  });

  app.post<{ Params: { id: string } }>('/v2/payments/authorizations/:id/capture', async (req, reply) => {
    const auth = get(payments.authorizations, req.params.id, 'authorization_id');
    const body = objectBody(req);
    const invoiceId = optionalString(body, 'invoice_id', '/invoice_id', 127) ?? auth.invoiceId;
    const requested = body.amount === undefined ? undefined : readMoney(body.amount, '/amount', { api: 'payments' });
    const finalCapture = body.final_capture === undefined ? true : body.final_capture === true;
    const issue = mockedIssue(req);
    if (issue) throw unprocessable(issue, describeIssue(issue));
    if (auth.status === 'VOIDED') throw unprocessable('AUTHORIZATION_VOIDED', 'A voided authorization cannot be captured or reauthorized. ');
    if (auth.status === 'CAPTURED') throw unprocessable('AUTHORIZATION_ALREADY_CAPTURED', 'Authorization has previously been captured.');
    if (requested && requested.currency !== auth.currency) throw unprocessable('AUTH_CAPTURE_CURRENCY_MISMATCH', 'Currency of capture must be the same as currency of authorization.', '/amount/currency_code', requested.currency);
    const minor = requested?.minor ?? auth.minor - auth.capturedMinor;
    // PayPal allows capturing up to 115 % of the authorized amount.
    if (auth.capturedMinor + minor > Math.floor(auth.minor * 1.15)) throw unprocessable('MAX_CAPTURE_AMOUNT_EXCEEDED', 'Capture amount exceeds allowable limit. Please contact customer service or your account manager to request the change to your overage limit. The default overage limit is 115%, which allows the sum of all captures to be up to 115% of the order amount. The ability to over capture is subjected to regulatory approvals.', '/amount/value');
    const capture = payments.addCapture({
      orderId: auth.orderId, referenceId: auth.referenceId, authorizationId: auth.id, status: 'COMPLETED', currency: auth.currency, minor, finalCapture,
      ...(invoiceId ? { invoiceId } : {}), ...(auth.customId ? { customId: auth.customId } : {}),
    });
    auth.capturedMinor += minor;
    auth.status = finalCapture || auth.capturedMinor >= auth.minor ? 'CAPTURED' : 'PARTIALLY_CAPTURED';
    const rendered = payments.renderCapture(capture, { standalone: true });
    ctx.emit('PAYMENT.CAPTURE.COMPLETED', 'capture', `Payment completed for ${formatMoney(minor, auth.currency).value} ${auth.currency}`, rendered);
    const answer = wantsRepresentation(req) ? rendered : { id: capture.id, status: capture.status, links: rendered.links };
    return ctx.answer(req, reply, 201, answer);
  });

  app.post<{ Params: { id: string } }>('/v2/payments/authorizations/:id/void', async (req, reply) => {
    const auth = get(payments.authorizations, req.params.id, 'authorization_id');
    if (auth.status === 'VOIDED') throw unprocessable('PREVIOUSLY_VOIDED', 'Authorization has been previously voided and hence cannot be voided again.');
    if (auth.status !== 'CREATED') throw unprocessable('PREVIOUSLY_CAPTURED', 'Authorization has been previously captured and hence cannot be voided.');
    auth.status = 'VOIDED';
    const rendered = payments.renderAuthorization(auth, { standalone: true });
    ctx.emit('PAYMENT.AUTHORIZATION.VOIDED', 'authorization', 'A payment authorization was voided', rendered);
    return wantsRepresentation(req) ? ctx.answer(req, reply, 200, rendered) : ctx.answer(req, reply, 204);
  });
}

/**
 * Test control `POST /__emulator/disputes {capture_id}`: the buyer opens a dispute on a capture,
 * announced as CUSTOMER.DISPUTE.CREATED (resource: the dispute, version 1.0). Answers `{dispute_id}`.
 *
 * @example
 * await fetch(`${emulator.url}/__emulator/disputes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ capture_id }) });
 */
export function registerDisputeControl(ctx: PaypalContext, payments: PaymentsStore): void {
  ctx.app.post<{ Body: { capture_id?: string; reason?: string } | undefined }>('/__emulator/disputes', async (req, reply) => {
    const capture = payments.captures.get(req.body?.capture_id ?? '');
    if (!capture) return reply.code(404).send({ error: `unknown capture_id ${String(req.body?.capture_id)}` });
    const now = paypalTime();
    const disputeId = `PP-D-${Math.floor(10000 + Math.random() * 89999)}`;
    const amount = formatMoney(capture.minor - capture.refundedMinor, capture.currency);
    const dispute = {
      dispute_id: disputeId,
      create_time: now,
      update_time: now,
      disputed_transactions: [{
        seller_transaction_id: capture.id,
        create_time: capture.createTime,
        transaction_status: 'COMPLETED',
        gross_amount: formatMoney(capture.minor, capture.currency),
        ...(capture.invoiceId ? { invoice_number: capture.invoiceId } : {}),
        ...(capture.customId ? { custom: capture.customId } : {}),
        seller: { merchant_id: 'SWBSANDB7X2QK' },
      }],
      reason: req.body?.reason ?? 'MERCHANDISE_OR_SERVICE_NOT_RECEIVED',
      status: 'OPEN',
      dispute_amount: amount,
      dispute_life_cycle_stage: 'INQUIRY',
      dispute_channel: 'INTERNAL',
      links: [ctx.link(`/v1/customer/disputes/${disputeId}`, 'self')],
    };
    ctx.emit('CUSTOMER.DISPUTE.CREATED', 'dispute', `A new dispute opened with Case # ${disputeId}`, dispute, '1.0');
    return { dispute_id: disputeId };
  });
}
