/**
 * A hub whose public URL is its own listening address (push channels, callbacks): the port must be
 * known before the hub is built, so one is picked free, and picked again if another process took
 * it before the hub listened (EADDRINUSE: two test files run at once).
 *
 * @example
 * const { hub, url } = await hubOnOwnPort((publicUrl) => createHub({ env: { …, SWITCHBOARD_PUBLIC_URL: publicUrl } }));
 */
import type { Hub } from '../../src/hub.js';
import { freePort } from '../../src/transport/test-utils/server.js';


export async function hubOnOwnPort(make: (publicUrl: string) => Promise<Hub>): Promise<{ hub: Hub; url: string }> {
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const hub = await make(`http://127.0.0.1:${port}`);
    try {
      return { hub, url: await hub.listen({ port, host: '127.0.0.1' }) };
    } catch (err) {
      await hub.close().catch(() => {});
      if (attempt >= 5 || (err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
}
