/**
 * Request bodies: encoding (JSON, form, text, bytes), streaming, and whether an attempt can send
 * the body again. A stream is read once, straight to the socket; a body factory makes a new
 * stream per attempt; a one-shot stream that began to be read cannot be sent again.
 */
import { HubError } from '../core/errors.js';
import type { BodyDescriptor } from './auth-spec.js';
import { hasHeader } from './auth.js';
import type { BodyStream, DispatchRequest, HttpRequest } from './types.js';

type WireBody = DispatchRequest['body'];

const isStream = (body: unknown): body is BodyStream =>
  typeof body === 'object' && body !== null && typeof (body as Partial<BodyStream>)[Symbol.asyncIterator] === 'function';

/**
 * Encodes a request body that is not streamed and sets `content-type` (unless the caller did, in
 * any case): a plain object or array as JSON, URLSearchParams as a form, bytes as
 * `application/octet-stream`; strings and FormData pass through.
 *
 * @example
 * const headers = {}; encodeBody({ a: 1 }, headers) // '{"a":1}', headers['content-type'] === 'application/json'
 */
export function encodeBody(body: HttpRequest['body'], headers: Record<string, string>): string | Buffer | FormData | undefined {
  const setType = (type: string) => {
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = type;
  };
  if (body === undefined || typeof body === 'string' || body instanceof FormData) return body;
  if (body instanceof Uint8Array) {
    setType('application/octet-stream');
    return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  }
  if (body instanceof URLSearchParams) {
    setType('application/x-www-form-urlencoded');
    return body.toString();
  }
  if (typeof body === 'function' || isStream(body)) throw new TypeError('encodeBody: streamed bodies are sent by the transport, not encoded');
  setType('application/json');
  return JSON.stringify(body);
}

/** A request body ready for any number of attempts. */
export interface PreparedBody {
  /** What a signing hook sees: the bytes, or that the body is streamed. */
  describe(): BodyDescriptor;
  /** The body for the next attempt (a factory is called here, once per attempt). */
  next(): Promise<WireBody>;
  /** False once a one-shot stream began to be read: another attempt would send a truncated body. */
  replayable(): boolean;
}

/**
 * Prepares `body` (setting `content-type` in `headers` as {@link encodeBody} does).
 *
 * @example
 * const body = prepareBody(() => createReadStream(path), headers, 'UNSIGNED-PAYLOAD');
 * await body.next(); // a fresh stream each attempt
 */
export function prepareBody(body: HttpRequest['body'], headers: Record<string, string>, payloadHash?: string): PreparedBody {
  if (typeof body === 'function') {
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/octet-stream';
    return {
      describe: () => ({ type: 'stream', payloadHash }),
      next: async () => {
        const stream = await body();
        if (!isStream(stream)) throw new HubError('internal_error', 'The body factory must return a Readable or an async iterable of Uint8Array chunks.');
        return stream;
      },
      replayable: () => true,
    };
  }
  if (isStream(body)) {
    if (!hasHeader(headers, 'content-type')) headers['content-type'] = 'application/octet-stream';
    const once = oneShot(body);
    return { describe: () => ({ type: 'stream', payloadHash }), next: () => Promise.resolve(once.stream), replayable: () => !once.started() };
  }
  const encoded = encodeBody(body, headers);
  let descriptor: BodyDescriptor | undefined;
  return {
    describe: () =>
      (descriptor ??=
        encoded === undefined
          ? { type: 'empty', payloadHash }
          : encoded instanceof FormData
            ? { type: 'stream', payloadHash }
            : { type: 'bytes', bytes: Buffer.isBuffer(encoded) ? encoded : Buffer.from(encoded), payloadHash }),
    next: () => Promise.resolve(encoded),
    replayable: () => true,
  };
}

/**
 * Wraps a stream so we know whether anyone began reading it. The source's iterator is created
 * on the first read only, so an attempt that failed before sending (connection refused) leaves
 * the stream untouched and the next attempt can still send all of it.
 */
function oneShot(source: BodyStream): { stream: BodyStream; started: () => boolean } {
  let iterator: AsyncIterator<Uint8Array> | undefined;
  const stream: BodyStream = {
    [Symbol.asyncIterator]: () => ({
      next: () => (iterator ??= source[Symbol.asyncIterator]()).next(),
      return: async (value?: unknown) => (await iterator?.return?.(value)) ?? { done: true, value: undefined },
      throw: async (err?: unknown) => {
        if (iterator?.throw) return iterator.throw(err);
        throw err;
      },
    }),
  };
  return { stream, started: () => iterator !== undefined };
}
