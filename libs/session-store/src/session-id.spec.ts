import { describe, expect, it } from '@jest/globals';
import { SessionIdMemo, newSessionSecret, sessionIdOf } from './session-id.js';

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

describe('SessionIdMemo', () => {
  it('answers the hash of the secret, remembered or not, and nothing for a malformed cookie', () => {
    const memo = new SessionIdMemo(10);
    const secret = newSessionSecret();
    const id = sessionIdOf(secret) as string;
    expect(memo.idOf(secret)).toBe(id);
    memo.remember(secret, id);
    expect(memo.idOf(secret)).toBe(id);
    expect(memo.idOf('not a secret')).toBeUndefined();
  });

  it('keeps only what the store confirmed, so made-up cookies take no room', () => {
    const memo = new SessionIdMemo(10);
    for (let i = 0; i < 100; i++) memo.idOf(newSessionSecret());
    expect(memo.remembered).toBe(0);
  });

  it('stays within its bound, and a secret pushed out is hashed again', () => {
    const memo = new SessionIdMemo(3);
    const secrets = Array.from({ length: 4 }, newSessionSecret);
    for (const secret of secrets) memo.remember(secret, sessionIdOf(secret) as string);
    expect(memo.remembered).toBe(3);
    expect(memo.idOf(secrets[0])).toBe(sessionIdOf(secrets[0]));
    memo.remember(secrets[0], sessionIdOf(secrets[0]) as string);
    expect(memo.remembered).toBe(3);
  });

  it('remembers nothing when its size is 0', () => {
    const memo = new SessionIdMemo(0);
    const secret = newSessionSecret();
    memo.remember(secret, sessionIdOf(secret) as string);
    expect(memo.remembered).toBe(0);
  });
});
