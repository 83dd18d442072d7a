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
  it("keeps a confirmed session's id and the lastSeenAt the store answered last", () => {
    const memo = new SessionIdMemo(10);
    const secret = newSessionSecret();
    const id = sessionIdOf(secret) as string;
    memo.remember(secret, id, 1000);
    expect(memo.get(secret)).toEqual({ id, seenAt: 1000 });
    memo.remember(secret, id, 61_000);
    expect(memo.get(secret)).toEqual({ id, seenAt: 61_000 });
    expect(memo.remembered).toBe(1);
  });

  it('knows nothing of a secret the store has not confirmed', () => {
    const memo = new SessionIdMemo(10);
    expect(memo.get(newSessionSecret())).toBeUndefined();
    expect(memo.remembered).toBe(0);
  });

  it('stays within its bound, the oldest secret going first', () => {
    const memo = new SessionIdMemo(3);
    const secrets = Array.from({ length: 4 }, newSessionSecret);
    for (const secret of secrets) memo.remember(secret, sessionIdOf(secret) as string, 0);
    expect(memo.remembered).toBe(3);
    expect(memo.get(secrets[0])).toBeUndefined();
    expect(memo.get(secrets[3])?.id).toBe(sessionIdOf(secrets[3]));
  });

  it('remembers nothing when its size is 0', () => {
    const memo = new SessionIdMemo(0);
    const secret = newSessionSecret();
    memo.remember(secret, sessionIdOf(secret) as string, 0);
    expect(memo.remembered).toBe(0);
  });
});
