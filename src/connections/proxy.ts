/**
 * The authenticated proxy: a request of a tenant's application forwarded to the API of one of its
 * connections through the connection's transport (`connections.http(connection)`), so the
 * connection's auth, token refresh (and one retry after a 401), retries where safe, rate limit,
 * breaker, metrics and redacted audit log apply. Bodies stream both ways; a body of at most
 * {@link REPLAYABLE_MAX} bytes with a known length is held so it can be sent again (retries, the
 * 401 retry), a larger one streams once. The target is the connection's API base joined with the
 * path, and only on the provider's hosts (`proxy-target.ts`).
 *
 * A provider's error answer comes back as it is (status, headers, body); the hub's own failures
 * (unknown connection, inactive connection, a refused path) are thrown as HubErrors.
 *
 * @example
 * const answer = await proxy.request('acme', 'conn_01…', { method: 'GET', path: '/user/repos?per_page=5' });
 * answer.status; // 200
 * for await (const chunk of answer.body) process.stdout.write(chunk);
 */
import { Readable } from 'node:stream';
import { HubError, toHubError } from '../core/errors.js';
import type { ProviderCatalog } from '../kit/catalog.js';
import type { ResolvedConnection } from '../kit/connector.js';
import { rebuild } from '../transport/failures.js';
import type { AuthSpec, BodyStream, HttpResponse, ProviderHttp } from '../transport/types.js';
import type { ConnectionManager } from './connections.js';
import { allowedHosts, catalogEntry, proxyTarget } from './proxy-target.js';

/** Bodies up to this many bytes (with a Content-Length) are read first, so they can be sent again. */
export const REPLAYABLE_MAX = 256 * 1024;
/** Per-attempt time for a request whose body streams (the upload counts against it). */
const STREAMED_TIMEOUT_MS = 300_000;

/** RFC 9110 §7.6.1 hop-by-hop fields, and what the caller says to the hub, never to the provider. */
const HOP_BY_HOP = ['connection', 'keep-alive', 'proxy-connection', 'proxy-authenticate', 'proxy-authorization', 'te', 'trailer', 'trailers', 'transfer-encoding', 'upgrade'];
const CALLER_ONLY = ['authorization', 'cookie', 'host', 'expect', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'accept-encoding'];
/** Not passed back: cookies for the provider's domain would land on the hub's. */
const PROVIDER_ONLY = ['set-cookie', 'set-cookie2'];

/** One request to forward. */
export interface ProxyRequest {
  method: string;
  /** The path under the connection's API base, with its query string: `/user/repos?per_page=5`. */
  path: string;
  headers?: Record<string, string | string[] | undefined>;
  /** A stream (read once, or held when small and `content-length` says so), bytes, or text. */
  body?: BodyStream | Buffer | string;
  signal?: AbortSignal;
}

/** The provider's answer: status, headers (hop-by-hop ones removed) and the body as a stream. */
export interface ProxyAnswer {
  status: number;
  headers: Record<string, string>;
  body: Readable;
}

const ANSWER = Symbol('proxied answer');
/** Names another of the provider's hosts (`uploads.github.com`) instead of the API base's. */
export const HOST_HEADER = 'switchboard-proxy-host';

/**
 * Headers without hop-by-hop fields (and those the `Connection` field names) and without `drop`.
 *
 * @example
 * forwardable({ connection: 'x-a', 'x-a': '1', accept: 'application/json' }, ['authorization']) // { accept: 'application/json' }
 */
export function forwardable(headers: Record<string, string | string[] | undefined>, drop: readonly string[]): Record<string, string> {
  const named = String(headers.connection ?? '').toLowerCase().split(',').map((s) => s.trim());
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    const lower = name.toLowerCase();
    if (value === undefined || HOP_BY_HOP.includes(lower) || named.includes(lower) || drop.includes(lower)) continue;
    out[lower] = Array.isArray(value) ? value.join(', ') : value;
  }
  return out;
}

export class ConnectionProxy {
  constructor(private readonly o: { connections: ConnectionManager; catalog: ProviderCatalog }) {}

