import { describe, expect, it } from '@jest/globals';
import { MemorySessionStore } from './session-store.memory.js';
import type { SessionRecord } from './session-store.js';

const T0 = Date.UTC(2026, 10, 29);
const MINUTE = 60_000;
const timeouts = { idleMs: 30 * MINUTE, absoluteMs: 8 * 60 * MINUTE, touchIntervalMs: MINUTE };

function record(now = T0): SessionRecord {
  return {
    userId: 'u1',
    username: 'alice',
    createdAt: now,
    lastSeenAt: now,
    absoluteExpiresAt: now + timeouts.absoluteMs,
    userAgent: 'jest',
  };
}

describe('MemorySessionStore', () => {
  it('ends a session that stays idle past the idle timeout', async () => {
    const store = new MemorySessionStore(timeouts);
    await store.create('s1', record());
    expect(await store.touch('s1', T0 + 29 * MINUTE)).toBeDefined();
    expect(await store.touch('s1', T0 + 29 * MINUTE + 30 * MINUTE)).toBeUndefined();
  });

  it('keeps an active session alive by refreshing lastSeenAt, but not past the absolute timeout', async () => {
    const store = new MemorySessionStore(timeouts);
    await store.create('s1', record());
    for (let t = T0; t < T0 + timeouts.absoluteMs; t += 20 * MINUTE) {
      expect(await store.touch('s1', t)).toBeDefined();
    }
    expect(await store.touch('s1', T0 + timeouts.absoluteMs)).toBeUndefined();
  });

  it('refreshes lastSeenAt at most once per touch interval', async () => {
    const store = new MemorySessionStore(timeouts);
    await store.create('s1', record());
    expect((await store.touch('s1', T0 + 30_000))?.lastSeenAt).toBe(T0);
    expect((await store.touch('s1', T0 + MINUTE))?.lastSeenAt).toBe(T0 + MINUTE);
  });

  it('lists and ends every session of one user only', async () => {
    const store = new MemorySessionStore(timeouts);
    await store.create('a', record());
    await store.create('b', record());
    await store.create('c', { ...record(), userId: 'u2' });
    expect((await store.listForUser('u1', T0)).map((s) => s.id).sort()).toEqual(['a', 'b']);
    expect(await store.deleteAllForUser('u1')).toBe(2);
    expect(await store.touch('a', T0)).toBeUndefined();
    expect(await store.touch('c', T0)).toBeDefined();
  });
});
