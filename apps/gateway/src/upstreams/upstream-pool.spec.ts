import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { UpstreamPool } from './upstream-pool.js';

describe('UpstreamPool', () => {
  let pool: UpstreamPool;
  beforeEach(() => {
    pool = new UpstreamPool('api', { probeIntervalMs: 1000, probeTimeoutMs: 100 });
  });
  afterEach(() => pool.close());

  it('spreads idle traffic round robin over every member', () => {
    pool.setOrigins(['http://127.0.0.1:1', 'http://127.0.0.1:2', 'http://127.0.0.1:3']);
    const picked = Array.from({ length: 6 }, () => pool.pick()?.port);
    expect(picked).toEqual([1, 2, 3, 1, 2, 3]);
  });

  it('prefers the least busy member', () => {
    pool.setOrigins(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    pool.pick()!.inflight = 5;
    expect(pool.pick()?.port).toBe(2);
    expect(pool.pick()?.port).toBe(2);
  });

  it('skips an ejected member and the one a retry excludes', () => {
    pool.setOrigins(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    const [first, second] = [pool.pick()!, pool.pick()!];
    pool.eject(first);
    expect(pool.pick()?.port).toBe(2);
    expect(pool.pick(second)).toBeUndefined();
  });

  it('keeps the connection pool of members that stay when the member list changes', () => {
    pool.setOrigins(['http://127.0.0.1:1', 'http://127.0.0.1:2']);
    const kept = pool.pick()!;
    pool.setOrigins(['http://127.0.0.1:2', 'http://127.0.0.1:1', 'http://127.0.0.1:3']);
    expect(pool.size).toBe(3);
    const again = Array.from({ length: 3 }, () => pool.pick()).find((u) => u?.port === kept.port);
    expect(again).toBe(kept);
  });
});
