import { describe, expect, it } from 'vitest';
import { checkPushToken, issuePushToken, verifyPushToken } from './push-token.js';
import { Vault } from '../vault/vault.js';

describe('push tokens', () => {
  const vault = Vault.fromConfig(Vault.generateKey());
  const [key] = vault.derive('push:conn_a');

  it('verifies a token issued under the key, within Graph clientState length', () => {
    const token = issuePushToken(key!);
    expect(token.length).toBeLessThanOrEqual(128);
    expect(checkPushToken(token, [key!])).toBe(true);
    expect(issuePushToken(key!)).not.toBe(token); // each channel its own nonce
  });

  it('refuses another connection, a tampered token and garbage', () => {
    const token = issuePushToken(key!);
    const [other] = vault.derive('push:conn_b');
    expect(checkPushToken(token, [other!])).toBe(false);
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'AB' : 'AA');
    expect(checkPushToken(tampered, [key!])).toBe(false);
    expect(checkPushToken('pt1.x', [key!])).toBe(false);
    expect(checkPushToken(undefined, [key!])).toBe(false);
    expect(() => verifyPushToken('Google Calendar', undefined, [key!])).toThrow(expect.objectContaining({ code: 'webhook_signature_missing' }));
    expect(() => verifyPushToken('Google Calendar', tampered, [key!])).toThrow(expect.objectContaining({ code: 'webhook_signature_invalid' }));
  });

  it('keeps verifying after a key rotation, while the old key is configured', () => {
    const oldKey = Vault.generateKey();
    const newKey = Vault.generateKey();
    const [before] = Vault.fromConfig(oldKey).derive('push:conn_a');
    const token = issuePushToken(before!);
    const rotated = Vault.fromConfig(`${newKey},${oldKey}`).derive('push:conn_a');
    expect(rotated).toHaveLength(2);
    expect(rotated[1]).toBe(before);
    expect(checkPushToken(token, rotated)).toBe(true);
    expect(checkPushToken(token, Vault.fromConfig(newKey).derive('push:conn_a'))).toBe(false);
  });
});
