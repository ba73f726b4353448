/**
 * Email end to end through the REST API, in sandbox mode: the real connectors talk to the
 * emulators over HTTP/SMTP, and delivery comes back as signed webhooks.
 */
import { describe, expect } from 'vitest';
import { describeOnStores } from './helpers/store-hubs.js';


describeOnStores('email end to end', (t, it) => {

  describe('POST /api/v1/integrations/email/send', () => {
    it('answers the message id, the provider that took it and its status; later GET shows it delivered', async () => {
      const res = await t.api('/api/v1/integrations/email/send', {
        body: { to: 'user@example.com', subject: 'Welcome!', html: '<h1>Welcome</h1>', text: 'Welcome to our system' },
      });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: expect.stringMatching(/^msg_/), provider: 'sendgrid', status: 'sent' });
      const accepted = t.hub.connections.emulator('sendgrid')!.accepted as unknown[];
      expect(JSON.stringify(accepted.at(-1))).toContain('user@example.com');
      await expect
        .poll(async () => (await t.api(`/api/v1/integrations/email/${res.body.id}`)).body.status, { timeout: 10_000, interval: 100 })
        .toBe('delivered');
      const got = await t.api(`/api/v1/integrations/email/${res.body.id}`);
      expect(got.body).toMatchObject({ id: res.body.id, provider: 'sendgrid', to: ['user@example.com'], subject: 'Welcome!' });
      expect(got.body.events.map((e: { type: string }) => e.type)).toEqual(expect.arrayContaining(['email.processed', 'email.delivered']));
    });

    it('names the bad field in a 400 problem+json', async () => {
      const res = await t.api('/api/v1/integrations/email/send', { body: { to: 'not-an-address', subject: 'x' } });
      expect(res.status).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
      expect(res.body.code).toBe('validation_failed');
      const fields = res.body.errors.map((e: { field: string }) => e.field);
      expect(fields).toEqual(expect.arrayContaining(['to', 'html']));
    });

    it('401 without a key, 403 without the scope', async () => {
      const anon = await fetch(`${t.url}/api/v1/integrations/email/send`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } });
      expect(anon.status).toBe(401);
      const { key } = await t.hub.apiKeys.create({ name: 'reader', scopes: ['email:read'] });
      const res = await fetch(`${t.url}/api/v1/integrations/email/send`, {
        method: 'POST',
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        body: JSON.stringify({ to: 'a@example.com', subject: 's', text: 't' }),
      });
      expect(res.status).toBe(403);
      expect(((await res.json()) as { code: string }).code).toBe('forbidden');
    });

    it('async and sendAt answer 202 queued; the queue sends it', async () => {
      const res = await t.api('/api/v1/integrations/email/send', { body: { to: 'later@example.com', subject: 'Later', text: 'x', async: true } });
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ status: 'queued' });
      await expect.poll(async () => (await t.api(`/api/v1/integrations/email/${res.body.id}`)).body.status, { timeout: 10_000 }).toMatch(/sent|processed|delivered/);
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const scheduled = await t.api('/api/v1/integrations/email/send', { body: { to: 'later@example.com', subject: 'Later', text: 'x', sendAt: future } });
      expect(scheduled.status).toBe(202);
      const got = await t.api(`/api/v1/integrations/email/${scheduled.body.id}`);
      expect(got.body).toMatchObject({ status: 'queued', sendAt: future.replace(/\.\d+Z$/, (m) => m) });
    });

    it('Idempotency-Key: same key and body replays without a second send; other body is 409', async () => {
      const emu = t.hub.connections.emulator('sendgrid')!;
      const before = emu.accepted.length;
      const body = { to: 'idem@example.com', subject: 'Once', text: 'only once' };
      const headers = { 'idempotency-key': 'order-42' };
      const first = await t.api('/api/v1/integrations/email/send', { body, headers });
      const second = await t.api('/api/v1/integrations/email/send', { body, headers });
      expect(first.status).toBe(200);
      expect(second.status).toBe(200);
      expect(second.body).toEqual(first.body);
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      expect(emu.accepted.length).toBe(before + 1);
      const other = await t.api('/api/v1/integrations/email/send', { body: { ...body, text: 'changed' }, headers });
      expect(other.status).toBe(409);
      expect(other.body.code).toBe('idempotency_conflict');
    });

    it('the flows render built-in templates with escaping', async () => {
      const res = await t.api('/api/v1/integrations/email/password-reset', { body: { to: 'Ann <ann@example.com>', resetUrl: 'https://app.example.com/reset?t=1&u=2' } });
      expect(res.status).toBe(200);
      const sent = JSON.stringify(t.hub.connections.emulator('sendgrid')!.accepted.at(-1));
      expect(sent).toContain('Reset your password');
      expect(sent).toContain('t=1&amp;u=2');
    });
  });

  describe('health, OpenAPI, metrics', () => {
    it('health lists each provider with mode sandbox', async () => {
      const res = await fetch(`${t.url}/api/v1/integrations/health`);
      const body = (await res.json()) as { integrations: Record<string, unknown>[] };
      expect(res.status).toBe(200);
      // Per category, in registry order (other categories list their own providers too).
      const ofType = (type: string) => body.integrations.filter((i) => i.type === type).map((i) => i.provider);
      expect(ofType('email')).toEqual(['sendgrid', 'mailgun', 'smtp', 'gmail']);
      expect(ofType('payments')).toEqual(['stripe', 'paypal']);
      for (const i of body.integrations) {
        expect(i).toMatchObject({ status: 'healthy', enabled: true, mode: 'sandbox', last_error: null });
        expect(i).toHaveProperty('name');
      }
    });

    it('serves OpenAPI 3.1 documenting the email routes, and Prometheus metrics', async () => {
      const spec = (await (await fetch(`${t.url}/api/v1/openapi.json`)).json()) as { openapi: string; paths: Record<string, unknown> };
      expect(spec.openapi).toBe('3.1.0');
      expect(Object.keys(spec.paths)).toEqual(expect.arrayContaining(['/api/v1/integrations/email/send', '/api/v1/integrations/email/bulk', '/api/v1/jobs/{id}']));
      const metrics = await (await fetch(`${t.url}/metrics`)).text();
      expect(metrics).toContain('switchboard_provider_calls_total');
      expect(metrics).toMatch(/switchboard_webhooks_received_total\{provider="sendgrid",outcome="accepted"\} \d+/);
    });
  });
});
