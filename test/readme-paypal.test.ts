/**
 * The README's PayPal example, step by step against a sandbox hub: create answers an approvalUrl;
 * execute before the payer approved is a 402 saying to send the payer there; the approval the
 * README shows (POST the emulator's approve form, as `curl -d token=…` does) redirects to the
 * returnUrl with a PayerID, and execute then captures the payment.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestHub, type TestHub } from './helpers/hub.js';

let t: TestHub;
beforeAll(async () => {
  t = await startTestHub();
});
afterAll(async () => {
  await t?.close();
});

describe('README: Take a payment with PayPal (sandbox)', () => {
  it('the README shows the approval step between create and execute', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const create = readme.indexOf('/payments/paypal/create');
    const approve = readme.indexOf('/checkoutnow/approve -d token=<order id>');
    const execute = readme.indexOf('/payments/paypal/execute');
    expect(create).toBeGreaterThan(0);
    expect(approve).toBeGreaterThan(create);
    expect(execute).toBeGreaterThan(approve);
  });

  it('create → (execute too early: 402) → approve as the README says → execute succeeds', async () => {
    const created = await t.api('/api/v1/integrations/payments/paypal/create', { body: { amount: '49.90', currency: 'USD', returnUrl: 'https://shop/ok' } });
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({ status: 'requires_approval', paymentId: expect.any(String) });
    const approvalUrl = new URL(created.body.approvalUrl as string);
    expect(approvalUrl.pathname).toBe('/checkoutnow');
    expect(approvalUrl.searchParams.get('token')).toBe(created.body.paymentId);

    const early = await t.api('/api/v1/integrations/payments/paypal/execute', { body: { paymentId: created.body.paymentId } });
    expect(early.status).toBe(402);
    expect(early.body.detail).toContain('approvalUrl');

    // curl -X POST http://127.0.0.1:<port>/checkoutnow/approve -d token=<order id>
    const approved = await fetch(`${approvalUrl.origin}/checkoutnow/approve`, { method: 'POST', body: new URLSearchParams({ token: created.body.paymentId }), redirect: 'manual' });
    expect(approved.status).toBe(302);
    expect(approved.headers.get('location')).toMatch(/^https:\/\/shop\/ok\?token=\w+&PayerID=\w+$/);

    const executed = await t.api('/api/v1/integrations/payments/paypal/execute', { body: { paymentId: created.body.paymentId } });
    expect(executed.status).toBe(200);
    expect(executed.body).toMatchObject({ paymentId: created.body.paymentId, status: 'succeeded', amount: 4990, currency: 'USD' });
  });
});
