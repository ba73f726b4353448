/**
 * The emulators of sandboxed providers, started when first used: a hub that serves twenty
 * providers starts none of them until a call, a connector or a test asks. One start per provider
 * however many callers ask at once; signed webhooks go to the hub's base URL, also for emulators
 * started after `setWebhookBase`. The emulator of an `oauth2` provider (Gmail) issues an access
 * token, which a sandbox connection without tokens of its own gets as it gets the credentials.
 * A provider whose manifest names `emulatorOf` shares that provider's emulator (one server, one
 * sandbox account: Google Meet's meetings are events in Google Calendar's emulator).
 */
import type { Emulator, EmulatorOptions } from '../kit/emulator.js';
import type { ProviderDefinition, TokenSet } from '../kit/connector.js';

export class Sandboxes {
  private readonly defs = new Map<string, ProviderDefinition>();
  private readonly started = new Map<string, Emulator>();
  private readonly starting = new Map<string, Promise<Emulator>>();
  private webhookBase: string | undefined;
  private closed = false;

  /** The hub's URL the emulators post to (`setWebhookBase`), once the hub listens. */
  get base(): string | undefined {
    return this.webhookBase;
  }

  /** @param options what every emulator starts with (`autoApprove` for consent pages). */
  constructor(private readonly options: EmulatorOptions = {}) {}

  /** Mark `def` as sandboxed: its emulator starts on first {@link start}. */
  add(def: ProviderDefinition): void {
    this.defs.set(def.manifest.id, def);
  }

  has(provider: string): boolean {
    return this.defs.has(provider);
  }

  /** The running emulator of `provider`, if it was started. */
  get(provider: string): Emulator | undefined {
    return this.started.get(this.hostOf(provider));
  }

  /** Whose emulator `provider` runs against: its own, or its manifest's `emulatorOf`. */
  private hostOf(provider: string): string {
    return this.defs.get(provider)?.manifest.emulatorOf ?? provider;
  }

  /**
   * The emulator of `provider`, started now if it is not running yet. Given the sandbox
   * `connection` it serves, the emulator's OAuth tokens (if it issues any) go on it, unless the
   * connection holds tokens of its own (a tenant that connected through the sandbox authorization
   * server keeps them).
   *
   * @example
   * const sendgrid = await sandboxes.start('sendgrid'); // sendgrid.url, sendgrid.credentials
   * await sandboxes.start('gmail', connection); // connection.tokens: the emulator's access token
   */
  async start(provider: string, connection?: { tokens?: TokenSet }): Promise<Emulator> {
    const emulator = await this.emulator(provider);
    if (connection && emulator.tokens && !connection.tokens?.accessToken) connection.tokens = { ...emulator.tokens };
    return emulator;
  }

  private emulator(asked: string): Promise<Emulator> {
    // A provider sharing another's emulator (`emulatorOf`) starts and finds it under that id.
    const provider = this.hostOf(asked);
    const running = this.started.get(provider);
    if (running) return Promise.resolve(running);
    let pending = this.starting.get(provider);
    if (!pending) {
      const def = this.defs.get(provider) ?? this.defs.get(asked);
      if (!def?.startEmulator) return Promise.reject(new Error(`${asked} has no emulator`));
      pending = def.startEmulator(this.options).then(async (emulator) => {
        if (this.closed) {
          await emulator.close();
          throw new Error('the hub is closing');
        }
        if (this.webhookBase) emulator.setWebhookTarget(`${this.webhookBase}/webhooks/${provider}`);
        this.started.set(provider, emulator);
        return emulator;
      });
      pending.finally(() => this.starting.delete(provider)).catch(() => {});
      this.starting.set(provider, pending);
    }
    return pending;
  }

  /** Where emulators post their signed webhooks: `<baseUrl>/webhooks/<provider>`. */
  setWebhookBase(baseUrl: string): void {
    this.webhookBase = baseUrl.replace(/\/$/, '');
    for (const [id, emu] of this.started) emu.setWebhookTarget(`${this.webhookBase}/webhooks/${id}`);
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.allSettled([...this.starting.values()]);
    await Promise.allSettled([...this.started.values()].map((e) => e.close()));
    this.started.clear();
  }
}
