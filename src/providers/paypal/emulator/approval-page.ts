/**
 * The buyer's side of PayPal Checkout, reduced to one page: `GET /checkoutnow?token=<id>` shows
 * what is being paid and two buttons (form POSTs). Approving redirects (302) to the merchant's
 * `return_url?token=…&PayerID=…` (subscriptions: `subscription_id` and `ba_token` too);
 * cancelling redirects to the `cancel_url`. Test controls approve without a browser.
 *
 * @see https://developer.paypal.com/docs/checkout/standard/integrate/
 */
import { createHash } from 'node:crypto';
import type { PaypalContext, SandboxPayer } from './context.js';

const escapeHtml = (s: string): string =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/**
 * The sandbox buyer; the payer id is stable per seed (one per emulator instance).
 *
 * @example
 * sandboxPayer('client-id').payer_id // 'QYR5Z8XDVJNXQ'-like: 13 characters
 */
export function sandboxPayer(seed: string): SandboxPayer {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const digest = createHash('sha256').update(seed).digest();
  const payerId = [...digest.subarray(0, 13)].map((b) => alphabet[b % alphabet.length]).join('');
  return { payer_id: payerId, email_address: 'sb-buyer@personal.example.com', name: { given_name: 'John', surname: 'Doe' }, address: { country_code: 'US' } };
}

const page = (token: string, title: string): string => `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>PayPal Checkout (Switchboard sandbox)</title></head>
<body>
<h1>PayPal sandbox</h1>
<p id="summary">${escapeHtml(title)}</p>
<p>Paying as sb-buyer@personal.example.com</p>
<form method="post" action="/checkoutnow/approve"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit" id="approve">Agree and continue</button></form>
<form method="post" action="/checkoutnow/cancel"><input type="hidden" name="token" value="${escapeHtml(token)}"><button type="submit" id="cancel">Cancel and return to merchant</button></form>
</body></html>
`;

/**
 * Registers `/checkoutnow` (page, approve, cancel, done) and the approve test controls.
 *
 * @example
 * registerApprovalPage(ctx, sandboxPayer(clientId));
 */
export function registerApprovalPage(ctx: PaypalContext, payer: SandboxPayer): void {
  const { app, approvals } = ctx;
  const unknown = (token: string | undefined) =>
    `<!doctype html><html><body><h1>This checkout session is not valid</h1><p>${escapeHtml(String(token ?? ''))}</p></body></html>`;

  app.get<{ Querystring: { token?: string; ba_token?: string } }>('/checkoutnow', async (req, reply) => {
    const token = req.query.token ?? req.query.ba_token;
    const item = token ? approvals.get(token) : undefined;
    reply.type('text/html; charset=utf-8');
    if (!token || !item) return reply.code(404).send(unknown(token));
    return reply.send(page(token, item.title));
  });

  for (const action of ['approve', 'cancel'] as const) {
    app.post<{ Body: Record<string, string> | undefined }>(`/checkoutnow/${action}`, async (req, reply) => {
      const token = req.body?.token;
      const item = token ? approvals.get(token) : undefined;
      if (!item) return reply.code(404).type('text/html; charset=utf-8').send(unknown(token));
      return reply.redirect(action === 'approve' ? item.approve(payer) : item.cancel(), 302);
    });
  }

  app.get('/checkoutnow/done', async (_req, reply) =>
    reply.type('text/html; charset=utf-8').send('<!doctype html><html><body><h1>Done</h1><p>You can close this window.</p></body></html>'));

  for (const kind of ['orders', 'subscriptions'] as const) {
    app.post<{ Params: { id: string } }>(`/__emulator/${kind}/:id/approve`, async (req, reply) => {
      const item = approvals.get(req.params.id);
      if (!item) return reply.code(404).send({ error: `unknown ${kind} id ${req.params.id}` });
      return { redirect: item.approve(payer) };
    });
  }
}
