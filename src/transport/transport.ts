/**
 * The ONE outbound path. Every provider call goes through {@link Transport.forConnection}.
 *
 * (Interim minimal version: dispatch + error mapping. Policies — timeout, retry with backoff
 * honouring Retry-After, rate limit, breaker, metrics, audit — are layered on in this folder.)
 */
import { request as undiciRequest } from 'undici';
import { HubError } from '../core/errors.js';
import type { ProviderManifest, ResolvedConnection } from '../providers/types.js';
import type { Dispatcher, ExecuteOptions, HttpRequest, HttpResponse, ProviderHttp } from './types.js';

export interface TransportOptions {
  dispatcher?: Dispatcher;
}

/** Default dispatcher: undici's pooled `request`. */
export const undiciDispatcher: Dispatcher = async ({ url, method, headers, body, signal }) => {
  const res = await undiciRequest(url, { method, headers, body: body as never, signal });
  const flat: Record<string, string> = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v !== undefined) flat[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return { status: res.statusCode, headers: flat, text: await res.body.text() };
};

export function buildUrl(baseUrl: string, path: string, query?: HttpRequest['query']): string {
  const url = new URL(/^https?:\/\//.test(path) ? path : baseUrl.replace(/\/$/, '') + path);
  for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.toString();
}

export function encodeBody(body: HttpRequest['body'], headers: Record<string, string>): string | Buffer | FormData | URLSearchParams | undefined {
  if (body === undefined || typeof body === 'string' || Buffer.isBuffer(body)) return body;
  if (body instanceof FormData) return body;
  if (body instanceof URLSearchParams) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    return body.toString();
  }
  headers['content-type'] ??= 'application/json';
  return JSON.stringify(body);
}

export function toResponse(raw: { status: number; headers: Record<string, string>; text: string }): HttpResponse {
  return { ...raw, json: <T>() => JSON.parse(raw.text) as T };
}

export class Transport {
  private readonly dispatch: Dispatcher;

  constructor(options: TransportOptions = {}) {
    this.dispatch = options.dispatcher ?? undiciDispatcher;
  }

  /** The transport bound to one provider and connection, as connectors receive it. */
  forConnection(manifest: ProviderManifest<never>, connection: ResolvedConnection<unknown>): ProviderHttp {
    const timeoutDefault = manifest.timeoutMs ?? 10_000;
    return {
      request: async (req) => {
        const headers: Record<string, string> = { ...req.headers };
        if (req.idempotencyKey && manifest.idempotencyHeader) headers[manifest.idempotencyHeader] = req.idempotencyKey;
        const body = encodeBody(req.body, headers);
        const signal = AbortSignal.timeout(req.timeoutMs ?? timeoutDefault);
        let raw;
        try {
          raw = await this.dispatch({ url: buildUrl(connection.baseUrl, req.path, req.query), method: req.method, headers, body, signal });
        } catch (err) {
          throw new HubError('provider_unavailable', `${manifest.name} could not be reached: ${(err as Error).message}`, {
            provider: manifest.id,
            cause: err,
          });
        }
        const res = toResponse(raw);
        if (res.status >= 400) throw manifest.mapError(res);
        return res;
      },
      execute: async <T>(_operation: string, fn: (signal: AbortSignal) => Promise<T>, options: ExecuteOptions = {}) =>
        fn(AbortSignal.timeout(options.timeoutMs ?? timeoutDefault)),
    };
  }
}
