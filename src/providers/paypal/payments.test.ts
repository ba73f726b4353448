/**
 * The PayPal connector against the PayPal emulator over real HTTP: orders (approve, capture,
 * refunds, declines), manual capture, idempotency under a dropped answer, the token cache.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fakeClock, type Clock } from '../../core/clock.js';
import { Transport } from '../../transport/transport.js';
import type { AuditEntry } from '../../transport/types.js';
import { failure } from '../../../test/helpers/hub-error.js';
import { startPaypalEmulator, type PaypalEmulator } from './emulator/index.js';
import type { PaypalCredentials } from './manifest.js';
import { approveAt, connectPaypal } from './test-utils.js';

let emu: PaypalEmulator;
const audit: AuditEntry[] = [];
const transport = new Transport({ audit: (e) => audit.push(e) });
const connect = (credentials: Partial<PaypalCredentials> = {}, clock?: Clock) => connectPaypal(emu, credentials, transport, clock);

const key = () => randomUUID();
const approve = (id: string) => approveAt(emu, 'orders', id);
const order = (over: Record<string, unknown> = {}) => ({ amount: 2500, currency: 'USD', returnUrl: 'https://shop.example/return', cancelUrl: 'https://shop.example/cancel', hubId: 'pay_01test', description: 'Order 42', ...over });
const tokenCalls = (connectionId: string) => audit.filter((e) => e.connectionId === connectionId && e.operation === 'paypal.token').length;

beforeAll(async () => {
  emu = await startPaypalEmulator({ eventDelayMs: 1 });
});
afterAll(() => emu.close());
beforeEach(() => Object.assign(emu.chaos, { errorRate: 0, rateLimitNext: 0, dropAfterAcceptNext: 0, latencyMs: 0 }));

describe('PayPal orders against the emulator', () => {
  it('creates an order to approve, captures it once approved, refunds part then the rest', async () => {
    const pp = connect();
    const created = await pp.createPayment(order(), { idempotencyKey: key() });
    expect(created).toMatchObject({ provider: 'paypal', status: 'requires_approval', amount: 2500, currency: 'USD', captureMethod: 'automatic', metadata: { switchboard_id: 'pay_01test' }, nextAction: { type: 'approve' } });
    expect(created.approvalUrl).toMatch(new RegExp(`^${emu.url}/checkoutnow\\?token=${created.id}`));
    const sent = emu.accepted.at(-1) as { purchase_units: { amount: unknown; custom_id: string }[]; intent: string };
    expect(sent.intent).toBe('CAPTURE');
    expect(sent.purchase_units[0]).toMatchObject({ amount: { currency_code: 'USD', value: '25.00' }, custom_id: 'pay_01test' });

    await approve(created.id);
    expect((await pp.getPayment(created.id)).status).toBe('approved');
    const captured = await pp.capturePayment(created.id, {}, { idempotencyKey: key() });
    expect(captured).toMatchObject({ status: 'succeeded', amountReceived: 2500 });
    expect(captured.captureId).toMatch(/^[A-Z0-9]{17}$/);

    const partial = await pp.createRefund({ paymentId: created.id, amount: 1000, currency: 'USD', reason: 'one item back', hubId: 're_1' }, { idempotencyKey: key() });
    expect(partial).toMatchObject({ paymentId: created.id, status: 'succeeded', amount: 1000, currency: 'USD' });
    const afterPartial = await pp.getPayment(created.id);
    expect(afterPartial).toMatchObject({ status: 'partially_refunded', amountReceived: 2500 });
    // Orders v2 lists refunds under purchase_units[].payments.refunds; when the answer has them, they count.
    if (afterPartial.amountRefunded !== undefined) expect(afterPartial.amountRefunded).toBe(1000);
    const rest = await pp.createRefund({ paymentId: created.id, hubId: 're_2' }, { idempotencyKey: key() });
    expect(rest).toMatchObject({ status: 'succeeded', amount: 1500 });
    expect(await pp.getPayment(created.id)).toMatchObject({ status: 'refunded', amountRefunded: 2500 });
    expect(await pp.getRefund(partial.id)).toMatchObject({ id: partial.id, paymentId: created.id, amount: 1000 });
  });

  it('refuses to capture before approval with payment_action_required', async () => {
    const pp = connect();
    const created = await pp.createPayment(order(), { idempotencyKey: key() });
    const err = await failure(pp.capturePayment(created.id, {}, { idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'payment_action_required', providerCode: 'ORDER_NOT_APPROVED', status: 402, provider: 'paypal' });
    expect(err.requestId).toMatch(/\w+/);
  });

  it('maps a sandbox-mocked INSTRUMENT_DECLINED capture to payment_declined', async () => {
    const created = await connect().createPayment(order(), { idempotencyKey: key() });
    await approve(created.id);
    const declining = connect({ mockResponse: '{"mock_application_codes":"INSTRUMENT_DECLINED"}' });
    const err = await failure(declining.capturePayment(created.id, {}, { idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'payment_declined', providerCode: 'INSTRUMENT_DECLINED', status: 402 });
    expect((await connect().getPayment(created.id)).status).toBe('approved');
  });

  it('authorizes then captures part of a manual-capture order', async () => {
    const pp = connect();
    const created = await pp.createPayment(order({ captureMethod: 'manual', amount: 4000 }), { idempotencyKey: key() });
    expect((emu.accepted.at(-1) as { intent: string }).intent).toBe('AUTHORIZE');
    await approve(created.id);
    const captured = await pp.capturePayment(created.id, { amount: 3000 }, { idempotencyKey: key() });
    expect(captured).toMatchObject({ captureMethod: 'manual', amountReceived: 3000 });
    expect(['succeeded', 'partially_refunded']).toContain(captured.status);
  });

  it('sends whole amounts for JPY and refuses a fraction of HUF before calling PayPal', async () => {
    const pp = connect();
    const yen = await pp.createPayment(order({ amount: 500, currency: 'JPY' }), { idempotencyKey: key() });
    expect(yen).toMatchObject({ amount: 500, currency: 'JPY' });
    expect((emu.accepted.at(-1) as { purchase_units: { amount: unknown }[] }).purchase_units[0]!.amount).toEqual({ currency_code: 'JPY', value: '500' });
    const before = emu.accepted.length;
    const err = await failure(pp.createPayment(order({ amount: 10050, currency: 'HUF' }), { idempotencyKey: key() }));
    expect(err).toMatchObject({ code: 'validation_failed', errors: [{ field: 'amount' }] });
    expect(emu.accepted.length).toBe(before);
    const forint = await pp.createPayment(order({ amount: 10000, currency: 'HUF' }), { idempotencyKey: key() });
    expect(forint).toMatchObject({ amount: 10000, currency: 'HUF' });
  });

  it('creates one order when the answer to the create is dropped, thanks to the same PayPal-Request-Id', async () => {
    const pp = connect();
    await pp.getPayment((await pp.createPayment(order(), { idempotencyKey: key() })).id); // token fetched before the chaos
    const before = emu.accepted.length;
    emu.chaos.dropAfterAcceptNext = 1;
    const created = await pp.createPayment(order(), { idempotencyKey: key() });
    expect(emu.accepted.length - before).toBe(1);
    expect((emu.accepted.at(-1) as { id: string }).id).toBe(created.id);
  });

  it('throws capability_unsupported for what PayPal has not, naming what to use instead', async () => {
    const pp = connect();
    const ops: [string, () => Promise<unknown>, RegExp][] = [
      ['createCustomer', () => pp.createCustomer({ email: 'a@x.io' }, { idempotencyKey: key() }), /customer/],
      ['listPaymentMethods', () => pp.listPaymentMethods('x'), /approval page/],
      ['confirmPayment', () => pp.confirmPayment('x', {}, { idempotencyKey: key() }), /capturePayment/],
      ['cancelPayment', () => pp.cancelPayment('x', { idempotencyKey: key() }), /expires/],
      ['finalizeInvoice', () => pp.finalizeInvoice('x', { idempotencyKey: key() }), /sendInvoice/],
      ['cancel at period end', () => pp.cancelSubscription('I-X', { atPeriodEnd: true }, { idempotencyKey: key() }), /at once/],
    ];
    for (const [name, call, instead] of ops) {
      const err = await failure(call());
      expect(err.code, name).toBe('capability_unsupported');
      expect(err.message, name).toMatch(instead);
    }
    expect(pp.capabilities.has('approval-redirect')).toBe(true);
    expect(pp.capabilities.has('customers')).toBe(false);
  });
});

describe('PayPal access tokens', () => {
  it('fetches one token for several calls, even concurrent ones', async () => {
    const pp = connect();
    const created = await Promise.all([1, 2, 3].map(() => pp.createPayment(order(), { idempotencyKey: key() })));
    await Promise.all(created.map((p) => pp.getPayment(p.id)));
    expect(tokenCalls(pp.connectionId)).toBe(1);
  });

  it('fetches a new token once PayPal refuses the old one, and retries the call', async () => {
    const pp = connect();
    const created = await pp.createPayment(order(), { idempotencyKey: key() });
    const expired = await (await fetch(`${emu.url}/__emulator/expire-tokens`, { method: 'POST' })).json();
    expect(expired).toMatchObject({ expired: expect.any(Number) });
    await expect(pp.getPayment(created.id)).resolves.toMatchObject({ id: created.id });
    expect(tokenCalls(pp.connectionId)).toBe(2);
    await pp.getPayment(created.id);
    expect(tokenCalls(pp.connectionId)).toBe(2);
  });

  it('fetches a new token a minute before expires_in runs out (9 hours at PayPal), not earlier', async () => {
    const clock = fakeClock(Date.now());
    const pp = connect({}, clock);
    const created = await pp.createPayment(order(), { idempotencyKey: key() });
    clock.advance(32_400_000 - 61_000);
    await pp.getPayment(created.id);
    expect(tokenCalls(pp.connectionId)).toBe(1);
    clock.advance(2_000);
    await pp.getPayment(created.id);
    expect(tokenCalls(pp.connectionId)).toBe(2);
  });

  it('maps wrong client credentials to provider_auth_failed', async () => {
    const err = await failure(connect({ clientSecret: 'wrong' }).getPayment('5O190127TN364715T'));
    expect(err).toMatchObject({ code: 'provider_auth_failed', providerCode: 'invalid_client' });
  });
});
