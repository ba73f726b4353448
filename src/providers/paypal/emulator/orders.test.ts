/**
 * Orders v2 and Payments v2 through plain fetch: create → approve on the HTML page → capture →
 * refunds; the refusals PayPal gives; authorize + capture + void; idempotency and a dropped
 * connection after the work was done.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPaypalEmulator, type PaypalEmulator } from './index.js';
import { orderBody, paypalSession, readAnswer, startReceiver, type PaypalSession } from './test-support.js';

let emulator: PaypalEmulator;
let pp: PaypalSession;
let shop: Awaited<ReturnType<typeof startReceiver>>;
beforeAll(async () => {
  emulator = await startPaypalEmulator();
  pp = await paypalSession(emulator);
  shop = await startReceiver();
});
afterAll(async () => {
  await emulator.close();
  await shop.close();
});

const withReturn = (value = '25.00', intent = 'CAPTURE') => ({
  ...orderBody(value),
  intent,
  payment_source: { paypal: { experience_context: { return_url: `${shop.url}/return`, cancel_url: `${shop.url}/cancel`, brand_name: 'Acme Shop' } } },
});

/** What a browser does: GET the approval page, POST its first (or second) form, follow the redirect. */
async function approveInBrowser(href: string, button: 'approve' | 'cancel' = 'approve') {
  const page = await fetch(href).then(readAnswer);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toContain('text/html');
  const form = [...page.text.matchAll(/<form method="post" action="([^"]+)"><input type="hidden" name="token" value="([^"]+)">/g)]
    .find((m) => m[1]!.endsWith(`/${button}`))!;
  const res = await fetch(new URL(form[1]!, href), {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: form[2]! }).toString(),
  });
  expect(res.status).toBe(302);
  const location = res.headers.get('location')!;
  const landed = await fetch(location);
  expect(landed.status).toBe(200);
  return { page, location: new URL(location) };
}

