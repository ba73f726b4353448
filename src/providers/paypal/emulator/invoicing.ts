/**
 * Invoicing v2: create (DRAFT), get, replace (PUT), list with paging, delete, send, record an
 * external payment, cancel and the next invoice number. Status changes are announced as
 * INVOICING.INVOICE.* webhooks.
 *
 * PayPal's surprise: recording a payment made outside PayPal (`POST /payments`) marks the invoice
 * MARKED_AS_PAID (PARTIALLY_PAID while money is still due), not PAID — PAID is for payments made
 * through PayPal itself; INVOICING.INVOICE.PAID is sent in both cases.
 *
 * @see https://developer.paypal.com/docs/api/invoicing/v2/
 */
import { invalidRequest, missing, notFound, PaypalApiError, unprocessable } from './errors.js';
import { objectBody, optionalString, paypalTime, wantsRepresentation, type PaypalContext } from './context.js';
import { readInvoice, type InvoiceInput } from './invoice-model.js';
import { formatMoney, readMoney } from './money.js';
import { paypalId } from './signing.js';

interface InvoiceRecord extends InvoiceInput {
  id: string;
  status: 'DRAFT' | 'SENT' | 'UNPAID' | 'PARTIALLY_PAID' | 'MARKED_AS_PAID' | 'PAID' | 'CANCELLED';
  number: string;
  createTime: string;
  updateTime: string;
  paidMinor: number;
  transactions: Record<string, unknown>[];
}

const METHODS = ['BANK_TRANSFER', 'CASH', 'CHECK', 'CREDIT_CARD', 'DEBIT_CARD', 'PAYPAL', 'WIRE_TRANSFER', 'OTHER'];
const newInvoiceId = () => `INV2-${[4, 4, 4, 4].map((n) => paypalId(n)).join('-')}`;

/**
 * Registers the Invoicing v2 routes.
 *
 * @example
 * registerInvoicing(ctx);
 */
