/**
 * How a provider's requests authenticate, as data in its manifest (`manifest.auth`). The
 * transport applies it to every HTTP request, so a connector sets no auth header of its own.
 *
 * Values are templates over the connection's credential fields: `'{apiKey}'` is replaced by
 * `credentials.apiKey`, `'{clientId}:{clientSecret}'` by both. A field that is missing or empty
 * fails the call with `config_invalid` naming the field, before anything is sent.
 *
 * Vendors that sign each request (AWS SigV4, Azure SharedKey) declare `custom` with a `sign`
 * hook; the transport calls it on every attempt, right before sending.
 *
 * The credentials go only to the connection's own origin: a request to an absolute URL elsewhere
 * (a download link, a certificate) carries none unless it names its own `auth`.
 *
 * @example
 * auth: { type: 'bearer', token: '{apiKey}' }                          // Authorization: Bearer <apiKey>
 * auth: { type: 'basic', username: 'api', password: '{apiKey}' }       // Authorization: Basic base64(api:<apiKey>)
 * auth: { type: 'header', name: 'X-Api-Key', value: '{apiKey}' }
 * auth: { type: 'query', name: 'key', value: '{apiKey}' }              // ?key=<apiKey> (redacted in logs)
 * auth: { type: 'oauth2' }                                             // Bearer <connection.tokenSource.get()>, else connection.tokens.accessToken
 * auth: { type: 'custom', description: 'SigV4', sign: (req, conn) => signV4(req, conn.credentials) }
 */

/** `Authorization: Bearer <token>`. */
export interface BearerAuth {
  type: 'bearer';
  /** Template, e.g. `'{apiKey}'`. */
  token: string;
}

/** `Authorization: Basic base64(<username>:<password>)`. */
export interface BasicAuth {
  type: 'basic';
  /** Template, e.g. `'api'` or `'{clientId}'`. */
  username: string;
  /** Template, e.g. `'{apiKey}'`. */
  password: string;
}

/** One header carrying the secret: `X-Api-Key: <value>`. */
export interface HeaderAuth {
  type: 'header';
  name: string;
  /** Template, e.g. `'{apiKey}'` or `'Token {apiKey}'`. */
  value: string;
}

/** One query parameter carrying the secret: `?key=<value>`. Audit entries and logs show `[redacted]`. */
export interface QueryAuth {
  type: 'query';
  name: string;
  /** Template, e.g. `'{apiKey}'`. */
  value: string;
}

/**
 * `Authorization: Bearer <access token>` (tokens from an OAuth2 flow): from the connection's
 * {@link TokenSource} when it has one (refreshed, one retry after a 401), else `tokens.accessToken`.
 */
export interface OAuth2Auth {
  type: 'oauth2';
}

/**
 * Where `{ type: 'oauth2' }` gets a usable access token when the connection has one (the hub's
 * token manager, `oauth/token-manager.ts`): refreshed before expiry; after a 401 the transport
 * calls `invalidate(token)`, then `get()` once more, and retries the request once.
 */
export interface TokenSource {
  get(options?: { force?: boolean; signal?: AbortSignal }): Promise<string>;
  /** The provider refused `token`: the next `get()` refreshes, unless the token was already replaced. */
  invalidate(token: string): void;
}

/** No credentials on the wire (a public API), or nothing the transport should add. */
export interface NoAuth {
  type: 'none';
}

/** Not HTTP: the connector hands the credentials to an SMTP client (`execute`). */
export interface SmtpAuth {
  type: 'smtp';
}

/** The connector or a signing hook authenticates; the transport adds nothing by itself. */
export interface CustomAuth<Creds = unknown> {
  type: 'custom';
  /** For docs: what the connector does (`'OAuth2 client credentials, see token.ts'`). */
  description?: string;
  /** Called on every attempt right before sending, with the connection's credentials. */
  sign?(request: SigningRequest, connection: SigningConnection<Creds>): void | Promise<void>;
}

/** What a provider's requests carry to authenticate. See the module comment. */
export type AuthSpec<Creds = unknown> = BearerAuth | BasicAuth | HeaderAuth | QueryAuth | OAuth2Auth | NoAuth | SmtpAuth | CustomAuth<Creds>;

/** What the body of a request to sign is known to be when the hook runs. */
export type BodyDescriptor =
  /** No body. */
  | { type: 'empty'; payloadHash?: string }
  /** The exact bytes that will be sent (JSON, text, form and binary bodies). */
  | { type: 'bytes'; bytes: Buffer; payloadHash?: string }
  /**
   * Streamed (a stream, a body factory, FormData): the bytes are not known before sending.
   * `payloadHash` is the caller's `HttpRequest.payloadHash`, e.g. `UNSIGNED-PAYLOAD` or a hex SHA-256.
   */
  | { type: 'stream'; payloadHash?: string };

/** One attempt about to be sent, as a signing hook sees it. */
export interface SigningRequest {
  /** The method as sent (`PUT`, `PROPFIND`…). */
  readonly method: string;
  /** The final URL; a hook may add query parameters (presigned-style auth). */
  readonly url: URL;
  /** The headers as they will be sent; a hook adds or replaces entries (prefer lower-case names). */
  headers: Record<string, string>;
  readonly body: BodyDescriptor;
  /** 1 for the first attempt. */
  readonly attempt: number;
}

/** The connection fields a manifest-level `sign` hook reads. */
export interface SigningConnection<Creds = unknown> {
  id: string;
  credentials: Creds;
}

/**
 * A request-level signing hook (`HttpRequest.sign`): called on every attempt, after the backoff
 * and the rate-limit wait, so timestamps it signs (`X-Amz-Date`, `x-ms-date`) are fresh.
 *
 * @example
 * const sign: SignHook = (req) => { req.headers['x-ms-date'] = new Date().toUTCString(); };
 */
export type SignHook = (request: SigningRequest) => void | Promise<void>;

/**
 * The credential fields an auth spec's templates reference, in order (for load-time checks and docs).
 *
 * @example
 * authFields({ type: 'basic', username: '{clientId}', password: '{clientSecret}' }) // ['clientId', 'clientSecret']
 */
export function authFields<Creds>(spec: AuthSpec<Creds>): string[] {
  const templates: string[] = [];
  if (spec.type === 'bearer') templates.push(spec.token);
  else if (spec.type === 'basic') templates.push(spec.username, spec.password);
  else if (spec.type === 'header' || spec.type === 'query') templates.push(spec.value);
  return templates.flatMap((t) => [...t.matchAll(TEMPLATE_FIELD)].map((m) => m[1] as string));
}

/** `{field}` in an auth template: a credential field name. */
export const TEMPLATE_FIELD = /\{([A-Za-z_$][\w$]*)\}/g;
