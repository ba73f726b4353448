/**
 * A small local OAuth token server for token manager tests: a real HTTP server that counts token
 * requests, issues access and refresh tokens, rotates refresh tokens as a provider would
 * (`always`: the old one dies; `grace`: the old one still works; `never`: no new one in the
 * answer), checks the client secret, answers scripted failures, and serves an API route that
 * accepts only live access tokens.
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface TokenServerOptions {
  rotation?: 'always' | 'grace' | 'never';
  /** `expires_in` of access tokens (default 3600). */
  expiresIn?: number;
  clientId?: string;
  clientSecret?: string;
  /** Every token request waits this long before answering (to make racing refreshes overlap). */
  delayMs?: number;
}

export interface Failure {
  status: number;
  body: Record<string, unknown>;
  headers?: Record<string, string>;
}

export interface TokenServer {
  url: string;
  tokenUrl: string;
  apiUrl: string;
  /** Token requests, in order, as parsed forms. */
  requests: Record<string, string>[];
  /** Answers the next token requests with these failures first. */
  fail(...failures: Failure[]): void;
  /** Issues a refresh token the server accepts (as an earlier authorization would). */
  seed(refreshToken: string): void;
  /** Refresh tokens the server still accepts. */
  live: Set<string>;
  /** Access tokens the API accepts; clear it to make the API answer 401. */
  access: Set<string>;
  /** Called when a token request's answer has been written (a test may kill the requesting process there). */
  onAnswered?: (form: Record<string, string>) => void;
  /** Every request to the API route refuses with 401. */
  refuseApi: boolean;
  close(): Promise<void>;
}

const read = (req: IncomingMessage) =>
  new Promise<string>((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString()));
  });

/**
 * Starts the server on a free loopback port.
 *
 * @example
 * const server = await startTokenServer({ rotation: 'always' }); server.seed('rt-0');
 */
export async function startTokenServer(options: TokenServerOptions = {}): Promise<TokenServer> {
  const { rotation = 'always', expiresIn = 3600, clientId = 'cid', clientSecret = 's3cret', delayMs = 0 } = options;
  let n = 0;
  const failures: Failure[] = [];
  const handle = { requests: [], live: new Set<string>(), access: new Set<string>(), refuseApi: false } as unknown as TokenServer;
  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const json = (status: number, payload: unknown, headers: Record<string, string> = {}) => {
        res.writeHead(status, { 'content-type': 'application/json', ...headers });
        res.end(JSON.stringify(payload));
      };
      if (req.url === '/api/me') {
        const token = (req.headers.authorization ?? '').replace(/^Bearer /, '');
        return handle.refuseApi || !handle.access.has(token) ? json(401, { error: 'invalid_token' }) : json(200, { me: 'ok' });
      }
      const form = Object.fromEntries(new URLSearchParams(body));
      handle.requests.push(form);
      if (delayMs) await new Promise((r) => setTimeout(r, delayMs));
      const failure = failures.shift();
      if (failure) return json(failure.status, failure.body, failure.headers);
      const basic = req.headers.authorization?.startsWith('Basic ') ? Buffer.from(req.headers.authorization.slice(6), 'base64').toString() : undefined;
      const [id, secret] = basic ? basic.split(':') : [form.client_id, form.client_secret];
      if (id !== clientId || secret !== clientSecret) return json(401, { error: 'invalid_client', error_description: 'Client authentication failed.' });
      const accessToken = `at-${++n}`;
      const answer: Record<string, unknown> = { access_token: accessToken, token_type: 'Bearer', expires_in: expiresIn };
      if (form.grant_type === 'refresh_token') {
        const rt = form.refresh_token ?? '';
        if (!handle.live.has(rt)) return json(400, { error: 'invalid_grant', error_description: 'The refresh token is invalid, expired or already used.' });
        if (rotation !== 'never') {
          if (rotation === 'always') handle.live.delete(rt);
          answer.refresh_token = `rt-${n}`;
          handle.live.add(`rt-${n}`);
        }
      } else if (form.grant_type !== 'client_credentials' && form.grant_type !== 'account_credentials') {
        return json(400, { error: 'unsupported_grant_type' });
      }
      handle.access.add(accessToken);
      json(200, answer);
      handle.onAnswered?.(form);
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return Object.assign(handle, {
    url,
    tokenUrl: `${url}/oauth/token`,
    apiUrl: `${url}/api/me`,
    fail: (...f: Failure[]) => void failures.push(...f),
    seed: (rt: string) => void handle.live.add(rt),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}
