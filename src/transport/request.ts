/**
 * One HTTP request as a pipeline {@link Call}: auth and body prepared once, then per attempt
 * (after the backoff and the rate-limit wait) fresh headers, the signing hooks, the body (a new
 * stream from a factory), the send, and the answer read as text, bytes or a stream.
 */
import { Readable } from 'node:stream';
import type { Clock } from '../core/clock.js';
import type { SigningRequest } from './auth-spec.js';
import { applyAuth, setHeader, type AuthConnection, type AuthOwner } from './auth.js';
import { prepareBody } from './body.js';
import { fromResponse } from './failures.js';
import { buildUrl, checkMethod, isIdempotentMethod, requestIdOf, toResponse } from './http.js';
import type { CallSeries } from './metrics.js';
import type { Call } from './pipeline.js';
import type {
  AuthSpec,
  DispatchResponse,
  Dispatcher,
  ErrorMapper,
  HttpBufferResponse,
  HttpRequest,
  HttpResponse,
  HttpStreamResponse,
  ResponseType,
} from './types.js';

/** Any answer of {@link ProviderHttp.request}, by `responseType`. */
export type AnyResponse = HttpResponse | HttpBufferResponse | HttpStreamResponse;

/** What building an HTTP call needs from the transport, the manifest and the connection. */
export interface HttpCallContext {
  dispatch: Dispatcher;
  clock: Clock;
  owner: AuthOwner;
  connectionId: string;
  connection: AuthConnection & { baseUrl: string };
  auth?: AuthSpec;
  idempotencyHeader?: string;
  mapError: ErrorMapper;
  series: CallSeries;
  timeoutMs: number;
}

/**
 * Builds the call for `req`. Throws (before anything is sent) on an invalid method or missing
 * credentials.
 *
 * @example
 * const res = await runCall(deps, lane, httpCall(ctx, { method: 'PROPFIND', path: '/dav/', operation: 'calendar.list' }));
 */
export function httpCall(ctx: HttpCallContext, req: HttpRequest<ResponseType>): Call<AnyResponse> {
  const method = checkMethod(req.method);
  const { owner, connection, idempotencyHeader } = ctx;
  const url = new URL(buildUrl(connection.baseUrl, req.path, req.query));
  // The manifest's credentials go to the connection's own origin only (as fetch drops them on a
  // cross-origin redirect); a custom `sign` hook decides for itself, a request's `auth` is explicit.
  const foreign = url.origin !== originOf(connection.baseUrl) && ctx.auth?.type !== 'custom';
  const auth = applyAuth(req.auth ?? (foreign ? undefined : ctx.auth), connection, owner);
  const headers: Record<string, string> = { ...req.headers };
  const keyed = idempotencyHeader !== undefined && req.idempotencyKey !== undefined;
  if (keyed) headers[idempotencyHeader] = req.idempotencyKey as string;
  for (const [name, value] of Object.entries(auth.headers)) setHeader(headers, name, value);
  const body = prepareBody(req.body, headers, req.payloadHash);
  if (auth.query) url.searchParams.set(auth.query.name, auth.query.value);
  const responseType = req.responseType ?? 'text';
  const signers = [auth.sign, req.sign].filter((s) => s !== undefined);
  return {
    provider: owner.id,
    connectionId: ctx.connectionId,
    operation: req.operation,
    method,
    url: url.toString(),
    secretParams: auth.query ? [auth.query.name] : undefined,
    secretValues: req.secrets,
    series: ctx.series,
    idempotent: keyed || isIdempotentMethod(method),
    timeoutMs: req.timeoutMs ?? ctx.timeoutMs,
    signal: req.signal,
    replayable: body.replayable,
    send: async (signal, attempt) => {
      const signing: SigningRequest = {
        method,
        url: new URL(url),
        headers: { ...headers },
        // Read only by hooks that look: a string body is not copied into bytes for nothing.
        get body() {
          return body.describe();
        },
        attempt,
      };
      for (const sign of signers) await sign(signing);
      const raw = await ctx.dispatch({
        url: signing.url.toString(),
        method,
        headers: signing.headers,
        body: await body.next(),
        // The caller's signal must also abort a streamed answer, read after this attempt resolved.
        signal: req.signal && responseType === 'stream' ? AbortSignal.any([signal, req.signal]) : signal,
        responseType,
      });
      if (raw.status >= 400) {
        const res = toResponse({ status: raw.status, headers: raw.headers, text: await textOf(raw) });
        throw fromResponse(res, req.mapError ?? ctx.mapError, owner, ctx.clock.now());
      }
      return answer(raw, responseType);
    },
    inspect: (res, outcome) => {
      outcome.status = res.status;
      outcome.requestId = requestIdOf(res.headers);
    },
  };
}

function originOf(url: string): string | undefined {
  try {
    return new URL(url).origin;
  } catch {
    return undefined;
  }
}

/** The whole body of a dispatcher's answer, whichever form it came in. */
async function bytesOf(raw: DispatchResponse): Promise<Buffer> {
  if (raw.bytes !== undefined) return raw.bytes;
  if (raw.text !== undefined) return Buffer.from(raw.text);
  if (raw.stream === undefined) return Buffer.alloc(0);
  const chunks: Buffer[] = [];
  for await (const chunk of raw.stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

const textOf = async (raw: DispatchResponse): Promise<string> => raw.text ?? (await bytesOf(raw)).toString();

/** A successful answer in the form the caller asked for. */
async function answer(raw: DispatchResponse, type: ResponseType): Promise<AnyResponse> {
  const head = { status: raw.status, headers: raw.headers };
  if (type === 'buffer') return { ...head, body: await bytesOf(raw) };
  if (type === 'text') return toResponse({ ...head, text: await textOf(raw) });
  return { ...head, body: raw.stream ?? Readable.from([await bytesOf(raw)], { objectMode: false }) };
}
