/**
 * What every HTTP emulator shares: a Fastify server on a loopback port, the chaos knobs
 * (error rate, latency, 429 + Retry-After, a dropped connection after accepting) and a poster
 * that delivers signed webhooks back to the hub.
 */
import { randomFillSync } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import { Agent, request } from 'undici';
import { NO_CHAOS, type ChaosSettings, type Emulator } from '../kit/emulator.js';

export interface ChaosReplies {
  /** Answer for a simulated server error (the vendor's 5xx shape). */
  serverError(reply: FastifyReply): FastifyReply;
  /** Answer for a simulated 429 (the vendor's shape); `Retry-After` is already set. */
  rateLimited(reply: FastifyReply): FastifyReply;
}

/**
 * A Fastify app with chaos hooks installed on every route but `/__emulator/*` (test controls).
 *
 * @example
 * const { app, chaos } = createEmulatorApp({ serverError: r => r.code(500).send({ errors: [] }), rateLimited: r => r.send({}) });
 */
export function createEmulatorApp(replies: ChaosReplies): { app: FastifyInstance; chaos: ChaosSettings } {
  const chaos: ChaosSettings = { ...NO_CHAOS };
  const app = Fastify({ logger: false, bodyLimit: 30 * 1024 * 1024 });
  app.addHook('onRequest', async (req, reply) => {
    if (req.url.startsWith('/__emulator')) return;
    if (chaos.latencyMs > 0) await new Promise((r) => setTimeout(r, chaos.latencyMs));
    if (chaos.rateLimitNext > 0) {
      chaos.rateLimitNext--;
      reply.code(429).header('retry-after', String(chaos.retryAfterSec));
      return replies.rateLimited(reply);
    }
    if (chaos.errorRate > 0 && Math.random() < chaos.errorRate) return replies.serverError(reply);
  });
  app.get('/__emulator/chaos', async () => chaos);
  app.post('/__emulator/chaos', async (req) => Object.assign(chaos, req.body as Partial<ChaosSettings>));
  return { app, chaos };
}

/**
 * After the emulator has accepted (and kept) a request: if chaos asks for it, destroy the socket
 * without answering — the client sees a dropped connection although the work was done.
 * Returns true when the connection was dropped (the handler must then return `reply`).
 */
export function dropIfChaos(chaos: ChaosSettings, reply: FastifyReply): boolean {
  if (chaos.dropAfterAcceptNext <= 0) return false;
  chaos.dropAfterAcceptNext--;
  reply.hijack();
  reply.raw.socket?.destroy();
  return true;
}

/** Random bytes for emulator ids, drawn from the CSPRNG 4 KiB at a time (a call per id was ~2% of an emulator's CPU). */
const pool = Buffer.allocUnsafe(4096);
let poolAt = pool.length;

/**
 * `bytes` fresh random bytes as base64url (ids such as SendGrid's message and event ids).
 *
 * @example
 * randomId(16) // 'LRzXl_NHStOGhQ4kofSm_A'
 */
export function randomId(bytes: number): string {
  if (poolAt + bytes > pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const id = pool.toString('base64url', poolAt, poolAt + bytes);
  poolAt += bytes;
  return id;
}

/** Listen on loopback (port 0: a free one) and return the base URL. */
export async function listenLoopback(app: FastifyInstance, port = 0): Promise<string> {
  await app.listen({ host: '127.0.0.1', port });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('emulator did not bind a TCP port');
  return `http://127.0.0.1:${address.port}`;
}

/** Per attempt: the hub must answer (headers and body) within this long. */
const POST_TIMEOUT_MS = 5000;

/**
 * Posts webhooks to the hub after a delay, retrying a few times on failure as vendors do: to the
 * one `target` the hub set ({@link WebhookPoster.post}), or to any URL a subscription named
 * ({@link WebhookPoster.send}: Google Calendar's channels, Graph's subscriptions).
 * Posts in flight are awaited by {@link WebhookPoster.drain} (tests) and {@link WebhookPoster.close}.
 *
 * Posts go over undici's `request` on a keep-alive agent of the poster's own (WHATWG `fetch` with
 * an `AbortSignal.timeout` per post cost the emulators most of their CPU: ~1 ms a post), with
 * undici's header and body timeouts instead of a signal.
 */
export class WebhookPoster {
  target: string | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private closed = false;
  private readonly agent = new Agent({ keepAliveTimeout: 10_000, connections: 16, headersTimeout: POST_TIMEOUT_MS, bodyTimeout: POST_TIMEOUT_MS });

  constructor(private readonly delayMs = 50) {}

  /** Schedule one POST of `body` with `headers` to the hub's target (signing is the caller's). */
  post(body: string, headers: Record<string, string>): void {
    if (this.target) void this.send(this.target, body, headers);
  }

  /**
   * POST `body` to `url` after the poster's delay, again after a failure or a 5xx (up to
   * `attempts`, waiting `retryDelayMs` × the attempt number between); resolves with the receiver's
   * last status (0: never reached, or the poster closed).
   */
  send(url: string, body: string, headers: Record<string, string>, options: { attempts?: number; retryDelayMs?: number } = {}): Promise<number> {
    if (this.closed) return Promise.resolve(0);
    const attempts = options.attempts ?? 3;
    const run = (async () => {
      if (this.delayMs > 0) await new Promise((r) => setTimeout(r, this.delayMs));
      let status = 0;
      for (let attempt = 0; attempt < attempts && !this.closed; attempt++) {
        try {
          const res = await request(url, { method: 'POST', headers, body, dispatcher: this.agent });
          await res.body.dump();
          status = res.statusCode;
          if (status < 500) break;
        } catch {
          // the hub may be restarting; try again
        }
        if (attempt + 1 < attempts) await new Promise((r) => setTimeout(r, (options.retryDelayMs ?? 200) * (attempt + 1)));
      }
      return status;
    })();
    const tracked = run.then(() => undefined);
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
    return run;
  }

  /** Resolve once every scheduled post has been delivered (or given up). */
  async drain(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.all([...this.inFlight]);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.inFlight]);
    await this.agent.close().catch(() => {});
  }
}

/**
 * The webhook and lifecycle part of an {@link Emulator} every HTTP emulator shares: where its
 * signed events go, waiting for them, and closing the poster then the server.
 *
 * @example
 * return { url, credentials, chaos, accepted, ...webhookControls(poster, app) };
 */
export function webhookControls(poster: WebhookPoster, app: FastifyInstance): Pick<Emulator, 'setWebhookTarget' | 'close'> & { drainWebhooks(): Promise<void> } {
  return {
    setWebhookTarget(target) {
      poster.target = target;
    },
    drainWebhooks: () => poster.drain(),
    async close() {
      await poster.close();
      await app.close();
    },
  };
}
