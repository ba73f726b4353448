/**
 * A tiny Server-Sent Events client for tests: `fetch` streaming plus a parser of the
 * `text/event-stream` format (fields `id`, `event`, `data`, comment lines), written from the
 * WHATWG HTML specification rather than taken from the hub's own formatter.
 */

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- tests read arbitrary JSON
  json: any;
}

export interface SseClient {
  status: number;
  contentType: string;
  messages: SseMessage[];
  /** Comment lines seen (e.g. heartbeats). */
  comments: string[];
  /** Resolves once `messages.length >= n` (rejects after `timeoutMs`). */
  waitFor(n: number, timeoutMs?: number): Promise<SseMessage[]>;
  /** Resolves once `predicate` holds (checked on each message and comment). */
  until(predicate: () => boolean, timeoutMs?: number): Promise<void>;
  /** Resolves when the server ends the stream. */
  ended: Promise<void>;
  close(): void;
}

/**
 * Open `url` as an event stream.
 *
 * @example
 * const s = await openSse(`${t.url}/api/v1/events/stream`, { authorization: `Bearer ${t.key}` });
 * await s.waitFor(1); s.close();
 */
export async function openSse(url: string, headers: Record<string, string> = {}): Promise<SseClient> {
  const abort = new AbortController();
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal: abort.signal });
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  const notify = () => waiters.forEach((w) => w());
  let current: { id?: string; event?: string; data: string[] } = { data: [] };

  const line = (l: string) => {
    if (l === '') {
      if (current.data.length > 0) {
        const data = current.data.join('\n');
        let json: unknown;
        try {
          json = JSON.parse(data);
        } catch {
          json = undefined;
        }
        messages.push({ id: current.id, event: current.event ?? 'message', data, json });
      }
      current = { data: [] };
      return notify();
    }
    if (l.startsWith(':')) {
      comments.push(l.slice(1).trim());
      return notify();
    }
    const i = l.indexOf(':');
    const field = i === -1 ? l : l.slice(0, i);
    const value = i === -1 ? '' : l.slice(i + 1).replace(/^ /, '');
    if (field === 'id') current.id = value;
    else if (field === 'event') current.event = value;
    else if (field === 'data') current.data.push(value);
  };

  const ended = (async () => {
    if (!res.body) return;
    const decoder = new TextDecoder();
    let rest = '';
    try {
      for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
        rest += decoder.decode(chunk, { stream: true });
        const lines = rest.split(/\r\n|\r|\n/);
        rest = lines.pop() ?? '';
        lines.forEach(line);
      }
    } catch {
      // aborted by close()
    }
    notify();
  })();

  const until = (predicate: () => boolean, timeoutMs = 10_000) =>
    new Promise<void>((resolve, reject) => {
      if (predicate()) return resolve();
      const timer = setTimeout(() => {
        waiters.delete(check);
        reject(new Error(`SSE: condition not met within ${timeoutMs} ms (${messages.length} messages: ${messages.map((m) => m.id).join(',')})`));
      }, timeoutMs);
      const check = () => {
        if (!predicate()) return;
        clearTimeout(timer);
        waiters.delete(check);
        resolve();
      };
      waiters.add(check);
    });

  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    messages,
    comments,
    async waitFor(n, timeoutMs) {
      await until(() => messages.length >= n, timeoutMs);
      return messages;
    },
    until,
    ended,
    close: () => abort.abort(),
  };
}
