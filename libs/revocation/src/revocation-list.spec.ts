import { describe, expect, it } from '@jest/globals';
import { RevocationList } from './revocation-list.js';

const T = Date.UTC(2026, 10, 29, 12);

describe('RevocationList', () => {
  it('refuses a revoked sid and nothing else', () => {
    const list = new RevocationList();
    list.apply({ userId: 'u', sids: ['s1'], expiresAt: T + 60_000 });
    expect(list.isRevoked('s1', 'u', T / 1000)).toBe(true);
    expect(list.isRevoked('s2', 'u', T / 1000)).toBe(false);
  });

  it('refuses tokens issued before a logout-all, and accepts those issued after', () => {
    const list = new RevocationList();
    list.apply({ userId: 'u', sids: [], notBefore: T, expiresAt: T + 60_000 });
    expect(list.isRevoked('any', 'u', T / 1000 - 1)).toBe(true);
    expect(list.isRevoked('any', 'u', T / 1000)).toBe(false);
    expect(list.isRevoked('any', 'other-user', T / 1000 - 1)).toBe(false);
  });

  it('keeps the later of two not-before times', () => {
    const list = new RevocationList();
    list.apply({ userId: 'u', sids: [], notBefore: T + 5000, expiresAt: T + 65_000 });
    list.apply({ userId: 'u', sids: [], notBefore: T, expiresAt: T + 60_000 });
    expect(list.isRevoked('any', 'u', (T + 4000) / 1000)).toBe(true);
  });

  it('forgets entries once every token they cover has expired, so memory stays bounded', () => {
    const list = new RevocationList();
    for (let i = 0; i < 1000; i++)
      list.apply({ userId: `u${i}`, sids: [`s${i}`], expiresAt: T + i });
    list.apply({ userId: 'x', sids: [], notBefore: T, expiresAt: T + 500 });
    expect(list.size).toBe(1001);
    list.prune(T + 500);
    expect(list.size).toBe(499);
    list.prune(T + 1000);
    expect(list.size).toBe(0);
  });
});