describe('checkout', () => {
  it('create → approve through the page → capture → partial and full refund', async () => {
    const created = await pp.call('POST', '/v2/checkout/orders', withReturn('25.00'));
    expect(created.status).toBe(201);
    expect(Object.keys(created.body).sort()).toEqual(['id', 'links', 'status']);
    expect(created.body.id).toMatch(/^[0-9A-Z]{17}$/);
    expect(created.body.status).toBe('PAYER_ACTION_REQUIRED');
    const rels = Object.fromEntries(created.body.links.map((l: { rel: string; href: string; method: string }) => [l.rel, l]));
    expect(Object.keys(rels).sort()).toEqual(['capture', 'payer-action', 'self', 'update']);
    expect(rels['payer-action'].href).toBe(`${emulator.url}/checkoutnow?token=${created.body.id}`);
    expect(rels.capture).toMatchObject({ href: `${emulator.url}/v2/checkout/orders/${created.body.id}/capture`, method: 'POST' });
    expect(emulator.accepted).toHaveLength(1);

    const { page, location } = await approveInBrowser(rels['payer-action'].href);
    expect(page.text).toContain('25.00 USD to Acme Shop');
    expect(location.origin + location.pathname).toBe(`${shop.url}/return`);
    expect(location.searchParams.get('token')).toBe(created.body.id);
    expect(location.searchParams.get('PayerID')).toMatch(/^[A-Z0-9]{13}$/);
    expect(shop.received.at(-1)!.url).toBe(`/return${location.search}`);

    const approved = await pp.call('GET', `/v2/checkout/orders/${created.body.id}`);
    expect(approved.body.status).toBe('APPROVED');
    expect(approved.body.payer.payer_id).toBe(location.searchParams.get('PayerID'));

    const captured = await pp.call('POST', `/v2/checkout/orders/${created.body.id}/capture`, undefined, { 'content-type': 'application/json' });
    expect(captured.status).toBe(201);
    expect(captured.body.status).toBe('COMPLETED');
    const capture = captured.body.purchase_units[0].payments.captures[0];
    expect(capture).toMatchObject({ status: 'COMPLETED', amount: { currency_code: 'USD', value: '25.00' }, final_capture: true, seller_protection: { status: 'ELIGIBLE' } });
    // 3.49 % of 25.00 is 0.87, plus 0.49
    expect(capture.seller_receivable_breakdown).toEqual({
      gross_amount: { currency_code: 'USD', value: '25.00' }, paypal_fee: { currency_code: 'USD', value: '1.36' }, net_amount: { currency_code: 'USD', value: '23.64' },
    });
    expect(capture.create_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const again = await pp.call('POST', `/v2/checkout/orders/${created.body.id}/capture`);
    expect(again.status).toBe(422);
    expect(again.body.details[0].issue).toBe('ORDER_ALREADY_CAPTURED');

    const partial = await pp.call('POST', `/v2/payments/captures/${capture.id}/refund`, { amount: { currency_code: 'USD', value: '10.00' }, note_to_payer: 'Sorry', invoice_id: 'R-1' });
    expect(partial.status).toBe(201);
    expect(partial.body).toMatchObject({ status: 'COMPLETED', amount: { currency_code: 'USD', value: '10.00' }, note_to_payer: 'Sorry', invoice_id: 'R-1' });
    expect((await pp.call('GET', `/v2/payments/captures/${capture.id}`)).body.status).toBe('PARTIALLY_REFUNDED');

    const tooMuch = await pp.call('POST', `/v2/payments/captures/${capture.id}/refund`, { amount: { currency_code: 'USD', value: '15.01' } });
    expect(tooMuch.status).toBe(422);
    expect(tooMuch.body.details[0].issue).toBe('REFUND_AMOUNT_EXCEEDED');
    const jpy = await pp.call('POST', `/v2/payments/captures/${capture.id}/refund`, { amount: { currency_code: 'USD', value: '1.001' } });
    expect(jpy.body.details[0].issue).toBe('DECIMAL_PRECISION');

    const rest = await pp.call('POST', `/v2/payments/captures/${capture.id}/refund`, {}, { prefer: 'return=minimal' });
    expect(rest.status).toBe(201);
    expect(Object.keys(rest.body).sort()).toEqual(['id', 'links', 'status']);
    const refund = await pp.call('GET', `/v2/payments/refunds/${rest.body.id}`);
    expect(refund.body.amount).toEqual({ currency_code: 'USD', value: '15.00' });
    expect(refund.body.seller_payable_breakdown.total_refunded_amount).toEqual({ currency_code: 'USD', value: '25.00' });
    const standalone = await pp.call('GET', `/v2/payments/captures/${capture.id}`);
    expect(standalone.body.status).toBe('REFUNDED');
    expect(standalone.body.supplementary_data.related_ids.order_id).toBe(created.body.id);
    const fully = await pp.call('POST', `/v2/payments/captures/${capture.id}/refund`, {});
    expect(fully.body.details[0].issue).toBe('CAPTURE_FULLY_REFUNDED');
  });

  it('Prefer: return=representation answers the whole order (legacy application_context)', async () => {
    const res = await pp.call('POST', '/v2/checkout/orders', {
      ...orderBody('12.00', 'USD', { description: 'Blue mug', custom_id: 'cust-7', invoice_id: 'INV-7' }),
      application_context: { return_url: `${shop.url}/r`, cancel_url: `${shop.url}/c` },
    }, { prefer: 'return=representation' });
    expect(res.body).toMatchObject({ intent: 'CAPTURE', status: 'CREATED', purchase_units: [{ reference_id: 'default', description: 'Blue mug', custom_id: 'cust-7', invoice_id: 'INV-7', amount: { value: '12.00' } }] });
    expect(res.body.links.map((l: { rel: string }) => l.rel)).toContain('approve');
    const { location } = await approveInBrowser(res.body.links.find((l: { rel: string }) => l.rel === 'approve').href, 'cancel');
    expect(location.pathname).toBe('/c');
    expect(location.searchParams.get('token')).toBe(res.body.id);
    expect((await pp.call('GET', `/v2/checkout/orders/${res.body.id}`)).body.status).toBe('CREATED');
  });

  it('PATCH changes the amount and invoice_id before capture, and is refused after', async () => {
    const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody('10.00'));
    const unit = "/purchase_units/@reference_id=='default'";
    const patched = await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [
      { op: 'replace', path: `${unit}/amount`, value: { currency_code: 'USD', value: '12.50' } },
      { op: 'add', path: `${unit}/invoice_id`, value: 'INV-P1' },
    ]);
    expect(patched.status).toBe(204);
    const page = await fetch(`${emulator.url}/checkoutnow?token=${body.id}`).then(readAnswer);
    expect(page.text).toContain('12.50 USD');
    const bad = await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [{ op: 'replace', path: `${unit}/amount`, value: { currency_code: 'USD', value: '1.234' } }]);
    expect(bad.body.details[0].issue).toBe('DECIMAL_PRECISION');
    expect((await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [{ op: 'replace', path: "/purchase_units/@reference_id=='nope'/amount", value: {} }])).body.details[0].issue).toBe('REFERENCE_ID_NOT_FOUND');
    expect((await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [{ op: 'replace', path: `${unit}/payee`, value: {} }])).body.details[0].issue).toBe('FIELD_NOT_PATCHABLE');
    expect((await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [{ op: 'add', path: `${unit}/invoice_id`, value: 'X' }])).body.details[0].issue).toBe('INVALID_PATCH_OPERATION');
    await fetch(`${emulator.url}/__emulator/orders/${body.id}/approve`, { method: 'POST' });
    const captured = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`);
    expect(captured.body.purchase_units[0].payments.captures[0]).toMatchObject({ amount: { value: '12.50' }, invoice_id: 'INV-P1' });
    const late = await pp.call('PATCH', `/v2/checkout/orders/${body.id}`, [{ op: 'remove', path: `${unit}/invoice_id` }]);
    expect(late.status).toBe(422);
    expect(late.body.details[0].issue).toBe('ORDER_ALREADY_COMPLETED');
  });

  it('refuses a second payment for the same invoice_id (DUPLICATE_INVOICE_ID), as PayPal accounts do by default', async () => {
    const invoiceId = `dup-${Date.now()}`;
    const ids: string[] = [];
    for (let i = 0; i < 2; i++) {
      const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody('4.00', 'USD', { invoice_id: invoiceId }));
      await fetch(`${emulator.url}/__emulator/orders/${body.id}/approve`, { method: 'POST' });
      ids.push(body.id);
    }
    expect((await pp.call('POST', `/v2/checkout/orders/${ids[0]}/capture`)).status).toBe(201);
    const second = await pp.call('POST', `/v2/checkout/orders/${ids[1]}/capture`);
    expect(second.status).toBe(422);
    expect(second.body.details[0].issue).toBe('DUPLICATE_INVOICE_ID');
    expect((await pp.call('GET', `/v2/checkout/orders/${ids[1]}`)).body.status).toBe('APPROVED');
  });

  it('refuses to capture before approval (ORDER_NOT_APPROVED)', async () => {
    const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody());
    const res = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`);
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ name: 'UNPROCESSABLE_ENTITY', details: [{ issue: 'ORDER_NOT_APPROVED' }] });
    expect(res.body.links[0]).toMatchObject({ rel: 'information_link', href: 'https://developer.paypal.com/docs/api/orders/v2/#error-ORDER_NOT_APPROVED' });
  });

  it('PayPal-Mock-Response INSTRUMENT_DECLINED fails the capture; the order can be captured after', async () => {
    const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody('9.99'));
    await fetch(`${emulator.url}/__emulator/orders/${body.id}/approve`, { method: 'POST' });
    const declined = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`, undefined, { 'paypal-mock-response': '{"mock_application_codes":"INSTRUMENT_DECLINED"}' });
    expect(declined.status).toBe(422);
    expect(declined.body.details[0]).toMatchObject({ issue: 'INSTRUMENT_DECLINED' });
    expect((await pp.call('GET', `/v2/checkout/orders/${body.id}`)).body.status).toBe('APPROVED');
    const bad = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`, undefined, { 'paypal-mock-response': 'declined' });
    expect(bad.status).toBe(400);
    expect((await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`)).body.status).toBe('COMPLETED');
  });

  it('authorize (after approval only), capture, then void is refused; a second authorization voids', async () => {
    const one = await pp.call('POST', '/v2/checkout/orders', { ...orderBody('100.00', 'EUR'), intent: 'AUTHORIZE' });
    expect((await pp.call('POST', `/v2/checkout/orders/${one.body.id}/authorize`)).body.details[0].issue).toBe('ORDER_NOT_APPROVED');
    await fetch(`${emulator.url}/__emulator/orders/${one.body.id}/approve`, { method: 'POST' });
    expect((await pp.call('POST', `/v2/checkout/orders/${one.body.id}/capture`)).body.details[0].issue).toBe('ACTION_DOES_NOT_MATCH_INTENT');
    const authorized = await pp.call('POST', `/v2/checkout/orders/${one.body.id}/authorize`);
    expect(authorized.status).toBe(201);
    const auth = authorized.body.purchase_units[0].payments.authorizations[0];
    expect(auth).toMatchObject({ status: 'CREATED', amount: { currency_code: 'EUR', value: '100.00' } });
    expect(Date.parse(auth.expiration_time) - Date.now()).toBeGreaterThan(28 * 86_400_000);

    const captured = await pp.call('POST', `/v2/payments/authorizations/${auth.id}/capture`, { amount: { currency_code: 'EUR', value: '60.00' }, final_capture: true }, { prefer: 'return=representation' });
    expect(captured.status).toBe(201);
    expect(captured.body).toMatchObject({ status: 'COMPLETED', amount: { value: '60.00' }, supplementary_data: { related_ids: { order_id: one.body.id, authorization_id: auth.id } } });
    expect((await pp.call('GET', `/v2/payments/authorizations/${auth.id}`)).body.status).toBe('CAPTURED');
    expect((await pp.call('POST', `/v2/payments/authorizations/${auth.id}/void`)).body.details[0].issue).toBe('PREVIOUSLY_CAPTURED');
    expect((await pp.call('GET', `/v2/checkout/orders/${one.body.id}`)).body.purchase_units[0].payments.captures[0].id).toBe(captured.body.id);

    const two = await pp.call('POST', '/v2/checkout/orders', { ...orderBody('5.00'), intent: 'AUTHORIZE' });
    await fetch(`${emulator.url}/__emulator/orders/${two.body.id}/approve`, { method: 'POST' });
    const auth2 = (await pp.call('POST', `/v2/checkout/orders/${two.body.id}/authorize`)).body.purchase_units[0].payments.authorizations[0];
    expect((await pp.call('POST', `/v2/payments/authorizations/${auth2.id}/void`)).status).toBe(204);
    expect((await pp.call('POST', `/v2/payments/authorizations/${auth2.id}/capture`, {})).body.details[0].issue).toBe('AUTHORIZATION_VOIDED');
  });
});

describe('idempotency (PayPal-Request-Id)', () => {
  it('the same id replays the stored order: one order, one accepted entry', async () => {
    const before = emulator.accepted.length;
    const headers = { 'paypal-request-id': `req-${Date.now()}` };
    const first = await pp.call('POST', '/v2/checkout/orders', orderBody('7.00'), headers);
    const second = await pp.call('POST', '/v2/checkout/orders', orderBody('7.00'), headers);
    expect(first.status).toBe(201);
    expect(second.status).toBe(200);
    expect(second.body).toEqual(first.body);
    expect(emulator.accepted.length).toBe(before + 1);
    const other = await pp.call('POST', '/v2/checkout/orders', orderBody('7.00'), { 'paypal-request-id': `${headers['paypal-request-id']}-b` });
    expect(other.body.id).not.toBe(first.body.id);
  });

  it('a connection dropped after the capture was done: the retry gets the replay, not a second capture', async () => {
    const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody('8.00'));
    await fetch(`${emulator.url}/__emulator/orders/${body.id}/approve`, { method: 'POST' });
    const headers = { 'paypal-request-id': `cap-${body.id}` };
    emulator.chaos.dropAfterAcceptNext = 1;
    await expect(pp.call('POST', `/v2/checkout/orders/${body.id}/capture`, undefined, headers)).rejects.toThrow();
    const retry = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`, undefined, headers);
    expect(retry.status).toBe(200);
    expect(retry.body.status).toBe('COMPLETED');
    expect(retry.body.purchase_units[0].payments.captures).toHaveLength(1);
    const without = await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`);
    expect(without.body.details[0].issue).toBe('ORDER_ALREADY_CAPTURED');
  });

  it('a refund retried with the same id is replayed, not refunded twice', async () => {
    const { body } = await pp.call('POST', '/v2/checkout/orders', orderBody('20.00'));
    await fetch(`${emulator.url}/__emulator/orders/${body.id}/approve`, { method: 'POST' });
    const captureId = (await pp.call('POST', `/v2/checkout/orders/${body.id}/capture`)).body.purchase_units[0].payments.captures[0].id;
    const headers = { 'paypal-request-id': `refund-${captureId}` };
    const refund = { amount: { currency_code: 'USD', value: '5.00' } };
    const first = await pp.call('POST', `/v2/payments/captures/${captureId}/refund`, refund, headers);
    const second = await pp.call('POST', `/v2/payments/captures/${captureId}/refund`, refund, headers);
    expect(second.body.id).toBe(first.body.id);
    expect(second.headers.get('paypal-debug-id')).not.toBe(first.headers.get('paypal-debug-id'));
    const capture = await pp.call('GET', `/v2/payments/captures/${captureId}`);
    expect(capture.body.status).toBe('PARTIALLY_REFUNDED');
    const third = await pp.call('POST', `/v2/payments/captures/${captureId}/refund`, {});
    expect(third.body.amount.value).toBe('15.00');
  });

  it('a dropped order create is found again with the same id', async () => {
    const before = emulator.accepted.length;
    emulator.chaos.dropAfterAcceptNext = 1;
    const headers = { 'paypal-request-id': `drop-${Date.now()}` };
    await expect(pp.call('POST', '/v2/checkout/orders', orderBody('3.00'), headers)).rejects.toThrow();
    expect(emulator.accepted.length).toBe(before + 1);
    const retry = await pp.call('POST', '/v2/checkout/orders', orderBody('3.00'), headers);
    expect(retry.status).toBe(200);
    expect(emulator.accepted.length).toBe(before + 1);
    expect((emulator.accepted.at(-1) as { id: string }).id).toBe(retry.body.id);
  });
});
