/**
 * Signing an application's users in: `GET /auth/:provider/login?redirect=…` (public: a 302 to the
 * provider), the provider's return to `GET` or `POST /auth/:provider/callback` (POST: Apple's
 * `response_mode=form_post`, form-urlencoded, parsed for that route only), and
 * `POST /api/v1/identity/exchange` with `{code}` (scope `identity:exchange`): the profile, once.
 * See `connections/sign-in.ts`.
 *
 * @see https://developer.apple.com/documentation/signinwithapple/incorporating-sign-in-with-apple-into-other-platforms
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { z } from 'zod';
import { zodToHubError } from '../../../core/validation.js';
import type { SignIn, SignInResult } from '../../../connections/sign-in.js';
import { tenantOf } from '../../../kit/api.js';

/** What the sign-in routes reach. */
export interface SignInRouteDeps {
  signIn: SignIn;
}

type Params = Record<string, string | undefined>;

const loginQuery = z.object({
  redirect: z.url('must be an absolute URL on an origin of SWITCHBOARD_AUTH_REDIRECTS'),
  tenant: z.string().min(1).optional(),
  tenantId: z.string().min(1).optional(),
});
const exchangeInput = z.object({ code: z.string().min(1) });

const answer = (reply: FastifyReply, result: SignInResult) => {
  if ('redirect' in result) return reply.redirect(result.redirect, 302);
  return reply.code(result.status).send(result.body);
};

/** Only strings of a form or query reach the sign-in (a repeated field is dropped). */
const strings = (input: unknown): Params => Object.fromEntries(Object.entries((input ?? {}) as Record<string, unknown>).filter((kv): kv is [string, string] => typeof kv[1] === 'string'));

export const signInRoutes =
  (hub: SignInRouteDeps): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Params: { provider: string }; Querystring: Params }>(
      '/auth/:provider/login',
      { config: { public: true }, schema: { tags: ['identity'], summary: 'Sign a user in with a provider: redirects to it (state one-time, nonce, PKCE S256); `redirect` must be on an origin of SWITCHBOARD_AUTH_REDIRECTS' } },
      async (req, reply) => {
        const parsed = loginQuery.safeParse(req.query);
        if (!parsed.success) throw zodToHubError(parsed.error);
        return reply.redirect(await hub.signIn.login(req.params.provider, parsed.data), 302);
      },
    );
    app.get<{ Params: { provider: string }; Querystring: Params }>(
      '/auth/:provider/callback',
      { config: { public: true }, schema: { tags: ['identity'], summary: 'Where the provider sends the user back after sign-in (redirects to the application with a one-time code)' } },
      async (req, reply) => answer(reply, await hub.signIn.callback(req.params.provider, strings(req.query))),
    );
    await app.register(async (formPost) => {
      formPost.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => done(null, Object.fromEntries(new URLSearchParams(body as string))));
      formPost.post<{ Params: { provider: string } }>(
        '/auth/:provider/callback',
        { config: { public: true }, schema: { tags: ['identity'], summary: "The provider's form_post return after sign-in (Apple: code, state and, the first time, user)" } },
        async (req, reply) => answer(reply, await hub.signIn.callback(req.params.provider, strings(req.body))),
      );
    });
    app.post(
      '/api/v1/identity/exchange',
      { config: { scope: 'identity:exchange' }, schema: { tags: ['identity'], summary: "Exchange a sign-in's one-time code for the user's profile {provider, subject, email, emailVerified, name, picture, raw}, once", body: exchangeInput } },
      async (req) => {
        const parsed = exchangeInput.safeParse(req.body);
        if (!parsed.success) throw zodToHubError(parsed.error);
        return hub.signIn.exchange(parsed.data.code, tenantOf(req), req.principal!.scopes.includes('*'));
      },
    );
  };
