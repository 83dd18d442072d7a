import { describe, expect, it } from '@jest/globals';
import { newSessionSecret, sessionIdOf } from './session-id.js';

describe('session ids', () => {
  it('makes secrets of 256 random bits that never repeat', () => {
    const secrets = new Set(Array.from({ length: 1000 }, newSessionSecret));
    expect(secrets.size).toBe(1000);
    for (const secret of secrets) expect(Buffer.from(secret, 'base64url')).toHaveLength(32);
  });

  it('stores a session under the hash of its secret, not the secret', () => {
    const secret = newSessionSecret();
    const id = sessionIdOf(secret);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(id).not.toBe(secret);
    expect(sessionIdOf(secret)).toBe(id);
  });

  it.each(['', 'short', 'a'.repeat(42), `${'a'.repeat(42)}!`, 'a'.repeat(44)])(
    'rejects a cookie value %p that cannot be a session secret, before any store lookup',
    (value) => {
      expect(sessionIdOf(value)).toBeUndefined();
    },
  );
});
