/**
 * Email templates through the REST API, on SQLite and PostgreSQL: create, list (own and
 * built-in), get by id or name, update, render with escaping, missing variables, overriding a
 * built-in (and a send by templateId using the override), and what cannot be deleted.
 */
import { afterAll, beforeAll, describe, expect, it as baseIt } from 'vitest';
import type { SendgridEmulator } from '../src/providers/sendgrid/emulator/server.js';
import { startTestHub, type TestHub } from './helpers/hub.js';
import { postgresAvailable, postgresFixture, sqliteFixture, type StoreFixture } from './helpers/stores.js';

const hasPg = await postgresAvailable();
const T = '/api/v1/integrations/email/templates';
const SEND = '/api/v1/integrations/email/send';
const BUILT_INS = ['invoice', 'password-reset', 'verify-email', 'welcome'];

const shipped = {
  name: 'order-shipped',
  subject: 'Order {{order.id}} shipped to {{name}}',
  html: '<p>Hi {{name}},</p><p>Order {{order.id}} is on its way.</p>{{{trackingHtml}}}',
  text: 'Hi {{name}}, order {{order.id}} is on its way: {{trackingUrl}}',
};

describe.each([
  ['sqlite', sqliteFixture],
  ['postgres', postgresFixture],
] as const)('email templates on %s', (dialect, makeFixture) => {
  let t: TestHub;
  let fixture: StoreFixture;
  let otherKey: string;
  let shippedId: string;
  beforeAll(async () => {
    if (dialect === 'postgres' && !hasPg) return;
    fixture = makeFixture();
    await (await fixture.open()).close();
    t = await startTestHub({ DATABASE_URL: fixture.options.databaseUrl! });
    ({ key: otherKey } = await t.hub.apiKeys.create({ name: 'other', tenantId: 'other' }));
  });
  afterAll(async () => {
    await t?.close();
    await fixture?.cleanup();
  });
  const it = dialect === 'postgres' && !hasPg ? baseIt.skip : baseIt;

  const as = (key: string, path: string, body?: unknown, method?: string) => t.as(key, path, body, method);

  const lastMail = () => (t.hub.connections.emulator('sendgrid') as SendgridEmulator).accepted.at(-1)!.body;
  const contentOf = (mail: ReturnType<typeof lastMail>, type: string) => mail.content?.find((c) => c.type === type)?.value;

  it('POST creates a template: 201 with its id; a second one of that name is 409; bad input is a 400 naming the field', async () => {
    const res = await t.api(T, { body: shipped });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ ...shipped, id: expect.stringMatching(/^tpl_/), builtIn: false, createdAt: expect.any(String) });
    shippedId = res.body.id;
    const dup = await t.api(T, { body: { ...shipped, subject: 'other' } });
    expect(dup.status).toBe(409);
    expect(dup.body.code).toBe('conflict');
    const bad = await t.api(T, { body: { name: 'Bad Name', html: '<p>x</p>' } });
    expect(bad.status).toBe(400);
    expect(bad.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['name', 'subject']);
    const noBody = await t.api(T, { body: { name: 'no-body', subject: 's' } });
    expect(noBody.status).toBe(400);
    expect(noBody.body.errors.map((e: { field: string }) => e.field)).toEqual(['html']);
    const { key: sendOnly } = await t.hub.apiKeys.create({ name: 'sender', scopes: ['email:send'] });
    expect((await as(sendOnly, T, { ...shipped, name: 'nope' })).status).toBe(403);
  });

  it('GET lists the tenant’s own templates and the built-in ones; another tenant sees only the built-ins', async () => {
    const res = await t.api(T);
    expect(res.status).toBe(200);
    const byName = new Map<string, { id: string; builtIn: boolean }>(res.body.data.map((x: { name: string; id: string; builtIn: boolean }) => [x.name, x]));
    expect([...byName.keys()].sort()).toEqual([...BUILT_INS, 'order-shipped'].sort());
    expect(byName.get('order-shipped')).toMatchObject({ id: shippedId, builtIn: false });
    for (const name of BUILT_INS) expect(byName.get(name)).toMatchObject({ id: name, builtIn: true });
    const other = await as(otherKey, T);
    expect(other.body.data.map((x: { name: string }) => x.name).sort()).toEqual(BUILT_INS);
  });

  it('GET by id and by name answer the same template; unknown names (prototype keys too) and other tenants’ ids are 404', async () => {
    const byId = await t.api(`${T}/${shippedId}`);
    const byName = await t.api(`${T}/order-shipped`);
    expect(byId.status).toBe(200);
    expect(byId.body).toMatchObject({ ...shipped, id: shippedId, builtIn: false });
    expect(byName.body).toEqual(byId.body);
    const builtIn = await t.api(`${T}/invoice`);
    expect(builtIn.body).toMatchObject({ id: 'invoice', name: 'invoice', builtIn: true, subject: 'Invoice {{invoiceNumber}}' });
    for (const name of ['nope', 'constructor', 'toString', '__proto__', 'hasOwnProperty']) {
      const res = await t.api(`${T}/${name}`);
      expect(res.status, name).toBe(404);
      expect(res.body.code).toBe('not_found');
    }
    expect((await t.api(`${T}/nope`)).body.detail).toContain('welcome'); // names the built-ins
    expect((await as(otherKey, `${T}/${shippedId}`)).status).toBe(404);
    expect((await as(otherKey, `${T}/order-shipped`)).status).toBe(404);
  });

  it('PUT updates a template by id or name; renaming onto a taken name is a 409', async () => {
    const res = await t.api(`${T}/${shippedId}`, { method: 'PUT', body: { ...shipped, subject: 'Your order {{order.id}} shipped, {{name}}' } });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: shippedId, subject: 'Your order {{order.id}} shipped, {{name}}' });
    expect((await t.api(`${T}/order-shipped`)).body.subject).toBe('Your order {{order.id}} shipped, {{name}}');
    const byName = await t.api(`${T}/order-shipped`, { method: 'PUT', body: { ...shipped, text: 'Hi {{name}}, {{trackingUrl}}' } });
    expect(byName.body).toMatchObject({ id: shippedId, subject: shipped.subject, text: 'Hi {{name}}, {{trackingUrl}}' });
    const spare = await t.api(T, { body: { name: 'spare', subject: 's', text: 't' } });
    expect(spare.status).toBe(201);
    const clash = await t.api(`${T}/spare`, { method: 'PUT', body: { ...shipped } });
    expect(clash.status).toBe(409);
    expect(clash.body.code).toBe('conflict');
    expect((await t.api(`${T}/spare`)).body.subject).toBe('s');
    expect((await t.api(`${T}/nope`, { method: 'PUT', body: shipped })).status).toBe(404);
  });

  it('render escapes variables in html, keeps them raw in text and subject; {{{x}}} is raw html', async () => {
    const variables = {
      name: '<script>alert("x")</script>',
      order: { id: 'A&B-1' },
      trackingHtml: '<a href="https://track.example/1">track</a>',
      trackingUrl: 'https://track.example/1?a=1&b=2',
    };
    const res = await t.api(`${T}/order-shipped/render`, { body: { variables } });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Order A&B-1 shipped to <script>alert("x")</script>');
    expect(res.body.html).toBe('<p>Hi &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;,</p><p>Order A&amp;B-1 is on its way.</p><a href="https://track.example/1">track</a>');
    expect(res.body.html).not.toContain('<script>');
    expect(res.body.text).toBe('Hi <script>alert("x")</script>, https://track.example/1?a=1&b=2');
  });

  it('a missing variable is a 400 naming each variables.<path>', async () => {
    const res = await t.api(`${T}/order-shipped/render`, { body: { variables: { name: 'Ann', order: {} } } });
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('validation_failed');
    expect(res.body.errors.map((e: { field: string }) => e.field).sort()).toEqual(['variables.order.id', 'variables.trackingHtml', 'variables.trackingUrl']);
    const send = await t.api(SEND, { body: { to: 'ann@example.com', templateId: 'order-shipped', variables: { name: 'Ann' } } });
    expect(send.status).toBe(400);
    expect(send.body.errors.map((e: { field: string }) => e.field)).toContain('variables.order.id');
  });

  it('PUT on a built-in overrides it for this tenant; sends by templateId use the override; deleting the override restores the built-in', async () => {
    const before = await t.api(SEND, { body: { to: 'ann@example.com', templateId: 'welcome', variables: { name: 'Ann' } } });
    expect(before.status).toBe(200);
    expect(lastMail().subject).toBe('Welcome, Ann!');

    const override = { name: 'welcome', subject: 'Acme says hi, {{name}}', html: '<p>Acme welcomes {{name}}</p>', text: 'Acme welcomes {{name}}' };
    const put = await t.api(`${T}/welcome`, { method: 'PUT', body: override });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ ...override, id: expect.stringMatching(/^tpl_/), builtIn: false });
    const list = (await t.api(T)).body.data.filter((x: { name: string }) => x.name === 'welcome');
    expect(list).toEqual([expect.objectContaining({ id: put.body.id, builtIn: false })]);
    // A second PUT edits the override (no duplicate, no conflict).
    const again = await t.api(`${T}/welcome`, { method: 'PUT', body: { ...override, subject: 'Acme welcomes you, {{name}}' } });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(put.body.id);

    const sent = await t.api(SEND, { body: { to: 'ann@example.com', templateId: 'welcome', variables: { name: 'Ann & <Bo>' } } });
    expect(sent.status).toBe(200);
    const mail = lastMail();
    expect(mail.subject).toBe('Acme welcomes you, Ann & <Bo>');
    expect(contentOf(mail, 'text/html')).toBe('<p>Acme welcomes Ann &amp; &lt;Bo&gt;</p>');
    expect(contentOf(mail, 'text/plain')).toBe('Acme welcomes Ann & <Bo>');
    // Another tenant still gets the built-in.
    expect((await as(otherKey, SEND, { to: 'bob@example.com', templateId: 'welcome', variables: { name: 'Bob' } })).status).toBe(200);
    expect(lastMail().subject).toBe('Welcome, Bob!');

    expect((await t.api(`${T}/welcome`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`${T}/welcome`)).body).toMatchObject({ id: 'welcome', builtIn: true, subject: 'Welcome, {{name}}!' });
  });

  it('DELETE: a built-in is a 409; an own template is 204, then 404', async () => {
    const builtIn = await t.api(`${T}/invoice`, { method: 'DELETE' });
    expect(builtIn.status).toBe(409);
    expect(builtIn.body.code).toBe('conflict');
    expect(builtIn.body.detail).toContain('PUT');
    expect((await t.api(`${T}/welcome`, { method: 'DELETE' })).status).toBe(409); // the override is gone: built-in again
    expect((await as(otherKey, `${T}/${shippedId}`, undefined, 'DELETE')).status).toBe(404);
    expect((await t.api(`${T}/${shippedId}`, { method: 'DELETE' })).status).toBe(204);
    expect((await t.api(`${T}/${shippedId}`)).status).toBe(404);
    expect((await t.api(`${T}/${shippedId}`, { method: 'DELETE' })).status).toBe(404);
  });
});