export function registerInvoicing(ctx: PaypalContext): void {
  const { app } = ctx;
  const invoices = new Map<string, InvoiceRecord>();
  let counter = 0;
  const nextNumber = (): string => {
    const used = new Set([...invoices.values()].map((i) => i.number));
    do counter++; while (used.has(String(counter).padStart(4, '0')));
    return String(counter).padStart(4, '0');
  };
  const find = (id: string) => {
    const inv = invoices.get(id);
    if (!inv) throw notFound(id, 'invoice_id');
    return inv;
  };
  const checkNumber = (input: InvoiceInput, self?: string) => {
    const wanted = input.detail.invoice_number;
    if (wanted && [...invoices.values()].some((i) => i.number === wanted && i.id !== self)) {
      throw unprocessable('DUPLICATE_INVOICE_NUMBER', 'Invoice number already exists for this account.', '/detail/invoice_number', wanted);
    }
  };

  const render = (inv: InvoiceRecord) => {
    const c = inv.detail.currency_code;
    const self = `/v2/invoicing/invoices/${inv.id}`;
    const { totalMinor: _total, ...input } = inv;
    return {
      id: inv.id,
      status: inv.status,
      detail: {
        ...input.detail,
        invoice_number: inv.number,
        invoice_date: (input.detail.invoice_date as string | undefined) ?? inv.createTime.slice(0, 10),
        metadata: { create_time: inv.createTime, last_update_time: inv.updateTime, created_by_flow: 'REGULAR_SINGLE', invoicer_view_url: `${ctx.baseUrl()}/invoice/details/${inv.id}`, recipient_view_url: `${ctx.baseUrl()}/invoice/p/#${inv.id}` },
      },
      ...(input.invoicer ? { invoicer: input.invoicer } : {}),
      ...(input.primary_recipients ? { primary_recipients: input.primary_recipients } : {}),
      ...(input.additional_recipients ? { additional_recipients: input.additional_recipients } : {}),
      items: input.items,
      configuration: { tax_calculated_after_discount: true, tax_inclusive: false, allow_tip: false, partial_payment: { allow_partial_payment: false }, template_id: 'TEMP-SWITCHBOARD', ...input.configuration },
      amount: input.amount,
      due_amount: formatMoney(inv.totalMinor - inv.paidMinor, c),
      ...(inv.transactions.length ? { payments: { paid_amount: formatMoney(inv.paidMinor, c), transactions: inv.transactions } } : {}),
      links: [
        ctx.link(self, 'self'),
        ...(inv.status === 'DRAFT' ? [ctx.link(`${self}/send`, 'send', 'POST'), ctx.link(self, 'replace', 'PUT'), ctx.link(self, 'delete', 'DELETE')] : []),
        ...(['SENT', 'UNPAID', 'PARTIALLY_PAID'].includes(inv.status) ? [ctx.link(`${self}/payments`, 'record-payment', 'POST'), ctx.link(`${self}/cancel`, 'cancel', 'POST'), ctx.link(self, 'replace', 'PUT')] : []),
      ],
    };
  };
  const emit = (inv: InvoiceRecord, event: string, summary: string) =>
    ctx.emit(event, 'invoices', summary, { invoice: render(inv) });

  app.post('/v2/invoicing/invoices', async (req, reply) => {
    const input = readInvoice(objectBody(req));
    checkNumber(input);
    const now = paypalTime();
    const inv: InvoiceRecord = { ...input, id: newInvoiceId(), status: 'DRAFT', number: input.detail.invoice_number ?? nextNumber(), createTime: now, updateTime: now, paidMinor: 0, transactions: [] };
    invoices.set(inv.id, inv);
    emit(inv, 'INVOICING.INVOICE.CREATED', 'An invoice was created');
    const body = wantsRepresentation(req) ? render(inv) : ctx.link(`/v2/invoicing/invoices/${inv.id}`, 'self');
    return ctx.answer(req, reply, 201, body);
  });

  app.get<{ Querystring: Record<string, string | undefined> }>('/v2/invoicing/invoices', async (req) => {
    const int = (name: string, fallback: number, max: number) => {
      const raw = req.query[name];
      const v = raw === undefined ? fallback : Number(raw);
      if (!Number.isInteger(v) || v < 1 || v > max) throw new PaypalApiError(400, 'INVALID_REQUEST', [{ field: name, ...(raw === undefined ? {} : { value: raw }), location: 'query', issue: 'INVALID_PARAMETER_VALUE', description: `${name} must be an integer between 1 and ${max}.` }]);
      return v;
    };
    const page = int('page', 1, 1000);
    const size = int('page_size', 20, 100);
    const all = [...invoices.values()].reverse();
    const pages = Math.max(1, Math.ceil(all.length / size));
    const at = (p: number, rel: string) => ctx.link(`/v2/invoicing/invoices?page=${p}&page_size=${size}&total_required=${req.query.total_required === 'true'}`, rel);
    return {
      ...(req.query.total_required === 'true' ? { total_items: all.length, total_pages: pages } : {}),
      items: all.slice((page - 1) * size, page * size).map(render),
      links: [at(page, 'self'), at(1, 'first'), ...(page < pages ? [at(page + 1, 'next')] : []), ...(page > 1 ? [at(page - 1, 'prev')] : []), at(pages, 'last')],
    };
  });

  app.get<{ Params: { id: string } }>('/v2/invoicing/invoices/:id', async (req) => render(find(req.params.id)));

  app.put<{ Params: { id: string } }>('/v2/invoicing/invoices/:id', async (req) => {
    const inv = find(req.params.id);
    if (!['DRAFT', 'SENT', 'UNPAID'].includes(inv.status)) throw unprocessable('CANNOT_UPDATE_INVOICE', `An invoice in status ${inv.status} cannot be updated.`);
    const input = readInvoice(objectBody(req));
    checkNumber(input, inv.id);
    Object.assign(inv, input, { number: input.detail.invoice_number ?? inv.number, updateTime: paypalTime() });
    if (inv.status !== 'DRAFT') emit(inv, 'INVOICING.INVOICE.UPDATED', 'An invoice was updated');
    return render(inv);
  });

  app.delete<{ Params: { id: string } }>('/v2/invoicing/invoices/:id', async (req, reply) => {
    const inv = find(req.params.id);
    if (inv.status !== 'DRAFT') throw unprocessable('CANNOT_DELETE_INVOICE', 'Only a draft invoice can be deleted; cancel a sent one.');
    invoices.delete(inv.id);
    return reply.code(204).send();
  });

  app.post<{ Params: { id: string } }>('/v2/invoicing/invoices/:id/send', async (req, reply) => {
    const inv = find(req.params.id);
    const body = objectBody(req);
    optionalString(body, 'subject', '/subject', 4000);
    optionalString(body, 'note', '/note', 4000);
    if (!['DRAFT', 'SENT', 'UNPAID'].includes(inv.status)) throw unprocessable('CANNOT_SEND_INVOICE', `An invoice in status ${inv.status} cannot be sent.`);
    if (inv.status === 'DRAFT') {
      Object.assign(inv, { status: body.send_to_recipient === false ? 'UNPAID' : 'SENT', updateTime: paypalTime() });
      emit(inv, 'INVOICING.INVOICE.SENT', 'An invoice was sent');
    }
    return ctx.answer(req, reply, 200, { href: `${ctx.baseUrl()}/invoice/p/#${inv.id}`, rel: 'payer-view', method: 'GET' });
  });

  app.post<{ Params: { id: string } }>('/v2/invoicing/invoices/:id/payments', async (req, reply) => {
    const inv = find(req.params.id);
    const body = objectBody(req);
    if (body.method === undefined) throw missing('/method');
    if (!METHODS.includes(body.method as string)) throw invalidRequest('INVALID_PAYMENT_METHOD', '/method', 'Payment method is invalid.', body.method);
    const note = optionalString(body, 'note', '/note', 2000);
    const date = optionalString(body, 'payment_date', '/payment_date', 64);
    const due = inv.totalMinor - inv.paidMinor;
    const amount = body.amount === undefined ? { currency: inv.detail.currency_code, minor: due } : readMoney(body.amount, '/amount');
    if (!['SENT', 'UNPAID', 'PARTIALLY_PAID'].includes(inv.status)) throw unprocessable('CANNOT_PROCESS_PAYMENTS', `Payments cannot be recorded on an invoice in status ${inv.status}.`);
    if (amount.currency !== inv.detail.currency_code) throw unprocessable('CURRENCY_MISMATCH', 'The payment currency must match the invoice currency.', '/amount/currency_code', amount.currency);
    if (amount.minor > due) throw unprocessable('PAYMENT_AMOUNT_GREATER_THAN_AMOUNT_DUE', 'Payment amount is greater than the amount due.', '/amount/value');
    const paymentId = `EXTR-${paypalId(17)}`;
    inv.paidMinor += amount.minor;
    inv.transactions.push({ payment_id: paymentId, type: 'EXTERNAL', method: body.method, payment_date: date ?? paypalTime().slice(0, 10), amount: formatMoney(amount.minor, amount.currency), ...(note ? { note } : {}) });
    Object.assign(inv, { status: inv.paidMinor >= inv.totalMinor ? 'MARKED_AS_PAID' : 'PARTIALLY_PAID', updateTime: paypalTime() });
    if (inv.status === 'MARKED_AS_PAID') emit(inv, 'INVOICING.INVOICE.PAID', 'An invoice was paid');
    return ctx.answer(req, reply, 200, { payment_id: paymentId });
  });

  app.post<{ Params: { id: string } }>('/v2/invoicing/invoices/:id/cancel', async (req, reply) => {
    const inv = find(req.params.id);
    const issue = ({ DRAFT: 'CANNOT_CANCEL_DRAFT_INVOICE', PAID: 'CANNOT_CANCEL_PAID_INVOICE', MARKED_AS_PAID: 'CANNOT_CANCEL_PAID_INVOICE', CANCELLED: 'INVOICE_CANCELED_ALREADY' } as Record<string, string>)[inv.status];
    if (issue) throw unprocessable(issue, `An invoice in status ${inv.status} cannot be cancelled.`);
    Object.assign(inv, { status: 'CANCELLED', updateTime: paypalTime() });
    emit(inv, 'INVOICING.INVOICE.CANCELLED', 'An invoice was cancelled');
    return ctx.answer(req, reply, 204);
  });

  app.post('/v2/invoicing/generate-next-invoice-number', async (req, reply) => ctx.answer(req, reply, 200, { invoice_number: nextNumber() }));
}
