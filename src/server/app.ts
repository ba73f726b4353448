/**
 * The REST server (Fastify): Bearer API keys with scopes, problem+json errors, Idempotency-Key
 * on POSTs, OpenAPI 3.1 at `/api/v1/openapi.json` with a docs page at `/docs`, `/metrics`.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { HubError } from '../core/errors.js';
import type { Clock } from '../core/clock.js';
import type { Logger } from '../core/logger.js';
import type { Store } from '../store/store.js';
import type { Registry } from 'prom-client';
import type { FastifyPluginAsync } from 'fastify';
import { hasScope } from './api-key-store.js';
import '../kit/api.js';
import { registerIdempotency } from './idempotency.js';
import { sendProblem } from './problem.js';
import { requestLogSerializers } from './request-log.js';
import type { HubConfig } from '../core/config.js';
import { API_VERSION } from '../core/version.js';
import { connectionRoutes, type ConnectionRouteDeps } from './routes/v1/connections.js';
import { oauthRoutes, type OAuthRouteDeps } from './routes/v1/oauth.js';
import { proxyRoutes, type ProxyRouteDeps } from './routes/v1/proxy.js';
import { signInRoutes, type SignInRouteDeps } from './routes/v1/sign-in.js';
import { healthRoutes, type HealthDeps } from './routes/v1/health.js';
import { webhookRoutes } from './routes/webhooks.js';
import type { ApiKeyStore } from './api-key-store.js';

export { API_VERSION } from '../core/version.js';

/**
 * What the server reaches: the hub satisfies it. The server imports no hub wiring; categories and
 * modules hand it their routes as plugins (`routePlugins`).
 */
export interface ServerDeps extends HealthDeps, ConnectionRouteDeps, OAuthRouteDeps, SignInRouteDeps, ProxyRouteDeps {
  config: Pick<HubConfig, 'bodyLimitBytes'>;
  logger: Logger;
  store: Store;
  clock: Clock;
  registry: Registry;
  apiKeys: ApiKeyStore;
  inbox: Parameters<typeof webhookRoutes>[0]['inbox'];
  /** Routes of the categories and modules (events, outgoing webhooks, sources). */
  routePlugins: FastifyPluginAsync[];
}

export async function buildServer(hub: ServerDeps): Promise<FastifyInstance> {
  const app: FastifyInstance = Fastify({
    // Each request is logged at info (LOG_LEVEL=silent quiets it), credentials and signatures blanked.
    loggerInstance: hub.logger.child({ mod: 'http' }, { serializers: requestLogSerializers }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: false }),
    // A child logger per request binds its reqId; with logging off (LOG_LEVEL=silent) nothing
    // would be written through it, so the request shares the server's logger instead.
    childLoggerFactory: (logger, bindings, opts) => (logger.level === 'silent' ? logger : logger.child(bindings, opts)),
    bodyLimit: hub.config.bodyLimitBytes,
    genReqId: () => `req_${Math.random().toString(36).slice(2, 12)}${Date.now().toString(36)}`,
  });
  // Request bodies are validated by the services' zod schemas (one place, used by the library
  // too); the route schemas document them in OpenAPI.
  app.setValidatorCompiler(() => (data) => ({ value: data }));
  app.setErrorHandler((err, req, reply) => sendProblem(reply, req, err));
  app.setNotFoundHandler((req, reply) => sendProblem(reply, req, new HubError('not_found', `No route ${req.method} ${req.url.split('?')[0]}`)));
  app.addHook('onSend', (req, reply, payload, done) => {
    reply.header('x-request-id', req.id);
    done(null, payload);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Switchboard', version: API_VERSION, description: 'One API for email, payments, SMS and more, with verified webhooks and provider failover.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key from `switchboard keys create`' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  // Public routes (webhooks, health) pass straight through, without a promise per request.
  app.addHook('onRequest', (req, _reply, done) => {
    if (!req.routeOptions.config.scope) return done();
    authenticate(req).then(() => done(), done);
  });
  const authenticate = async (req: FastifyRequest) => {
    const config = req.routeOptions.config;
    if (!config.scope) return;
    // RFC 9110: the scheme name is case-insensitive (`bearer`, `BEARER`).
    const token = /^bearer\s+(\S.*)$/i.exec(req.headers.authorization?.trim() ?? '')?.[1]?.trim();
    if (!token) throw new HubError('unauthorized', 'Send your API key as `Authorization: Bearer <key>`');
    const principal = await hub.apiKeys.authenticate(token);
    if (!principal) throw new HubError('unauthorized', 'Unknown or revoked API key');
    if (!hasScope(principal.scopes, config.scope)) throw new HubError('forbidden', `This API key lacks the scope "${config.scope}"`);
    req.principal = principal;
    // API bodies are JSON: a body sent without a Content-Type, or as text/plain (what fetch and
    // curl send for a string), would reach the route as a string; say which header to send.
    const hasBody = Number(req.headers['content-length'] ?? 0) > 0 || req.headers['transfer-encoding'] !== undefined;
    const type = req.headers['content-type'];
    if (hasBody && !config.anyBody && (!type || /^text\/plain\b/i.test(type))) {
      throw new HubError('unsupported_media_type', `${type ? `Content-Type ${type} is` : 'A body without a Content-Type is'} not accepted here; send \`Content-Type: application/json\` with a JSON body`);
    }
  };
  registerIdempotency(app, hub.store, hub.clock);

  app.get('/api/v1/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/metrics', { config: { public: true }, schema: { hide: true } }, async (_req, reply) => {
    reply.type(hub.registry.contentType);
    return hub.registry.metrics();
  });
  app.get('/', { config: { public: true }, schema: { hide: true } }, async () => ({ name: 'switchboard', version: API_VERSION, docs: '/docs', openapi: '/api/v1/openapi.json', health: '/api/v1/integrations/health' }));

  await app.register(healthRoutes(hub));
  await app.register(connectionRoutes(hub));
  await app.register(oauthRoutes(hub));
  await app.register(proxyRoutes(hub));
  await app.register(signInRoutes(hub));
  await app.register(webhookRoutes(hub));
  for (const plugin of hub.routePlugins) await app.register(plugin);
  await app.ready();
  return app;
}