  /**
   * An active connection and its transport: `not_found` when the connection does not exist or
   * belongs to another tenant than `tenantId` (undefined: the in-process library, any tenant),
   * `connection_inactive` (409) when it is disabled or needs the user to connect again.
   *
   * @example
   * const { http } = await proxy.open('conn_01…', 'acme');
   */
  async open(connectionId: string, tenantId?: string): Promise<{ connection: ResolvedConnection; http: ProviderHttp }> {
    const connection = await this.o.connections.byId(connectionId);
    if (!connection || (tenantId !== undefined && connection.tenantId !== tenantId)) throw new HubError('not_found', `No connection ${connectionId}`);
    if (connection.status && connection.status !== 'active') {
      throw new HubError('connection_inactive', `Connection ${connection.id} (${connection.provider}) is ${connection.status}${connection.statusReason ? `: ${connection.statusReason}` : ''}`, { provider: connection.provider, details: { connectionId: connection.id, status: connection.status } });
    }
    return { connection, http: this.o.connections.http(connection) };
  }

  /**
   * Forward `req` to the API of `connectionId` (a connection of `tenantId`): the provider's answer,
   * errors included; a HubError for the hub's own failures.
   *
   * @example
   * const { status, headers, body } = await proxy.request('acme', 'conn_01…', { method: 'PUT', path: '/upload/x', headers: { 'content-type': 'application/zip' }, body: createReadStream(file) });
   */
  async request(tenantId: string, connectionId: string, req: ProxyRequest): Promise<ProxyAnswer> {
    const { connection, http } = await this.open(connectionId, tenantId);
    const manifest = this.o.catalog.get(connection.provider).manifest;
    const headers = { ...apiHeaders(manifest.oauth ?? manifest.id), ...forwardable(req.headers ?? {}, CALLER_ONLY) };
    const host = headers[HOST_HEADER];
    delete headers[HOST_HEADER];
    const path = proxyTarget(connection.baseUrl, req.path, allowedHosts(connection, manifest), host);
    const { body, streamed } = await readBody(req.body, headers);
    // The caller's key in the provider's idempotency header makes a POST safe to retry.
    const keyHeader = manifest.idempotencyHeader?.toLowerCase();
    const idempotencyKey = keyHeader ? headers[keyHeader] : undefined;
    if (keyHeader) delete headers[keyHeader];
    try {
      const res = await http.request({
        method: req.method,
        path,
        headers,
        body,
        responseType: 'stream',
        operation: `proxy.${req.method.toLowerCase()}`,
        signal: req.signal,
        idempotencyKey,
        // The transport sends the manifest's credentials to the base URL's origin only: say it for the provider's other hosts.
        ...(path.startsWith('https://') && { auth: manifest.auth as AuthSpec }),
        ...(streamed && { timeoutMs: STREAMED_TIMEOUT_MS }),
        // Keep the provider's own answer on the error, to hand it back as it came.
        mapError: (answer: HttpResponse) => {
          const err = manifest.mapError(answer);
          return rebuild(err, { details: { ...err.details, [ANSWER]: answer } });
        },
      });
      return { status: res.status, headers: forwardable(res.headers, PROVIDER_ONLY), body: res.body };
    } catch (err) {
      const answer = answerOf(err);
      if (!answer) throw toHubError(err);
      const out = forwardable(answer.headers, [...PROVIDER_ONLY, 'content-length', 'content-encoding']);
      return { status: answer.status, headers: out, body: Readable.from([Buffer.from(answer.text)]) };
    }
  }
}

/** The provider's answer carried by a HubError of {@link ConnectionProxy.request} (or a cause of it). */
function answerOf(err: unknown): HttpResponse | undefined {
  for (let e = err, depth = 0; e instanceof HubError && depth < 5; e = e.cause, depth++) {
    const answer = (e.details as Record<symbol, unknown> | undefined)?.[ANSWER];
    if (answer) return answer as HttpResponse;
  }
  return undefined;
}

/** Headers the catalog says every call of this API carries (LinkedIn's `X-Restli-Protocol-Version`); the caller's win. */
function apiHeaders(oauthId: string): Record<string, string> {
  return catalogEntry(oauthId)?.api.headers ?? {};
}

/** A small body with a known length is held (replayable); a larger or unknown one streams once. */
async function readBody(body: ProxyRequest['body'], headers: Record<string, string>): Promise<{ body: BodyStream | Buffer | string | undefined; streamed: boolean }> {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) return { body, streamed: false };
  const length = Number(headers['content-length'] ?? NaN);
  if (!(length <= REPLAYABLE_MAX)) return { body, streamed: true };
  const chunks: Buffer[] = [];
  for await (const chunk of body) chunks.push(Buffer.from(chunk));
  const bytes = Buffer.concat(chunks);
  headers['content-length'] = String(bytes.length);
  return { body: bytes.length > 0 ? bytes : undefined, streamed: false };
}
