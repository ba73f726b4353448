/**
 * What a request log line shows (Fastify logs each request at info: "incoming request" and
 * "request completed"): method, path, caller address and headers, with every credential-bearing
 * header blanked (`authorization`, `cookie`, API keys, tokens, and the signature headers of
 * providers and webhook senders) and the values of such query parameters too.
 */
import type { FastifyRequest } from 'fastify';

/** Header and query parameter names whose values are credentials or signatures. */
export const SECRET_HEADER = /authorization|cookie|signature|(^|-)sig$|-sig-|token|secret|api[-_]?key|password|x-hub-signature|paypal-transmission-sig|x-zm-signature|x-twilio-signature|x-slack-signature/i;

const CENSOR = '[redacted]';

/** Headers with secret values blanked. */
export function redactHeaders(headers: Record<string, string | string[] | undefined>): Record<string, string | string[] | undefined> {
  const out: Record<string, string | string[] | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name] = SECRET_HEADER.test(name) ? CENSOR : value;
  return out;
}

/** A URL's path with secret-looking query values blanked (`?token=[redacted]`). */
export function redactUrl(url: string): string {
  const q = url.indexOf('?');
  if (q < 0) return url;
  const params = new URLSearchParams(url.slice(q + 1));
  for (const name of [...params.keys()]) if (SECRET_HEADER.test(name)) params.set(name, CENSOR);
  return `${url.slice(0, q)}?${params.toString()}`;
}

/**
 * pino serializers for Fastify's request log lines (give them to the server's logger child).
 *
 * @example
 * Fastify({ loggerInstance: logger.child({ mod: 'http' }, { serializers: requestLogSerializers }) })
 */
export const requestLogSerializers = {
  req: (req: FastifyRequest) => ({
    method: req.method,
    url: redactUrl(req.url),
    remoteAddress: req.ip,
    headers: redactHeaders(req.headers),
  }),
  res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
};
