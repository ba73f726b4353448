/**
 * LinkedIn's versioned REST API as far as the typed subset uses it, under `/linkedin/api`:
 * `POST /rest/posts` (validated as LinkedIn does: version headers, `w_member_social`, the author
 * being the token's member, required fields, commentary length; the post kept, its URN in
 * `x-restli-id`), `GET /rest/posts/:urn` (the kept post) and `GET /rest/organizations/:id`.
 * Errors in LinkedIn's shape: `{ status, code, message }`, 422 with `errorDetails.inputErrors`.
 *
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/community-management/organizations/organization-lookup-api
 * @see https://learn.microsoft.com/en-us/linkedin/marketing/versioning
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SandboxContext } from './context.js';
import type { TokenRecord } from './state.js';
import { bearer } from './wire.js';

const BASE = '/linkedin/api/rest';
const VISIBILITY = ['PUBLIC', 'CONNECTIONS', 'LOGGED_IN', 'CONTAINER'];
const FEED = ['MAIN_FEED', 'NONE'];
const LIFECYCLE = ['PUBLISHED', 'DRAFT', 'PUBLISH_REQUESTED'];
const COMMENTARY_MAX = 3000;

/** The organizations the sandbox knows (LinkedIn's documentation example among them). */
const ORGANIZATIONS: Record<string, { localizedName: string; vanityName: string; localizedWebsite: string }> = {
  '2414183': { localizedName: 'Devtestco', vanityName: 'devtestco', localizedWebsite: 'https://www.example.com' },
  '5515715': { localizedName: 'Analytical Engines Ltd', vanityName: 'analytical-engines', localizedWebsite: 'https://engines.example.com' },
};

const fail = (reply: FastifyReply, status: number, code: string, message: string) => reply.code(status).send({ status, code, message });

function inputError(reply: FastifyReply, fieldPath: string, description: string, code = 'INVALID_VALUE'): FastifyReply {
  return reply.code(422).send({
    errorDetailType: 'com.linkedin.common.error.BadRequest',
    message: `${fieldPath} :: ${description}`,
    errorDetails: { inputErrors: [{ description, input: { inputPath: { fieldPath } }, code }] },
    status: 422,
  });
}

/** The version headers every `/rest` call needs; answers the error reply, or undefined when fine. */
function versionProblem(req: FastifyRequest, reply: FastifyReply): FastifyReply | undefined {
  const version = req.headers['linkedin-version'];
  if (typeof version !== 'string') return fail(reply, 400, 'VERSION_MISSING', 'A version must be present. Please specify a version by adding the LinkedIn-Version header.');
  if (!/^\d{6}(\.\d{2})?$/.test(version)) return fail(reply, 426, 'NONEXISTENT_VERSION', `Requested version ${version} is not active`);
  if (req.headers['x-restli-protocol-version'] !== '2.0.0') return fail(reply, 400, 'ILLEGAL_ARGUMENT', 'X-Restli-Protocol-Version 2.0.0 is required');
  return undefined;
}

/**
 * Register LinkedIn's posts and organizations resources (the kept posts live as long as the server).
 *
 * @example
 * if (entry.id === 'linkedin') registerLinkedInApi(app, ctx);
 */
export function registerLinkedInApi(app: FastifyInstance, ctx: SandboxContext): void {
  const posts = new Map<string, Record<string, unknown>>();
  let next = 7_100_000_000_000_000_000n;
  const member = (req: FastifyRequest): TokenRecord | undefined => {
    const record = ctx.state.liveAccess(bearer(req) ?? '');
    return record?.provider === 'linkedin' && record.user ? record : undefined;
  };
  const invalidToken = (reply: FastifyReply) => reply.code(401).send({ serviceErrorCode: 65600, code: 'INVALID_ACCESS_TOKEN', message: 'Invalid access token', status: 401 });

  app.post(`${BASE}/posts`, async (req, reply) => {
    const token = member(req);
    if (!token) return invalidToken(reply);
    const version = versionProblem(req, reply);
    if (version) return version;
    if (!token.scopes.includes('w_member_social')) return fail(reply, 403, 'ACCESS_DENIED', `Not enough permissions to access: partnerApiPostsExternal.CREATE.${req.headers['linkedin-version']}`);
    const body = (typeof req.body === 'object' && req.body !== null ? req.body : {}) as Record<string, unknown>;
    for (const field of ['author', 'commentary', 'visibility', 'distribution', 'lifecycleState']) {
      if (body[field] === undefined) return inputError(reply, `/${field}`, 'field is required but not found and has no default value', 'FIELD_REQUIRED');
    }
    if (typeof body.commentary !== 'string') return inputError(reply, '/commentary', 'must be a string');
    if (body.commentary.length > COMMENTARY_MAX) return inputError(reply, '/commentary', `length ${body.commentary.length} exceeds ${COMMENTARY_MAX}`, 'MAX_LENGTH_EXCEEDED');
    if (!VISIBILITY.includes(body.visibility as string)) return inputError(reply, '/visibility', `must be one of ${VISIBILITY.join(', ')}`);
    if (!LIFECYCLE.includes(body.lifecycleState as string)) return inputError(reply, '/lifecycleState', `must be one of ${LIFECYCLE.join(', ')}`);
    const distribution = body.distribution as { feedDistribution?: unknown } | null;
    if (typeof distribution !== 'object' || distribution === null || !FEED.includes(distribution.feedDistribution as string)) {
      return inputError(reply, '/distribution/feedDistribution', `must be one of ${FEED.join(', ')}`);
    }
    if (typeof body.author !== 'string' || !/^urn:li:(person|organization):[\w-]+$/.test(body.author)) return inputError(reply, '/author', 'must be a person or organization URN');
    if (body.author !== `urn:li:person:${token.user!.subject}`) {
      return fail(reply, 403, 'ACCESS_DENIED', `Unpermitted author ${body.author}: the member may post only as urn:li:person:${token.user!.subject} (organization posts need w_organization_social)`);
    }
    const id = `urn:share:${next++}`;
    const now = Date.now();
    posts.set(id, { ...body, id, createdAt: now, publishedAt: now, lastModifiedAt: now });
    return reply.code(201).header('x-restli-id', id).header('x-linkedin-id', id).send();
  });

  app.get<{ Params: { urn: string } }>(`${BASE}/posts/:urn`, async (req, reply) => {
    if (!member(req)) return invalidToken(reply);
    const version = versionProblem(req, reply);
    if (version) return version;
    const post = posts.get(req.params.urn);
    return post ?? fail(reply, 404, 'NOT_FOUND', `Post ${req.params.urn} does not exist`);
  });

  app.get<{ Params: { id: string } }>(`${BASE}/organizations/:id`, async (req, reply) => {
    if (!member(req)) return invalidToken(reply);
    const version = versionProblem(req, reply);
    if (version) return version;
    const org = ORGANIZATIONS[req.params.id];
    if (!org) return fail(reply, 404, 'NOT_FOUND', `Organization urn:li:organization:${req.params.id} does not exist`);
    const id = Number(req.params.id);
    return {
      id,
      $URN: `urn:li:organization:${id}`,
      localizedName: org.localizedName,
      name: { localized: { en_US: org.localizedName }, preferredLocale: { country: 'US', language: 'en' } },
      vanityName: org.vanityName,
      localizedWebsite: org.localizedWebsite,
      primaryOrganizationType: 'NONE',
      locations: [],
    };
  });
}
