/**
 * A stand-in API under every sandboxed provider's `/<id>/api`, for what the proxy forwards to
 * "any endpoint" of a provider: `/<id>/api/_sandbox/echo/*` answers (any method) what arrived —
 * method, path, query, headers, and the body's size and SHA-256 read as a stream, so a body of
 * many megabytes is never held — and `/<id>/api/_sandbox/bytes/:n` streams `n` bytes of a fixed
 * pattern ({@link patternByte}), optionally pausing after the first chunk (`?pauseMs=`).
 * Both want a live access token of that provider, as the vendor's API would (401 otherwise).
 *
 * @example
 * await fetch(`${emu.url}/github/api/_sandbox/echo/repos?x=1`, { method: 'PUT', headers: { authorization: `Bearer ${token}` }, body });
 * // { method: 'PUT', path: '/github/api/_sandbox/echo/repos', query: 'x=1', headers: {…}, body: { bytes: 12, sha256: '…', text: '…' } }
 */
import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { OAuthProviderEntry } from '../../oauth/types.js';
import type { SandboxContext } from './context.js';
import { bearer } from './wire.js';

/** Bodies up to this size are echoed as text too. */
const ECHO_TEXT_MAX = 64 * 1024;
const CHUNK = 64 * 1024;

/**
 * Byte `i` of what `/_sandbox/bytes/:n` streams.
 *
 * @example
 * Buffer.from(Array.from({ length: 4 }, (_, i) => patternByte(i)))
 */
export const patternByte = (i: number): number => (i * 31 + 7) & 0xff;

function patternChunk(from: number, length: number): Buffer {
  const b = Buffer.allocUnsafe(length);
  for (let i = 0; i < length; i++) b[i] = patternByte(from + i);
  return b;
}

/**
 * Register the echo and bytes routes of `entry`, in a scope whose bodies reach the handler unread.
 *
 * @example
 * registerApiEcho(app, ctx, entry, (reply) => unauthorized(reply, entry));
 */
export function registerApiEcho(app: FastifyInstance, ctx: SandboxContext, entry: OAuthProviderEntry, unauthorized: (reply: FastifyReply) => FastifyReply): void {
  const base = `/${entry.id}/api/_sandbox`;
  const authorized = (req: FastifyRequest): boolean => {
    const record = ctx.state.liveAccess(bearer(req) ?? '');
    return !!record && record.provider === entry.id;
  };
  void app.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', (_req, _payload, done) => done(null));
    scope.route({
      method: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'],
      url: `${base}/echo/*`,
      handler: async (req, reply) => {
        if (!authorized(req)) return unauthorized(reply);
        const hash = createHash('sha256');
        let bytes = 0;
        const head: Buffer[] = [];
        for await (const chunk of req.raw as AsyncIterable<Buffer>) {
          hash.update(chunk);
          if (bytes < ECHO_TEXT_MAX) head.push(chunk);
          bytes += chunk.length;
        }
        const [path, query = ''] = req.url.split('?', 2) as [string, string?];
        return {
          method: req.method,
          path,
          query,
          headers: req.headers,
          body: { bytes, sha256: hash.digest('hex'), ...(bytes <= ECHO_TEXT_MAX && { text: Buffer.concat(head).toString('utf8') }) },
        };
      },
    });
    scope.get<{ Params: { n: string }; Querystring: { pauseMs?: string } }>(`${base}/bytes/:n`, async (req, reply: FastifyReply) => {
      if (!authorized(req)) return unauthorized(reply);
      const n = Number(req.params.n);
      if (!Number.isSafeInteger(n) || n < 0 || n > 256 * 1024 * 1024) return reply.code(400).send({ message: 'n: 0 to 268435456 bytes' });
      const pauseMs = Math.min(Number(req.query.pauseMs ?? 0) || 0, 10_000);
      async function* chunks() {
        for (let at = 0; at < n; at += CHUNK) {
          yield patternChunk(at, Math.min(CHUNK, n - at));
          if (at === 0 && pauseMs > 0) await new Promise((r) => setTimeout(r, pauseMs));
        }
      }
      return reply.type('application/octet-stream').header('content-length', String(n)).send(Readable.from(chunks()));
    });
  });
}
