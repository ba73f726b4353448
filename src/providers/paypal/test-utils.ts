/**
 * Test helpers: a PayPal connector wired to a running emulator over the real transport, each on
 * its own connection (so its own token cache entry), and the emulator's buyer approval.
 *
 * @see ./emulator/index.ts
 */
import { randomUUID } from 'node:crypto';
import { systemClock, type Clock } from '../../core/clock.js';
import { createLogger } from '../../core/logger.js';
import type { PaymentsProvider } from '../../categories/payments/contract.js';
import { Transport } from '../../transport/transport.js';
import type { ProviderContext } from '../../kit/connector.js';
import type { PaypalEmulator } from './emulator/index.js';
import { paypalManifest, type PaypalCredentials } from './manifest.js';
import { paypalCaller, paypalPayments, type PaypalCall } from './payments.js';

/** A connector plus the raw JSON caller of the same connection (for test setup: plans, products). */
export interface TestPaypal extends PaymentsProvider {
  connectionId: string;
  call: PaypalCall;
}

/**
 * Connects to the emulator with its credentials (plus overrides).
 *
 * @example
 * const pp = connectPaypal(emu); await pp.createPayment(input, { idempotencyKey: randomUUID() });
 */
export function connectPaypal(emu: PaypalEmulator, credentials: Partial<PaypalCredentials> = {}, transport: Transport = new Transport(), clock: Clock = systemClock): TestPaypal {
  const connectionId = `conn_${randomUUID()}`;
  const connection = { id: connectionId, tenantId: 'ten_test', provider: 'paypal', mode: 'sandbox' as const, baseUrl: emu.url, credentials: { ...emu.credentials, ...credentials } };
  const ctx: ProviderContext<PaypalCredentials> = { connection, http: transport.forConnection(paypalManifest, connection), clock, logger: createLogger('silent') };
  return Object.assign(paypalPayments(ctx), { connectionId, call: paypalCaller(ctx) });
}

/**
 * The buyer approves an order or a subscription (the emulator's test control).
 *
 * @example
 * await approveAt(emu, 'orders', order.id);
 */
export async function approveAt(emu: PaypalEmulator, kind: 'orders' | 'subscriptions', id: string): Promise<void> {
  const res = await fetch(`${emu.url}/__emulator/${kind}/${encodeURIComponent(id)}/approve`, { method: 'POST' });
  if (res.status !== 200) throw new Error(`the emulator did not approve ${kind} ${id}: HTTP ${res.status} ${await res.text()}`);
}
