/**
 * One sandbox authorization server for every catalog provider a process sandboxes: the first
 * caller starts it, each caller gets a `release`, and the last release closes it. A hub's
 * providers (and the OAuth flows) share it, so a token it issued for Google is the token its
 * `/google/api` accepts.
 *
 * @example
 * const { emulator, release } = await sharedOAuthEmulator({ autoApprove: true });
 * emulator.entry('github').endpoints.tokenUrl; // …/github/token
 * await release();
 */
import type { EmulatorOptions } from '../../kit/emulator.js';
import type { OAuthEmulator } from './index.js';

/** The server's module (routes, jose keys) loads with the first sandboxed OAuth flow, not at start. */
const startOAuthEmulator = async (options: { autoApprove: boolean }) => (await import('./index.js')).startOAuthEmulator(options);

let shared: { emulator: Promise<OAuthEmulator>; refs: number; autoApprove: boolean; running?: OAuthEmulator } | undefined;

/** The shared server if it runs (Gmail's emulator asks it whether a token is Google's), without starting it. */
export function runningOAuthEmulator(): OAuthEmulator | undefined {
  return shared?.running;
}

export async function sharedOAuthEmulator(options: EmulatorOptions = {}): Promise<{ emulator: OAuthEmulator; release: () => Promise<void> }> {
  const autoApprove = options.autoApprove ?? false;
  // A caller wanting another consent mode than the running one gets a server of its own.
  if (shared && shared.autoApprove !== autoApprove) {
    const emulator = await startOAuthEmulator({ autoApprove });
    return { emulator, release: () => emulator.close() };
  }
  if (!shared) {
    const started = { emulator: startOAuthEmulator({ autoApprove }), refs: 0, autoApprove };
    started.emulator.catch(() => shared === started && (shared = undefined));
    shared = started;
  }
  const entry = shared;
  entry.refs++;
  let released = false;
  const emulator = await entry.emulator;
  entry.running = emulator;
  return {
    emulator,
    release: async () => {
      if (released) return;
      released = true;
      if (--entry.refs > 0) return;
      if (shared === entry) shared = undefined;
      await emulator.close();
    },
  };
}
